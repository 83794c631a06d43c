#!/usr/bin/env bash
# Static against dynamic margin on the same seeded path (calm, volatility
# spike, crash), with the risk crate's own functions. See
# crates/risk/examples/margin_compare.rs for the model.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q --release -p ballast-risk --example margin_compare
