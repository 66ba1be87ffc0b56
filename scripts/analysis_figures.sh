#!/usr/bin/env bash
# Regenerate the example charts in docs/img/analysis/ (docs/sweeps.md, docs/policies.md) with the
# documented commands, at small sizes (about a minute on 2 cores). The Sobol sweep is too small on
# purpose: its chart shows the warning a too-small sample gets.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
img=docs/img/analysis
mkdir -p "$img"
pd=.venv/bin/peakdata
$pd sweep scenarios/sensitivity.toml --samples 8 --out "$out/sobol"
cp "$out/sobol/report/sobol_data_wall_year.png" "$img/sobol_small_sample.png"
cp "$out/sobol/report/tornado_data_wall_year.png" "$img/tornado.png"
$pd compare scenarios/baseline.toml scenarios/policies/gdpr_consent_for_training.toml \
    scenarios/policies/public_data_commons.toml --runs 10 --out "$out/compare"
cp "$out/compare/effects.png" "$img/effects.png"
cp "$out/compare/series.png" "$img/compare_series.png"
$pd robustness scenarios/baseline.toml scenarios/policies/gdpr_consent_for_training.toml \
    scenarios/policies/public_data_commons.toml --outcome data_wall_year --threshold 2030 --samples 20 --out "$out/robustness"
cp "$out/robustness/robustness.png" "$img/robustness.png"
echo "Wrote $img/"
