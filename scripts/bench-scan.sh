#!/usr/bin/env bash
# Keeper scan speed: 100,000 synthetic margin accounts decoded and
# health-checked on one core with the program's own health functions.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q --release -p ballast-client --example scan_bench
