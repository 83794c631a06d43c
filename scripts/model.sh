#!/usr/bin/env bash
# The model-based state-machine test at full size (issue 17): 10,000
# sequences of 50-99 operations over the pure engine, every invariant
# checked after every step. CI (scripts/test.sh) runs the same test with
# its default 300 sequences.
#   scripts/model.sh [CASES] [SEED]     e.g. scripts/model.sh 10000 0x0ba11a57
# A failure prints the shrunk sequence and the line that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-10000}"
seed="${2:-195107415}"   # 0x0ba11a57
start=$(date +%s)
BALLAST_MODEL_CASES="$cases" BALLAST_MODEL_SEED="$seed" RUST_BACKTRACE=0 \
  cargo test -q --profile lab -p ballast-model --test state_machine -- --nocapture 2>&1 \
  | grep -v -e '^data:' -e 'moves more than a factor' -e 'is outside \[' -e '^$'
echo "scripts/model.sh: $cases cases in $(( $(date +%s) - start ))s (seed $seed)"
