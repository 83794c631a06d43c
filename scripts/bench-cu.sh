#!/usr/bin/env bash
# MarginAccount size and the cost proxy of the `trade` and `withdraw`
# handlers: instructions executed inside each handler, counted by callgrind,
# excluding the SBF token-program CPIs (their JIT code has random padding).
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(cd .. && pwd)/shared/data}"
command -v valgrind >/dev/null || { echo "error: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cargo bench -q -p ballast-tests --bench cu --profile cu --no-run 2>/dev/null
bin=$(ls -t target/cu/deps/cu-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" | head -1
stub='<solana_program_test::SyscallStubs as *>::sol_invoke_signed*'
for handler in trade withdraw; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$handler.cg" --collect-atstart=no \
    --toggle-collect="margin_engine::instructions::$handler::handler*" --toggle-collect="$stub" \
    "$bin" > /dev/null 2> "$out/$handler.log"
  total=$(grep -E '^(summary|totals):' "$out/$handler.cg" | head -1 | awk '{print $2}')
  echo "$handler handler: $total instructions (callgrind, excluding token CPIs)"
done
