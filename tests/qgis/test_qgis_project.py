#!/usr/bin/env python3
"""QGIS opens the example's published project and draws the map.

Builds the example project into a temporary folder (oremap.yaml asks for
out/deposit-map.qgz), moves the whole output folder elsewhere (the project
must reference its layers by relative path), then reads the project with
QGIS itself (python3-qgis, headless): every layer is valid and styled,
the points are drawn over the lines over the polygons with the country
outlines at the bottom, and the project CRS is EPSG:3857.  It renders the
project over Türkiye to PNG and checks the pixels where the example's
sites are: they must have a deposit symbol's colour, and the country fill
must be drawn elsewhere (both fail when the layers are not drawn).

Usage: test_qgis_project.py OREMAP SOURCE_DIR WORK_DIR
Exits 77 (ctest's SKIP_RETURN_CODE) with a message when QGIS is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile

SKIP = 77
SYSTEM_PYTHON = "/usr/bin/python3"
SITE_COLOURS = ["#d7301f", "#fc8d59", "#969696", "#252525"]  # styles/deposits.yaml
BACKGROUND = "#ffffff"


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
          "the QGIS project was not opened in QGIS")
    sys.exit(SKIP)


def rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def near(colour, hex_colour, tolerance=60):
    return sum(abs(a - b) for a, b in zip(colour, rgb(hex_colour))) <= tolerance


def build(oremap, source, work):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    runtime = os.path.join(work, "runtime")  # Qt wants its runtime folder private
    os.makedirs(runtime, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", runtime)
    project = os.path.join(work, "project")
    os.makedirs(project)
    for name in ("oremap.yaml", "layers", "styles", "data"):
        src = os.path.join(source, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(project, name))
        else:
            shutil.copy(src, os.path.join(project, name))
    run = subprocess.run([oremap, "build"], cwd=project, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout, run.stderr)
        sys.exit("FAIL: oremap build exited %d" % run.returncode)
    # Moved away from where it was built: only relative paths still work.
    moved = os.path.join(work, "moved")
    shutil.move(os.path.join(project, "out"), moved)
    return moved


def main():
    oremap, source, work = (os.path.abspath(a) for a in sys.argv[1:4])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    core = import_qgis()
    out = build(oremap, source, work)
    qgz = os.path.join(out, "deposit-map.qgz")
    failures = []
    with zipfile.ZipFile(qgz) as z:
        qgs = z.read(z.namelist()[0]).decode("utf-8")
    if "<datasource>./deposit-map.gpkg|layername=deposits</datasource>" not in qgs:
        failures.append("the deposits layer is not referenced as ./deposit-map.gpkg")
    if os.path.dirname(out) in qgs or "/tmp/" in qgs:
        failures.append("the project holds an absolute path")
    with open(os.path.join(out, "deposits.geojson"), encoding="utf-8") as f:
        sites = [ft["geometry"]["coordinates"] for ft in json.load(f)["features"]]

    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor
    app = core.QgsApplication([], False)
    app.initQgis()
    try:
        project = core.QgsProject.instance()
        if not project.read(qgz):
            failures.append("QGIS cannot read the project: %s" % project.error())
        layers = project.layerTreeRoot().layerOrder()  # the top layer first
        names = [l.name() for l in layers]
        print("layers, top first:", names)
        if len(layers) != 7:
            failures.append("expected the example's 7 layers, found %d" % len(layers))
        for l in layers:
            if not l.isValid():
                failures.append("%s: not valid (source %s)" % (l.name(), l.source()))
            elif l.featureCount() <= 0:
                failures.append("%s: no features" % l.name())
            elif l.renderer() is None or l.renderer().type() == "singleSymbol" and \
                    l.name().startswith("Beylikova"):
                failures.append("%s: the style was not applied" % l.name())
        kinds = [l.geometryType() for l in layers if l.isValid()]
        if kinds != sorted(kinds):  # Point 0, Line 1, Polygon 2: points on top
            failures.append("drawing order is not points, lines, polygons: %s" % kinds)
        if not names or "ountr" not in names[-1]:
            failures.append("the country outlines are not at the bottom: %s" % names[-1:])
        if project.crs().authid() != "EPSG:3857":
            failures.append("project CRS %s, expected EPSG:3857" % project.crs().authid())

        settings = core.QgsMapSettings()
        settings.setLayers(layers)
        settings.setDestinationCrs(project.crs())
        settings.setOutputSize(QSize(900, 500))
        settings.setBackgroundColor(QColor(BACKGROUND))
        wgs84 = core.QgsCoordinateReferenceSystem("EPSG:4326")
        to_map = core.QgsCoordinateTransform(wgs84, project.crs(), project)
        settings.setExtent(to_map.transformBoundingBox(core.QgsRectangle(25.5, 35.5, 45.0, 42.5)))
        job = core.QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        image = job.renderedImage()
        png = os.path.join(work, "deposit-map.png")
        image.save(png)
        print("rendered", png)

        def pixel(lon, lat):
            p = settings.mapToPixel().transform(to_map.transform(core.QgsPointXY(lon, lat)))
            c = QColor(image.pixel(int(round(p.x())), int(round(p.y()))))
            return (c.red(), c.green(), c.blue()), (int(round(p.x())), int(round(p.y())))

        for lon, lat in sites:
            colour, at = pixel(lon, lat)
            if not any(near(colour, c) for c in SITE_COLOURS):
                failures.append("site %.4f, %.4f at pixel %s is %s, no deposit symbol colour"
                                % (lon, lat, at, colour))
        colour, at = pixel(35.5, 38.5)  # central Anatolia, away from every site
        if near(colour, BACKGROUND, 10):
            failures.append("Türkiye at pixel %s is background %s: countries not drawn" % (at, colour))
    except Exception as e:  # reported like a check, then the same exit path
        failures.append("%s: %s" % (type(e).__name__, e))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok: %d layers valid, sites drawn at their pixels" % len(layers))
    sys.stdout.flush()
    os._exit(1 if failures else 0)  # QGIS 3.22's teardown can crash after the checks


if __name__ == "__main__":
    main()
