#!/usr/bin/env bash
# Command 1: set up, build, and regenerate the example deposit map into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/oremap build -C . "$@"
