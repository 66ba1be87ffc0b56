"""The baseline's headline outcomes and the frontier lab's year-by-year run, over seeds 0..N-1.

Usage: .venv/bin/python scripts/frontier_table.py [N]      (default 10; ~1 s a seed)

Prints the median of each headline outcome, then, for 2024, 2026, 2030, 2035 and 2040, the yearly mean of
the frontier's series for seed 0 and the median over the seeds: what the notes on the firm's decision quote.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from sim import DataMarketModel, run_summary, timeseries

HEADLINE = (
    "public_exhaustion_year",
    "high_quality_exhaustion_year",
    "data_wall_year",
    "frontier_pretraining_share_2026",
    "private_share_2030",
    "private_share_2035",
    "synthetic_share_2030",
    "synthetic_share_2035",
    "paid_data_spend_usd_2024",
    "paid_data_spend_usd_2030",
    "largest_deal_usd_2024",
    "licences_signed_2024",
    "social_licence_usd_2024",
    "first_broker_licence_year",
    "settlements_usd_total",
    "privacy_incidents_total",
    "capability_shortfall_2035",
    "annotation_spend_usd_2025",
    "annotation_spend_usd_2030",
    "annotation_usd_per_token_2030",
    "frontier_loss_2035",
    "frontier_epochs_high_quality_2035",
    "frontier_epochs_web_2035",
    "hhi_2025",
    "hhi_2035",
)
FRONTIER = (
    "frontier_params",
    "frontier_k",
    "frontier_tokens",
    "frontier_compute_flop",
    "frontier_budget_share",
    "frontier_epochs",
    "frontier_epochs_high_quality",
    "frontier_epochs_web",
    "frontier_epochs_private",
    "frontier_pretraining_share",
    "frontier_annotated_share",
    "frontier_task_quality",
    "frontier_capability",
    "frontier_revenue_usd",
    "frontier_serving_usd",
    "frontier_loss",
    "capability_shortfall",
)


def main(seeds: int) -> None:
    summaries, series = [], []
    for seed in range(seeds):
        model = DataMarketModel(rng=seed).run()
        summaries.append(run_summary(model))
        series.append(timeseries(model))
    print(json.dumps({name: float(np.nanmedian([s[name] for s in summaries])) for name in HEADLINE}, indent=1))
    for label, frames in (("seed 0", series[:1]), (f"median of {seeds} seeds", series)):
        print(label)
        for year in (2024, 2026, 2030, 2035, 2040):
            means = {c: np.median([f[(f.year >= year) & (f.year < year + 1)][c].mean() for f in frames]) for c in FRONTIER}
            print(year, " ".join(f"{c.removeprefix('frontier_').removeprefix('epochs_')}={v:.3g}" for c, v in means.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
