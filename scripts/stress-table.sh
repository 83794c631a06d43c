#!/usr/bin/env bash
# Static vs dynamic margin (and breakers off) on the default synthetic crash,
# the built-in `winners-drain` (a small pool against a crowd of longs in a
# 60 % rally) and `agreed-pump` (the default crash with the agreed-pump
# adversary beside the thin-market one) scenarios, the built-in `herd` (every
# trader long into a 40 % rally) with the pool's charges and without them
# (`scenarios/charged.toml`, `scenarios/uncharged.toml`), and every real crash
# file in $BALLAST_DATA_DIR/prices, as a Markdown table (BENCHMARKS.md). Hourly
# files replay 3 minutes of market per slot (2,880 slots); the LUNA
# 1-minute file one candle per slot (8,680 slots) with 200 traders.
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(pwd)/data}"
# BALLAST_BIN=path runs a prebuilt binary instead (a "before" table);
# BALLAST_STRESS_ARGS adds flags to every run (`--stop-losses 0`).
bin=${BALLAST_BIN:-}
if [ -z "$bin" ]; then
  cargo build --locked -q --profile lab -p ballast-cli
  bin="${CARGO_TARGET_DIR:-target}/lab/ballast"
fi
out=$(mktemp -d)
read -r -a extra <<< "${BALLAST_STRESS_ARGS:-}"
"$bin" stress --compare ${extra[@]+"${extra[@]}"} --out "$out/0-default-crash" --output json > "$out/0-default-crash.json"
# The built-in scenarios (a binary from before them has none: skipped).
if "$bin" stress --help 2>/dev/null | grep -q -- --agreed-pump; then
  for name in winners-drain agreed-pump; do
    "$bin" stress --compare ${extra[@]+"${extra[@]}"} --scenario "$name" --out "$out/1-$name" --output json > "$out/1-$name.json"
  done
fi
# The one-sided herd with the pool's charges and without them, same seed.
if "$bin" stress --help 2>/dev/null | grep -q -- herd; then
  "$bin" stress ${extra[@]+"${extra[@]}"} --scenario herd --params scenarios/charged.toml --params scenarios/uncharged.toml \
    --out "$out/2-herd" --output json > "$out/2-herd.json"
fi
for f in "$BALLAST_DATA_DIR"/prices/*.csv; do
  case "$f" in
    *_1m_*) args=(--path-secs-per-slot 60 --traders 200) ;;
    *) args=(--path-secs-per-slot 180) ;;
  esac
  "$bin" stress --compare ${extra[@]+"${extra[@]}"} --prices "$f" "${args[@]}" --out "$out/$(basename "$f" .csv)" --output json \
    > "$out/$(basename "$f" .csv).json"
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
usd = lambda v: f"{v / 1e6:,.0f}"
# Unsettled PnL and auto-deleveraging (absent from a binary before them: "-").
def pnl(t):
    p = t.get("pnl")
    if p is None:
        return "- | - | - | - | -"
    settled = "-" if p["first_booked_step"] is None else ("never" if p["settle_slots"] is None else p["settle_slots"])
    return (f"{usd(p['unsettled_peak'])} / {usd(p['unsettled_end'])} | {p['unsettled_fills']} | {settled} | "
            f"{p['adl_calls']} ({usd(p['adl_notional'])}) | {p['settle_calls']} ({usd(p['settled_paid'])})")
# The pool's charges (absent from a binary before them: "-").
def charges(t):
    c = t.get("charges")
    if c is None:
        return "- | - | - | -"
    return (f"{usd(c['funding_longs'])} / {usd(c['funding_shorts'])} | {usd(c['lp_fees'])} | "
            f"{c['capacity_refusals']} | {c['lp_return_bps'] / 100:.2f} %")
def pump(t):
    if t.get("pump_adversary_pnl") is None:
        return "-"
    return f"{usd(t['pump_adversary_pnl'])} ({usd(t.get('pump_adversary_unsettled') or 0)} unpaid)"
print("| crash file | slots | params | stop-losses | liquidations | liquidated notional | bad debt | in disputes | socialised | insurance drawdown | breaker trips | frozen slots | adversary PnL | pump adversary PnL | unsettled peak / end | fills booking unsettled | settled in (slots) | ADL calls (notional) | settle_pnl calls (paid) | funding longs / shorts | fees to LPs | refused for capacity | LP return | pool NAV low | worst equity | wall s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for name in sorted(f for f in os.listdir(out) if f.endswith(".json")):
    for r in json.load(open(os.path.join(out, name))):
        t = r["totals"]
        worst = r["worst_account"][1] if r["worst_account"] else 0
        print(f"| {name[:-5]} | {r['slots']} | {r['params']} | {t['triggers']} | {t['liquidations']} | {usd(t['liquidated_notional'])} | "
              f"{usd(t['bad_debt'])} | {usd(t['bad_debt_in_disputes'])} | {usd(t['socialized_loss'])} | {usd(t['insurance_drawdown'])} | "
              f"{t['breaker_trips']} | {t['frozen_slots']} | {usd(t['adversary_pnl'] or 0)} | {pump(t)} | {pnl(t)} | "
              f"{charges(t)} | {usd(t['pool_nav'][1])} | {usd(worst)} | {r['wall_secs']:.1f} |")
PY
rm -rf "$out"
