#!/usr/bin/env python3
"""Idempotence: the same project gives the same outputs, however it is built.

    python3 tests/faults/test_idempotence.py OREMAP_BINARY WORK_DIR

A project of four layers (two of which share out/map.gpkg):

  sites     20,000 points from lon/lat columns, some rejects:
            out/sites.geojson, out/web/sites.geojson (fewer fields,
            precision 5), layer "sites" of out/map.gpkg
  zones     WKT polygons (holes, one across the antimeridian, rejects):
            out/zones.geojson, layer "zones" of out/map.gpkg
  dms       hand-typed DMS coordinates: out/dms.geojson, out/dms.gpkg
  surveys   ED50 / UTM 36N coordinates: out/surveys.geojson, out/surveys.gpkg

is built several ways: -j 1 into a fresh out/ (the reference); -j 1 again
over those outputs (--force, and without: nothing to do); -j 2 into a fresh
out/; -j 2 --force over existing outputs; -j 4 and -j 1 into a fresh out/;
-j 2 into a fresh out/ run from another folder with -C and the project's
absolute path (every other build runs in the project with -C .).  Each
result must equal the reference: the same files, GeoJSON and rejects files
byte for byte, and every GeoPackage with the same layers, each with the
same fingerprint (rows, R-tree, schema, metadata; gpkg_contents.last_change
aside), the same spatial reference systems, and a clean integrity check.
".oremap-state*" and ".oremap.lock" are not outputs.
"""
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "idempotence"
SEED = 20240613

LAYERS = {
    "sites": """\
name: sites
title: Sites
source:
  path: data/sites.csv
  id: site_id
  fields: { site_id: string, year: integer, reo_pct: real }
locate:
  coordinates: { x: lon, y: lat, crs: "EPSG:4326" }
outputs:
  - out/sites.geojson
  - path: out/web/sites.geojson
    precision: 5
    fields: [site_id, name, commodity, status]
  - path: out/map.gpkg
    layer: sites
""",
    "zones": """\
name: zones
title: Licence areas
source:
  path: data/zones.csv
  id: zone_id
locate:
  wkt: footprint
outputs:
  - out/zones.geojson
  - path: out/map.gpkg
    layer: zones
""",
    "dms": """\
name: dms
source:
  path: data/dms.csv
  id: id
locate:
  dms: coords
outputs:
  - out/dms.geojson
  - out/dms.gpkg
""",
    "surveys": """\
name: surveys
source:
  path: data/surveys.csv
  id: survey_id
locate:
  coordinates: { x: easting, y: northing, crs: "EPSG:23036" }
outputs:
  - out/surveys.geojson
  - out/surveys.gpkg
""",
}


def snapshot(project, dest):
    """Copy out/ aside, leaving the build's own state and lock files out."""
    src = os.path.join(project, "out")
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=lambda d, names: [n for n in names if common.ignored(n)])
    return dest


def describe(out):
    """{relative path: ('bytes', sha256) | ('gpkg', {...})} for every file in out/."""
    files = {}
    for dirpath, _, names in os.walk(out):
        for n in names:
            if common.ignored(n):
                continue
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, out)
            if n.endswith(".gpkg"):
                fps, problems = common.gpkg_fingerprints(path)
                conn = common.connect(path)
                try:
                    srs = conn.execute("SELECT * FROM gpkg_spatial_ref_sys ORDER BY srs_id"
                                       ).fetchall()
                    tables = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name"
                                          ).fetchall()
                    app = conn.execute("PRAGMA application_id").fetchone()[0], \
                        conn.execute("PRAGMA user_version").fetchone()[0]
                    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                finally:
                    conn.close()
                files[rel] = ("gpkg", {"layers": fps, "problems": problems, "srs": srs,
                                       "objects": tables, "header": app, "journal_mode": mode})
            else:
                files[rel] = ("bytes", common.sha256_file(path))
    return files


def compare(label, got, ref, fail):
    """Failures for every way got differs from the reference."""
    n = 0
    for rel in sorted(set(got) | set(ref)):
        if rel not in got:
            fail.add("%s: %s missing (the reference has it)" % (label, rel))
            n += 1
            continue
        if rel not in ref:
            fail.add("%s: %s is extra (not in the reference)" % (label, rel))
            n += 1
            continue
        kind, g = got[rel]
        _, r = ref[rel]
        if kind == "bytes":
            if g != r:
                fail.add("%s: %s differs from the reference (sha256 %s, reference %s)"
                         % (label, rel, g[:16], r[:16]))
                n += 1
            continue
        if g["problems"]:
            fail.add("%s: %s: %s" % (label, rel, "; ".join(g["problems"])))
            n += 1
        for key in ("srs", "objects", "header", "journal_mode"):
            if g[key] != r[key]:
                fail.add("%s: %s: %s differ from the reference: %s vs %s"
                         % (label, rel, key, str(g[key])[:300], str(r[key])[:300]))
                n += 1
        for t in sorted(set(g["layers"]) | set(r["layers"])):
            if t not in g["layers"] or t not in r["layers"]:
                fail.add("%s: %s: layer %s only in %s" % (
                    label, rel, t, "the reference" if t in r["layers"] else "this build"))
                n += 1
            elif g["layers"][t] != r["layers"][t]:
                fail.add("%s: %s: layer %s differs in %s" % (
                    label, rel, t, ", ".join(common.fingerprint_diff(g["layers"][t],
                                                                     r["layers"][t]))))
                n += 1
    return n


def self_check(work, ref_dir, ref, fail_prefix):
    """compare() must notice a changed attribute, a changed GeoJSON byte and
    a missing file, and must not care about gpkg_contents.last_change."""
    problems = []
    probe = common.Failures(fail_prefix + " self-check")
    probe.add = lambda msg: probe.items.append(msg)
    d = os.path.join(work, "probe")

    def mutated(fn):
        if os.path.lexists(d):
            shutil.rmtree(d)
        shutil.copytree(ref_dir, d)
        fn(d)
        probe.items.clear()
        compare("probe", describe(d), ref, probe)
        return list(probe.items)

    def touch_last_change(d):
        c = common.connect(os.path.join(d, "map.gpkg"))
        c.execute("UPDATE gpkg_contents SET last_change = '2000-01-01T00:00:00.000Z'")
        c.close()
    if mutated(touch_last_change):
        problems.append("a changed last_change was reported: %s" % probe.items)

    def change_attribute(d):
        c = common.connect(os.path.join(d, "map.gpkg"))
        common.stub_spatial_functions(c)
        c.execute("UPDATE sites SET name = name || ' ' WHERE fid = 17")
        c.close()
    if not mutated(change_attribute):
        problems.append("a changed attribute went unnoticed")

    def change_real(d):
        c = common.connect(os.path.join(d, "surveys.gpkg"))
        common.stub_spatial_functions(c)
        col = [r[1] for r in c.execute("PRAGMA table_info(surveys)") if r[2] == "REAL"][0]
        c.execute("UPDATE surveys SET %s = %s + 1e-9 WHERE fid = 3" % (col, col))
        c.close()
    if not mutated(change_real):
        problems.append("a real changed in its 10th decimal went unnoticed")

    def change_byte(d):
        p = os.path.join(d, "web", "sites.geojson")
        with open(p, "r+b") as f:
            f.seek(os.path.getsize(p) // 2)
            b = f.read(1)
            f.seek(-1, 1)
            f.write(b"0" if b != b"0" else b"1")
    if not mutated(change_byte):
        problems.append("a changed GeoJSON byte went unnoticed")

    if not mutated(lambda d: os.remove(os.path.join(d, "rejects", "zones.csv"))):
        problems.append("a missing rejects file went unnoticed")
    shutil.rmtree(d)
    if problems:
        raise common.SetupError("self-check failed: " + "; ".join(problems))


def main():
    binary, work = common.parse_args(sys.argv, "test_idempotence.py")
    fail = common.Failures(NAME)
    t_start = time.monotonic()
    try:
        common.fresh_dir(work)
        env = common.oremap_env(work)
        project = os.path.join(work, "project")
        common.write_project(project, NAME, LAYERS)
        data = os.path.join(project, "data")
        rows = common.sites_version_a(20_000, SEED)
        common.write_csv(os.path.join(data, "sites.csv"), common.SITE_HEADER, rows)
        common.write_csv(os.path.join(data, "zones.csv"), common.ZONE_HEADER,
                         common.zone_rows(300, SEED, "B"))
        common.write_csv(os.path.join(data, "dms.csv"), ["id", "name", "coords"],
                         common.dms_rows(500, SEED))
        common.write_csv(os.path.join(data, "surveys.csv"),
                         ["survey_id", "name", "easting", "northing", "depth_m"],
                         common.utm_rows(2000, SEED))

        code, out, err = common.build_ok(binary, project, ["-j", "1"], env, expect=(1,),
                                         what="reference build (-j 1)")
        ref_dir = snapshot(project, os.path.join(work, "ref"))
        ref = describe(ref_dir)
        expected_files = {"sites.geojson", "web/sites.geojson", "map.gpkg", "zones.geojson",
                          "dms.geojson", "dms.gpkg", "surveys.geojson", "surveys.gpkg",
                          "rejects/sites.csv", "rejects/zones.csv", "rejects/dms.csv",
                          "rejects/surveys.csv"}
        if set(ref) != expected_files:
            raise common.SetupError("the reference build wrote %s, expected %s" % (
                sorted(ref), sorted(expected_files)))
        if set(ref["map.gpkg"][1]["layers"]) != {"sites", "zones"}:
            raise common.SetupError("map.gpkg holds %s" % sorted(ref["map.gpkg"][1]["layers"]))
        for rel, (kind, v) in ref.items():
            if kind == "gpkg" and v["problems"]:
                raise common.SetupError("reference %s: %s" % (rel, v["problems"]))
        for rel in ("rejects/sites.csv", "rejects/zones.csv", "rejects/dms.csv",
                    "rejects/surveys.csv"):
            with open(os.path.join(ref_dir, rel), encoding="utf-8") as f:
                if len(f.read().splitlines()) < 2:
                    raise common.SetupError("%s lists no rejects" % rel)
        self_check(work, ref_dir, ref, NAME)
    except common.SetupError as e:
        print("%s: SETUP FAILED: %s" % (NAME, e), file=sys.stderr)
        return 2

    elsewhere = common.fresh_dir(os.path.join(work, "elsewhere"))
    runs = [
        ("-j 1 again, --force, over the outputs", False, ["-j", "1", "--force"], None),
        ("-j 1 again, over the outputs (up to date)", False, ["-j", "1"], None),
        ("-j 2 into a fresh out/", True, ["-j", "2"], None),
        ("-j 2 --force over the outputs", False, ["-j", "2", "--force"], None),
        ("-j 4 into a fresh out/", True, ["-j", "4"], None),
        ("-j 1 into a fresh out/", True, ["-j", "1"], None),
        ("-j 2 into a fresh out/, from another folder with -C ABSOLUTE_PATH", True, ["-j", "2"],
         elsewhere),
    ]
    compared = 0
    for label, fresh, args, cwd in runs:
        if fresh:
            shutil.rmtree(os.path.join(project, "out"))
        code, out, err = common.run_build(binary, project, args, env, elsewhere=cwd,
                                          log_to=os.path.join(work, "logs", "%d.log" % compared))
        if code != 1:
            fail.add("%s: exited %d, the reference build exited 1: %s" % (label, code,
                                                                          err.strip()[-400:]))
            continue
        got = describe(snapshot(project, os.path.join(work, "run-%d" % compared)))
        n = compare(label, got, ref, fail)
        common.log("%s: %s: %s" % (NAME, label, "identical" if n == 0 else "%d difference(s)" % n))
        compared += 1
    strays = common.find_strays(project)
    if strays:
        fail.add("left in the project: %s" % ", ".join(strays))
    geojson = sum(1 for k, v in ref.items() if v[0] == "bytes" and k.endswith(".geojson"))
    gpkg_layers = sum(len(v[1]["layers"]) for v in ref.values() if v[0] == "gpkg")
    common.log("%s: %d builds compared with the reference (%d GeoJSON files, %d GeoPackage "
               "layers in 3 files, 4 rejects files each), %d differences, %d strays, %.0f s"
               % (NAME, compared, geojson, gpkg_layers, len(fail), len(strays),
                  time.monotonic() - t_start))
    if len(fail):
        print("%s: FAILED: %d failure(s); first: %s" % (NAME, len(fail), fail.items[0]),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
