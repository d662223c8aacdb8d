#!/usr/bin/env bash
# Attribute join: N sites (bench/gen_sites.py) x N assay rows on site_id,
# written to GeoPackage (default N = 1,000,000).  In the same run: oremap, the
# best ogr2ogr pipeline a GDAL user would write (both CSVs loaded into one
# GeoPackage, the key indexed, the join in SQL through ogr2ogr -sql, written
# out), and GeoPandas (pandas merge, then to_file).  Peak memory from
# /usr/bin/time -v.
#
#   bench/attr-join.sh [N]        (OREMAP=path/to/oremap to pick a build)
set -euo pipefail
. "$(dirname "$0")/peers.sh"
bench_need py:geopandas python3-geopandas
bench_need ogr2ogr gdal-bin
N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OREMAP=$(realpath "${OREMAP:-$ROOT/build/oremap}")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/oremap-ajoin.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

python3 "$ROOT/bench/gen_sites.py" -n "$N" -o project >/dev/null
python3 - "$N" <<'PY'
import csv, random, sys
rnd = random.Random(7)
ids = [row["site_id"] for row in csv.DictReader(open("project/sites.csv", encoding="utf-8"))]
rnd.shuffle(ids)
with open("project/assays.csv", "w") as f:
    f.write("site_id,sample,reo_pct,nd_ppm\n")
    for i, s in enumerate(ids):
        f.write(f"{s},A{i},{rnd.uniform(0.1, 9):.3f},{rnd.randint(50, 4000)}\n")
PY
cat > project/layers/sites.yaml <<'YAML'
name: sites
source: { path: sites.csv, id: site_id }
locate:
  coordinates: { x: lon, y: lat }
joins:
  - table: assays.csv
    on: site_id
    fields: [sample, reo_pct, nd_ppm]
    prefix: assay_
outputs:
  - path: out/sites.gpkg
YAML

secs() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$1"; }
mb() { awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$1"; }

/usr/bin/time -v -o oremap.time "$OREMAP" build -C project --force >oremap.out 2>&1 || { cat oremap.out; exit 1; }
grep -E "join|sites " oremap.out | sed 's/^/  /'

cd project
cat > ../ogr.sh <<'SH'
set -e
ogr2ogr -q -f GPKG db.gpkg sites.csv -nln sites -a_srs EPSG:4326 \
  -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES
ogr2ogr -q -update -f GPKG db.gpkg assays.csv -nln assays -oo AUTODETECT_TYPE=YES
ogrinfo -q db.gpkg -sql "CREATE INDEX assays_site_id ON assays(site_id)" >/dev/null
ogr2ogr -q -f GPKG joined.gpkg db.gpkg -nln sites -sql \
  "SELECT s.*, a.sample AS assay_sample, a.reo_pct AS assay_reo_pct, a.nd_ppm AS assay_nd_ppm
   FROM sites s LEFT JOIN assays a ON a.site_id = s.site_id"
SH
/usr/bin/time -v -o ../ogr.time bash ../ogr.sh
cat > ../gpd.py <<'PY'
import pandas as pd, geopandas as gpd
sites = pd.read_csv("sites.csv", dtype={"site_id": str})
assays = pd.read_csv("assays.csv", dtype={"site_id": str}).add_prefix("assay_")
m = sites.merge(assays, how="left", left_on="site_id", right_on="assay_site_id")
m = m.drop(columns="assay_site_id")
g = gpd.GeoDataFrame(m.drop(columns=["lon", "lat"]), geometry=gpd.points_from_xy(m.lon, m.lat),
                     crs="EPSG:4326")
g.to_file("gpd.gpkg", driver="GPKG", layer="sites")
PY
/usr/bin/time -v -o ../gpd.time /usr/bin/python3 ../gpd.py
cd ..

om=$(secs oremap.time) og=$(secs ogr.time) gp=$(secs gpd.time)
printf "sites x assay rows: %d x %d, written to GeoPackage\n" "$N" "$N"
printf "oremap build:       %8.2f s  %6d MB peak\n" "$om" "$(mb oremap.time)"
printf "ogr2ogr pipeline:   %8.2f s  %6d MB peak (peak of its steps)\n" "$og" "$(mb ogr.time)"
printf "GeoPandas:          %8.2f s  %6d MB peak\n" "$gp" "$(mb gpd.time)"
python3 -c "
om, og, gp, mem = $om, $og, $gp, $(mb oremap.time)
print(f'ratio ogr2ogr / oremap = {og / om:.2f}x (target: at least 4x)')
print(f'ratio GeoPandas / oremap = {gp / om:.2f}x (target: at least 12x)')
print(f'oremap peak memory {mem} MB (target: under 512 MB)')
"
