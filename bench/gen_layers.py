#!/usr/bin/env python3
"""Generate an oremap project of many layers, and the Makefile of ogr2ogr
commands that a GDAL user would write for the same outputs.

    bench/gen_layers.py [-l LAYERS] [-n RECORDS] [-g PER_GPKG] [--seed S] [-o DIR]

writes, in DIR (default: build/bench/layers):

    data/layer_NNN.csv    one register per layer, RECORDS sites each, made by
                          gen_sites.py's generator (seed S + layer number)
    data/layer_NNN.csvt   column types for GDAL's CSV driver (oremap ignores it)
    oremap.yaml           the project manifest
    layers/layer_NNN.yaml one layer: data/layer_NNN.csv located by lon/lat,
                          written to out/geojson/layer_NNN.geojson and to the
                          table layer_NNN of out/gpkg/group_GG.gpkg, which
                          PER_GPKG consecutive layers share (0: every layer
                          its own GeoPackage, out/gpkg/layer_NNN.gpkg)
    Makefile              the same outputs under make-out/ with ogr2ogr: each
                          GeoJSON file depends on its CSV; each GeoPackage
                          table, which make cannot see, on a stamp file
                          make-out/stamps/layer_NNN that depends on the CSV
                          (ogr2ogr -update -overwrite -nln layer_NNN, which
                          also creates the file the first time)

The output depends only on the arguments: the same arguments give the same
bytes on every machine (see gen_sites.py).
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_sites  # noqa: E402  (the register generator, shared with run.sh)

OREMAP_YAML = """\
name: bench-layers
output: out
layers: [layers/*.yaml]
"""

LAYER_YAML = """\
name: {name}
source: {{ path: data/{name}.csv, id: site_id, fields: {{ site_id: string }} }}
locate: {{ coordinates: {{ x: lon, y: lat, crs: "EPSG:4326" }} }}
outputs:
  - out/geojson/{name}.geojson
  - {{ path: out/gpkg/{gpkg}.gpkg, layer: {name} }}
"""

MAKEFILE_HEAD = """\
# The outputs of this project's oremap layers, made with ogr2ogr under
# make-out/: what a GDAL user writes today.  make decides by modification
# time: a target older than its CSV is remade.  A GeoPackage table is not a
# file, so each table has a stamp file that stands for it.  Run it serially
# (no -j): layers that share a GeoPackage must not write it at once.
OGR2OGR ?= ogr2ogr
CSV_OO = -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326
GEOJSON_LCO = -lco RFC7946=YES -lco COORDINATE_PRECISION=6

"""

MAKE_RULES = """\
make-out/geojson/{name}.geojson: data/{name}.csv
\t@mkdir -p make-out/geojson
\trm -f $@ && $(OGR2OGR) -f GeoJSON $@ $< $(CSV_OO) -nln {name} $(GEOJSON_LCO)

make-out/stamps/{name}: data/{name}.csv
\t@mkdir -p make-out/gpkg make-out/stamps
\t$(OGR2OGR) -f GPKG -update -overwrite make-out/gpkg/{gpkg}.gpkg $< $(CSV_OO) -nln {name}
\t@touch $@

"""


def layer_name(i, width):
    return "layer_%0*d" % (width, i)


def gpkg_name(i, per_gpkg, width, gwidth):
    if per_gpkg <= 0:
        return layer_name(i, width)
    return "group_%0*d" % (gwidth, (i - 1) // per_gpkg + 1)


def write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-l", "--layers", type=int, default=200, help="number of layers (default 200)")
    ap.add_argument("-n", "--records", type=int, default=10_000,
                    help="sites per layer (default 10,000)")
    ap.add_argument("-g", "--per-gpkg", type=int, default=20,
                    help="layers per GeoPackage (default 20; 0: one GeoPackage per layer)")
    ap.add_argument("--seed", type=int, default=20240601,
                    help="base seed: layer N uses SEED + N (default 20240601)")
    ap.add_argument("-o", "--out", default="build/bench/layers",
                    help="project folder to write (default build/bench/layers)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    if a.layers < 1:
        ap.error("LAYERS must be at least 1")
    if a.records < 1:
        ap.error("RECORDS must be at least 1")
    if a.per_gpkg < 0:
        ap.error("PER_GPKG must be 0 or more")

    width = max(3, len(str(a.layers)))
    ngroups = (a.layers + a.per_gpkg - 1) // a.per_gpkg if a.per_gpkg else a.layers
    gwidth = max(2, len(str(ngroups)))
    for sub in ("data", "layers"):
        os.makedirs(os.path.join(a.out, sub), exist_ok=True)
    # Layers of an earlier, larger project would still be picked up by the glob.
    for f in os.listdir(os.path.join(a.out, "layers")):
        if f.endswith(".yaml"):
            os.remove(os.path.join(a.out, "layers", f))

    t0 = time.monotonic()
    total = 0
    rules = [MAKEFILE_HEAD]
    targets = []
    for i in range(1, a.layers + 1):
        name = layer_name(i, width)
        gpkg = gpkg_name(i, a.per_gpkg, width, gwidth)
        csv_path = os.path.join(a.out, "data", name + ".csv")
        tmp = csv_path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            gen_sites.generate(f, a.records, a.seed + i)
        os.replace(tmp, csv_path)
        total += os.path.getsize(csv_path)
        write_text(os.path.join(a.out, "data", name + ".csvt"), gen_sites.CSVT)
        write_text(os.path.join(a.out, "layers", name + ".yaml"),
                   LAYER_YAML.format(name=name, gpkg=gpkg))
        rules.append(MAKE_RULES.format(name=name, gpkg=gpkg))
        targets.append("make-out/geojson/%s.geojson make-out/stamps/%s" % (name, name))
    write_text(os.path.join(a.out, "oremap.yaml"), OREMAP_YAML)
    all_rule = "all: \\\n  " + " \\\n  ".join(targets) + "\n.PHONY: all\n\n"
    write_text(os.path.join(a.out, "Makefile"), rules[0] + all_rule + "".join(rules[1:]))
    if not a.quiet:
        print("wrote %s: %d layers of %d sites, %.1f MB in %.2f s"
              % (a.out, a.layers, a.records, total / 1e6, time.monotonic() - t0),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
