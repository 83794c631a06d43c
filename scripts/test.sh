#!/usr/bin/env bash
# The whole test suite (the README's second command; .ci/run calls it).
# Needs only cargo (stable) and python3; the real data lives in
# $BALLAST_DATA_DIR (default: the repository's own data/).
set -euo pipefail
cd "$(dirname "$0")/.."
export BALLAST_DATA_DIR="${BALLAST_DATA_DIR:-$(pwd)/data}"
if [ ! -d "$BALLAST_DATA_DIR/oracle-accounts" ]; then
  echo "error: Ballast data directory $BALLAST_DATA_DIR has no oracle-accounts/ (set BALLAST_DATA_DIR)" >&2
  exit 1
fi
# solana-program-test logs every instruction at DEBUG unless RUST_LOG says
# otherwise; a failing test's output is then thousands of lines of it.
export RUST_LOG="${RUST_LOG:-error}"
start=$(date +%s)
python3 scripts/check-rows.py
cargo test --workspace --locked
scripts/idl.sh --check
echo "scripts/test.sh: all suites passed in $(( $(date +%s) - start ))s"
