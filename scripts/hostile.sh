#!/usr/bin/env bash
# Hostile bytes at full size (issue 17): 1,000,000 random, truncated,
# oversized and mutated byte strings to every oracle parser and every
# instruction's data decoder; none may panic. CI (scripts/test.sh) runs the
# same test with 20,000.
#   scripts/hostile.sh [INPUTS]     (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(pwd)/data}"
inputs="${1:-1000000}"
BALLAST_HOSTILE_INPUTS="$inputs" RUST_BACKTRACE=0 \
  cargo test -q --profile lab -p ballast-tests --test suite no_hostile_byte_string -- --nocapture 2>&1 \
  | grep -E 'Tally|panicked|test result: ok. 1'
