#!/usr/bin/env bash
# Join by location: N random points (default 1,000,000) into the Natural Earth
# 1:10m countries (npm world-atlas countries-10m.json, fetched into a temporary
# folder, never committed), oremap against GeoPandas' sjoin in the same run.
#
#   bench/spatial-join.sh [N]        (OREMAP=path/to/oremap to pick a build)
#
# Both sides read the same CSV of points and the same countries GeoJSON and
# write the joined points (id, country name) to a GeoPackage.  GeoPandas is
# timed twice: the sjoin call alone, and the whole run (read, join, write),
# which is what oremap's time covers.  Peak memory from /usr/bin/time -v.
set -euo pipefail
. "$(dirname "$0")/peers.sh"
bench_need py:geopandas python3-geopandas
bench_need ogr2ogr gdal-bin
bench_need npm npm
N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OREMAP=$(realpath "${OREMAP:-$ROOT/build/oremap}")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/oremap-sjoin.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

npm pack world-atlas --silent >/dev/null
tar -xzf world-atlas-*.tgz package/countries-10m.json
ogr2ogr -q -f GeoJSON countries.geojson package/countries-10m.json countries
python3 - "$N" <<'PY'
import random, sys
n = int(sys.argv[1])
rnd = random.Random(4)
with open("points.csv", "w") as f:
    f.write("id,lon,lat\n")
    for i in range(n):
        f.write(f"P{i},{rnd.uniform(-180, 180):.6f},{rnd.uniform(-90, 90):.6f}\n")
PY

mkdir -p project/layers project/data
mv points.csv countries.geojson project/data/
cat > project/oremap.yaml <<'YAML'
name: sjoin-bench
YAML
cat > project/layers/points.yaml <<'YAML'
name: points
source: { path: data/points.csv, id: id }
locate:
  coordinates: { x: lon, y: lat }
joins:
  - table: data/countries.geojson
    predicate: within
    fields: { name: { as: country } }
outputs:
  - path: out/points.gpkg
YAML

echo "points: $N, countries: $(python3 -c "import json;print(len(json.load(open('project/data/countries.geojson'))['features']))")"
/usr/bin/time -v -o oremap.time "$OREMAP" build -C project --force >oremap.out 2>&1 || { cat oremap.out; exit 1; }
grep -E "join|points " oremap.out | sed 's/^/  /'
om_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' oremap.time)
om_kb=$(awk -F': ' '/Maximum resident/ {print $2}' oremap.time)

cat > gpd.py <<'PY'
import time, pandas as pd, geopandas as gpd
t0 = time.perf_counter()
df = pd.read_csv("project/data/points.csv")
pts = gpd.GeoDataFrame(df[["id"]], geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
countries = gpd.read_file("project/data/countries.geojson")[["name", "geometry"]]
t1 = time.perf_counter()
joined = gpd.sjoin(pts, countries, how="left", predicate="within")
t2 = time.perf_counter()
joined = joined.drop(columns="index_right").rename(columns={"name": "country"})
joined.to_file("gpd.gpkg", driver="GPKG", layer="points")
t3 = time.perf_counter()
print(f"read {t1 - t0:.2f} s, sjoin {t2 - t1:.2f} s, write {t3 - t2:.2f} s, "
      f"matched {joined['country'].notna().sum()}")
PY
/usr/bin/time -v -o gpd.time /usr/bin/python3 gpd.py >gpd.out 2>&1 || { cat gpd.out; exit 1; }
gpd_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' gpd.time)
gpd_kb=$(awk -F': ' '/Maximum resident/ {print $2}' gpd.time)
gpd_join=$(sed -n 's/.*sjoin \([0-9.]*\) s.*/\1/p' gpd.out)

printf "oremap build (read, join, write GeoPackage): %8.2f s  %6d MB peak\n" "$om_s" $((om_kb / 1024))
printf "GeoPandas whole run (read, sjoin, to_file):  %8.2f s  %6d MB peak   (%s)\n" "$gpd_s" \
  $((gpd_kb / 1024)) "$(cat gpd.out)"
python3 -c "
om, gp, gj = $om_s, $gpd_s, ${gpd_join:-0}
print(f'ratio, whole runs: GeoPandas / oremap = {gp / om:.2f}x (target: at least 3x)')
print(f'GeoPandas sjoin call alone: {gj:.2f} s, i.e. {gj / om:.2f}x of oremap\'s whole run')
"
