#!/usr/bin/env python3
"""Run one end-to-end case: tests/cli/<case>/.

A case folder holds
  cmd        the oremap arguments (shell words), one command a line; a line
             starting with "!" is a shell command run between them (to
             change an input, say).  With several lines, stdout and stderr
             are compared as one text with a "$ ..." line before each
             command's output and an "[exit N]" line after each oremap
             command's standard output; expected/exit is the last one's.
  input/     copied to a fresh work folder, where the command runs
  expected/
    exit     the expected exit code
    stdout   expected standard output (optional), compared line by line
    stderr   expected standard error (optional), compared line by line
    files/   expected files, by path relative to the work folder, compared
             in canonical form: GeoJSON with sorted keys and rounded numbers,
             GeoPackage as a JSON dump (tables, rows, geometries, checks),
             Shapefile and FlatGeobuf as GDAL reads them (fields, features,
             the FlatGeobuf index), anything else as text.
Times ("in 0.02 s") are masked in stdout and stderr.

usage: run_case.py OREMAP CASE_DIR WORK_DIR [--update]
--update writes what the command produced into expected/ (review it!).
"""
import json
import os
import re
import shlex
import shutil
import sqlite3
import struct
import subprocess
import sys


def mask(text, work):
    text = re.sub(r"in \d+\.\d+ s", "in N s", text)
    text = re.sub(r" +\d+\.\d+ s  ", "  N s  ", text)  # the time column of the summary
    return text.replace(work + "/", "").replace(os.path.dirname(work) + "/", "../")


def round_numbers(value):
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, list):
        return [round_numbers(v) for v in value]
    if isinstance(value, dict):
        # Timings and version-dependent hashes: keep the key, mask the value.
        return {k: "N" if k in ("seconds", "xxh3") else round_numbers(v) for k, v in value.items()}
    return value


def wkb_read(buf, pos=0):
    """Decode ISO WKB into (GeoJSON-like geometry, next position)."""
    order = "<" if buf[pos] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5

    def points(pos):
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        pts = [list(struct.unpack_from(order + "dd", buf, pos + 16 * i)) for i in range(n)]
        return pts, pos + 16 * n

    names = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint",
             5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
    if kind == 1:
        return {"type": "Point", "coordinates": list(struct.unpack_from(order + "dd", buf, pos))}, pos + 16
    if kind == 2:
        pts, pos = points(pos)
        return {"type": "LineString", "coordinates": pts}, pos
    if kind == 3:
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        rings = []
        for _ in range(n):
            ring, pos = points(pos)
            rings.append(ring)
        return {"type": "Polygon", "coordinates": rings}, pos
    (n,) = struct.unpack_from(order + "I", buf, pos)
    pos += 4
    parts = []
    for _ in range(n):
        part, pos = wkb_read(buf, pos)
        parts.append(part)
    if kind == 7:
        return {"type": names[kind], "geometries": parts}, pos
    return {"type": names[kind], "coordinates": [p["coordinates"] for p in parts]}, pos


def gpkg_geometry(blob):
    if blob is None:
        return None
    assert blob[:2] == b"GP", "not a GeoPackage geometry blob"
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    geom, _ = wkb_read(blob, 8 + envelope)
    return geom


def dump_gpkg(path):
    db = sqlite3.connect(path)
    out = {
        "application_id": db.execute("PRAGMA application_id").fetchone()[0],
        "integrity_check": db.execute("PRAGMA integrity_check").fetchone()[0],
        "contents": [],
    }
    for name, kind, ident, srs in db.execute(
            "SELECT table_name, data_type, identifier, srs_id FROM gpkg_contents ORDER BY table_name"):
        table = {"table": name, "data_type": kind, "identifier": ident, "srs_id": srs}
        cols = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        table["columns"] = [[c[1], c[2]] for c in cols]
        geom_cols = [r[0] for r in db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,))]
        rows = []
        for row in db.execute(f'SELECT * FROM "{name}" ORDER BY fid'):
            rec = {}
            for (c, v) in zip(cols, row):
                rec[c[1]] = gpkg_geometry(v) if c[1] in geom_cols else v
            rows.append(rec)
        table["rows"] = rows
        for g in geom_cols:
            rtree = f"rtree_{name}_{g}"
            has = db.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (rtree,)).fetchone()[0]
            table["rtree"] = db.execute(f"SELECT rtreecheck('{rtree}')").fetchone()[0] if has else "missing"
            if has:
                table["rtree_entries"] = db.execute(f'SELECT count(*) FROM "{rtree}"').fetchone()[0]
        out["contents"].append(table)
    db.close()
    return round_numbers(out)


def fgb_index_node_size(path):
    """FlatGeobuf header field 9 (index_node_size): 0 means no spatial index."""
    with open(path, "rb") as f:
        buf = f.read(1 << 16)
    base = 12  # 8 magic bytes, then the header's length, then the header flatbuffer
    table = base + struct.unpack_from("<I", buf, base)[0]
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vt_size = struct.unpack_from("<H", buf, vtable)[0]
    slot = 4 + 2 * 9
    off = struct.unpack_from("<H", buf, vtable + slot)[0] if slot < vt_size else 0
    return struct.unpack_from("<H", buf, table + off)[0] if off else 16


def dump_ogr(path):
    """A file only GDAL reads (Shapefile, FlatGeobuf): ogrinfo's summary and the features."""
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", path], capture_output=True,
                          text=True, check=True).stdout
    summary = [l for l in info.splitlines()
               if re.match(r"(Layer name|Geometry|Feature Count|Extent|\S.*: (String|Integer64|"
                           r"Integer|Real) \()", l) or "using driver" in l or l.startswith('    ID["EPSG"')]
    features = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", path],
                              capture_output=True, check=True).stdout
    out = {"summary": [l.strip() for l in summary],
           "features": json.loads(features.decode("utf-8"))["features"]}
    if path.endswith(".fgb"):
        out["index_node_size"] = fgb_index_node_size(path)
    return round_numbers(out)


def canonical(path):
    if path.endswith(".shp") or path.endswith(".fgb"):
        return json.dumps(dump_ogr(path), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if path.endswith(".gpkg"):
        return json.dumps(dump_gpkg(path), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if path.endswith(".geojson") or path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return json.dumps(round_numbers(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(path, encoding="utf-8", errors="backslashreplace", newline="") as f:
        return f.read()


def main():
    update = "--update" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--update"]
    oremap, case, work = (os.path.abspath(a) for a in args)
    if os.path.exists(work):
        shutil.rmtree(work)
    if os.path.isdir(os.path.join(case, "input")):
        shutil.copytree(os.path.join(case, "input"), work)
    else:
        os.makedirs(work)
    with open(os.path.join(case, "cmd"), encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip()]
    env = dict(os.environ, LC_ALL="C.UTF-8")
    out, err, code = [], [], 0
    for line in lines:
        if len(lines) > 1:
            out.append(f"$ {line}\n")
            err.append(f"$ {line}\n")
        if line.startswith("!"):
            proc = subprocess.run(line[1:], shell=True, cwd=work, check=True, env=env,
                                  capture_output=True, timeout=600)
        else:
            proc = subprocess.run([oremap] + shlex.split(line), cwd=work, capture_output=True,
                                  env=env, timeout=600)
            code = proc.returncode
        out.append(proc.stdout.decode("utf-8", "backslashreplace"))
        if len(lines) > 1 and not line.startswith("!"):
            out.append(f"[exit {code}]\n")
        err.append(proc.stderr.decode("utf-8", "backslashreplace"))
    got = {
        "exit": f"{code}\n",
        "stdout": mask("".join(out), work),
        "stderr": mask("".join(err), work),
    }
    expected_dir = os.path.join(case, "expected")
    failures = []
    for name, text in got.items():
        path = os.path.join(expected_dir, name)
        if update:
            if name == "exit" or os.path.exists(path):
                os.makedirs(expected_dir, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            continue
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        if want != text:
            failures.append(f"{name} differs:\n--- expected\n{want}--- got\n{text}")

    files_dir = os.path.join(expected_dir, "files")
    if update and os.path.isdir(files_dir):
        for root, _, names in os.walk(files_dir):
            for n in names:
                rel = os.path.relpath(os.path.join(root, n), files_dir)
                src = os.path.join(work, rel[:-len(".dump.json")] if rel.endswith(".dump.json") else rel)
                with open(os.path.join(root, n), "w", encoding="utf-8", newline="") as f:
                    f.write(canonical(src) if os.path.exists(src) else "(missing)\n")
    elif os.path.isdir(files_dir):
        for root, _, names in os.walk(files_dir):
            for n in sorted(names):
                rel = os.path.relpath(os.path.join(root, n), files_dir)
                # A GeoPackage's (Shapefile's, FlatGeobuf's) canonical form is stored as
                # <name>.gpkg.dump.json.
                target = rel[:-len(".dump.json")] if rel.endswith(".dump.json") else rel
                src = os.path.join(work, target)
                if not os.path.exists(src):
                    failures.append(f"{target}: not written")
                    continue
                with open(os.path.join(root, n), encoding="utf-8", newline="") as f:
                    want = f.read()
                have = canonical(src)
                if want != have:
                    failures.append(f"{target} differs from expected/files/{rel}:\n--- expected\n{want}--- got\n{have}")
    if failures:
        print("\n".join(failures))
        print(f"(work folder: {work})")
        return 1
    print(f"ok: {os.path.basename(case)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
