#!/usr/bin/env bash
# Fill Solara's front-end asset cache (.venv/share/solara/cdn) from the npm registry: these machines
# cannot reach Solara's CDN. Idempotent; `peakdata viz` runs the same step. See viz/assets.py.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is needed to fetch Solara's front-end assets (Debian: apt-get install -y npm)" >&2
    exit 1
fi
.venv/bin/python -m viz.assets
