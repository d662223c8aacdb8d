#!/usr/bin/env bash
# Bytes written and time of `oremap build` on a project whose layers share
# GeoPackages, against a baseline oremap binary (the named peer, e.g. one
# built from an earlier commit) on the same project and the same machine.
#
#   bench/gpkg-copies.sh --baseline PATH [--oremap PATH] [-l LAYERS] [-n RECORDS]
#                        [-g PER_GPKG] [--work DIR]
#
# The project is bench/incremental.sh's (bench/gen_layers.py, same seed):
# LAYERS layers of RECORDS sites, each into a GeoJSON of its own and a table
# of a GeoPackage that PER_GPKG layers share.  For each binary:
#   full    a build from nothing;
#   append  one row appended to one layer's source, then a build (one layer
#           rebuilt: one table of one shared GeoPackage replaced).
# Each scenario runs twice: once under strace, summing what write(2),
# pwrite64(2) and copy_file_range(2) returned (all bytes the build wrote,
# the copies of the GeoPackages included), and once without, timed.
# Then the ratio baseline / oremap of both.
#
# Exit status: 0 done, 1 a build failed, 2 usage or a missing tool.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
oremap=$repo/build/oremap
baseline=""
layers=200
records=10000
per_gpkg=20
work=$repo/build/bench/gpkg-copies
seed=20240601

die() { echo "gpkg-copies.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --oremap) oremap=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    -l) layers=$2; shift 2 ;;
    -n) records=$2; shift 2 ;;
    -g) per_gpkg=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    -h | --help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ -n $baseline ]] || die "--baseline PATH is required (an oremap binary to compare with)"
for b in "$oremap" "$baseline"; do [[ -x $b ]] || die "no binary at '$b'"; done
for t in strace python3 awk; do command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install $t)"; done

mkdir -p "$work"
work=$(cd "$work" && pwd)
proj=$work/project
stamp="l=$layers n=$records g=$per_gpkg seed=$seed"
if [[ ! -f $proj/.stamp || $(<"$proj/.stamp") != "$stamp" ]]; then
  rm -rf "$proj"
  python3 "$here/gen_layers.py" -l "$layers" -n "$records" -g "$per_gpkg" --seed "$seed" -o "$proj" -q
  printf '%s\n' "$stamp" >"$proj/.stamp"
fi
width=$((${#layers} > 3 ? ${#layers} : 3))
csv=$proj/data/$(printf 'layer_%0*d' "$width" $(((layers + 1) / 2))).csv
[[ -f $work/pristine.csv ]] || cp "$csv" "$work/pristine.csv"

append_row() {
  printf 'ZZ-%s,Appended site,REE,prospect,TR,31.383300,39.633300,1.50,2024\n' "$(date +%s%N)" >>"$csv"
}

# run BINARY: one build; exit 1 (rejected records) is a success.
run() { "$1" build -C "$proj" -q >/dev/null 2>"$work/err.log" || (($? == 1)) || { cat "$work/err.log" >&2; exit 1; }; }

# written BINARY: the build under strace; prints the bytes it wrote.
written() {
  strace -f -qq -e trace=write,pwrite64,copy_file_range -e signal=none -o "$work/strace.log" \
    "$1" build -C "$proj" -q >/dev/null 2>"$work/err.log" || (($? == 1)) || { cat "$work/err.log" >&2; exit 1; }
  awk '/= [0-9]+$/ { s += $NF } END { printf "%.0f\n", s }' "$work/strace.log"
}

# timed BINARY: wall seconds of one build.
timed() {
  local t0 t1
  t0=$(date +%s%N)
  run "$1"
  t1=$(date +%s%N)
  awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f\n", d / 1e9 }'
}

declare -A bytes secs
for who in baseline oremap; do
  bin=${!who}
  cp "$work/pristine.csv" "$csv"
  rm -rf "$proj/out"
  bytes[$who.full]=$(written "$bin")
  rm -rf "$proj/out"
  secs[$who.full]=$(timed "$bin")
  append_row
  bytes[$who.append]=$(written "$bin")
  append_row
  secs[$who.append]=$(timed "$bin")
  echo "$who: full ${bytes[$who.full]} bytes ${secs[$who.full]} s; append ${bytes[$who.append]} bytes ${secs[$who.append]} s" >&2
done
cp "$work/pristine.csv" "$csv"
out_size=$(find "$proj/out" -name '*.gpkg' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
ngpkg=$(find "$proj/out" -name '*.gpkg' | wc -l)

echo "project: $layers layers x $records sites, $per_gpkg layers per GeoPackage: $ngpkg GeoPackages, $((out_size / 1000000)) MB"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-18s %14s %14s %8s\n' scenario measure baseline oremap ratio
for s in full append; do
  awk -v s="$s" -v a="${bytes[baseline.$s]}" -v b="${bytes[oremap.$s]}" 'BEGIN {
    printf "%-8s %-18s %11.1f MB %11.1f MB %7.2fx\n", s, "bytes written", a / 1e6, b / 1e6, (b > 0 ? a / b : 0) }'
  awk -v s="$s" -v a="${secs[baseline.$s]}" -v b="${secs[oremap.$s]}" 'BEGIN {
    printf "%-8s %-18s %12.2f s %12.2f s %7.2fx\n", s, "wall time", a, b, (b > 0 ? a / b : 0) }'
done
