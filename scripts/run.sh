#!/usr/bin/env bash
# The main job (the README's first command): build the CLI with the `lab`
# profile and run the stress lab on the default synthetic crash under
# static margin, Ballast's dynamic margin, and dynamic margin with the
# breakers off; print the summary and comparison tables and write each
# run's JSON report and SVG chart to stress-out/. Extra arguments go to
# `ballast stress` (e.g. --prices FILE --path-secs-per-slot 60).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -q --profile lab -p ballast-cli
exec "${CARGO_TARGET_DIR:-target}/lab/ballast" stress --compare "$@"
