#!/usr/bin/env bash
# Refresh the images under docs/img/ from the code as it is: the baseline's data-wall chart (README),
# the browser view's screenshots (README, viz/README.md) and the example analysis charts
# (scripts/analysis_figures.sh). The tests never write to docs/; this script is the one way these images
# change. `peakdata validate` rewrites docs/validation.md and docs/img/validation/ itself.
# Usage: bash scripts/docs_images.sh        (after `make test-setup`; ~5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
.venv/bin/peakdata run scenarios/baseline.toml --seed 0 --out "$out/baseline"
cp "$out/baseline/data_wall.png" docs/img/data_wall_baseline.png
# The browser test leaves its screenshots in results/viz/.
.venv/bin/python -m pytest -q -p no:cacheprovider tests/test_viz_browser.py
cp results/viz/viz.png docs/img/viz.png
cp results/viz/viz_phone.png docs/img/viz_phone.png
bash scripts/analysis_figures.sh
echo "Refreshed docs/img/data_wall_baseline.png, docs/img/viz.png, docs/img/viz_phone.png and docs/img/analysis/"
