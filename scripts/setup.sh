#!/usr/bin/env bash
# Install what oremap needs on Debian 12 (only what is missing), then
# configure and build it in build/.  Safe to run again.
#   scripts/setup.sh [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config python3
          lld  # links the front `oremap` without GDAL (src/front/main.c)
          libgdal-dev gdal-bin libproj-dev proj-bin libgeos-dev
          libyaml-dev libsqlite3-dev sqlite3 libcmocka-dev libxxhash-dev libutf8proc-dev)
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

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
