#!/usr/bin/env python3
"""Read the built KML files back as a user's tools would and compare them with the sources.

Each file must parse as XML (xml.etree), and GDAL (ogrinfo) must find every
record with its name, attribute values, coordinates and the style of its
class: sites by commodity (REE, Li, anything else 'other'), areas by
reserve ranges [3, 10] and (10, 100], with 500 outside and hidden.
Prints one line per placemark, and stops at the first disagreement with a
MISMATCH line, which makes the printed text differ from the expected one
(exiting non-zero would stop run_case.py before it shows the line).
"""
import csv
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

KML = "{http://www.opengis.net/kml/2.2}"


def fail(msg):
    print("MISMATCH: " + msg)
    sys.exit(0)


def xml_text(s):
    """What XML can hold of s: the controls other than tab and line feed are left out."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", s)


def placemarks(path):
    root = ET.parse(path).getroot()
    out = []
    for pm in root.iter(KML + "Placemark"):
        data = {d.get("name"): d.text or "" for d in pm.iter(KML + "SimpleData")}
        out.append({"name": pm.findtext(KML + "name"), "style": pm.findtext(KML + "styleUrl"),
                    "data": data})
    return out


def ogr_features(path):
    """ogrinfo's features: attribute values, style and geometry as WKT."""
    text = subprocess.run(["ogrinfo", "-ro", "-al", path], capture_output=True, text=True,
                          check=True).stdout
    count = int(re.search(r"Feature Count: (\d+)", text).group(1))
    feats = []
    for block in text.split("OGRFeature(")[1:]:
        f = {"values": {}, "style": None, "wkt": None}
        for line in block.splitlines()[1:]:
            m = re.match(r"  (.+?) \((String|Integer|Real|Integer64)\) = (.*)$", line)
            if m:
                f["values"][m.group(1)] = m.group(3)
            elif line.startswith("  Style = "):
                f["style"] = line[len("  Style = "):]
            elif re.match(r"  [A-Z]+ ?\(", line):
                f["wkt"] = line.strip()
        feats.append(f)
    return count, feats


def check(layer, path, rows, name_of, class_of, data_fields):
    pms = placemarks(path)
    count, feats = ogr_features(path)
    if len(pms) != len(rows) or count != len(rows) or len(feats) != len(rows):
        fail(f"{path}: {len(rows)} records, {len(pms)} placemarks, ogrinfo counts {count}")
    for row, pm, feat in zip(rows, pms, feats):
        want_name, want_style = xml_text(name_of(row)), "#" + class_of(row)
        if pm["name"] != want_name or feat["values"].get("Name") != want_name:
            fail(f"{path}: name {pm['name']!r} / ogrinfo {feat['values'].get('Name')!r}, "
                 f"expected {want_name!r}")
        if pm["style"] != want_style or feat["style"] != "@" + class_of(row):
            fail(f"{path}: {want_name}: styleUrl {pm['style']} / ogrinfo {feat['style']}, "
                 f"expected {want_style}")
        for field in data_fields:
            want = row[field]
            got = pm["data"].get(field, "")
            ogr = feat["values"].get(field, "")
            if want and (float(got) != float(want) if field in ("grade_percent", "reserve_mt")
                         else got != want):
                fail(f"{path}: {want_name}: {field} {got!r}, expected {want!r}")
            if want and ogr == "":
                fail(f"{path}: {want_name}: ogrinfo reads no {field}")
        print(f"{layer}: {want_name!r} -> {pm['style']} (ogrinfo {feat['style']}) {feat['wkt']}")


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


sites = rows_of("data/sites.csv")
check("sites", "out/sites.kml", sites, lambda r: r["name"],
      lambda r: {"REE": "class-0", "Li": "class-1"}.get(r["commodity"], "class-2"),
      ["site_id", "commodity", "talks_status", "grade_percent"])

# Coordinates: the points as given, through GDAL.
_, feats = ogr_features("out/sites.kml")
for s, f in zip(sites, feats):
    x, y = map(float, re.match(r"POINT \(([-\d.]+) ([-\d.]+)\)", f["wkt"]).groups())
    if abs(x - float(s["lon"])) > 1e-9 or abs(y - float(s["lat"])) > 1e-9:
        fail(f"{s['site_id']}: POINT ({x} {y}), expected ({s['lon']} {s['lat']})")


def reserve_class(r):
    v = float(r["reserve_mt"])
    return "class-0" if 3 <= v <= 10 else "class-1" if 10 < v <= 100 else "hidden"


areas = rows_of("data/areas.csv")
check("areas", "out/areas.kml", areas, lambda r: r["name"], reserve_class, ["id", "reserve_mt"])
print("xml: both files parse")
