#!/usr/bin/env bash
# Export both programs' Anchor IDL into idl/ (committed), without the Anchor
# CLI: Anchor's idl-build feature compiles a test that prints the IDL.
#   scripts/idl.sh          write idl/*.json
#   scripts/idl.sh --check  fail if the committed idl/ is stale
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-write}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for prog in oracle-adapter margin-engine; do
  name=${prog//-/_}
  ANCHOR_IDL_BUILD_PROGRAM_PATH="$PWD/programs/$prog" \
  ANCHOR_IDL_BUILD_SKIP_LINT=TRUE ANCHOR_IDL_BUILD_NO_DOCS=FALSE \
    cargo test -q -p "$prog" --lib --features idl-build __anchor_private_print_idl -- --show-output \
    > "$out/$name.raw" 2>"$out/$name.err" || { cat "$out/$name.err" >&2; exit 1; }
  python3 scripts/idl_extract.py < "$out/$name.raw" > "$out/$name.json"
  if [ "$mode" = "--check" ]; then
    if ! diff -u "idl/$name.json" "$out/$name.json" > "$out/$name.diff"; then
      head -40 "$out/$name.diff" >&2
      echo "idl/$name.json is stale: run scripts/idl.sh and commit the result" >&2
      exit 1
    fi
  else
    mkdir -p idl
    cp "$out/$name.json" "idl/$name.json"
    echo "wrote idl/$name.json"
  fi
done
