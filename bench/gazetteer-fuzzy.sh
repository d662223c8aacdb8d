#!/bin/sh
# Fuzzy and exact lookup speed on a gazetteer index (default: one built
# from data/gazetteer).  Usage: bench/gazetteer-fuzzy.sh [BUILD_DIR] [INDEX] [N]
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
index=${2:-$build/bench-gazetteer.gaz}
n=${3:-20000}
if [ ! -f "$index" ]; then
  "$build/oremap-engine" gazetteer build "$root"/data/gazetteer/* -o "$index"
fi
cc -O2 -std=gnu17 -I "$root/src" "$root/bench/gazetteer_fuzzy.c" "$build/liboremaplib.a" \
  $(pkg-config --libs libxxhash libutf8proc) -lgdal -lproj -lgeos_c -lm -o "$build/gazetteer_fuzzy"
"$build/gazetteer_fuzzy" "$index" "$n"
