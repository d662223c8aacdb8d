#!/bin/sh
# Geocoder lookups on the built-in gazetteer: 100,000 structured queries
# (exact, then with one typo each) beside an exact-name hash join, in one
# run.  Targets: >= 100,000 exact and >= 20,000 fuzzy queries/s per core.
# usage: bench/geocode.sh [N]
set -eu
cd "$(dirname "$0")/.."
cmake --build build --target oremap gazetteer bench-geocode -j2 >/dev/null
gaz=build/share/oremap/gazetteer.omgz
echo "gazetteer: $gaz ($(du -h "$gaz" | cut -f1))"
build/bench-geocode "$gaz" "${1:-100000}"
