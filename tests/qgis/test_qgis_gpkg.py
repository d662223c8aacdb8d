#!/usr/bin/env python3
"""QGIS opens the example project's GeoPackage styled, with no clicks.

Builds the example project (oremap.yaml, layers/, styles/, data/) into a
temporary folder, then loads every table of out/deposit-map.gpkg with QGIS
itself (python3-qgis, headless) and checks that each layer is valid, has
the features and CRS the build wrote, and that its default style came from
the file's layer_styles table: the renderer type and the categories or
ranges equal to the layer's style file.

Usage: test_qgis_gpkg.py OREMAP SOURCE_DIR WORK_DIR
Exits 77 (ctest's SKIP_RETURN_CODE) with a message when QGIS is missing.
"""
import os
import shutil
import sqlite3
import subprocess
import sys

SKIP = 77
SYSTEM_PYTHON = "/usr/bin/python3"


def import_qgis():
    """The qgis.core module, re-running under Debian's python3 when this one lacks it."""
    try:
        import qgis.core  # noqa: F401
        return qgis.core
    except ImportError:
        pass
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and \
            os.path.exists(SYSTEM_PYTHON) and not os.environ.get("OREMAP_QGIS_REEXEC"):
        env = dict(os.environ, OREMAP_QGIS_REEXEC="1")
        sys.exit(subprocess.call([SYSTEM_PYTHON] + sys.argv, env=env))
    print("SKIPPED: QGIS's Python bindings are not installed (apt-get install python3-qgis); "
          "the GeoPackage was not checked in QGIS")
    sys.exit(SKIP)


def load_style(path):
    """The parts of a style file the renderer must show: kind, field, classes.

    Style files are YAML, read with Debian's python3-yaml, which
    python3-qgis depends on."""
    import yaml
    with open(path, encoding="utf-8") as f:
        s = yaml.safe_load(f)
    if "categories" in s:
        c = s["categories"]
        classes = [(str(v["value"]), v["color"].lower()) for v in c["values"]]
        if "other" in c:
            classes.append(("", c["other"]["color"].lower()))
        return "categorizedSymbol", c["field"], classes
    if "graduated" in s:
        g = s["graduated"]
        b = [float(x) for x in g["breaks"]]
        classes = [((b[i], b[i + 1]), g["colors"][i].lower()) for i in range(len(b) - 1)]
        return "graduatedSymbol", g["field"], classes
    return "singleSymbol", None, []


def main():
    oremap, source, work = (os.path.abspath(a) for a in sys.argv[1:4])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    core = import_qgis()

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    runtime = os.path.join(work, "runtime")  # Qt wants its runtime folder private
    os.makedirs(runtime, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", runtime)
    for name in ("oremap.yaml", "layers", "styles", "data"):
        src = os.path.join(source, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(work, name))
        else:
            shutil.copy(src, os.path.join(work, name))
    run = subprocess.run([oremap, "build"], cwd=work, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        sys.exit("FAIL: oremap build exited %d" % run.returncode)
    gpkg = os.path.join(work, "out", "deposit-map.gpkg")

    # What the build wrote, read with SQLite: tables, counts, CRS, styles.
    db = sqlite3.connect(gpkg)
    tables = [r[0] for r in db.execute(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name")]
    expect = {}
    for t in tables:
        count = db.execute('SELECT count(*) FROM "%s"' % t.replace('"', '""')).fetchone()[0]
        org, code = db.execute(
            "SELECT s.organization, s.organization_coordsys_id FROM gpkg_contents c JOIN "
            "gpkg_spatial_ref_sys s ON s.srs_id = c.srs_id WHERE c.table_name = ?", (t,)).fetchone()
        expect[t] = (count, "%s:%d" % (org.upper(), code))
    db.close()

    # Each layer's style file, through its manifest.
    import yaml
    styles = {}
    for name in os.listdir(os.path.join(work, "layers")):
        with open(os.path.join(work, "layers", name), encoding="utf-8") as f:
            m = yaml.safe_load(f)
        for o in m.get("outputs", []):
            if isinstance(o, dict) and o.get("path") == "out/deposit-map.gpkg" and m.get("style"):
                styles[o.get("layer", m["name"])] = os.path.join(work, m["style"])

    app = core.QgsApplication([], False)
    app.initQgis()
    failures = []
    try:
        if len(tables) < 7:
            failures.append("expected the example's 7 layers in the GeoPackage, found %s" % tables)
        for t in tables:
            layer = core.QgsVectorLayer("%s|layername=%s" % (gpkg, t), t, "ogr")
            if not layer.isValid():
                failures.append("%s: QGIS cannot open the layer" % t)
                continue
            count, crs = expect[t]
            if layer.featureCount() != count:
                failures.append("%s: QGIS counts %d features, the table has %d"
                                % (t, layer.featureCount(), count))
            if layer.crs().authid() != crs:
                failures.append("%s: CRS %s, expected %s" % (t, layer.crs().authid(), crs))
            if t not in styles:
                failures.append("%s: no style file found for it" % t)
                continue
            # QGIS applies the default style from layer_styles when a layer is opened;
            # loadDefaultStyle() is what it calls, and says where the style came from.
            msg, ok = layer.loadDefaultStyle()
            if not ok:
                failures.append("%s: no default style loaded (%s)" % (t, msg))
                continue
            kind, field, classes = load_style(styles[t])
            r = layer.renderer()
            if r.type() != kind:
                failures.append("%s: renderer %s, the style says %s" % (t, r.type(), kind))
                continue
            if kind == "categorizedSymbol":
                if r.classAttribute() != field:
                    failures.append("%s: categories by %s, not %s" % (t, r.classAttribute(), field))
                got = [(str(c.value()) if c.value() is not None else "",
                        c.symbol().color().name()) for c in r.categories()]
                if got != classes:
                    failures.append("%s: categories %s, the style says %s" % (t, got, classes))
            elif kind == "graduatedSymbol":
                if r.classAttribute() != field:
                    failures.append("%s: ranges of %s, not %s" % (t, r.classAttribute(), field))
                got = [((g.lowerValue(), g.upperValue()), g.symbol().color().name())
                       for g in r.ranges()]
                if got != classes:
                    failures.append("%s: ranges %s, the style says %s" % (t, got, classes))
            print("%-22s valid, %d features, %s, %s with %d classes"
                  % (t, count, crs, r.type(), len(classes)))
    except Exception as e:  # reported like a check, then the same exit path
        failures.append("%s: %s" % (type(e).__name__, e))
    for f in failures:
        print("FAIL:", f)
    sys.stdout.flush()
    # QGIS 3.22's teardown (exitQgis with layers still referenced from Python)
    # can crash after the checks are done: leave without it.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main()
