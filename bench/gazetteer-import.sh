#!/bin/sh
# Gazetteer import speed: a generated N-row file in GeoNames allCountries
# format (default 12,000,000 rows, with its admin-1, admin-2 and country
# files) built into an index with `oremap gazetteer build`, beside sqlite3
# importing the same rows into a table and indexing the name column, in one
# run.  Target: at most 90 s and an index of at most 1.5 GB.
# usage: bench/gazetteer-import.sh [BUILD_DIR] [N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-12000000}
work=$build/bench-import
mkdir -p "$work"
cc -O2 -o "$work/gen_geonames" "$root/bench/gen_geonames.c"
if [ ! -f "$work/rows-$n" ]; then
  rm -f "$work"/rows-*
  t0=$(date +%s.%N)
  "$work/gen_geonames" "$n" "$work"
  t1=$(date +%s.%N)
  touch "$work/rows-$n"
  echo "generated $n rows in $(echo "$t1 - $t0" | bc) s ($(du -h "$work/allCountries.txt" | cut -f1))"
fi

# value of a /usr/bin/time -v field
field() { sed -n "s/^[[:space:]]*$1: //p" "$2"; }
# seconds from h:mm:ss or m:ss.ss
secs() { echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }'; }

rm -f "$work/index.omgz"
/usr/bin/time -v "$build/oremap-engine" gazetteer build -o "$work/index.omgz" \
  "$work/countryInfo.txt" "$work/admin1CodesASCII.txt" "$work/admin2Codes.txt" \
  "$work/allCountries.txt" >"$work/build.log" 2>"$work/build.time" || {
  cat "$work/build.log" "$work/build.time"; exit 1; }
om_s=$(secs "$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/build.time")")
om_kb=$(field 'Maximum resident set size (kbytes)' "$work/build.time")
size=$(stat -c %s "$work/index.omgz")
echo "oremap gazetteer build: $om_s s, index $(echo "scale=2; $size / 1000000000" | bc) GB ($size bytes), peak memory $((om_kb / 1024)) MB"

if command -v sqlite3 >/dev/null; then
  rm -f "$work/peer.db"
  cat >"$work/peer.sql" <<SQL
CREATE TABLE geoname (geonameid INTEGER, name TEXT, asciiname TEXT, alternatenames TEXT,
  latitude REAL, longitude REAL, fclass TEXT, fcode TEXT, country TEXT, cc2 TEXT,
  admin1 TEXT, admin2 TEXT, admin3 TEXT, admin4 TEXT, population INTEGER, elevation INTEGER,
  dem INTEGER, timezone TEXT, modified TEXT);
.mode tabs
.import $work/allCountries.txt geoname
CREATE INDEX geoname_name ON geoname(name);
SQL
  /usr/bin/time -v sqlite3 "$work/peer.db" <"$work/peer.sql" >"$work/peer.log" 2>"$work/peer.time"
  sq_s=$(secs "$(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$work/peer.time")")
  sq_kb=$(field 'Maximum resident set size (kbytes)' "$work/peer.time")
  echo "sqlite3 import + CREATE INDEX on name: $sq_s s, database $(echo "scale=2; $(stat -c %s "$work/peer.db") / 1000000000" | bc) GB, peak memory $((sq_kb / 1024)) MB"
  echo "ratio oremap / sqlite3 time: $(echo "scale=2; $om_s / $sq_s" | bc)"
  rm -f "$work/peer.db"
else
  echo "sqlite3 not installed (apt-get install -y sqlite3): no peer figure"
fi
ok_t=$(echo "$om_s <= 90" | bc)
ok_s=$([ "$size" -le 1500000000 ] && echo 1 || echo 0)
echo "targets: <= 90 s: $([ "$ok_t" = 1 ] && echo met || echo NOT met); index <= 1.5 GB: $([ "$ok_s" = 1 ] && echo met || echo NOT met)"
