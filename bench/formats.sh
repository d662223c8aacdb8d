#!/usr/bin/env bash
# Benchmark: the 1,000,000-site layer (bench/gen_sites.py) written to every
# output format by oremap (`build --force`, one output per run: read, locate,
# write) and by ogr2ogr from the same CSV, in the same run.  Prints wall
# time, peak memory and output size per format and tool, and oremap's time
# as a ratio of ogr2ogr's.  KML: GDAL 3.6's LIBKML driver slows down
# quadratically (a minute for 5,000 placemarks, six for 10,000), so ogr2ogr
# writes only the first --kml-ogr2ogr-max sites (default 10,000) while oremap
# writes them all; the KML row's ratio compares seconds per 1,000 placemarks,
# printed below the table.  PostGIS is included when PostgreSQL 15 with
# PostGIS 3 is installed: the script starts a throw-away server on loopback
# (as 'nobody' when run as root) and stops it at the end.  One run each.
#
# usage: bench/formats.sh [-n SITES] [--oremap PATH] [--work DIR] [--formats "geojson kml ..."]
#                         [--kml-ogr2ogr-max SITES]
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000
oremap=build/oremap
work=build/bench-formats
formats="geojson gpkg csv kml shp fgb pg"
kml_max=10000
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --oremap) oremap="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --formats) formats="$2"; shift 2 ;;
    --kml-ogr2ogr-max) kml_max="$2"; shift 2 ;;
    *) echo "usage: $0 [-n SITES] [--oremap PATH] [--work DIR] [--formats LIST]" \
            "[--kml-ogr2ogr-max SITES]" >&2; exit 2 ;;
  esac
done
oremap=$(realpath "$oremap")
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
python3 bench/gen_sites.py -n "$n" -o "$work/project" >/dev/null
csv="$work/project/sites.csv"

# ---- an optional PostgreSQL server -------------------------------------
pgbin=/usr/lib/postgresql/15/bin
pgroot=""
pgconn=""
as_pg=()
pg_stop() {
  if [ -n "$pgroot" ]; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pgroot"
  fi
}
trap pg_stop EXIT
pg_start() {
  [ -x "$pgbin/initdb" ] && [ -f /usr/share/postgresql/15/extension/postgis.control ] || return 1
  pgroot=$(mktemp -d /tmp/oremap-bench-pg-XXXXXX)
  local user
  user=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody "$pgroot"
    chmod 755 "$pgroot"
    as_pg=(runuser -u nobody --)
    user=nobody
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$pgroot" && "${as_pg[@]}" "$pgbin/initdb" -D "$pgroot/data" -A trust -U "$user" -E UTF8 \
     --locale=C.UTF-8 >/dev/null) || return 1
  (cd "$pgroot" && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -l "$pgroot/log" -w \
     -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pgroot" \
     start >/dev/null) || return 1
  pgconn="host=$pgroot port=$port dbname=postgres user=$user"
  "$pgbin/psql" -X -q -c 'CREATE EXTENSION postgis' "$pgconn" >/dev/null
}
pg_size() { "$pgbin/psql" -X -At -c "SELECT pg_total_relation_size('\"$1\"')" "$pgconn"; }

# ---- one measurement -----------------------------------------------------
# run LABEL COMMAND...: wall seconds and peak RSS (MB) into $secs / $mb
run() {
  local log="$work/$1.time"
  shift
  /usr/bin/time -f '%e %M' -o "$log" "$@" >"$log.out" 2>&1 || {
    echo "failed: $*" >&2; cat "$log.out" >&2; return 1; }
  read -r secs kb <"$log"
  mb=$((kb / 1024))
}
size_of() { du -cb "$@" 2>/dev/null | tail -1 | cut -f1; }

declare -A ext=([geojson]=geojson [gpkg]=gpkg [csv]=csv [kml]=kml [shp]=shp [fgb]=fgb)
declare -A driver=([geojson]=GeoJSON [gpkg]=GPKG [csv]=CSV [kml]=LIBKML [shp]="ESRI Shapefile"
                   [fgb]=FlatGeobuf [pg]=PostgreSQL)
open_csv=(-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO
          -oo AUTODETECT_TYPE=YES -a_srs EPSG:4326)

printf '%-8s %10s %8s %12s %10s %8s %12s %8s\n' format oremap_s MB size ogr2ogr_s MB size ratio
for f in $formats; do
  if [ "$f" = pg ] && [ -z "$pgconn" ] && ! pg_start; then
    echo "pg: skipped (PostgreSQL 15 + PostGIS 3 not installed or not startable)"
    continue
  fi
  out="out/sites.${ext[$f]:-}"
  dest="$work/ogr2ogr/sites.${ext[$f]:-}"
  rm -rf "$work/project/out" "$work/ogr2ogr"
  mkdir -p "$work/ogr2ogr"
  if [ "$f" = pg ]; then
    output="{ path: \"PG:$pgconn\", layer: sites }"
  else
    output="$out"
  fi
  cat >"$work/project/layers/sites.yaml" <<YAML
name: sites
source: { path: sites.csv, id: site_id }
locate: { coordinates: { x: lon, y: lat } }
outputs: [$output]
YAML
  run "oremap-$f" "$oremap" build --force -C "$work/project"
  o_secs=$secs o_mb=$mb
  if [ "$f" = pg ]; then
    o_size=$(pg_size sites)
    PG_USE_COPY=YES run "ogr2ogr-$f" ogr2ogr -f PostgreSQL "PG:$pgconn" "$csv" "${open_csv[@]}" \
      -nln sites_ogr2ogr -overwrite -lco GEOMETRY_NAME=geom
    g_size=$(pg_size sites_ogr2ogr)
  else
    o_size=$(size_of "$work/project/out/sites".* )
    lco=()
    [ "$f" = shp ] && lco=(-lco ENCODING=UTF-8)
    src=$csv
    g_n=$n
    if [ "$f" = kml ] && [ "$n" -gt "$kml_max" ]; then
      src="$work/sites-first-$kml_max.csv"
      head -n $((kml_max + 1)) "$csv" >"$src"
      g_n=$kml_max
    fi
    run "ogr2ogr-$f" ogr2ogr -f "${driver[$f]}" "$dest" "$src" "${open_csv[@]}" "${lco[@]}" -nln sites
    g_size=$(size_of "$work/ogr2ogr/"*)
  fi
  g_secs=$secs g_mb=$mb
  ratio=$(python3 -c "print(f'{$o_secs / max($g_secs, 0.01):.2f}')")
  if [ "$f" = kml ]; then
    kml_line=$(python3 -c "o = $o_secs / $n * 1000; g = $g_secs / $g_n * 1000
print(f'kml: oremap {o:.4f} s per 1,000 placemarks ({$n} sites), ogr2ogr LIBKML {g:.4f} s per '
      f'1,000 ({$g_n} sites); ratio {o / max(g, 1e-9):.4f}')")
    ratio=$(python3 -c "print(f'{($o_secs / $n) / max($g_secs / $g_n, 1e-12):.4f}')")
  fi
  printf '%-8s %10s %8s %12s %10s %8s %12s %8s\n' "$f" "$o_secs" "$o_mb" "$o_size" \
    "$g_secs" "$g_mb" "$g_size" "$ratio"
done
echo "($n sites; ratio = oremap time / ogr2ogr time; sizes in bytes, all files of a format)"
[ -n "${kml_line:-}" ] && echo "$kml_line (ogr2ogr's KML size is for its sites only)"
true
