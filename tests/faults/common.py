"""Shared helpers for the fault and concurrency tests in tests/faults/.

Each test script runs as

    python3 tests/faults/test_X.py OREMAP_BINARY WORK_DIR

and prints one summary line; it exits 0 on success and 1 with a message
naming every failure otherwise (2 on a usage error or a broken setup).
bench/stress_crash.py imports this module for the long crash run.

What is here:
  - deterministic registers (site points, WKT zones, DMS text, projected
    coordinates) and projects around them;
  - running oremap (whole builds, and builds killed at a chosen moment);
  - fingerprints: sha256 of a file's bytes; per GeoPackage layer a canonical
    one from SQL (count, sum of fids, sha256 over the rows in fid order,
    the R-tree's entries, the layer's schema and metadata rows without
    gpkg_contents.last_change), and the file's health (integrity_check,
    rtreecheck, R-tree and table agreeing);
  - a fast exact comparison of a layer with a reference copy, row for row
    in SQL, for the checks that run hundreds of times;
  - finding stray temporaries and journals;
  - the crash trial loop shared by test_crash.py and bench/stress_crash.py.

Only the Python standard library is used; GDAL is reached through its
command line tools (ogrinfo) where a test wants a GDAL reader.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

# Files that a build may keep in the output root and that are neither
# outputs nor strays: the incremental-build state and the build lock.
IGNORED_PREFIXES = (".oremap-state",)
IGNORED_NAMES = (".oremap.lock",)


# ---------------------------------------------------------------------------
# Command line, messages, failures
# ---------------------------------------------------------------------------

class SetupError(Exception):
    """The test could not even start (no binary, a reference build failed)."""


def parse_args(argv, name):
    if len(argv) != 3:
        print("usage: %s OREMAP_BINARY WORK_DIR" % name, file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(argv[1])
    work = os.path.abspath(argv[2])
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("%s: oremap binary not found or not executable: %s" % (name, binary),
              file=sys.stderr)
        sys.exit(2)
    return binary, work


def log(msg):
    print(msg, flush=True)


class Failures:
    """Collects failures; each one is printed when it happens."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.items = []

    def add(self, msg):
        self.items.append(msg)
        print("%s: FAIL: %s" % (self.prefix, msg), flush=True)

    def __len__(self):
        return len(self.items)


def fresh_dir(path):
    if os.path.lexists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def copy_tree(src, dst):
    """Copy a folder (files, subfolders; no links expected) to a fresh dst."""
    if os.path.lexists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)


def write_text(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# ---------------------------------------------------------------------------
# Deterministic registers
# ---------------------------------------------------------------------------

SITE_HEADER = ["site_id", "name", "commodity", "status", "country", "lon", "lat",
               "reo_pct", "year"]

REGIONS = [  # country, centre lon, centre lat, spread (degrees), places
    ("TR", 31.0, 39.5, 3.0, ["Kızılcaören", "Eskişehir", "Beylikova", "Sivrihisar",
                             "Divriği", "Çanakkale", "Ağrı", "Muğla", "Gümüşhane"]),
    ("UZ", 66.5, 41.0, 2.5, ["Olmaliq", "Zarafshon", "Muruntov", "Qo'ng'irot", "Navoiy"]),
    ("NE", 8.5, 17.5, 2.5, ["Arlit", "Agadez", "Akouta", "Imouraren", "Aïr"]),
    ("SD", 33.0, 19.5, 3.0, ["Ariab", "Hassai", "Jebel Moya", "Red Sea Hills"]),
    ("US", -114.0, 38.0, 5.0, ["Mountain Pass", "Bear Lodge", "Round Top"]),
    ("CN", 109.9, 41.7, 4.0, ["Bayan Obo", "Baotou", "Ganzhou", "Weishan"]),
    ("CA", -100.0, 58.0, 8.0, ["Nechalacho", "Strange Lake", "Kipawa"]),
    ("AU", 124.0, -26.0, 7.0, ["Mount Weld", "Nolans", "Browns Range"]),
]
KINDS = ["prospect", "deposit", "mine", "licence", "occurrence", "pit"]
COMMODITIES = ["REE", "REE", "REE", "Au", "Au", "Cu", "W", "U", "Li", "Nb", "Sn", "Fluorite"]
STATUSES = ["prospect", "exploration", "development", "producing", "closed"]


def csv_field(s):
    if any(c in s for c in ',"\n\r'):
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows):
    """rows: sequences of str; written UTF-8, LF, RFC 4180 quoting."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        buf = []
        for r in rows:
            buf.append(",".join(csv_field(v) for v in r) + "\n")
            if len(buf) >= 20000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    os.replace(tmp, path)


def site_row(rng, i):
    """One valid site, numbered i: [site_id, name, ..., year] as text."""
    country, clon, clat, spread, places = REGIONS[int(rng.random() * len(REGIONS))]
    if rng.random() < 0.1:  # a uniform background
        lon = rng.random() * 340.0 - 170.0
        lat = rng.random() * 140.0 - 60.0
    else:
        lon = max(-179.5, min(179.5, clon + rng.gauss(0.0, spread)))
        lat = max(-80.0, min(80.0, clat + rng.gauss(0.0, spread * 0.6)))
    place = places[int(rng.random() * len(places))]
    r = rng.random()
    if r < 0.02:
        name = '%s "Eski Ocak", Pit %d' % (place, i % 97 + 1)  # needs quoting
    else:
        name = "%s %s %d" % (place, KINDS[int(r * len(KINDS))], i % 251 + 1)
    commodity = COMMODITIES[int(rng.random() * len(COMMODITIES))]
    r = rng.random()
    if r < 0.08:
        reo = ""
    elif commodity == "REE":
        reo = "%.2f" % (0.5 + r * 9.5)
    else:
        reo = "%.3f" % (r * 0.4)
    return ["S-%07d" % i, name, commodity, STATUSES[int(rng.random() * len(STATUSES))],
            country, "%.6f" % lon, "%.6f" % lat, reo, str(1950 + int(rng.random() * 75))]


def bad_site_rows(rng, start, count, kinds):
    """count rows that oremap must reject, numbered from start; kinds picks reasons."""
    rows = []
    for k in range(count):
        i = start + k
        r = site_row(rng, i)
        kind = kinds[k % len(kinds)]
        if kind == "lat_range":
            r[6] = "95.5"
        elif kind == "lon_range":
            r[5] = "-190.25"
        elif kind == "not_a_number":
            r[5] = "31.2x"
        elif kind == "swapped":
            r[5], r[6] = "39.68", "120.5"
        elif kind == "missing_coordinates":
            r[5] = r[6] = ""
        rows.append(r)
    return rows


def sites_version_a(n, seed):
    """n valid sites plus a few records to reject, in a fixed order."""
    rng = random.Random(seed)
    rows = [site_row(rng, i) for i in range(1, n + 1)]
    bad = bad_site_rows(random.Random(seed + 1), 9_000_001, 12, ["lat_range", "not_a_number"])
    for k, r in enumerate(bad):  # spread through the file
        rows.insert((k + 1) * len(rows) // (len(bad) + 1), r)
    return rows


def sites_version_b(rows_a, seed, added=1500):
    """Version B: ~1% of the records edited, ~0.5% removed, `added` new ones,
    and another set of rejects (so the rejects file changes too)."""
    rng = random.Random(seed + 2)
    rows = []
    for r in rows_a:
        if r[0].startswith("S-9"):
            continue  # A's rejects go
        x = rng.random()
        if x < 0.005:
            continue
        if x < 0.015:
            r = list(r)
            r[1] = r[1] + " (revised)"
            r[3] = "producing" if r[3] != "producing" else "closed"
            r[7] = "" if r[7] else "1.25"
        rows.append(r)
    base = 8_000_001
    rows.extend(site_row(rng, base + k) for k in range(added))
    bad = bad_site_rows(random.Random(seed + 3), 9_500_001, 20,
                        ["swapped", "lon_range", "missing_coordinates", "lat_range"])
    for k, r in enumerate(bad):
        rows.insert((k + 1) * len(rows) // (len(bad) + 1), r)
    return rows


ZONE_HEADER = ["zone_id", "name", "holder", "area_km2", "footprint"]


def zone_rows(n, seed, variant="A"):
    """Licence areas as WKT polygons (a few with holes, one across the
    antimeridian); B shifts some, adds some, and rejects other records."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        cx = rng.random() * 300.0 - 150.0
        cy = rng.random() * 120.0 - 60.0
        w = 0.05 + rng.random() * 0.5
        h = 0.05 + rng.random() * 0.5
        moved = variant == "B" and i % 37 == 0
        if moved:
            cx += 0.125
        ring = "%.5f %.5f, %.5f %.5f, %.5f %.5f, %.5f %.5f, %.5f %.5f" % (
            cx, cy, cx + w, cy, cx + w, cy + h, cx, cy + h, cx, cy)
        if i % 11 == 0:
            hole = "%.5f %.5f, %.5f %.5f, %.5f %.5f, %.5f %.5f" % (
                cx + w / 4, cy + h / 4, cx + w / 4, cy + h / 2, cx + w / 2, cy + h / 2,
                cx + w / 4, cy + h / 4)
            wkt = "POLYGON ((%s), (%s))" % (ring, hole)
        else:
            wkt = "POLYGON ((%s))" % ring
        holder = ["Eti Maden", "MTA", "Navoi MMC", "Sopamin", "Ariab Mining"][i % 5]
        rows.append(["Z-%04d" % i, "Ruhsat %d%s" % (i, " (moved)" if moved else ""), holder,
                     "%.3f" % (w * h * 12321.0), wkt])
    rows.append(["Z-ANTI", "Across the antimeridian", "MTA", "1234.5",
                 "POLYGON ((178 -17, -179 -17, -179 -16, 178 -16, 178 -17))"])
    if variant == "A":
        rows.append(["Z-BAD1", "Cut short", "MTA", "1", "POLYGON ((1 2, 3 4"])
    else:
        for k in range(1, 6):
            cx, cy = 30.0 + k, 38.0 + k / 10.0
            rows.append(["Z-NEW%d" % k, "New licence %d" % k, "Eti Maden", "2.0",
                         "POLYGON ((%g %g, %g %g, %g %g, %g %g))" % (
                             cx, cy, cx + 0.1, cy, cx + 0.1, cy + 0.1, cx, cy)])
        rows.append(["Z-BAD2", "Bow-tie", "MTA", "1", "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"])
        rows.append(["Z-BAD3", "Nowhere", "MTA", "1", ""])
    return rows


def dms_rows(n, seed):
    """Coordinates typed by hand, in the notations the locator reads."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        lat = 36.0 + rng.random() * 6.0
        lon = 26.0 + rng.random() * 18.0

        def dms(v):
            d = int(v)
            m = int((v - d) * 60)
            s = (v - d - m / 60.0) * 3600.0
            return d, m, s
        la, lo = dms(lat), dms(lon)
        style = i % 4
        if style == 0:
            coords = "%d°%02d′%04.1f″N %d°%02d′%04.1f″E" % (la + lo)
        elif style == 1:
            coords = "%d %d %.1f N, %d %d %.1f E" % (la + lo)
        elif style == 2:
            coords = "N%.5f E%.5f" % (lat, lon)
        else:
            coords = "%.5fN %.5fE" % (lat, lon)
        rows.append([str(i), "Ocak %d" % i, coords])
    rows.append([str(n + 1), "smudged", "39°71′12″N 31°12′20″E"])  # a reject: 71 minutes
    return rows


def utm_rows(n, seed):
    """Survey points in ED50 / UTM zone 36N (EPSG:23036), inside the zone."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        e = 220000.0 + rng.random() * 560000.0
        nn = 4050000.0 + rng.random() * 500000.0
        rows.append(["U-%05d" % i, "Sondaj %d" % i, "%.2f" % e, "%.2f" % nn,
                     "%.1f" % (rng.random() * 400.0)])
    rows.append(["U-BAD", "wrong zone", "5000000", "4394730", "1.0"])
    return rows


# ---------------------------------------------------------------------------
# Projects and builds
# ---------------------------------------------------------------------------

def write_project(root, name, layers, output="out"):
    """layers: {layer name: manifest text}; writes oremap.yaml and layers/*.yaml."""
    write_text(os.path.join(root, "oremap.yaml"),
               "name: %s\noutput: %s\nlayers: [layers/*.yaml]\n" % (name, output))
    for lname, text in layers.items():
        write_text(os.path.join(root, "layers", lname + ".yaml"), text)


def oremap_env(work):
    """The environment for oremap: its spool goes under work/tmp, where strays show."""
    env = dict(os.environ)
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env["TMPDIR"] = tmp
    return env


def build_cmd(binary, args=()):
    """`oremap build -C . ARGS`, to run with the project as the working folder:
    messages and rejects files name sources relative to it, so the outputs
    of a project do not depend on where it lies."""
    return [binary, "build", "-C", "."] + list(args)


def run_build(binary, project, args=(), env=None, timeout=600, log_to=None, elsewhere=None):
    """Run `oremap build ARGS` in project to completion; returns (code, stdout,
    stderr).  elsewhere: run from that folder with -C and the project's
    absolute path instead."""
    if elsewhere:
        cmd = [binary, "build", "-C", os.path.abspath(project)] + list(args)
    else:
        cmd = build_cmd(binary, args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       timeout=timeout, cwd=elsewhere or project)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if log_to:
        write_text(log_to, "$ cd %s && %s\nexit %d\n--- stdout\n%s--- stderr\n%s" %
                   (elsewhere or project, " ".join(cmd), p.returncode, out, err))
    return p.returncode, out, err


def build_ok(binary, project, args=(), env=None, expect=(0, 1), what="build"):
    """A build that must finish with one of the expected exit codes."""
    code, out, err = run_build(binary, project, args, env)
    if code not in expect:
        raise SetupError("%s: oremap build %s exited %d (expected %s)\n%s%s" %
                         (what, " ".join(args), code, "/".join(map(str, expect)), out, err[-3000:]))
    return code, out, err


# ---------------------------------------------------------------------------
# Fingerprints and health
# ---------------------------------------------------------------------------

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 22)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def qi(name):
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def file_uri(path, **params):
    """An SQLite URI filename for path (URIs are enabled per connection, so
    that ATTACH takes them whatever SQLite was built with)."""
    uri = "file:" + urllib.parse.quote(os.path.abspath(path))
    if params:
        uri += "?" + "&".join("%s=%s" % kv for kv in params.items())
    return uri


def connect(path, timeout=30.0):
    """A plain read-write connection, as any reader (QGIS, GDAL) would open.
    Only reads are done through it."""
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    conn = sqlite3.connect(file_uri(path), uri=True, timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    return conn


def stub_spatial_functions(conn):
    """GDAL's R-tree triggers name ST_IsEmpty, ST_MinX and so on, which plain
    SQLite lacks; an UPDATE of a feature table must compile them.  These
    stand-ins do for edits that leave geometries alone."""
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        conn.create_function(name, 1, lambda blob: None)


def feature_tables(conn, schema="main"):
    return [r[0] for r in conn.execute(
        "SELECT table_name FROM %s.gpkg_contents WHERE data_type = 'features' "
        "ORDER BY table_name" % schema)]


def geometry_column(conn, table, schema="main"):
    r = conn.execute("SELECT column_name FROM %s.gpkg_geometry_columns WHERE table_name = ?"
                     % schema, (table,)).fetchone()
    return r[0] if r else None


def layer_meta(conn, table, schema="main"):
    """The cheap part of a layer's fingerprint: its definitions and metadata
    rows (gpkg_contents without last_change), and counts over the table."""
    geom = geometry_column(conn, table, schema)
    rtree = "rtree_%s_%s" % (table, geom) if geom else None
    names = [table]
    if rtree:
        names += [rtree, rtree + "_node", rtree + "_parent", rtree + "_rowid"]
    objects = conn.execute(
        "SELECT type, name, tbl_name, sql FROM %s.sqlite_master WHERE tbl_name IN (%s) "
        "OR name IN (%s) ORDER BY type, name" % (schema, ",".join("?" * len(names)),
                                                 ",".join("?" * len(names))),
        names + names).fetchall()
    contents = conn.execute(
        "SELECT table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, "
        "srs_id FROM %s.gpkg_contents WHERE table_name = ?" % schema, (table,)).fetchall()
    geomcols = conn.execute("SELECT * FROM %s.gpkg_geometry_columns WHERE table_name = ?"
                            % schema, (table,)).fetchall()
    extensions = conn.execute(
        "SELECT * FROM %s.gpkg_extensions WHERE table_name = ? ORDER BY extension_name, "
        "column_name" % schema, (table,)).fetchall()
    count, fid_sum, with_geom = conn.execute(
        "SELECT count(*), sum(fid), %s FROM %s.%s"
        % ("count(%s)" % qi(geom) if geom else "0", schema, qi(table))).fetchone()
    return {
        "objects": [list(o) for o in objects],
        "contents": [list(c) for c in contents],
        "geometry_columns": [list(g) for g in geomcols],
        "extensions": [list(e) for e in extensions],
        "count": count,
        "fid_sum": fid_sum,
        "with_geometry": with_geom,
        "rtree": rtree,
    }


def located_count(conn, table, geom, schema="main"):
    """Features with a non-empty geometry: those the R-tree must index.  A
    GeoPackage blob's flags are its 4th byte, and bit 4 (0x10) marks an
    empty geometry: the odd high hex digits."""
    return conn.execute(
        "SELECT count(*) FROM %s.%s WHERE %s IS NOT NULL AND "
        "instr('13579BDF', substr(hex(substr(%s, 4, 1)), 1, 1)) = 0"
        % (schema, qi(table), qi(geom), qi(geom))).fetchone()[0]


def _rows_sha(conn, sql):
    h = hashlib.sha256()
    cur = conn.execute(sql)
    while True:
        rows = cur.fetchmany(5000)
        if not rows:
            break
        # repr is exact for int, float (shortest round trip), str, bytes, None,
        # and tells 5 from 5.0 and '5'.
        h.update(repr(rows).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def rtree_summary(conn, rtree, schema="main"):
    """Entries of an R-tree: count, sum of ids and integer sums of the boxes
    (the boxes are float32; sums of integers do not depend on the order)."""
    r = conn.execute(
        "SELECT count(*), sum(id), sum(CAST(minx * 1048576 AS INTEGER)), "
        "sum(CAST(maxx * 1048576 AS INTEGER)), sum(CAST(miny * 1048576 AS INTEGER)), "
        "sum(CAST(maxy * 1048576 AS INTEGER)) FROM %s.%s" % (schema, qi(rtree))).fetchone()
    return list(r)


def layer_fingerprint(conn, table, schema="main"):
    """The full canonical fingerprint of one feature table."""
    fp = layer_meta(conn, table, schema)
    fp["rows_sha256"] = _rows_sha(conn, "SELECT * FROM %s.%s ORDER BY fid" % (schema, qi(table)))
    if fp["rtree"]:
        fp["rtree_summary"] = rtree_summary(conn, fp["rtree"], schema)
        fp["rtree_sha256"] = _rows_sha(conn, "SELECT id, minx, maxx, miny, maxy FROM %s.%s "
                                       "ORDER BY id" % (schema, qi(fp["rtree"])))
    return fp


def gpkg_health(conn, tables=None, schema="main", metas=None):
    """Problems with a GeoPackage as a whole: SQLite's integrity check, every
    R-tree's rtreecheck, each layer's R-tree and table agreeing, and the
    layer being registered completely.  [] when healthy.  metas: layer_meta
    of the tables, when the caller has them already."""
    problems = []
    rows = [r[0] for r in conn.execute("PRAGMA %s.integrity_check" % schema)]
    if rows != ["ok"]:
        problems.append("integrity_check: " + "; ".join(rows[:5]))
    if tables is None:
        tables = feature_tables(conn, schema)
    for t in tables:
        geom = geometry_column(conn, t, schema)
        exists = conn.execute("SELECT count(*) FROM %s.sqlite_master WHERE type = 'table' AND "
                              "name = ?" % schema, (t,)).fetchone()[0]
        if not exists:
            problems.append("layer %s: in gpkg_contents but no table" % t)
            continue
        if not geom:
            problems.append("layer %s: no row in gpkg_geometry_columns" % t)
            continue
        rtree = "rtree_%s_%s" % (t, geom)
        if not conn.execute("SELECT count(*) FROM %s.sqlite_master WHERE name = ?" % schema,
                            (rtree,)).fetchone()[0]:
            problems.append("layer %s: no spatial index %s" % (t, rtree))
            continue
        check = conn.execute("SELECT rtreecheck(?, ?)", (schema, rtree)).fetchone()[0]
        if check != "ok":
            problems.append("rtreecheck(%s): %s" % (rtree, check.strip()[:300]))
        orphans = conn.execute(
            "SELECT count(*) FROM %s.%s r LEFT JOIN %s.%s t ON t.fid = r.id WHERE t.fid IS NULL"
            % (schema, qi(rtree), schema, qi(t))).fetchone()[0]
        meta = metas[t] if metas and t in metas else layer_meta(conn, t, schema)
        entries = conn.execute("SELECT count(*) FROM %s.%s" % (schema, qi(rtree))).fetchone()[0]
        located = entries if entries == meta["with_geometry"] else \
            located_count(conn, t, geom, schema)
        if orphans or entries != located:
            problems.append("layer %s: R-tree and table disagree: %d entries for %d located "
                            "features, %d entries without a feature"
                            % (t, entries, located, orphans))
    return problems


def gpkg_fingerprints(path):
    """({layer: full fingerprint}, [problems]) of a GeoPackage file."""
    conn = connect(path)
    try:
        tables = feature_tables(conn)
        fps = {t: layer_fingerprint(conn, t) for t in tables}
        return fps, gpkg_health(conn, tables)
    finally:
        conn.close()


def fingerprint_diff(a, b):
    """The keys in which two fingerprints differ, for messages."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if a.get(k) != b.get(k)]


def same_rows_as_ref(conn, table, ref_schema="ref"):
    """How many rows of main.table equal the row of the same fid in the
    reference copy, every column compared exactly (IS: NULL-safe, binary
    for text and blobs, numerically for numbers)."""
    cols = [r[1] for r in conn.execute("PRAGMA main.table_info(%s)" % qi(table))]
    cond = " AND ".join("a.%s IS b.%s" % (qi(c), qi(c)) for c in cols)
    return conn.execute("SELECT count(*) FROM main.%s a JOIN %s.%s b ON a.fid = b.fid WHERE %s"
                        % (qi(table), ref_schema, qi(table), cond)).fetchone()[0]


class GpkgReference:
    """A reference GeoPackage (a clean build of one version) kept aside:
    its layers' fingerprints, and the file itself for exact comparisons."""

    def __init__(self, path, label):
        self.path = path
        self.label = label
        self.fps, problems = gpkg_fingerprints(path)
        if problems:
            raise SetupError("reference %s (%s) is not healthy: %s" % (label, path, problems))
        self.meta = {t: {k: v for k, v in fp.items() if k not in ("rows_sha256", "rtree_sha256",
                                                                   "rtree_summary")}
                     for t, fp in self.fps.items()}

    def layer_matches(self, conn, table, meta_now, schema_alias):
        """Whether main.table equals this reference's layer exactly (fast:
        metadata, counts, rows compared in SQL, R-tree summary)."""
        if table not in self.fps or self.meta[table] != meta_now:
            return False
        fp = self.fps[table]
        if same_rows_as_ref(conn, table, schema_alias) != fp["count"]:
            return False
        if fp["rtree"] and rtree_summary(conn, fp["rtree"]) != fp["rtree_summary"]:
            return False
        return True


def classify_gpkg(path, refs, full=False):
    """Which reference each layer of the file at path equals.

    refs: [GpkgReference]; returns ({layer: label or None}, [problems],
    {layer: what was found, for layers that match no reference}).
    full=True also computes the full fingerprints and checks that they
    agree with the fast comparison (a cross-check of the checker)."""
    found, problems, details = {}, [], {}
    conn = connect(path)
    try:
        for i, ref in enumerate(refs):
            conn.execute("ATTACH DATABASE ? AS ref%d" % i,
                         (file_uri(ref.path, mode="ro", immutable=1),))
        tables_now = feature_tables(conn)
        expected_tables = sorted(set().union(*(r.fps.keys() for r in refs)))
        if tables_now != expected_tables:
            problems.append("layers %s, expected %s" % (tables_now, expected_tables))
        metas = {t: layer_meta(conn, t) for t in tables_now}
        problems.extend(gpkg_health(conn, tables_now, metas=metas))
        for t in expected_tables:
            if t not in tables_now:
                found[t] = None
                details[t] = "layer missing"
                continue
            meta = metas[t]
            label = None
            # Try the reference whose count matches first.
            order = sorted(range(len(refs)),
                           key=lambda k: refs[k].fps.get(t, {}).get("count") != meta["count"])
            for k in order:
                if refs[k].layer_matches(conn, t, meta, "ref%d" % k):
                    label = refs[k].label
                    break
            found[t] = label
            if full or label is None:
                fp = layer_fingerprint(conn, t)
                full_label = None
                for ref in refs:
                    if ref.fps.get(t) == fp:
                        full_label = ref.label
                if full_label != label:
                    problems.append("layer %s: the fast comparison says %s, the full "
                                    "fingerprint says %s" % (t, label, full_label))
                if label is None:
                    details[t] = describe_layer_mismatch(fp, refs, t)
    finally:
        conn.close()
    return found, problems, details


def describe_layer_mismatch(fp, refs, table):
    parts = ["count %s, fid sum %s, with geometry %s" % (fp["count"], fp["fid_sum"],
                                                         fp["with_geometry"])]
    for ref in refs:
        rfp = ref.fps.get(table)
        if rfp:
            parts.append("vs %s (count %d): differs in %s" % (
                ref.label, rfp["count"], ", ".join(fingerprint_diff(fp, rfp))))
    return "; ".join(parts)


def describe_geojson(path):
    """What a GeoJSON file that matches no reference holds."""
    try:
        size = os.path.getsize(path)
    except OSError as e:
        return "cannot stat: %s" % e
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read())
        n = len(doc.get("features", [])) if isinstance(doc, dict) else None
        return "%d bytes, parses as JSON, %s features" % (size, n)
    except (ValueError, UnicodeDecodeError) as e:
        return "%d bytes, does not parse as JSON: %s" % (size, str(e)[:200])


# ---------------------------------------------------------------------------
# Strays
# ---------------------------------------------------------------------------

def ignored(name):
    return name in IGNORED_NAMES or name.startswith(IGNORED_PREFIXES)


def find_strays(root, extra_patterns=()):
    """Files under root left by an interrupted write: temporaries
    ("*.oremap-tmp-*", with their SQLite companions) and rollback journals
    ("*-journal"); build state and lock files are not strays."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            if ignored(name):
                continue
            if ".oremap-tmp-" in name or name.endswith("-journal") or \
                    any(re.search(p, name) for p in extra_patterns):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


# ---------------------------------------------------------------------------
# GeoPackage geometry blobs (for readers that check geometry against the index)
# ---------------------------------------------------------------------------

ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}


def gpkg_point_xy(blob):
    """x, y of a GeoPackage point blob (None for anything else)."""
    if blob is None or len(blob) < 8 or blob[0:2] != b"GP":
        return None
    flags = blob[3]
    off = 8 + 8 * ENVELOPE_DOUBLES.get((flags >> 1) & 7, 0)
    wkb = blob[off:]
    if len(wkb) < 21:
        return None
    order = "<" if wkb[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", wkb, 1)
    if kind != 1:
        return None
    return struct.unpack_from(order + "dd", wkb, 5)


# ---------------------------------------------------------------------------
# The crash test (test_crash.py, bench/stress_crash.py)
# ---------------------------------------------------------------------------

CRASH_SITES = 200_000
CRASH_ZONES = 400
CRASH_SEED = 20240611

SITES_LAYER = """\
name: sites
title: Sites register
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
title: Licence areas
source:
  path: data/zones.csv
  id: zone_id
locate:
  wkt: footprint
outputs:
  - path: out/map.gpkg
    layer: zones
"""

# Outputs whose bytes must be A's or B's; the GeoPackage is checked per layer.
CRASH_FILES = ["out/sites.geojson", "out/rejects/sites.csv", "out/rejects/zones.csv"]
RECALIBRATE_EVERY = 20  # trials of a worker between two timed whole builds
RECENT_SAMPLES = 5      # timed builds a worker's kill times are drawn from
CRASH_GPKG = "out/map.gpkg"


class CrashWorker:
    """One project the crash trials run in: its own copy of the sources,
    its own outputs, its own TMPDIR.  Several workers run side by side."""

    def __init__(self, suite, index):
        self.suite = suite
        self.index = index
        self.project = os.path.join(suite.work, "project-%d" % index)
        self.env = dict(os.environ)
        self.env["TMPDIR"] = os.path.join(suite.work, "tmp-%d" % index)
        self.restored_gpkg_sha = None
        self.stats = {k: 0 for k in ("partial", "integrity", "strays", "stray_files",
                                     "not_b_after", "build_failed", "before", "between",
                                     "after", "exited", "full_checks", "state",
                                     "companions_left", "trials", "recalibrations")}
        self.phases = {"early": 0, "write": 0, "late": 0}
        self.spent = {"restore": 0.0, "killed build": 0.0, "check after kill": 0.0,
                      "next build": 0.0, "check after build": 0.0}
        self.stray_names = {}
        self.samples = {"copy": [], "inplace": []}  # (total, writes start, writes end)

    def create(self, data_b):
        fresh_dir(self.project)
        os.makedirs(self.env["TMPDIR"], exist_ok=True)
        write_project(self.project, "crash", {"sites": SITES_LAYER, "zones": ZONES_LAYER})
        os.makedirs(os.path.join(self.project, "data"))
        for f in ("sites.csv", "zones.csv"):
            shutil.copyfile(os.path.join(data_b, f), os.path.join(self.project, "data", f))

    # -- one state of the outputs -----------------------------------------

    def restore_a(self, mode="copy"):
        """A's outputs (and A's build state) back in place.  mode "copy-wal":
        the GeoPackage is in WAL mode with nobody reading it (as QGIS leaves
        it), so no companions; otherwise it is in rollback-journal mode (and
        "inplace" then holds it open, see hold_open)."""
        out = os.path.join(self.project, "out")
        if os.path.lexists(out):
            shutil.rmtree(out)
        shutil.copytree(self.suite.snap["A"], out)
        gpkg = os.path.join(self.project, CRASH_GPKG)
        if mode == "copy-wal":
            conn = sqlite3.connect(gpkg, isolation_level=None)
            if conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                raise SetupError("could not switch the GeoPackage to WAL mode")
            conn.close()
            left = [x for x in ("-wal", "-shm") if os.path.exists(gpkg + x)]
            if left:
                raise SetupError("closing the only connection left %s" % left)
        self.restored_gpkg_sha = sha256_file(gpkg) if mode != "inplace" else None

    def hold_open(self):
        """A reader holding the GeoPackage open in WAL mode (as QGIS does):
        the -wal and -shm files exist while it is open."""
        conn = sqlite3.connect(os.path.join(self.project, CRASH_GPKG), timeout=30,
                               isolation_level=None, check_same_thread=False)
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise SetupError("could not switch the GeoPackage to WAL mode: %s" % mode)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn

    def check_outputs(self, full=False):
        """{output: 'A' | 'B' | None}, [problems], {output: details}."""
        suite = self.suite
        found, problems, details = {}, [], {}
        for f in CRASH_FILES:
            path = os.path.join(self.project, f)
            if not os.path.exists(path):
                found[f] = None
                details[f] = "missing"
                continue
            sha = sha256_file(path)
            found[f] = next((v for v in ("A", "B") if suite.file_sha[v][f] == sha), None)
            if found[f] is None:
                details[f] = describe_geojson(path) if f.endswith(".geojson") else \
                    "%d bytes, sha256 %s" % (os.path.getsize(path), sha[:16])
        gpkg = os.path.join(self.project, CRASH_GPKG)
        layers = sorted(suite.gpkg_refs[0].fps)
        if not os.path.exists(gpkg):
            for t in layers:
                found["%s:%s" % (CRASH_GPKG, t)] = None
                details["%s:%s" % (CRASH_GPKG, t)] = "file missing"
            return found, problems, details
        # The file as restored, untouched, with nothing beside it that could
        # change what a reader sees: its bytes say it all.
        companions = [x for x in ("-wal", "-journal") if os.path.exists(gpkg + x)]
        if not companions and not full and self.restored_gpkg_sha and \
                sha256_file(gpkg) == self.restored_gpkg_sha:
            for t in layers:
                found["%s:%s" % (CRASH_GPKG, t)] = "A"
            return found, problems, details
        try:
            got, gproblems, gdetails = classify_gpkg(gpkg, suite.gpkg_refs, full=full)
        except sqlite3.DatabaseError as e:
            problems.append("%s: %s" % (CRASH_GPKG, e))
            for t in layers:
                found["%s:%s" % (CRASH_GPKG, t)] = None
                details["%s:%s" % (CRASH_GPKG, t)] = "cannot be read: %s" % e
            return found, problems, details
        for t, label in got.items():
            found["%s:%s" % (CRASH_GPKG, t)] = label
            if t in gdetails:
                details["%s:%s" % (CRASH_GPKG, t)] = gdetails[t]
        problems.extend("%s: %s" % (CRASH_GPKG, p) for p in gproblems)
        return found, problems, details

    # -- calibration --------------------------------------------------------

    def _watch_state(self):
        """What is visible of the outputs now, for timing the phases."""
        out = os.path.join(self.project, "out")
        try:
            names = os.listdir(out)
        except OSError:
            names = []
        # The output temporaries, not the state file's or the lock's.
        state = {"tmp": any(n.startswith((".sites.geojson.oremap-tmp-", ".map.gpkg.oremap-tmp-"))
                            for n in names)}
        for f in CRASH_FILES + [CRASH_GPKG, CRASH_GPKG + "-wal"]:
            try:
                st = os.stat(os.path.join(self.project, f))
                state[f] = (st.st_ino, st.st_size, st.st_mtime_ns)
            except OSError:
                state[f] = None
        return state

    def time_build(self, mode):
        """One whole build from A's outputs: (total, writes start, writes end)."""
        self.restore_a(mode)
        holder = self.hold_open() if mode == "inplace" else None
        files = lambda st: {k: v for k, v in st.items() if k != "tmp"}  # noqa: E731
        prev = self._watch_state()
        t0 = time.monotonic()
        p = subprocess.Popen(build_cmd(self.suite.binary, ["--force"]), cwd=self.project,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        first_tmp = last_change = None
        while p.poll() is None:
            st = self._watch_state()
            now = time.monotonic() - t0
            if first_tmp is None and st["tmp"]:
                first_tmp = now
            if files(st) != files(prev):
                last_change = now
            prev = st
            time.sleep(0.002)
        total = time.monotonic() - t0
        if holder:
            holder.close()
        if p.returncode != self.suite.exit_code["B"]:
            raise SetupError("calibration build (%s) exited %d" % (mode, p.returncode))
        if files(self._watch_state()) != files(prev):
            last_change = total
        return (total, first_tmp if first_tmp is not None else total * 0.3,
                last_change if last_change is not None else total)

    def timing(self, mode):
        """The build time and write phase to draw kill times from: the
        fastest of this worker's last samples (so that few kills come after
        the build has finished), its phases scaled from the median sample."""
        recent = self.samples["inplace" if mode == "inplace" else "copy"][-RECENT_SAMPLES:]
        mid = len(recent) // 2
        median = sorted(x[0] for x in recent)[mid]
        total = min(x[0] for x in recent)
        scale = total / median if median > 0 else 1.0
        return {"total": total,
                "write_start": sorted(x[1] for x in recent)[mid] * scale,
                "write_end": min(sorted(x[2] for x in recent)[mid] * scale, total)}

    def kill_delay(self, rng, mode):
        """(phase, seconds): a moment to kill at, mostly while outputs are
        written, some before, some after, within the measured build time."""
        t = self.timing(mode)
        total, w0 = t["total"], t["write_start"]
        w1 = min(max(t["write_end"], w0 + 0.05), total)
        x = rng.random()
        if x < 0.15:
            return "early", rng.uniform(0.0, w0)
        if x < 0.85:
            return "write", rng.uniform(w0, w1)
        return "late", rng.uniform(w1, total)

    # -- one trial ------------------------------------------------------------

    def trial(self, k):
        suite = self.suite
        st = self.stats
        st["trials"] += 1
        if st["trials"] % RECALIBRATE_EVERY == 0:
            # The machine's load changes: time a whole build again now and then.
            m = "inplace" if (st["trials"] // RECALIBRATE_EVERY) % 2 else "copy"
            self.samples[m].append(self.time_build(m))
            st["recalibrations"] += 1
        rng = random.Random(suite.seed * 1_000_003 + k)
        # Half the trials in place (a reader holds the file open in WAL mode),
        # half through a copy: of a rollback-journal file, or of a WAL file
        # that nobody has open.
        mode = "inplace" if k % 2 else ("copy" if k % 4 == 0 else "copy-wal")
        full = k % 25 == 0  # now and then cross-check the fast comparison
        clock = time.monotonic()

        def lap(stage):
            nonlocal clock
            now = time.monotonic()
            self.spent[stage] += now - clock
            clock = now

        self.restore_a(mode)
        holder = self.hold_open() if mode == "inplace" else None
        if holder and not os.path.exists(os.path.join(self.project, CRASH_GPKG + "-wal")):
            suite.fail.add("trial %d: holding the GeoPackage open in WAL mode left no -wal file"
                           % k)
        phase, delay = self.kill_delay(rng, mode)
        self.phases[phase] += 1
        lap("restore")
        t0 = time.monotonic()
        p = subprocess.Popen(build_cmd(suite.binary, ["--force"]), cwd=self.project,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        time.sleep(max(0.0, delay - (time.monotonic() - t0)))
        exited_first = p.poll() is not None
        if not exited_first:
            os.kill(p.pid, signal.SIGKILL)
        p.wait()  # reaped: its pid is gone, so its temporaries count as stale
        actual = time.monotonic() - t0
        if exited_first:
            st["exited"] += 1
        lap("killed build")

        where = "trial %d (%s, kill at %.3f s, actual %.3f s)" % (k, mode, delay, actual)
        found, problems, details = self.check_outputs(full=full)
        if full:
            st["full_checks"] += 1
        partial = [o for o, v in found.items() if v is None]
        if partial:
            st["partial"] += 1
            suite.fail.add("%s: after the kill, outputs neither complete A nor complete B: %s"
                           % (where, "; ".join("%s: %s" % (o, details.get(o, "?"))
                                               for o in partial)))
        if problems:
            st["integrity"] += 1
            suite.fail.add("%s: after the kill: %s" % (where, "; ".join(problems)))
        versions = set(found.values())
        st["before" if versions == {"A"} else "after" if versions == {"B"} else "between"] += 1
        if suite.verbose:
            log("  %s: %s" % (where, ", ".join("%s=%s" % kv for kv in sorted(found.items()))))
        lap("check after kill")

        # The next normal build finishes the job and leaves nothing behind.
        code, out, err = run_build(suite.binary, self.project, [], self.env,
                                   log_to=os.path.join(suite.logs, "recover-%d.log" % k))
        lap("next build")
        if code != suite.exit_code["B"]:
            st["build_failed"] += 1
            errors = [l for l in err.splitlines() if "error" in l.lower()] or err.splitlines()[-3:]
            suite.fail.add("%s: the next build exited %d (a clean build of B exits %d): %s"
                           % (where, code, suite.exit_code["B"], " | ".join(errors)[:600]))
        found, problems, details = self.check_outputs(full=full)
        not_b = {o: v for o, v in found.items() if v != "B"}
        if not_b:
            st["not_b_after"] += 1
            suite.fail.add("%s: after the next build, outputs are not B: %s" % (
                where, "; ".join("%s: %s %s" % (o, v or "neither", details.get(o, ""))
                                 for o, v in sorted(not_b.items()))))
        if problems:
            st["integrity"] += 1
            suite.fail.add("%s: after the next build: %s" % (where, "; ".join(problems)))
        if holder:
            holder.close()
        # The state agrees with the outputs: nothing is left to do.
        code, out, err = run_build(suite.binary, self.project, ["--dry-run"], self.env)
        plans = [l for l in out.splitlines() if l.strip()]
        if code != 0 or not plans or any("skip (up to date)" not in l for l in plans):
            st["state"] += 1
            suite.fail.add("%s: after the next build, a dry run still plans work (exit %d): %s"
                           % (where, code, " | ".join(plans + err.splitlines())[:600]))
        lap("check after build")

        gpkg = os.path.join(self.project, CRASH_GPKG)
        left = [x for x in ("-wal", "-shm") if os.path.exists(gpkg + x)]
        if left:
            st["companions_left"] += 1
            if suite.verbose:
                log("  %s: %s left beside the GeoPackage" % (where, ", ".join(left)))
        spool_strays = find_strays(self.env["TMPDIR"], (r"^oremap-spool-",))
        strays = find_strays(self.project) + ["TMPDIR/" + x for x in spool_strays]
        if strays:
            st["strays"] += 1
            st["stray_files"] += len(strays)
            for x in strays:
                key = re.sub(r"\d+", "N", x)
                self.stray_names[key] = self.stray_names.get(key, 0) + 1
            if suite.note_strays() or suite.verbose:
                suite.fail.add("%s: left after the next build: %s" % (where, ", ".join(strays)))
            for x in spool_strays:
                os.remove(os.path.join(self.env["TMPDIR"], x))


class CrashSuite:
    """Kill builds of a 200,000-record layer at random moments and check
    that every output stays complete (old or new) and that the next build
    finishes the job, leaving nothing behind.  `jobs` workers run trials
    side by side, each in its own copy of the project."""

    def __init__(self, binary, work, name, trials, seed=None, verbose=False, jobs=None):
        self.binary = binary
        self.work = work
        self.name = name
        self.trials = trials
        self.seed = seed if seed is not None else int(os.environ.get("OREMAP_CRASH_SEED", "1"))
        self.jobs = jobs if jobs is not None else int(os.environ.get("OREMAP_CRASH_JOBS", "2"))
        self.verbose = verbose
        self.fail = Failures(name)
        self.refdir = os.path.join(work, "ref")
        self.logs = os.path.join(work, "logs")
        self.lock = threading.Lock()
        self.strays_listed = 0
        self.next_trial = 1
        self.done = 0

    def note_strays(self):
        """Whether to list this trial's strays (the first five are listed)."""
        with self.lock:
            self.strays_listed += 1
            if self.strays_listed == 6:
                log("%s: (further trials with strays are counted, not listed)" % self.name)
            return self.strays_listed <= 5

    # -- setup ------------------------------------------------------------

    def setup(self):
        t0 = time.monotonic()
        fresh_dir(self.work)
        os.makedirs(self.logs)
        env = oremap_env(self.work)
        data = os.path.join(self.work, "data")
        rows_a = sites_version_a(CRASH_SITES, CRASH_SEED)
        rows_b = sites_version_b(rows_a, CRASH_SEED)
        write_csv(os.path.join(data, "A", "sites.csv"), SITE_HEADER, rows_a)
        write_csv(os.path.join(data, "B", "sites.csv"), SITE_HEADER, rows_b)
        write_csv(os.path.join(data, "A", "zones.csv"), ZONE_HEADER,
                  zone_rows(CRASH_ZONES, CRASH_SEED, "A"))
        write_csv(os.path.join(data, "B", "zones.csv"), ZONE_HEADER,
                  zone_rows(CRASH_ZONES, CRASH_SEED, "B"))
        self.counts = {"A": len(rows_a), "B": len(rows_b)}

        self.snap, self.file_sha, self.gpkg_refs, self.exit_code = {}, {}, [], {}
        for v in ("A", "B"):
            proj = os.path.join(self.work, "clean-" + v)
            fresh_dir(proj)
            write_project(proj, "crash", {"sites": SITES_LAYER, "zones": ZONES_LAYER})
            os.makedirs(os.path.join(proj, "data"))
            for f in ("sites.csv", "zones.csv"):
                shutil.copyfile(os.path.join(data, v, f), os.path.join(proj, "data", f))
            code, out, err = build_ok(self.binary, proj, ["--force"], env,
                                      what="clean build of version " + v)
            self.exit_code[v] = code
            snap = os.path.join(self.refdir, v)
            copy_tree(os.path.join(proj, "out"), snap)
            self.snap[v] = snap
            self.file_sha[v] = {f: sha256_file(os.path.join(proj, f)) for f in CRASH_FILES}
            with open(os.path.join(proj, "out/sites.geojson"), "rb") as fh:
                doc = json.loads(fh.read())
            with open(os.path.join(proj, "out/rejects/sites.csv"), encoding="utf-8") as fh:
                rejects = len(fh.read().splitlines()) - 1
            if len(doc["features"]) + rejects != self.counts[v]:
                raise SetupError("version %s: %d features + %d rejects != %d records"
                                 % (v, len(doc["features"]), rejects, self.counts[v]))
            self.gpkg_refs.append(GpkgReference(os.path.join(snap, "map.gpkg"), v))
            strays = find_strays(proj)
            if strays:
                raise SetupError("a clean build of %s left %s" % (v, strays))
        for f in CRASH_FILES:
            if self.file_sha["A"][f] == self.file_sha["B"][f]:
                raise SetupError("%s is the same in A and B: the test would not see a change" % f)
        for t, fp in self.gpkg_refs[0].fps.items():
            if fp == self.gpkg_refs[1].fps.get(t):
                raise SetupError("layer %s is the same in A and B" % t)

        # The projects the trials run in: always source B, outputs restored to A.
        self.workers = [CrashWorker(self, i + 1) for i in range(max(1, self.jobs))]
        for w in self.workers:
            w.create(os.path.join(data, "B"))
        self.setup_seconds = time.monotonic() - t0

    # -- self-check ---------------------------------------------------------

    def self_check(self):
        """The checker must flag what it is there to flag: a truncated
        GeoJSON, a layer with half its rows deleted (with and without the
        R-tree following), a damaged page, stray temporaries."""
        w = self.workers[0]
        problems = []
        w.restore_a()
        found, probs, _ = w.check_outputs(full=True)
        if set(found.values()) != {"A"} or probs:
            problems.append("restored A does not check as A: %s %s" % (found, probs))
        gj = os.path.join(w.project, "out/sites.geojson")
        with open(gj, "r+b") as f:
            f.truncate(os.path.getsize(gj) // 2)
        found, probs, details = w.check_outputs()
        if found["out/sites.geojson"] is not None or "does not parse" not in \
                details.get("out/sites.geojson", ""):
            problems.append("a truncated GeoJSON was not flagged: %s" % details)
        gpkg = os.path.join(w.project, CRASH_GPKG)
        for variant in ("with triggers", "index left behind"):
            w.restore_a()
            conn = sqlite3.connect(gpkg, isolation_level=None)
            if variant == "index left behind":
                for (trig,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                            "AND tbl_name = 'sites'").fetchall():
                    conn.execute("DROP TRIGGER %s" % qi(trig))
            conn.execute("DELETE FROM sites WHERE fid > (SELECT max(fid) / 2 FROM sites)")
            conn.close()
            found, probs, details = w.check_outputs()
            if found.get(CRASH_GPKG + ":sites") is not None:
                problems.append("a layer with half its rows deleted (%s) was not flagged" % variant)
            if variant == "index left behind" and not any("disagree" in p for p in probs):
                problems.append("an R-tree with entries for deleted rows was not flagged: %s"
                                % probs)
            if found.get(CRASH_GPKG + ":zones") != "A":
                problems.append("the untouched layer zones was not recognised as A")
        w.restore_a()
        with open(gpkg, "r+b") as f:  # scribble over a page in the middle
            f.seek((os.path.getsize(gpkg) // 4096 // 2) * 4096)
            f.write(os.urandom(4096))
        found, probs, _ = w.check_outputs()
        if not probs and all(v is not None for v in found.values()):
            problems.append("a damaged page went unnoticed")
        w.restore_a()
        out = os.path.join(w.project, "out")
        for n in (".sites.geojson.oremap-tmp-99999", ".map.gpkg.oremap-tmp-99999-journal",
                  ".oremap-state", ".oremap-state.tmp", ".oremap.lock"):
            open(os.path.join(out, n), "w").close()
        strays = find_strays(w.project)
        if strays != ["out/.map.gpkg.oremap-tmp-99999-journal",
                      "out/.sites.geojson.oremap-tmp-99999"]:
            problems.append("stray detection found %s" % strays)
        w.restore_a()
        if problems:
            raise SetupError("self-check of the checker failed: " + "; ".join(problems))

    # -- calibration --------------------------------------------------------

    def calibrate(self, runs=3):
        """Time whole builds in both modes, every worker building at once (as
        during the trials), and when their writes start and end."""
        result = {}
        for mode in ("copy", "inplace"):
            samples, errors = [], []

            def work(w):
                try:
                    for _ in range(runs):
                        w.samples[mode].append(w.time_build(mode))
                        samples.append(w.samples[mode][-1])
                except SetupError as e:
                    errors.append(str(e))
            threads = [threading.Thread(target=work, args=(w,)) for w in self.workers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if errors:
                raise SetupError(errors[0])
            mid = len(samples) // 2
            total = sorted(x[0] for x in samples)[mid]
            result[mode] = {"total": total, "write_start": sorted(x[1] for x in samples)[mid],
                            "write_end": min(sorted(x[2] for x in samples)[mid], total)}
        self.timing = result
        return result

    # -- the run ------------------------------------------------------------

    def _worker_loop(self, w, t_trials):
        while True:
            with self.lock:
                k = self.next_trial
                if k > self.trials:
                    return
                self.next_trial += 1
            try:
                w.trial(k)
            except (SetupError, OSError, sqlite3.Error, subprocess.SubprocessError) as e:
                self.fail.add("trial %d: the trial itself broke: %s: %s" % (k, type(e).__name__, e))
            with self.lock:
                self.done += 1
                done = self.done
            if done % 50 == 0 or done == self.trials:
                el = time.monotonic() - t_trials
                log("%s: %d/%d trials, %.0f s (%.2f s per trial), %d failure(s) so far"
                    % (self.name, done, self.trials, el, el / done, len(self.fail)))

    def run(self):
        t_start = time.monotonic()
        try:
            log("%s: generating %d + %d records and building versions A and B"
                % (self.name, CRASH_SITES, CRASH_ZONES))
            self.setup()
            self.self_check()
            tm = self.calibrate()
        except SetupError as e:
            print("%s: SETUP FAILED: %s" % (self.name, e), file=sys.stderr)
            return 2
        log("%s: setup %.1f s; %d worker(s); a full build takes %.2f s (copy path; writes "
            "%.2f-%.2f s) and %.2f s (in place; writes %.2f-%.2f s)" % (
                self.name, self.setup_seconds, len(self.workers), tm["copy"]["total"],
                tm["copy"]["write_start"], tm["copy"]["write_end"], tm["inplace"]["total"],
                tm["inplace"]["write_start"], tm["inplace"]["write_end"]))
        t_trials = time.monotonic()
        threads = [threading.Thread(target=self._worker_loop, args=(w, t_trials))
                   for w in self.workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t_start
        s, phases, spent, strays = {}, {}, {}, {}
        for w in self.workers:
            for d, src in ((s, w.stats), (phases, w.phases), (spent, w.spent),
                           (strays, w.stray_names)):
                for k, v in src.items():
                    d[k] = d.get(k, 0) + v
        log("%s: kills aimed early/write/late: %d/%d/%d; outputs found all old %d, some new %d, "
            "all new %d (the build had already exited in %d); %d full fingerprint cross-checks; "
            "%d recalibrations" % (self.name, phases["early"], phases["write"], phases["late"],
                                   s["before"], s["between"], s["after"], s["exited"],
                                   s["full_checks"], s["recalibrations"]))
        log("%s: time per trial and worker: %s" % (self.name, ", ".join(
            "%s %.2f s" % (k, v / max(1, s["trials"])) for k, v in spent.items())))
        if s["companions_left"]:
            log("%s: note: in %d trials -wal/-shm stayed beside out/map.gpkg after every "
                "connection had closed (not a failure; later builds then change it in place)"
                % (self.name, s["companions_left"]))
        if strays:
            log("%s: strays by name: %s" % (self.name, ", ".join(
                "%s x%d" % kv for kv in sorted(strays.items()))))
        log("%s: %d trials, %d partial outputs, %d integrity failures, %d strays (%d trials), "
            "%d not B after the next build, %d failed builds, %d stale states, %.0f s"
            % (self.name, s["trials"], s["partial"], s["integrity"], s["stray_files"],
               s["strays"], s["not_b_after"], s["build_failed"], s["state"], elapsed))
        if len(self.fail):
            print("%s: FAILED: %d failure(s); first: %s" % (self.name, len(self.fail),
                                                            self.fail.items[0]), file=sys.stderr)
            return 1
        return 0
