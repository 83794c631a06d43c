#!/usr/bin/env bash
# Seeded 400-action sequences through the real programs at full size
# (issue 17), every invariant checked after every transaction. CI
# (scripts/test.sh) runs the same test with its default 20 seeds.
#   scripts/bank-sequences.sh [SEEDS]     (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-200}"
start=$(date +%s)
BALLAST_BANK_SEEDS="$seeds" RUST_BACKTRACE=0 \
  cargo test -q --profile lab -p ballast-tests --test suite engine_sequences -- --nocapture 2>&1 \
  | grep -E '^(seed|[0-9]+ seeds|test result)|panicked|invariant'
echo "scripts/bank-sequences.sh: $seeds seeds x 400 actions in $(( $(date +%s) - start ))s"
