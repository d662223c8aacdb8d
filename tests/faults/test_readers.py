#!/usr/bin/env python3
"""Readers during regeneration: old or new, never an error or a mix.

    python3 tests/faults/test_readers.py OREMAP_BINARY WORK_DIR

A project with a layer "sites" (out/sites.geojson and table "sites" of
out/map.gpkg) and a small layer "zones" in the same GeoPackage that never
changes.  The source of "sites" alternates between two versions (20,000
and 25,000 records, the first 20,000 partly edited), and a normal build
runs after each switch, while readers loop, each in a process of its own
(threads of one interpreter would take turns on its lock and read far
less often):

  held     ONE sqlite3 connection kept open on the .gpkg (WAL mode, as
           QGIS opens it); short read transactions: count(*), the R-tree's
           count, a window through the R-tree joined to the table checked
           against the geometries, and the zones count;
  fresh    a new sqlite3 connection for every read, same queries;
  gdal     `ogrinfo -ro -so` in a new process every time: feature counts of
           both layers, or the count inside a window (-spat);
  geojson  read and parse out/sites.geojson every time: feature count,
           bbox, and the features inside a window.

Phase 1 has no held connection: the GeoPackage stays in rollback-journal
mode and oremap replaces it through a copy and a rename.  Phase 2 holds it
open in WAL mode (-wal and -shm exist) and oremap changes it in place.

Every observation must be one of the two versions as a whole (counts,
windows and bbox all of the same version, the R-tree agreeing with the
table in the same transaction), every read must succeed (SQLITE_BUSY is
retried; "database disk image is malformed", "no such table", a JSON error,
an ogrinfo ERROR are failures), a reader that starts after a build ended
must see that build's version, and a reader must not go back to the old
version once it saw the new one.

OREMAP_READER_BUILDS sets the number of builds (default 30, half per phase).
"""
import json
import multiprocessing
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

NAME = "readers"
SEED = 20240612
N1, N2 = 20_000, 25_000
ZONES = 100
# Windows (min lon, min lat, max lon, max lat): Türkiye, Uzbekistan, a stretch of background.
WINDOWS = [(26.0, 36.0, 45.0, 42.0), (60.0, 37.0, 73.0, 45.0), (-60.0, -40.0, -20.0, 10.0)]

SITES_LAYER = """\
name: sites
source:
  path: data/sites.csv
  id: site_id
  fields: { site_id: string, year: integer, reo_pct: real }
locate:
  coordinates: { x: lon, y: lat, crs: "EPSG:4326" }
outputs:
  - out/sites.geojson
  - path: out/map.gpkg
    layer: sites
"""

ZONES_LAYER = """\
name: zones
source:
  path: data/zones.csv
  id: zone_id
locate:
  wkt: footprint
outputs:
  - path: out/map.gpkg
    layer: zones
"""

# Messages that are never acceptable from a reader.
BUSY = ("database is locked", "database table is locked", "SQLITE_BUSY")


def versions():
    rng = random.Random(SEED)
    v1 = [common.site_row(rng, i) for i in range(1, N1 + 1)]
    v2 = []
    for r in v1:
        if rng.random() < 0.02:
            r = list(r)
            r[1] += " (revised)"
        v2.append(r)
    v2.extend(common.site_row(rng, i) for i in range(N1 + 1, N2 + 1))
    return v1, v2


# ---------------------------------------------------------------------------
# One read by each kind of reader: a dict of what was seen, or an exception.
# ---------------------------------------------------------------------------

def px(blob):
    xy = common.gpkg_point_xy(blob)
    return xy[0] if xy else None


def py(blob):
    xy = common.gpkg_point_xy(blob)
    return xy[1] if xy else None


def prepare_conn(conn):
    conn.create_function("px", 1, px, deterministic=True)
    conn.create_function("py", 1, py, deterministic=True)


def sql_read(conn, window):
    """One read transaction: what the GeoPackage holds now."""
    x0, y0, x1, y1 = WINDOWS[window]
    conn.execute("BEGIN")
    try:
        seen = {"sites": conn.execute("SELECT count(*) FROM sites").fetchone()[0]}
        seen["rtree"] = conn.execute("SELECT count(*) FROM rtree_sites_geom").fetchone()[0]
        seen["window"] = window
        seen["via_rtree"] = conn.execute(
            "SELECT count(*) FROM rtree_sites_geom r JOIN sites t ON t.fid = r.id "
            "WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ? "
            "AND px(t.geom) BETWEEN ? AND ? AND py(t.geom) BETWEEN ? AND ?",
            (x1, x0, y1, y0, x0, x1, y0, y1)).fetchone()[0]
        seen["via_geometry"] = conn.execute(
            "SELECT count(*) FROM sites "
            "WHERE px(geom) BETWEEN ? AND ? AND py(geom) BETWEEN ? AND ?",
            (x0, x1, y0, y1)).fetchone()[0]
        seen["zones"] = conn.execute("SELECT count(*) FROM zones").fetchone()[0]
        seen["registered"] = conn.execute(
            "SELECT count(*) FROM gpkg_contents WHERE table_name IN ('sites', 'zones')"
        ).fetchone()[0]
    finally:
        conn.execute("COMMIT")
    return seen


def fresh_read(path, window):
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        prepare_conn(conn)
        return sql_read(conn, window)
    finally:
        conn.close()


def gdal_read(path, window):
    """ogrinfo in a new process: both layers' counts, or one window's count."""
    cmd = ["ogrinfo", "-ro", "-so"]
    if window is not None:
        x0, y0, x1, y1 = WINDOWS[window]
        cmd += ["-spat", str(x0), str(y0), str(x1), str(y1), path, "sites"]
    else:
        cmd += [path, "sites", "zones"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    errors = [l for l in (out + err).splitlines() if l.startswith("ERROR")]
    if p.returncode != 0 or errors:
        raise RuntimeError("ogrinfo exited %d: %s" % (
            p.returncode, " | ".join(errors or [err.strip()])[:400]))
    counts = {}
    layer = None
    for line in out.splitlines():
        m = re.match(r"Layer name: (\S+)", line)
        if m:
            layer = m.group(1)
        m = re.match(r"Feature Count: (\d+)", line)
        if m and layer:
            counts[layer] = int(m.group(1))
    if window is not None:
        if "sites" not in counts:
            raise RuntimeError("ogrinfo printed no feature count: %s" % out[:300])
        return {"gdal_window": window, "gdal_window_count": counts["sites"]}
    if set(counts) != {"sites", "zones"}:
        raise RuntimeError("ogrinfo listed layers %s: %s" % (sorted(counts), out[:300]))
    return {"sites": counts["sites"], "zones": counts["zones"]}


def geojson_window_count(doc, window):
    x0, y0, x1, y1 = WINDOWS[window]
    n = 0
    for f in doc["features"]:
        x, y = f["geometry"]["coordinates"]
        if x0 <= x <= x1 and y0 <= y <= y1:
            n += 1
    return n


def geojson_read(path, window):
    with open(path, "rb") as f:
        data = f.read()
    doc = json.loads(data)  # a ValueError on a torn file
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ValueError("not a FeatureCollection")
    return {"sites": len(doc["features"]), "bbox": doc.get("bbox"), "window": window,
            "geojson_window_count": geojson_window_count(doc, window)}


# ---------------------------------------------------------------------------
# The references: what each version looks like to each reader.
# ---------------------------------------------------------------------------

def reference(project):
    gpkg = os.path.join(project, "out", "map.gpkg")
    gj = os.path.join(project, "out", "sites.geojson")
    ref = {"windows": {}, "gdal_windows": {}, "geojson_windows": {}}
    conn = sqlite3.connect(gpkg, isolation_level=None)
    prepare_conn(conn)
    for w in range(len(WINDOWS)):
        s = sql_read(conn, w)
        if s["via_rtree"] != s["via_geometry"] or s["sites"] != s["rtree"]:
            raise common.SetupError("a clean build is inconsistent: %s" % s)
        ref["windows"][w] = s["via_rtree"]
        ref["sites"], ref["zones"] = s["sites"], s["zones"]
    conn.close()
    g = gdal_read(gpkg, None)
    if g != {"sites": ref["sites"], "zones": ref["zones"]}:
        raise common.SetupError("ogrinfo sees %s in a clean build, SQL %s" % (g, ref))
    for w in range(len(WINDOWS)):
        ref["gdal_windows"][w] = gdal_read(gpkg, w)["gdal_window_count"]
        j = geojson_read(gj, w)
        ref["geojson_windows"][w] = j["geojson_window_count"]
        ref["bbox"] = j["bbox"]
        if j["sites"] != ref["sites"]:
            raise common.SetupError("GeoJSON has %d features, GeoPackage %d"
                                    % (j["sites"], ref["sites"]))
    return ref


# ---------------------------------------------------------------------------
# Judging observations
# ---------------------------------------------------------------------------

def version_of(obs, refs):
    """The version an observation shows as a whole, or (None, why)."""
    if "gdal_window" in obs:
        matches = [v for v, r in refs.items()
                   if r["gdal_windows"][obs["gdal_window"]] == obs["gdal_window_count"]]
        if not matches:
            return None, "window %d count %d is neither version's (%s)" % (
                obs["gdal_window"], obs["gdal_window_count"],
                ", ".join("%s: %d" % (v, r["gdal_windows"][obs["gdal_window"]])
                          for v, r in refs.items()))
        return matches, None
    n = obs["sites"]
    v = [v for v, r in refs.items() if r["sites"] == n]
    if not v:
        return None, "feature count %d is neither version's (%s)" % (
            n, ", ".join("%s: %d" % (k, r["sites"]) for k, r in refs.items()))
    r = refs[v[0]]
    problems = []
    if "rtree" in obs:
        if obs["rtree"] != n:
            problems.append("in one transaction the table has %d rows and the R-tree %d entries"
                            % (n, obs["rtree"]))
        if obs["via_rtree"] != obs["via_geometry"]:
            problems.append("window %d: %d through the R-tree, %d by geometry"
                            % (obs["window"], obs["via_rtree"], obs["via_geometry"]))
        if obs["via_rtree"] != r["windows"][obs["window"]]:
            problems.append("window %d holds %d features, version %s has %d (a mix)"
                            % (obs["window"], obs["via_rtree"], v[0], r["windows"][obs["window"]]))
        if obs["registered"] != 2:
            problems.append("%d of 2 layers registered in gpkg_contents" % obs["registered"])
    if "zones" in obs and obs["zones"] != r["zones"]:
        problems.append("zones has %d features, expected %d" % (obs["zones"], r["zones"]))
    if "bbox" in obs:
        if obs["bbox"] != r["bbox"]:
            problems.append("bbox %s is not version %s's %s" % (obs["bbox"], v[0], r["bbox"]))
        if obs["geojson_window_count"] != r["geojson_windows"][obs["window"]]:
            problems.append("window %d holds %d features, version %s has %d (a mix)"
                            % (obs["window"], obs["geojson_window_count"], v[0],
                               r["geojson_windows"][obs["window"]]))
    if problems:
        return None, "; ".join(problems)
    return v, None


def judge(observations, builds, refs, initial, fail):
    """Check every observation against the versions and the build timeline.

    observations: (reader, t0, t1, seen dict or None, error or None, busy
    retries); builds: (start, end, version); initial: the version before
    the first build.  Generation g is the state after g builds; a read
    during [t0, t1] may show any generation from the last one finished
    before t0 to the last one started before t1, and the generations a
    reader sees must not go down."""
    stats = {"reads": 0, "errors": 0, "mixed": 0, "stale": 0, "flip": 0, "busy_retries": 0}
    gen_version = [initial] + [v for _, _, v in builds]
    low = {}  # reader -> the lowest generation its next read may show
    for reader, t0, t1, seen, error, retries in sorted(observations, key=lambda o: (o[0], o[1])):
        stats["reads"] += 1
        stats["busy_retries"] += retries
        if error:
            stats["errors"] += 1
            fail.add("%s at %.3f s: read failed: %s" % (reader, t0, error))
            continue
        vs, why = version_of(seen, refs)
        if vs is None:
            stats["mixed"] += 1
            fail.add("%s at %.3f-%.3f s: %s" % (reader, t0, t1, why))
            continue
        lo = sum(1 for _, e, _ in builds if e < t0)
        hi = sum(1 for s, _, _ in builds if s <= t1)
        gens = [g for g in range(lo, hi + 1) if gen_version[g] in vs]
        if not gens:
            stats["stale"] += 1
            fail.add("%s at %.3f-%.3f s: saw version %s, but only %s could be seen then "
                     "(after build %d)" % (reader, t0, t1, "/".join(vs),
                                           "/".join(sorted(set(gen_version[lo:hi + 1]))), lo))
            continue
        ahead = [g for g in gens if g >= low.get(reader, 0)]
        if not ahead:
            stats["flip"] += 1
            fail.add("%s at %.3f-%.3f s: saw version %s of generation %d after it had seen "
                     "generation %d" % (reader, t0, t1, "/".join(vs), max(gens), low[reader]))
            continue
        low[reader] = ahead[0]
    return stats


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def reader_loop(name, phase, gpkg, gj, stop, ready, out_path, seed):
    """One reader, in its own process (so that readers do not queue for one
    interpreter lock): read until told to stop, then write what was seen."""
    held = None
    if name == "held":
        held = sqlite3.connect(gpkg, timeout=10, isolation_level=None)
        mode = held.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        prepare_conn(held)
        if mode != "wal":
            with open(out_path, "w") as f:
                json.dump({"setup_error": "cannot switch to WAL: %s" % mode}, f)
            ready.set()
            return
    fn = {
        "held": lambda w: sql_read(held, w),
        "fresh": lambda w: fresh_read(gpkg, w),
        "gdal": lambda w: gdal_read(gpkg, None if w == 0 else w),
        "geojson": lambda w: geojson_read(gj, w),
    }[name]
    ready.set()
    seen_list = []
    n = 0
    while not stop.is_set():
        window = n % len(WINDOWS)
        n += 1
        retries = 0
        while True:
            t0 = time.monotonic()
            try:
                seen, error = fn(window), None
            except (sqlite3.OperationalError, sqlite3.DatabaseError) as e:
                if any(b in str(e) for b in BUSY) and retries < 50:
                    retries += 1
                    time.sleep(0.01)
                    continue
                seen, error = None, "%s: %s" % (type(e).__name__, e)
            except (ValueError, RuntimeError, OSError, KeyError, TypeError) as e:
                seen, error = None, "%s: %s" % (type(e).__name__, e)
            t1 = time.monotonic()
            break
        seen_list.append([name, t0, t1, seen, error, retries])
    if held:
        held.close()
    with open(out_path, "w") as f:
        json.dump({"observations": seen_list}, f)


def run_phase(phase, binary, project, env, data, builds_n, refs, fail, first_version, work):
    gpkg = os.path.join(project, "out", "map.gpkg")
    gj = os.path.join(project, "out", "sites.geojson")
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    names = (["held"] if phase == 2 else []) + ["fresh", "gdal", "geojson"]
    procs, outs = [], {}
    for i, name in enumerate(names):
        ready = ctx.Event()
        outs[name] = os.path.join(work, "phase%d-%s.json" % (phase, name))
        p = ctx.Process(target=reader_loop, name=name,
                        args=(name, phase, gpkg, gj, stop, ready, outs[name], SEED + i))
        p.start()
        if not ready.wait(60):
            raise common.SetupError("reader %s did not start" % name)
        procs.append(p)
    time.sleep(0.3)
    builds = []
    rng = random.Random(SEED + phase)
    version = first_version
    companions_seen = 0
    for k in range(builds_n):
        version = "v2" if version == "v1" else "v1"
        tmp = os.path.join(project, "data", ".sites.csv.next")
        shutil.copyfile(data[version], tmp)
        os.replace(tmp, os.path.join(project, "data", "sites.csv"))
        if os.path.exists(gpkg + "-wal") or os.path.exists(gpkg + "-shm"):
            companions_seen += 1
        s = time.monotonic()
        code, out, err = common.run_build(binary, project, [], env)
        e = time.monotonic()
        builds.append((s, e, version))
        if code != 0:
            fail.add("phase %d build %d (%s) exited %d: %s" % (phase, k + 1, version, code,
                                                               err.strip()[-400:]))
        elif "sites" not in out:
            fail.add("phase %d build %d: unexpected output %r" % (phase, k + 1, out[:200]))
        time.sleep(rng.uniform(0.05, 0.5))
    time.sleep(0.3)
    stop.set()
    observations = []
    per_reader = {}
    for p in procs:
        p.join(timeout=300)
        if p.is_alive():
            p.kill()
            p.join()
        try:
            with open(outs[p.name]) as f:
                got = json.load(f)
        except (OSError, ValueError) as e:
            raise common.SetupError("reader %s exited %s without results: %s" % (
                p.name, p.exitcode, e))
        if "setup_error" in got:
            raise common.SetupError("reader %s: %s" % (p.name, got["setup_error"]))
        per_reader[p.name] = len(got["observations"])
        observations.extend(tuple(o) for o in got["observations"])
    # Times relative to the phase's first build, for messages.
    t_zero = builds[0][0] if builds else 0.0
    observations = [(r, t0 - t_zero, t1 - t_zero, seen, err, n)
                    for r, t0, t1, seen, err, n in observations]
    builds_rel = [(s - t_zero, e - t_zero, v) for s, e, v in builds]
    stats = judge(observations, builds_rel, refs, first_version, fail)
    return stats, per_reader, builds_rel, version, companions_seen


def self_check(work, refs, fail_prefix):
    """The judge and the readers must flag what they are there to flag."""
    problems = []
    probe = common.Failures(fail_prefix + " self-check")
    probe.add = lambda msg: probe.items.append(msg)  # collect quietly
    r1 = refs["v1"]
    good = {"sites": r1["sites"], "rtree": r1["sites"], "window": 0,
            "via_rtree": r1["windows"][0], "via_geometry": r1["windows"][0],
            "zones": r1["zones"], "registered": 2}
    cases = {
        "a count of neither version": dict(good, sites=r1["sites"] - 7, rtree=r1["sites"] - 7),
        "table and R-tree disagreeing": dict(good, rtree=r1["sites"] - 1),
        "a window of the other version": dict(good, via_rtree=refs["v2"]["windows"][0],
                                              via_geometry=refs["v2"]["windows"][0]),
    }
    for what, seen in cases.items():
        probe.items.clear()
        judge([("probe", 0.0, 0.1, seen, None, 0)], [], refs, "v1", probe)
        if not probe.items:
            problems.append("%s was not flagged" % what)
    probe.items.clear()
    judge([("probe", 5.0, 5.1, good, None, 0)], [(1.0, 2.0, "v2")], refs, "v1", probe)
    if not probe.items:
        problems.append("a stale read after a build was not flagged")
    probe.items.clear()
    new = dict(good, sites=refs["v2"]["sites"], rtree=refs["v2"]["sites"],
               via_rtree=refs["v2"]["windows"][0], via_geometry=refs["v2"]["windows"][0])
    judge([("probe", 1.5, 1.6, new, None, 0), ("probe", 1.7, 1.8, good, None, 0)],
          [(1.0, 2.0, "v2")], refs, "v1", probe)
    if not probe.items:
        problems.append("a reader going back to the old version was not flagged")
    probe.items.clear()
    judge([("probe", 1.5, 1.6, good, None, 0), ("probe", 1.7, 1.8, new, None, 0),
           ("probe", 2.5, 2.6, new, None, 0)], [(1.0, 2.0, "v2")], refs, "v1", probe)
    if probe.items:
        problems.append("a good sequence of reads was flagged: %s" % probe.items)
    probe.items.clear()
    judge([("probe", 1.0, 1.1, None, "DatabaseError: database disk image is malformed", 0)],
          [], refs, "v1", probe)
    if not probe.items:
        problems.append("a failed read was not flagged")
    # The readers themselves on broken files.
    broken = common.fresh_dir(os.path.join(work, "broken"))
    src = os.path.join(work, "clean-v1", "out")
    gj = os.path.join(broken, "sites.geojson")
    shutil.copyfile(os.path.join(src, "sites.geojson"), gj)
    with open(gj, "r+b") as f:
        f.truncate(os.path.getsize(gj) // 2)
    try:
        geojson_read(gj, 0)
        problems.append("a truncated GeoJSON parsed")
    except ValueError:
        pass
    gp = os.path.join(broken, "map.gpkg")
    shutil.copyfile(os.path.join(src, "map.gpkg"), gp)
    conn = sqlite3.connect(gp, isolation_level=None)
    conn.execute("DROP TABLE zones")
    conn.close()
    try:
        fresh_read(gp, 0)
        problems.append("a GeoPackage without table zones read fine")
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            problems.append("unexpected error for a missing table: %s" % e)
    try:
        gdal_read(gp, None)
        problems.append("ogrinfo did not miss layer zones")
    except RuntimeError:
        pass
    if problems:
        raise common.SetupError("self-check failed: " + "; ".join(problems))


def main():
    binary, work = common.parse_args(sys.argv, "test_readers.py")
    total_builds = int(os.environ.get("OREMAP_READER_BUILDS", "30"))
    fail = common.Failures(NAME)
    t_start = time.monotonic()
    if shutil.which("ogrinfo") is None:
        print("%s: ogrinfo not found (Debian: apt-get install gdal-bin)" % NAME, file=sys.stderr)
        return 2
    try:
        common.fresh_dir(work)
        env = common.oremap_env(work)
        v1, v2 = versions()
        data = {}
        for v, rows in (("v1", v1), ("v2", v2)):
            data[v] = os.path.join(work, "data", v, "sites.csv")
            common.write_csv(data[v], common.SITE_HEADER, rows)
        zones = os.path.join(work, "data", "zones.csv")
        common.write_csv(zones, common.ZONE_HEADER, common.zone_rows(ZONES, SEED, "B")[:ZONES])
        refs = {}
        for v in ("v1", "v2"):
            proj = common.fresh_dir(os.path.join(work, "clean-" + v))
            common.write_project(proj, NAME, {"sites": SITES_LAYER, "zones": ZONES_LAYER})
            os.makedirs(os.path.join(proj, "data"))
            shutil.copyfile(data[v], os.path.join(proj, "data", "sites.csv"))
            shutil.copyfile(zones, os.path.join(proj, "data", "zones.csv"))
            common.build_ok(binary, proj, [], env, expect=(0,), what="clean build of " + v)
            refs[v] = reference(proj)
        if refs["v1"]["sites"] != N1 or refs["v2"]["sites"] != N2:
            raise common.SetupError("clean builds hold %d and %d features" % (
                refs["v1"]["sites"], refs["v2"]["sites"]))
        for w in range(len(WINDOWS)):
            if refs["v1"]["windows"][w] == refs["v2"]["windows"][w]:
                raise common.SetupError("window %d holds as many features in both versions" % w)
        self_check(work, refs, NAME)

        project = common.fresh_dir(os.path.join(work, "project"))
        common.write_project(project, NAME, {"sites": SITES_LAYER, "zones": ZONES_LAYER})
        os.makedirs(os.path.join(project, "data"))
        shutil.copyfile(data["v1"], os.path.join(project, "data", "sites.csv"))
        shutil.copyfile(zones, os.path.join(project, "data", "zones.csv"))
        common.build_ok(binary, project, [], env, expect=(0,), what="first build")
    except common.SetupError as e:
        print("%s: SETUP FAILED: %s" % (NAME, e), file=sys.stderr)
        return 2

    version = "v1"
    totals = {"reads": 0, "errors": 0, "mixed": 0, "stale": 0, "flip": 0, "busy_retries": 0}
    n_builds = 0
    for phase, how in ((1, "rollback journal, copy and rename"), (2, "held open in WAL, in place")):
        nb = total_builds // 2 if phase == 1 else total_builds - total_builds // 2
        try:
            stats, per_reader, builds, version, companions = run_phase(
                phase, binary, project, env, data, nb, refs, fail, version, work)
        except common.SetupError as e:
            print("%s: SETUP FAILED: %s" % (NAME, e), file=sys.stderr)
            return 2
        n_builds += len(builds)
        for k in totals:
            totals[k] += stats[k]
        secs = [e - s for s, e, _ in builds]
        common.log("%s: phase %d (%s): %d builds of %.2f-%.2f s, companions present before %d; "
                   "reads %s; %d busy retries" % (
                       NAME, phase, how, len(builds), min(secs), max(secs), companions,
                       ", ".join("%s %d" % kv for kv in per_reader.items()), stats["busy_retries"]))
        if phase == 1 and companions:
            common.log("%s: note: -wal/-shm present during phase 1 builds" % NAME)
        if phase == 2 and companions < len(builds):
            fail.add("phase 2: the GeoPackage had no -wal/-shm before %d of %d builds: the "
                     "in-place path was not exercised" % (len(builds) - companions, len(builds)))
    strays = common.find_strays(project)
    if strays:
        fail.add("left in the project: %s" % ", ".join(strays))
    elapsed = time.monotonic() - t_start
    common.log("%s: %d builds, %d reads, %d errors, %d mixed or unknown, %d stale, %d back to old, "
               "%d strays, %.0f s" % (NAME, n_builds, totals["reads"], totals["errors"],
                                      totals["mixed"], totals["stale"], totals["flip"],
                                      len(strays), elapsed))
    if len(fail):
        print("%s: FAILED: %d failure(s); first: %s" % (NAME, len(fail), fail.items[0]),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
