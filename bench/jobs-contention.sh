#!/usr/bin/env bash
# Do the layer builds of `oremap build -j 2` slow each other down?  Two
# independent layers of N sites, built four ways in the same minutes:
#
#   -j 1         one engine, the layers one after the other
#   -j 2         one engine, the layers in two threads
#   2 processes  two engines at once, each building one layer of its own
#                copy of the project (the peer: no shared locks or heap)
#   1 layer      one engine building one layer (the floor for -j 2)
#
# and prints, per way, the median wall and CPU (user + system) time, the
# share of the run in which some task waited for a core (CPU pressure: a
# busy machine makes every figure unreliable), -j 1 / -j 2 against
# -j 1 / 2 processes, and how much CPU -j 2 and 2 processes spend beyond
# -j 1.  With strace installed, also the futex calls of each -j: threads
# queueing on a lock show up there (SQLite's allocator mutex made 19,000
# to 38,000 at -j 2 before oremap switched SQLite's memory statistics off,
# against 5 at -j 1).
# Then a plain CPU loop alone and two at once, to tell a slow machine from
# slow code.
#
#   bench/jobs-contention.sh [--heavy N] [-r RUNS] [--oremap PATH] [--work DIR] [--seed S]
#
# Exit status: 0 every command ran; 1 a command failed; 2 usage error or a
# missing tool.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
heavy_n=200000
runs=5
seed=20240601
oremap=$repo/build/oremap
work=$repo/build/bench/jobs-contention

die() { echo "jobs-contention.sh: $*" >&2; exit 2; }
while (($#)); do
  case $1 in
    --heavy) (($# >= 2)) || die "--heavy needs a value"; heavy_n=$2; shift 2 ;;
    -r) (($# >= 2)) || die "-r needs a value"; runs=$2; shift 2 ;;
    --oremap) (($# >= 2)) || die "--oremap needs a value"; oremap=$2; shift 2 ;;
    --work) (($# >= 2)) || die "--work needs a value"; work=$2; shift 2 ;;
    --seed) (($# >= 2)) || die "--seed needs a value"; seed=$2; shift 2 ;;
    -h | --help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $heavy_n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$heavy_n'"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$runs'"
[[ -x $oremap ]] || die "oremap not found at $oremap; build it first"
/usr/bin/time --version 2>&1 | grep -q GNU || die "GNU time not found (Debian: apt-get install time)"
command -v python3 >/dev/null || die "python3 not found"

mkdir -p "$work"
work=$(cd "$work" && pwd)
a=$work/a b=$work/b # the project, and a copy for the second process
stamp="n=$heavy_n seed=$seed gen=$(cksum <"$here/gen_layers.py")"
if [[ ! -f $a/.stamp || $(<"$a/.stamp") != "$stamp" ]]; then
  rm -rf "$a" "$b"
  python3 "$here/gen_layers.py" -l 2 -n "$heavy_n" -g 0 --seed "$seed" -o "$a" -q
  printf '%s\n' "$stamp" >"$a/.stamp"
fi
if [[ ! -f $b/.stamp || $(<"$b/.stamp") != "$stamp" ]]; then
  rm -rf "$b"
  cp -r "$a" "$b"
  rm -rf "$b/out"
fi
"$oremap" build -C "$a" -q >/dev/null || fail=1
"$oremap" build -C "$b" -q --only layer_002 >/dev/null || fail=1
[[ -z ${fail:-} ]] || { echo "jobs-contention.sh: the first build failed" >&2; exit 1; }

psi() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null || echo 0; }
results=$work/runs.txt
: >"$results"
# run WAY COMMAND...: one timed run; "WAY wall_s cpu_s pressure_%" into $results.
run() {
  local way=$1 p0 p1 t0 t1 ut
  shift
  p0=$(psi) t0=$(date +%s%N)
  ut=$(/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -n 1) || { echo "FAILED: $*" >&2; exit 1; }
  t1=$(date +%s%N) p1=$(psi)
  read -r u s <<<"$ut"
  awk -v w="$way" -v e=$((t1 - t0)) -v u="$u" -v s="$s" -v p=$((p1 - p0)) \
    'BEGIN { printf "%s %.3f %.3f %.0f\n", w, e / 1e9, u + s, (e > 0) ? p * 100000 / e : 0 }' >>"$results"
}
both="$(printf '%q' "$oremap") build -C $(printf '%q' "$a") -q --force --only layer_001 &
      $(printf '%q' "$oremap") build -C $(printf '%q' "$b") -q --force --only layer_002 & wait"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $runs runs of each way, 2 x $heavy_n sites"
for ((r = 1; r <= runs; r++)); do
  run j1 "$oremap" build -C "$a" -q --force -j 1
  run j2 "$oremap" build -C "$a" -q --force -j 2
  run 2p bash -c "$both"
  run 1L "$oremap" build -C "$a" -q --force --only layer_001
done

python3 - "$results" <<'EOF'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    way, wall, cpu, psi = line.split()
    runs[way].append((float(wall), float(cpu), float(psi)))
med = {w: [statistics.median(r[i] for r in v) for i in range(3)] for w, v in runs.items()}
names = {"j1": "-j 1", "j2": "-j 2", "2p": "2 processes", "1L": "1 layer"}
print(f"{'way':<12} {'wall':>8} {'CPU':>8} {'CPU pressure':>13}")
for w in ("j1", "j2", "2p", "1L"):
    print(f"{names[w]:<12} {med[w][0]:7.2f}s {med[w][1]:7.2f}s {med[w][2]:12.0f}%")
print(f"speed-up -j 1 / -j 2         {med['j1'][0] / med['j2'][0]:.2f}x  (target >= 1.70)")
print(f"speed-up -j 1 / 2 processes  {med['j1'][0] / med['2p'][0]:.2f}x  (the peer)")
print(f"speed-up -j 1 / 1 layer      {med['j1'][0] / med['1L'][0]:.2f}x  (the most -j 2 can reach)")
print(f"CPU beyond -j 1: -j 2 {100 * (med['j2'][1] / med['j1'][1] - 1):+.0f}%, "
      f"2 processes {100 * (med['2p'][1] / med['j1'][1] - 1):+.0f}% (two engines start: a few % more)")
if max(m[2] for m in med.values()) > 20:
    print("note: other tasks waited for a core during these runs; the wall times are not reliable")
EOF

if command -v strace >/dev/null; then
  for j in 1 2; do
    strace -f -c -e trace=futex -o "$work/futex-j$j.txt" "$oremap" build -C "$a" -q --force -j "$j" >/dev/null
    echo "futex calls at -j $j: $(awk '$NF == "futex" { print $4 }' "$work/futex-j$j.txt")"
  done
fi

# A CPU loop and a memory sweep, alone and two at once: if two of them take
# as long as one, the machine runs two builds side by side at full speed.
loop() { python3 -c '
import sys, time
t = time.process_time()
if sys.argv[1] == "cpu":
    x = 0
    for i in range(6_000_000): x = (x * 1103515245 + 12345) & 0xFFFFFFFF
else:
    b = bytearray(256 << 20)
    for _ in range(8): b = bytes(b)
print(f"{time.process_time() - t:.2f}")' "$1"; }
for k in cpu memory; do
  one=$(loop "$k")
  two=$( (loop "$k" & loop "$k" & wait) | sort -n | paste -sd/ -)
  echo "$k loop: CPU $one s alone, $two s for the two run at once"
done
