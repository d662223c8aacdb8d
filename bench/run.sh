#!/usr/bin/env bash
# Time oremap against ogr2ogr on a synthetic register of N sites.
#
#   bench/run.sh [-n N] [-r RUNS] [--oremap PATH] [--work DIR] [--seed S] [--ogr2ogr-only]
#
# One oremap build writes the register to GeoPackage and GeoJSON; ogr2ogr
# does the same two conversions as two commands.  Each of the three commands
# runs RUNS times, interleaved (the order rotates every round), and the
# table shows the median wall time and the peak RSS over the runs.  See
# bench/README.md.
#
# Exit status: 0 the benchmark ran and every output checked out (whether or
# not the targets were met); 1 a command failed or an output is wrong;
# 2 usage error or a missing tool (oremap not built, no GNU time, ...).

# The cmd_* functions are called indirectly, as "cmd_$c".
# shellcheck disable=SC2317
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

n=1000000
runs=3
seed=20240601
oremap=$repo/build/oremap
work=$repo/build/bench
ogr_only=0

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  cat <<EOF
Options:
  -n N            sites in the register (default 1000000)
  -r RUNS         runs of each command (default 3)
  --oremap PATH   the oremap binary (default build/oremap)
  --work DIR      where the register and all outputs go (default build/bench)
  --seed S        the generator's seed (default $seed)
  --ogr2ogr-only  time only ogr2ogr's side (a baseline while oremap is not built)
EOF
}

die() { echo "run.sh: $*" >&2; exit 2; }

while (($#)); do
  case $1 in
    -n) (($# >= 2)) || die "-n needs a value"; n=$2; shift 2 ;;
    -r) (($# >= 2)) || die "-r needs a value"; runs=$2; shift 2 ;;
    --oremap) (($# >= 2)) || die "--oremap needs a value"; oremap=$2; shift 2 ;;
    --work) (($# >= 2)) || die "--work needs a value"; work=$2; shift 2 ;;
    --seed) (($# >= 2)) || die "--seed needs a value"; seed=$2; shift 2 ;;
    --oremap=*) oremap=${1#*=}; shift ;;
    --work=*) work=${1#*=}; shift ;;
    --ogr2ogr-only) ogr_only=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1)); then die "N must be a positive integer, not '$n'"; fi
if ! [[ $runs =~ ^[0-9]+$ ]] || ((runs < 1)); then die "RUNS must be a positive integer, not '$runs'"; fi
[[ $seed =~ ^[0-9]+$ ]] || die "the seed must be a non-negative integer, not '$seed'"

# --- tools --------------------------------------------------------------------

for t in python3 ogr2ogr ogrinfo sqlite3; do
  command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install python3 gdal-bin sqlite3)"
done
gnu_time=/usr/bin/time
if ! "$gnu_time" --version 2>&1 | grep -q 'GNU'; then
  die "GNU time not found at $gnu_time (Debian: apt-get install time)"
fi
if ((!ogr_only)); then
  if [[ ! -f $oremap || ! -x $oremap ]]; then
    echo "oremap not found at $oremap; build it first" >&2
    echo "(--ogr2ogr-only times ogr2ogr's side alone)" >&2
    exit 2
  fi
  oremap=$(cd "$(dirname "$oremap")" && pwd)/$(basename "$oremap")
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
proj=$work/project   # the register and oremap's project; oremap writes $proj/out
ogrdir=$work/ogr2ogr # ogr2ogr's outputs
logs=$work/logs
mkdir -p "$ogrdir" "$logs"
rm -f "$logs"/*

# --- the register -------------------------------------------------------------

stamp="n=$n seed=$seed gen=$(cksum <"$here/gen_sites.py" | cut -d' ' -f1)"
if [[ -f $proj/.stamp && $(<"$proj/.stamp") == "$stamp" && -f $proj/sites.csv ]]; then
  echo "register: $proj/sites.csv ($n sites, reused)"
else
  rm -f "$proj/.stamp"
  echo "register: generating $n sites in $proj"
  gen_start=$(date +%s.%N)
  python3 "$here/gen_sites.py" -n "$n" --seed "$seed" -o "$proj" -q
  gen_end=$(date +%s.%N)
  printf '%s\n' "$stamp" >"$proj/.stamp"
  awk -v a="$gen_start" -v b="$gen_end" -v n="$n" \
    'BEGIN { printf "register: %d sites in %.2f s\n", n, b - a }'
fi
echo "register: $(du -h "$proj/sites.csv" | cut -f1)B, $(nproc) cores, GDAL $(ogrinfo --version | sed 's/^GDAL \([^,]*\).*/\1/')"

# --- the commands ---------------------------------------------------------------

csv=$proj/sites.csv
csv_oo=(-oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO)

# Each command starts from no output, so that both tools do the same work
# (a build over an existing GeoPackage replaces its content instead).
cmd_oremap() {
  rm -rf "$proj/out"
  run_timed oremap "$1" "$oremap" build -C "$proj" --force
}
cmd_gpkg() {
  rm -f "$ogrdir"/sites.gpkg "$ogrdir"/sites.gpkg-*
  run_timed gpkg "$1" ogr2ogr -f GPKG "$ogrdir/sites.gpkg" "$csv" "${csv_oo[@]}" \
    -a_srs EPSG:4326 -nln sites
}
cmd_geojson() {
  rm -f "$ogrdir/sites.geojson"
  run_timed geojson "$1" ogr2ogr -f GeoJSON "$ogrdir/sites.geojson" "$csv" "${csv_oo[@]}" \
    -a_srs EPSG:4326 -nln sites -lco RFC7946=YES -lco COORDINATE_PRECISION=6
}

declare -A secs_list peak_kb
failures=0

# run_timed NAME ROUND COMMAND...: run under GNU time, record wall seconds and
# peak RSS; on failure show the end of its stderr and stop.
run_timed() {
  local name=$1 round=$2
  shift 2
  local base=$logs/$name.$round
  local status=0
  "$gnu_time" -f '%e %M' -o "$base.time" "$@" >"$base.out" 2>"$base.err" || status=$?
  if ((status != 0)); then
    echo "FAILED (exit $status): $*" >&2
    echo "--- last lines of $base.err:" >&2
    tail -n 20 "$base.err" >&2
    exit 1
  fi
  local s kb
  read -r s kb < <(tail -n 1 "$base.time")
  secs_list[$name]+="$s "
  if [[ -z ${peak_kb[$name]:-} ]] || ((kb > peak_kb[$name])); then
    peak_kb[$name]=$kb
  fi
  printf '  run %d  %-8s %8.2f s %8.1f MB\n' "$round" "$name" "$s" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

if ((ogr_only)); then
  order=(gpkg geojson)
else
  order=(oremap gpkg geojson)
fi
k=${#order[@]}
echo "timing: ${order[*]}, $runs run(s) each, interleaved"
for ((r = 1; r <= runs; r++)); do
  for ((i = 0; i < k; i++)); do
    c=${order[(i + r - 1) % k]}
    "cmd_$c" "$r"
  done
done

# --- checking the outputs ---------------------------------------------------------

# feature_count FILE [LAYER]: ogrinfo's Feature Count of LAYER (or of the only layer).
feature_count() {
  local f=$1 layer=${2:-}
  if [[ -n $layer ]]; then
    ogrinfo -ro -so "$f" "$layer" 2>/dev/null | sed -n 's/^Feature Count: //p' | head -n 1
  else
    ogrinfo -ro -so -al "$f" 2>/dev/null | sed -n 's/^Feature Count: //p' | head -n 1
  fi
}

check_count() {
  local label=$1 f=$2 layer=${3:-}
  local got
  if [[ ! -s $f ]]; then
    echo "  FAIL  $label: $f missing or empty"
    failures=$((failures + 1))
    return
  fi
  got=$(feature_count "$f" "$layer")
  if [[ $got == "$n" ]]; then
    echo "  ok    $label: $got features"
  else
    echo "  FAIL  $label: ${got:-no} features, expected $n"
    failures=$((failures + 1))
  fi
}

# check_rtree LABEL GPKG TABLE: the table's spatial index exists, holds N
# entries and passes SQLite's rtreecheck.
check_rtree() {
  local label=$1 f=$2 table=$3
  local col rt check count
  [[ -s $f ]] || return 0
  col=$(sqlite3 -readonly "$f" \
    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = '$table'" 2>/dev/null || true)
  if [[ -z $col ]]; then
    echo "  FAIL  $label: no geometry column for table $table in gpkg_geometry_columns"
    failures=$((failures + 1))
    return
  fi
  rt=rtree_${table}_${col}
  if [[ -z $(sqlite3 -readonly "$f" "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '$rt'" 2>/dev/null) ]]; then
    echo "  FAIL  $label: no spatial index ($rt missing)"
    failures=$((failures + 1))
    return
  fi
  check=$(sqlite3 -readonly "$f" "SELECT rtreecheck('$rt')" 2>&1 || true)
  count=$(sqlite3 -readonly "$f" "SELECT count(*) FROM \"$rt\"" 2>&1 || true)
  if [[ $check == ok && $count == "$n" ]]; then
    echo "  ok    $label: $rt rtreecheck ok, $count entries"
  else
    echo "  FAIL  $label: $rt rtreecheck: ${check//$'\n'/ }; entries: $count, expected $n"
    failures=$((failures + 1))
  fi
}

echo "checking outputs"
if ((!ogr_only)); then
  check_count "oremap  GeoJSON" "$proj/out/sites.geojson"
  check_count "oremap  GPKG   " "$proj/out/sites.gpkg" sites
  check_rtree "oremap  GPKG   " "$proj/out/sites.gpkg" sites
fi
check_count "ogr2ogr GeoJSON" "$ogrdir/sites.geojson"
check_count "ogr2ogr GPKG   " "$ogrdir/sites.gpkg" sites
check_rtree "ogr2ogr GPKG   " "$ogrdir/sites.gpkg" sites

# --- the table ----------------------------------------------------------------------

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A med
for c in "${order[@]}"; do
  med[$c]=$(median <<<"${secs_list[$c]}")
done

row() { awk -v t="$1" -v c="$2" -v s="$3" -v k="$4" 'BEGIN {
  printf "%-8s %-32s %10.2f %9.1f\n", t, c, s, k / 1024 }'; }

echo
echo "N = $n sites, $runs run(s) each: median wall time, peak RSS over the runs"
printf '%-8s %-32s %10s %9s\n' tool conversion "median s" "peak MB"
if ((!ogr_only)); then
  row oremap "CSV -> GPKG + GeoJSON (one build)" "${med[oremap]}" "${peak_kb[oremap]}"
fi
row ogr2ogr "CSV -> GPKG (with R-tree)" "${med[gpkg]}" "${peak_kb[gpkg]}"
row ogr2ogr "CSV -> GeoJSON (RFC 7946)" "${med[geojson]}" "${peak_kb[geojson]}"
ogr_total=$(awk -v a="${med[gpkg]}" -v b="${med[geojson]}" 'BEGIN { print a + b }')
ogr_peak=$((peak_kb[gpkg] > peak_kb[geojson] ? peak_kb[gpkg] : peak_kb[geojson]))
row ogr2ogr "both (sum of medians)" "$ogr_total" "$ogr_peak"
echo "(MB = MiB; per-run times and each command's output are in $logs)"

if ((!ogr_only)); then
  echo
  awk -v o="${med[oremap]}" -v t="$ogr_total" -v k="${peak_kb[oremap]}" 'BEGIN {
    ratio = (t > 0) ? o / t : 0
    printf "ratio  oremap / ogr2ogr = %.2f s / %.2f s = %.3f   (target <= 0.50: %s)\n",
           o, t, ratio, (ratio <= 0.5 ? "met" : "NOT met")
    printf "memory oremap peak RSS = %.1f MB   (target < 256 MB: %s)\n",
           k / 1024, (k < 256 * 1024 ? "met" : "NOT met")
  }'
fi

if ((failures)); then
  echo "run.sh: $failures output check(s) failed" >&2
  exit 1
fi
exit 0
