#!/usr/bin/env bash
# MarginAccount and TriggerBook sizes and the cost proxy of the `trade`,
# `withdraw`, `liquidate` (with 1 and with 8 positions), `execute_trigger`,
# `auto_deleverage`, `settle_pnl` and `update_funding` handlers, and `trade`
# and `account_health` with 8 positions in charged markets: instructions executed inside each handler, counted by callgrind.
#
# Collected: only inside `margin_engine::instructions::<name>::handler`.
# Subtracted (inclusive): what has no native equivalent of its SBF cost:
#   - token-program CPIs (`sol_invoke_signed`): the SBF callee is JIT code
#     with random padding; on-chain it is metered separately (~6k CU);
#   - event logging (`ballast_runtime::native_log_data`): a single `sol_log_data`
#     syscall on SBF, base64 formatting natively.
# The test logger is silenced (RUST_LOG=off) so log formatting does not count.
# Needs valgrind (Debian: apt-get install valgrind).
#
# `scripts/bench-cu.sh --sbf` (on a machine with the Solana tools, after
# `anchor build`): the same scenarios against target/deploy/*.so, printing
# each transaction's real compute units next to the native proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(pwd)/data}"
export RUST_LOG=off
if [ "${1:-}" = "--sbf" ]; then
  for f in oracle_adapter margin_engine; do
    [ -f "target/deploy/$f.so" ] || { echo "error: target/deploy/$f.so is missing: run anchor build first" >&2; exit 1; }
  done
  cargo bench -q -p ballast-tests --bench cu --profile cu --no-run 2>/dev/null
  bin=$(ls -t target/cu/deps/cu-* | grep -v '\.d$' | head -1)
  BALLAST_SBF=1 SBF_OUT_DIR="$(pwd)/target/deploy" "$bin" | grep -E "^(MarginAccount|TriggerBook|.* compute units)"
  BALLAST_SBF=1 SBF_OUT_DIR="$(pwd)/target/deploy" "$bin" liquidate-8 | grep -E "compute units"
  BALLAST_SBF=1 SBF_OUT_DIR="$(pwd)/target/deploy" "$bin" trigger | grep -E "compute units"
  BALLAST_SBF=1 SBF_OUT_DIR="$(pwd)/target/deploy" "$bin" pnl | grep -E "compute units"
  exit 0
fi
command -v valgrind >/dev/null || { echo "error: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cargo bench -q -p ballast-tests --bench cu --profile cu --no-run 2>/dev/null
bin=$(ls -t target/cu/deps/cu-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" > "$out/run.log" 2>&1 || { tail -20 "$out/run.log" >&2; exit 1; }
grep -E "^(MarginAccount|TriggerBook):" "$out/run.log"
inclusive() { # inclusive Ir of the outermost function matching $2 in profile $1
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
    | { grep -E "$2" || true; } | head -1 | awk '{gsub(",", "", $1); print $1+0}'
}
measure() { # label, handler (module, or module::function), scenario argument
  local label=$1 handler=$2 profile="$out/$1.cg"
  case "$handler" in *::*) ;; *) handler="$handler::handler" ;; esac
  valgrind --tool=callgrind --callgrind-out-file="$profile" --collect-atstart=no \
    --toggle-collect="margin_engine::instructions::$handler" "$bin" $3 > /dev/null 2> "$out/$label.log"
  total=$(grep -E '^(summary|totals):' "$profile" | head -1 | awk '{print $2}')
  cpi=$(inclusive "$profile" 'EventStubs as .*>::sol_invoke_signed')
  events=$(inclusive "$profile" 'ballast_runtime::native_log_data')
  echo "$label handler: $(( total - ${cpi:-0} - ${events:-0} )) instructions (callgrind; total $total, token CPIs ${cpi:-0}, event logging ${events:-0})"
}
for handler in trade withdraw liquidate; do
  measure "$handler" "$handler" ""
done
"$bin" liquidate-8 > "$out/run8.log" 2>&1 || { tail -20 "$out/run8.log" >&2; exit 1; }
measure "liquidate-8-positions" liquidate liquidate-8
"$bin" trigger > "$out/runt.log" 2>&1 || { tail -20 "$out/runt.log" >&2; exit 1; }
measure "execute_trigger" trigger::execute_handler trigger
"$bin" pnl > "$out/runp.log" 2>&1 || { tail -20 "$out/runp.log" >&2; exit 1; }
measure "auto_deleverage" auto_deleverage pnl
measure "settle_pnl" settle_pnl pnl
"$bin" charges > "$out/runc.log" 2>&1 || { tail -20 "$out/runc.log" >&2; exit 1; }
measure "update_funding-8-markets" update_funding charges
# One call of a function that the setup also calls: the run with it less
# the run without (callgrind counts every call).
only() { # label, symbol (full path), scenario with the call, scenario without
  local with without
  with=$(collect "$2" "$3") without=$(collect "$2" "$4")
  echo "$1: $(( with - without )) instructions (callgrind; $with with it, $without without)"
}
collect() { # symbol, scenario: total instructions collected inside the symbol
  local profile="$out/c.cg"
  valgrind --tool=callgrind --callgrind-out-file="$profile" --collect-atstart=no --toggle-collect="$1" "$bin" $2 \
    > /dev/null 2> "$out/c.log"
  local total cpi events
  total=$(grep -E '^(summary|totals):' "$profile" | head -1 | awk '{print $2}')
  cpi=$(inclusive "$profile" 'EventStubs as .*>::sol_invoke_signed')
  events=$(inclusive "$profile" 'ballast_runtime::native_log_data')
  echo $(( total - ${cpi:-0} - ${events:-0} ))
}
only "trade handler, 8 positions in 8 charged markets, the pool valued (one call)" \
  "margin_engine::instructions::trade::handler" charges-trade charges
measure "account_health-8-positions-charged" account_health charges-view
only "health (engine::health::account_health) over 8 charged positions (one call)" \
  "margin_engine::engine::health::account_health" charges-view charges
