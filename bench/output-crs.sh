#!/usr/bin/env bash
# Benchmark: a GeoPackage written in TUREF / TM30 (EPSG:5254) from a CSV of
# WGS 84 points, oremap (output 'crs:') against ogr2ogr -t_srs, in the same
# run.  Prints each one's wall time and peak memory, then the ratio.
#
# usage: bench/output-crs.sh [-n POINTS] [--oremap PATH] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000
oremap=build/oremap
work=build/bench-output-crs
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --oremap) oremap="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    *) echo "usage: $0 [-n POINTS] [--oremap PATH] [--work DIR]" >&2; exit 2 ;;
  esac
done
oremap=$(realpath "$oremap")
rm -rf "$work"
mkdir -p "$work/project/data" "$work/project/layers"
python3 - "$n" "$work/project/data/points.csv" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(20240601)
with open(path, "w") as f:
    f.write("id,name,lon,lat\n")
    for i in range(n):
        # inside TM30's area of use (28.5-31.5 E, 36.06-41.46 N)
        f.write(f"P{i},point {i},{rnd.uniform(28.6, 31.4):.6f},{rnd.uniform(36.2, 41.3):.6f}\n")
PY
printf 'name: bench\n' > "$work/project/oremap.yaml"
cat > "$work/project/layers/points.yaml" <<'YAML'
name: points
source: { path: data/points.csv, id: id }
locate: { coordinates: { x: lon, y: lat } }
outputs:
  - { path: out/points.gpkg, crs: "EPSG:5254" }
YAML

measure() { # label, command...: prints "label seconds peak_MB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/$label.log"
  read -r secs kb < "$work/time.txt"
  echo "$label $secs $((kb / 1024))"
}

o=$(measure oremap "$oremap" build -C "$work/project")
g=$(measure ogr2ogr ogr2ogr -f GPKG "$work/ogr.gpkg" "$work/project/data/points.csv" \
      -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -s_srs EPSG:4326 -t_srs EPSG:5254 \
      -nln points)
read -r _ os om <<<"$o"
read -r _ gs gm <<<"$g"
echo "points: $n"
echo "oremap  build, GPKG in EPSG:5254: ${os} s, peak ${om} MB"
echo "ogr2ogr -t_srs EPSG:5254 to GPKG: ${gs} s, peak ${gm} MB"
python3 -c "import sys; print(f'ratio oremap / ogr2ogr: {float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$os" "$gs"
