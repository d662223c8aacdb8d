#!/usr/bin/env bash
# Command 2: set up, build with warnings as errors, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh -DOREMAP_WERROR=ON
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
