#!/usr/bin/env bash
# Render a stress run's report.html in headless Chromium (Debian's
# `chromium` package: apt-get install chromium) and check that it opens
# offline with its table, invariants and every chart, and with no console
# error or failed load. Writes report.png beside it for a look.
#   scripts/check-report.sh          run a short --compare into a temp dir, check it
#   scripts/check-report.sh DIR      check DIR/report.html (a `ballast stress --out DIR`)
# Not part of scripts/test.sh: CI machines have no browser.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "error: no chromium; install Debian's package: apt-get install chromium" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=${1:-}
if [ -z "$dir" ]; then
  dir="$work/run"
  cargo build --locked -q --profile lab -p ballast-cli
  "${CARGO_TARGET_DIR:-target}/lab/ballast" stress --compare --slots 400 --traders 30 --out "$dir" > /dev/null
fi
page=$(cd "$dir" && pwd)/report.html
[ -f "$page" ] || { echo "error: no $page" >&2; exit 1; }

# Headless flags for a machine with no network (no background fetches).
render() { # render URL DOM_OUT LOG_OUT [screenshot]
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 ${4:+--screenshot="$4" --window-size=1280,4000} \
    --dump-dom "$1" > "$2" 2> "$3" || true
}
# Console errors and failed loads, as Chromium logs them.
problems() { grep -E "CONSOLE|Uncaught|Failed to load|ERR_FILE_NOT_FOUND|net::ERR" "$1" || true; }

# The checker must see an error when there is one.
printf '<!doctype html><html><body><script>console.error("boom")</script><img src="missing.png"></body></html>' \
  > "$work/bad.html"
render "file://$work/bad.html" "$work/bad.dom" "$work/bad.log"
if [ -z "$(problems "$work/bad.log")" ]; then
  echo "error: the console check saw nothing on a page with an error; Chromium's logging changed" >&2
  exit 1
fi

render "file://$page" "$work/dom.html" "$work/log.txt"
render "file://$page" /dev/null /dev/null "$dir/report.png"
fail=0
need() { # need PATTERN MIN WHAT
  local n
  n=$({ grep -o "$1" "$work/dom.html" || true; } | wc -l)
  if [ "$n" -lt "$2" ]; then echo "FAIL: $3 ($n of $1, want >= $2)"; fail=1; else echo "ok: $3 ($n)"; fi
}
# One chart per run, plus the comparison when there are several runs.
runs=$({ grep -o 'data-runs="[0-9]*"' "$work/dom.html" || true; } | head -1 | tr -dc 0-9)
runs=${runs:-0}
charts=$runs
[ "$runs" -gt 1 ] && charts=$((runs + 1))
[ "$runs" -ge 1 ] || { echo "FAIL: no run in the results table"; fail=1; }
need '<table id="results"' 1 "the results table"
need '<ul id="invariants"' 1 "the invariant results"
need '<figure>' "$charts" "every chart as a figure"
need '<svg' "$charts" "every chart drawn inline"
need '<polyline' "$charts" "chart lines"
if grep -q 'class="broken"' "$work/dom.html"; then echo "FAIL: an invariant broke"; fail=1; fi
p=$(problems "$work/log.txt")
if [ -n "$p" ]; then echo "FAIL: console errors or failed loads:"; echo "$p"; fail=1; else echo "ok: no console error, no failed load"; fi
[ "$fail" = 0 ] && echo "scripts/check-report.sh: $page renders (screenshot: $dir/report.png)"
exit "$fail"
