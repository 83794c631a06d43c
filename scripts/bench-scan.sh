#!/usr/bin/env bash
# Keeper scan speed: 100,000 synthetic margin accounts decoded and
# planned on one core by the keeper (health with the program's own functions,
# worst-first sort, one tick of liquidations simulated).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q --release -p ballast-keeper --example scan_bench
