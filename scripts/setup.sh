#!/usr/bin/env bash
# Install what oremap needs on Debian 12 (only what is missing), then
# configure and build it in build/.  Safe to run again.
#   scripts/setup.sh [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config python3
          lld  # links the front `oremap` without GDAL (src/front/main.c)
          libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev
          libyaml-dev libsqlite3-dev sqlite3 libcmocka-dev libxxhash-dev libutf8proc-dev
          libfreetype-dev libfontconfig-dev fonts-dejavu-core  # the web bundle's label glyphs
          python3-qgis python3-yaml  # tests/qgis: QGIS opens the GeoPackage (~570 MB, ~2 min)
          postgresql-15 postgresql-15-postgis-3  # tests/pg: a real PostGIS server (~17 s)
          chromium  # tests/web: the web bundle in a headless browser
          )
command -v npm >/dev/null || packages+=(npm)  # the web viewer's MapLibre, below
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web viewer's library, from the npm registry, outside the repository;
# `oremap build` copies it into the web bundle (README.md, "Web bundle").
web_lib="${HOME}/.cache/oremap/web"
if [ ! -f "$web_lib/node_modules/maplibre-gl/dist/maplibre-gl.js" ]; then
  echo "setup: installing maplibre-gl into $web_lib"
  npm install --prefix "$web_lib" --no-audit --no-fund --silent maplibre-gl@4.7.1
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
