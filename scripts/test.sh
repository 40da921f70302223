#!/usr/bin/env bash
# Sets up tlt (scripts/setup.sh), fetches Multi30k and runs the whole test suite.
#
#   bash scripts/test.sh                                 downloads Multi30k into data/multi30k
#   MULTI30K_SOURCE=/path/to/multi30k bash scripts/test.sh   copies a local copy instead
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

bash scripts/setup.sh
bash scripts/fetch_multi30k.sh data/multi30k

export TLT_MULTI30K_DIR="$PWD/data/multi30k"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" --timeout 900
