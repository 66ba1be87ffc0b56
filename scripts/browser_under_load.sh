#!/usr/bin/env bash
# The browser test, N times in a row (default 3), while a 2-worker sweep loads both cores beside it.
# Usage: bash scripts/browser_under_load.sh [N]      (after `make setup`; needs /usr/bin/chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
load=$(mktemp -d)
trap 'kill -INT "$sweep" 2>/dev/null || true; wait "$sweep" 2>/dev/null || true; rm -rf "$load"' EXIT
# 10,240 runs of the sensitivity study: far longer than the browser tests take.
.venv/bin/peakdata sweep scenarios/sensitivity.toml --samples 1024 --workers 2 --no-report --out "$load/sweep" >"$load/sweep.log" 2>&1 &
sweep=$!
sleep 5
passed=0
for i in $(seq 1 "$runs"); do
    echo "browser test $i of $runs, beside a 2-worker sweep"
    if .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_viz_browser.py -s; then
        passed=$((passed + 1))
    else
        echo "browser test $i FAILED under load"; exit 1
    fi
done
kill -0 "$sweep" 2>/dev/null || { echo "the sweep ended before the browser tests did; the load was not there throughout"; exit 1; }
echo "$passed of $runs browser tests passed in a row beside the sweep"
