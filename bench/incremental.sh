#!/usr/bin/env bash
# Time oremap's incremental and parallel builds, and a Makefile of ogr2ogr
# commands on the same change-one-source scenarios.
#
#   bench/incremental.sh [-l LAYERS] [-n RECORDS] [-g PER_GPKG] [--heavy N] [-r RUNS]
#                        [--oremap PATH] [--work DIR] [--seed S] [--skip-make] [--skip-jobs]
#                        [--no-hyperfine]
#
# 1. A no-op rebuild of the example project (a copy of the repository's
#    oremap.yaml, layers/ and data/), against the target of 50 ms.
# 2. A generated project of LAYERS layers of RECORDS sites (GeoJSON + a table
#    in a GeoPackage that PER_GPKG layers share): a full build, a no-op
#    rebuild (target 1 s), a rebuild after one source gained a row and one
#    after a source was touched without changing its bytes; each also with
#    the project's Makefile of ogr2ogr commands (bench/gen_layers.py writes
#    it).
# 3. Two independent layers of N sites each, `oremap build --force` with
#    -j 1 and -j 2 (target: -j 2 at least 1.7 times as fast).
# Then a table: scenario, oremap, make + ogr2ogr, ratio, target, met or not.
# See bench/README.md.
#
# Exit status: 0 every command ran (whether or not the targets were met);
# 1 a command failed; 2 usage error or a missing tool (oremap not built, ...).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")

layers=200
records=10000
per_gpkg=20
heavy_n=500000
runs=10
seed=20240601
oremap=$repo/build/oremap
work=$repo/build/bench/incremental
skip_make=0
skip_jobs=0
no_hyperfine=0
change_runs=5 # runs of each change scenario
jobs_runs=3   # runs of each -j build

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  cat <<EOF
Options:
  -l LAYERS       layers of the generated project (default $layers)
  -n RECORDS      sites per layer (default $records)
  -g PER_GPKG     layers per GeoPackage (default $per_gpkg; 0: one file per layer)
  --heavy N       sites in each of the two layers built with -j 1 and -j 2 (default $heavy_n)
  -r RUNS         timed runs of each no-op rebuild, at least 10 (default $runs)
  --oremap PATH   the oremap binary (default build/oremap)
  --work DIR      projects, outputs and logs (default build/bench/incremental)
  --seed S        the generator's seed (default $seed)
  --skip-make     leave out the Makefile of ogr2ogr commands
  --skip-jobs     leave out the -j 1 / -j 2 builds
  --no-hyperfine  time with a loop in this script even when hyperfine is installed
EOF
}

die() { echo "incremental.sh: $*" >&2; exit 2; }

while (($#)); do
  case $1 in
    -l) (($# >= 2)) || die "-l needs a value"; layers=$2; shift 2 ;;
    -n) (($# >= 2)) || die "-n needs a value"; records=$2; shift 2 ;;
    -g) (($# >= 2)) || die "-g needs a value"; per_gpkg=$2; shift 2 ;;
    -r) (($# >= 2)) || die "-r needs a value"; runs=$2; shift 2 ;;
    --heavy) (($# >= 2)) || die "--heavy needs a value"; heavy_n=$2; shift 2 ;;
    --oremap) (($# >= 2)) || die "--oremap needs a value"; oremap=$2; shift 2 ;;
    --work) (($# >= 2)) || die "--work needs a value"; work=$2; shift 2 ;;
    --seed) (($# >= 2)) || die "--seed needs a value"; seed=$2; shift 2 ;;
    --heavy=*) heavy_n=${1#*=}; shift ;;
    --oremap=*) oremap=${1#*=}; shift ;;
    --work=*) work=${1#*=}; shift ;;
    --seed=*) seed=${1#*=}; shift ;;
    --skip-make) skip_make=1; shift ;;
    --skip-jobs) skip_jobs=1; shift ;;
    --no-hyperfine) no_hyperfine=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done

for v in layers records heavy_n; do
  if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} < 1)); then die "$v must be a positive integer, not '${!v}'"; fi
done
[[ $per_gpkg =~ ^[0-9]+$ ]] || die "PER_GPKG must be a non-negative integer, not '$per_gpkg'"
if ! [[ $runs =~ ^[0-9]+$ ]] || ((runs < 10)); then die "RUNS must be an integer of at least 10, not '$runs'"; fi
[[ $seed =~ ^[0-9]+$ ]] || die "the seed must be a non-negative integer, not '$seed'"

# --- tools --------------------------------------------------------------------

for t in python3 cmp; do
  command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install python3 diffutils)"
done
if ((!skip_make)); then
  for t in make ogr2ogr ogrinfo; do
    command -v "$t" >/dev/null || die "$t not found (Debian: apt-get install make gdal-bin; or --skip-make)"
  done
fi
gnu_time=/usr/bin/time
if ! "$gnu_time" --version 2>&1 | grep -q 'GNU'; then
  die "GNU time not found at $gnu_time (Debian: apt-get install time)"
fi
if [[ ! -f $oremap || ! -x $oremap ]]; then
  echo "oremap not found at $oremap; build it first" >&2
  exit 2
fi
oremap=$(cd "$(dirname "$oremap")" && pwd)/$(basename "$oremap")
have_hyperfine=0
if ((!no_hyperfine)) && command -v hyperfine >/dev/null; then have_hyperfine=1; fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
ex=$work/example     # copy of the repository's example project
proj=$work/layers    # LAYERS x RECORDS, with its Makefile
heavy=$work/heavy    # 2 x N for -j
logs=$work/logs
bin=$work/bin        # the untimed steps that hyperfine runs before each timed run
mkdir -p "$logs" "$bin"
rm -f "$logs"/*

started=$(date +%s)
cpu_psi() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || true; }
gdal_version=$(gdal-config --version 2>/dev/null ||
  ogrinfo --version 2>/dev/null | sed 's/^GDAL \([^,]*\).*/\1/' || echo '?')
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), GDAL $gdal_version"
if ((have_hyperfine)); then
  echo "timing: $(hyperfine --version) (-N, with warm-up runs), median"
else
  echo "timing: hyperfine not installed; a loop over bash's clock, median (apt-get install hyperfine)"
fi

# --- timing helpers -------------------------------------------------------------

fail() {
  echo "FAILED: $1" >&2
  if [[ -n ${2:-} && -f $2 ]]; then
    echo "--- last lines of $2:" >&2
    tail -n 20 "$2" >&2
  fi
  exit 1
}

# q WORD...: the words quoted for a shell (hyperfine -N splits them the same way).
q() { local out="" w; for w in "$@"; do out+="${out:+ }$(printf '%q' "$w")"; done; printf '%s' "$out"; }

declare -A med lo hi cpu
# measure KEY RUNS WARMUP PREPARE COMMAND [REJECTS_OK]: time COMMAND (a quoted
# command line) RUNS times after WARMUP untimed runs; PREPARE (a command line,
# or empty) runs untimed before each run.  With REJECTS_OK=1, exit status 1
# (a build that finished with rejected records) counts as success.  Sets
# med/lo/hi[KEY] in seconds, and with hyperfine cpu[KEY], the mean user +
# system time of a run.
measure() {
  local key=$1 n=$2 warm=$3 prep=$4 cmd=$5 rejects_ok=${6:-0}
  local log=$logs/$key.log
  if ((rejects_ok)); then
    local rc=0
    eval "$cmd" >"$log" 2>&1 || rc=$?
    ((rc <= 1)) || fail "(exit $rc) $cmd" "$log"
  fi
  if ((have_hyperfine)); then
    local args=(-N -w "$warm" -r "$n" --style basic --export-json "$logs/$key.json")
    ((rejects_ok)) && args+=(-i)
    [[ -n $prep ]] && args+=(--prepare "$prep")
    hyperfine "${args[@]}" "$cmd" >"$log" 2>&1 || fail "$cmd" "$log"
    read -r "med[$key]" "lo[$key]" "hi[$key]" "cpu[$key]" < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["median"], r["min"], r["max"], r["user"] + r["system"])' "$logs/$key.json")
  else
    local i t0 t1 list=""
    : >"$log"
    for ((i = 0; i < warm + n; i++)); do
      if [[ -n $prep ]]; then eval "$prep" >>"$log" 2>&1 || fail "$prep" "$log"; fi
      t0=$(clock_ns)
      eval "$cmd" >>"$log" 2>&1 || (($? == 1 && rejects_ok)) || fail "$cmd" "$log"
      t1=$(clock_ns)
      ((i < warm)) || list+="$(((t1 - t0) / 1000)) "
    done
    read -r "med[$key]" "lo[$key]" "hi[$key]" < <(tr ' ' '\n' <<<"$list" | grep . | sort -n | awk '
      { v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m / 1e6, v[1] / 1e6, v[NR] / 1e6 }')
  fi
  printf '  %-34s median %s  (%s .. %s, %d runs)%s\n' "$key" "$(fmt "${med[$key]}")" \
    "$(fmt "${lo[$key]}")" "$(fmt "${hi[$key]}")" "$n" "${cpu[$key]:+  CPU $(fmt "${cpu[$key]}") a run}"
}

# clock_ns: nanoseconds, from bash's own clock when it has one (no process to start).
if [[ -n ${EPOCHREALTIME:-} ]]; then
  clock_ns() { local t=${EPOCHREALTIME/[.,]/}; echo "${t}000"; }
else
  clock_ns() { date +%s%N; }
fi

# fmt SECONDS: "48.2 ms" or "12.34 s".
fmt() {
  awk -v s="$1" 'BEGIN {
    if (s == "") print "-"; else if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'
}

# once KEY COMMAND...: run once under GNU time; wall/user/sys seconds into
# once_wall/once_cpu[KEY] and the CPU pressure (share of the wall time in
# which some task waited for a core) into once_psi[KEY].
declare -A once_wall once_cpu once_psi
once() {
  local key=$1
  shift
  local p0 p1 status=0
  p0=$(cpu_psi)
  "$gnu_time" -f '%e %U %S' -o "$logs/$key.time" "$@" >"$logs/$key.out" 2>"$logs/$key.err" || status=$?
  p1=$(cpu_psi)
  ((status == 0)) || fail "(exit $status) $*" "$logs/$key.err"
  local e u s
  read -r e u s < <(tail -n 1 "$logs/$key.time")
  once_wall[$key]=$e
  once_cpu[$key]=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
  once_psi[$key]=$(awk -v a="$p0" -v b="$p1" -v e="$e" 'BEGIN {
    if (a == "" || e <= 0) print ""
    else { p = (b - a) / 1e6 / e * 100; printf "%.0f", (p > 100 ? 100 : p) } }')
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# built_by_oremap LOG: the layers the summary table says were built, with why.
built_by_oremap() {
  awk '$2 == "built" { name = $1; sub(/^.* s  /, ""); printf "%s%s (%s)", sep, name, $0; sep = ", " }' "$1"
}
count_oremap() { awk '$2 == "built"' "$1" | wc -l; }
# built_by_make LOG: the outputs the ogr2ogr commands make ran wrote.
built_by_make() {
  awk '/ogr2ogr/ {
      for (i = 1; i < NF; i++) {
        if ($i == "GeoJSON") out = $(i + 1)
        if ($i == "-overwrite") out = $(i + 1)
        if ($i == "-nln" && $0 ~ /-f GPKG/) out = out " table " $(i + 1)
      }
      printf "%s%s", sep, out; sep = ", " }' "$1"
}
count_make() { grep -c 'ogr2ogr' "$1" || true; }

# A helper script for hyperfine's --prepare (it runs without a shell).
cat >"$bin/append-row" <<'EOF'
#!/bin/sh
# append-row CSV: one more valid site, with an id never used before.
printf 'ZZ-%s,Appended site,REE,prospect,TR,31.383300,39.633300,1.50,2024\n' "$(date +%s%N)" >>"$1"
EOF
chmod +x "$bin/append-row"

# --- 1. the example project ------------------------------------------------------

echo
echo "1. example project: a copy of $repo/{oremap.yaml,layers,data} in $ex"
rm -rf "$ex"
mkdir -p "$ex"
cp -R "$repo/oremap.yaml" "$repo/layers" "$repo/data" "$ex/"
[[ -d $repo/styles ]] && cp -R "$repo/styles" "$ex/"
# Exit status 1: built, some records rejected (the example keeps a few).
"$oremap" build -C "$ex" -q >"$logs/example-first.out" 2>"$logs/example-first.err" || (($? == 1)) ||
  fail "oremap build -C $ex" "$logs/example-first.err"
echo "  first build: $(count_oremap "$logs/example-first.out") layer(s) built"
"$oremap" build -C "$ex" --dry-run >"$logs/example-plan.out" 2>&1 ||
  fail "oremap build --dry-run" "$logs/example-plan.out"
ex_noop_ok=1
if grep -v ': skip (' "$logs/example-plan.out" | grep -q .; then
  ex_noop_ok=0
  echo "  NOTE: the rebuild is not a no-op:"
  sed 's/^/    /' "$logs/example-plan.out"
fi
measure example-noop "$((runs * 2))" 3 "" "$(q "$oremap" build -C "$ex" -q)" 1
measure process-start "$((runs * 2))" 3 "" "$(q "$oremap" --version)"
measure process-true "$((runs * 2))" 3 "" true

# --- 2. many layers: oremap against make + ogr2ogr -----------------------------------

width=$((${#layers} > 3 ? ${#layers} : 3))
changed_i=$(((layers + 1) / 2))
changed=$(printf 'layer_%0*d' "$width" "$changed_i")
csv=$proj/data/$changed.csv

echo
echo "2. generated project: $layers layers x $records sites, $per_gpkg layers per GeoPackage, in $proj"
gen_sum=$(cat "$here/gen_layers.py" "$here/gen_sites.py" | cksum | cut -d' ' -f1)
stamp="l=$layers n=$records g=$per_gpkg seed=$seed gen=$gen_sum"
if [[ -f $proj/.stamp && $(<"$proj/.stamp") == "$stamp" && -f $work/pristine.csv ]]; then
  # Earlier runs appended rows to one register: put it back as generated.
  cmp -s "$work/pristine.csv" "$csv" || cp "$work/pristine.csv" "$csv"
  echo "  registers reused"
else
  rm -f "$proj/.stamp"
  rm -rf "$proj/data"
  t0=$(clock_ns)
  python3 "$here/gen_layers.py" -l "$layers" -n "$records" -g "$per_gpkg" --seed "$seed" -o "$proj" -q
  t1=$(clock_ns)
  cp "$csv" "$work/pristine.csv"
  printf '%s\n' "$stamp" >"$proj/.stamp"
  awk -v t=$(((t1 - t0) / 1000000)) 'BEGIN { printf "  generated in %.1f s\n", t / 1000 }'
fi
echo "  registers: $(du -sh "$proj/data" | cut -f1)B; the changed source is data/$changed.csv"

rm -rf "$proj/out" "$proj/make-out"
echo "  full build from nothing, once each (not a target; it sets up the rest)"
once full-oremap "$oremap" build -C "$proj" -q
printf '  %-34s %s (CPU %s)\n' "oremap build" "$(fmt "${once_wall[full-oremap]}")" "$(fmt "${once_cpu[full-oremap]}")"
if ((!skip_make)); then
  once full-make make -C "$proj" -s
  printf '  %-34s %s (CPU %s)\n' "make" "$(fmt "${once_wall[full-make]}")" "$(fmt "${once_cpu[full-make]}")"
  make -C "$proj" -q >/dev/null 2>&1 || fail "make -q: make's outputs are not up to date after a full make"
fi
"$oremap" build -C "$proj" --dry-run >"$logs/layers-plan.out" 2>&1 || fail "oremap build --dry-run" "$logs/layers-plan.out"
lay_noop_ok=1
if grep -v ': skip (' "$logs/layers-plan.out" | grep -q .; then
  lay_noop_ok=0
  echo "  NOTE: the rebuild is not a no-op: $(grep -v ': skip (' "$logs/layers-plan.out" | head -n 3 | tr '\n' ';')"
fi

cmd_oremap=$(q "$oremap" build -C "$proj" -q)
cmd_make=$(q make -C "$proj" -s)

echo "  (a) no-op rebuild"
measure noop-oremap "$runs" 2 "" "$cmd_oremap"
((skip_make)) || measure noop-make "$runs" 2 "" "$cmd_make"

# One untimed round of a scenario: change, then make and oremap, and what each rebuilt.
declare -A what_make what_oremap n_make n_oremap
show_round() {
  local key=$1
  shift
  "$@"
  if ((!skip_make)); then
    make -C "$proj" >"$logs/$key-make.out" 2>&1 || fail "make -C $proj" "$logs/$key-make.out"
    n_make[$key]=$(count_make "$logs/$key-make.out")
    what_make[$key]=$(built_by_make "$logs/$key-make.out")
    echo "      make rebuilt ${n_make[$key]} output(s): ${what_make[$key]:-nothing}"
  fi
  "$oremap" build -C "$proj" -q >"$logs/$key-oremap.out" 2>"$logs/$key-oremap.err" ||
    fail "oremap build -C $proj" "$logs/$key-oremap.err"
  n_oremap[$key]=$(count_oremap "$logs/$key-oremap.out")
  what_oremap[$key]=$(built_by_oremap "$logs/$key-oremap.out")
  echo "      oremap rebuilt ${n_oremap[$key]} layer(s): ${what_oremap[$key]:-nothing}"
}

echo "  (b) one row appended to data/$changed.csv, then a rebuild"
show_round append "$bin/append-row" "$csv"
((skip_make)) || measure append-make "$change_runs" 1 "$(q "$bin/append-row" "$csv")" "$cmd_make"
measure append-oremap "$change_runs" 1 "$(q "$bin/append-row" "$csv")" "$cmd_oremap"

echo "  (c) data/$changed.csv touched, its bytes unchanged, then a rebuild"
((skip_make)) || make -C "$proj" -s >"$logs/sync-make.out" 2>&1 || fail "make -C $proj" "$logs/sync-make.out"
"$oremap" build -C "$proj" -q >"$logs/sync-oremap.out" 2>&1 || fail "oremap build -C $proj" "$logs/sync-oremap.out"
show_round touch touch "$csv"
((skip_make)) || measure touch-make "$change_runs" 1 "$(q touch "$csv")" "$cmd_make"
measure touch-oremap "$change_runs" 1 "$(q touch "$csv")" "$cmd_oremap"

# --- 3. two heavy layers: -j 1 against -j 2 ---------------------------------------------

if ((!skip_jobs)); then
  echo
  echo "3. two independent layers of $heavy_n sites (each its own GeoJSON and GeoPackage), in $heavy"
  hstamp="l=2 n=$heavy_n g=0 seed=$seed gen=$gen_sum"
  if [[ -f $heavy/.stamp && $(<"$heavy/.stamp") == "$hstamp" ]]; then
    echo "  registers reused"
  else
    rm -f "$heavy/.stamp"
    rm -rf "$heavy/data"
    python3 "$here/gen_layers.py" -l 2 -n "$heavy_n" -g 0 --seed "$seed" -o "$heavy" -q
    printf '%s\n' "$hstamp" >"$heavy/.stamp"
  fi
  rm -rf "$heavy/out"
  once jobs-first "$oremap" build -C "$heavy" -q
  echo "  first build (untimed for the target): $(fmt "${once_wall[jobs-first]}")"
  declare -A jlist jcpu jpsi
  for ((r = 1; r <= jobs_runs; r++)); do
    for j in $( ((r % 2)) && echo 1 2 || echo 2 1); do
      once "jobs$j.$r" "$oremap" build -C "$heavy" -q --force -j "$j"
      key="jobs$j.$r"
      jlist[$j]+="${once_wall[$key]} "
      jcpu[$j]+="${once_cpu[$key]} "
      jpsi[$j]+="${once_psi[$key]:-0} "
      printf '  run %d  -j %d  %8s  CPU %8s  cores busy %.2f  CPU pressure %s%%\n' "$r" "$j" \
        "$(fmt "${once_wall[$key]}")" "$(fmt "${once_cpu[$key]}")" \
        "$(awk -v c="${once_cpu[$key]}" -v e="${once_wall[$key]}" 'BEGIN { print (e > 0) ? c / e : 0 }')" \
        "${once_psi[$key]:-?}"
    done
  done
  for j in 1 2; do
    med[jobs$j]=$(median <<<"${jlist[$j]}")
    med[jobs${j}cpu]=$(median <<<"${jcpu[$j]}")
    med[jobs${j}psi]=$(median <<<"${jpsi[$j]}")
  done
fi

# --- the table ---------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "-"; else printf "%.3f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" -v le="$3" 'BEGIN { ok = le ? (v <= t) : (v >= t); print ok ? "met" : "NOT met" }'; }
row() { printf '%-44s %11s %13s %8s %-14s %s\n' "$@"; }

echo
echo "median wall time; ratio = oremap / (make + ogr2ogr); every log is in $logs"
row scenario oremap "make+ogr2ogr" ratio target result
ex_result=$(verdict "${med[example-noop]}" 0.050 1)
((ex_noop_ok)) || ex_result="NOT met (not a no-op)"
row "example project: no-op rebuild" "$(fmt "${med[example-noop]}")" - - "<= 50 ms" "$ex_result"
row "  (oremap --version: front, then the engine)" "$(fmt "${med[process-start]}")" - - - "(GDAL's load)"
row "  (true: a process that does nothing)" "$(fmt "${med[process-true]}")" - - - "(floor)"
row "${layers}x${records}: full build from nothing" "$(fmt "${once_wall[full-oremap]}")" \
  "$(fmt "${once_wall[full-make]:-}")" "$(ratio "${once_wall[full-oremap]}" "${once_wall[full-make]:-}")" - "(info)"
lay_result=$(verdict "${med[noop-oremap]}" 1.0 1)
((lay_noop_ok)) || lay_result="NOT met (not a no-op)"
row "${layers}x${records}: (a) no-op rebuild" "$(fmt "${med[noop-oremap]}")" "$(fmt "${med[noop-make]:-}")" \
  "$(ratio "${med[noop-oremap]}" "${med[noop-make]:-}")" "<= 1 s" "$lay_result"
row "${layers}x${records}: (b) one source + 1 row" "$(fmt "${med[append-oremap]}")" \
  "$(fmt "${med[append-make]:-}")" "$(ratio "${med[append-oremap]}" "${med[append-make]:-}")" \
  "rebuild 1 layer" "$( ((n_oremap[append] == 1)) && echo met || echo "NOT met")"
row "${layers}x${records}: (c) one source touched" "$(fmt "${med[touch-oremap]}")" \
  "$(fmt "${med[touch-make]:-}")" "$(ratio "${med[touch-oremap]}" "${med[touch-make]:-}")" \
  "rebuild nothing" "$( ((n_oremap[touch] == 0)) && echo met || echo "NOT met")"
if ((!skip_jobs)); then
  speedup=$(ratio "${med[jobs1]}" "${med[jobs2]}")
  row "2x${heavy_n}: build --force -j 1" "$(fmt "${med[jobs1]}")" - - - ""
  row "2x${heavy_n}: build --force -j 2" "$(fmt "${med[jobs2]}")" - "${speedup}x" \
    "-j1/-j2 >= 1.70" "$(verdict "$speedup" 1.70 0)"
fi
echo
if ((!skip_make)); then
  for k in append touch; do
    echo "rebuilt after ($([[ $k == append ]] && echo b || echo c)):" \
      "make ${n_make[$k]} output(s) (${what_make[$k]:-nothing}),"\
      "oremap ${n_oremap[$k]} layer(s) (${what_oremap[$k]:-nothing})"
  done
else
  echo "rebuilt after (b): oremap ${n_oremap[append]} layer(s) (${what_oremap[append]:-nothing})"
  echo "rebuilt after (c): oremap ${n_oremap[touch]} layer(s) (${what_oremap[touch]:-nothing})"
fi
if ((!skip_jobs)); then
  awk -v t1="${med[jobs1]}" -v c1="${med[jobs1cpu]}" -v t2="${med[jobs2]}" -v c2="${med[jobs2cpu]}" -v n="$(nproc)" 'BEGIN {
    u1 = c1 / t1; u2 = c2 / t2; b = n / u1; if (b > 2) b = 2
    printf "-j: CPU time (user+sys, median) %.2f s at -j 1, %.2f s at -j 2:", c1, c2
    printf " %.2f and %.2f of %d cores busy\n", u1, u2, n
    printf "-j: with that CPU time, -j 2 takes at least CPU / %d cores: speed-up at most %.2fx\n", n, b
  }'
  # A build at -j 1 keeps about one core of two busy: CPU pressure then comes from other work.
  if [[ -f /proc/pressure/cpu ]] && ((${med[jobs1psi]%.*} > 20)); then
    echo "-j: NOTE: during the -j 1 runs some task waited for a core ${med[jobs1psi]}% of the time (median):"
    echo "    other work shares this machine, and the speed-up measures its load as much as oremap"
  fi
fi
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); total $(($(date +%s) - started)) s"
exit 0
