#!/usr/bin/env bash
# The main job (the README's first command). Until the stress lab lands, it
# inspects the real SOL/USD oracle account dumps with the adapter's own code.
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(cd .. && pwd)/shared/data}"
exec cargo run --locked -q -p ballast-cli -- oracle inspect "$BALLAST_DATA_DIR"/oracle-accounts/sol_usd*.json "$@"
