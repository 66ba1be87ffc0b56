"""How far the market's feedbacks move the exhaustion date and private uptake (10 seeds each).

.venv/bin/python docs/examples/feedback_comparison.py
"""

import numpy as np

from sim import DataMarketModel, run_summary

SEEDS = range(10)
FEEDBACKS_OFF = dict(
    opt_out_response=False, exclusive_deals=False, ai_pollution=False, private_sourcing=False, synthetic_sourcing=False
)
VARIANTS = {
    "baseline (market on)": {},
    "feedbacks off, baseline labs": FEEDBACKS_OFF,
    "feedbacks off, every lab k=1": {**FEEDBACKS_OFF, "override_k": 1.0},
    "no opt-out response": {"opt_out_response": False},
    "privacy strictness 0.9": {"privacy_strictness": 0.9},
    "privacy strictness 0.1": {"privacy_strictness": 0.1},
}


def describe(overrides: dict) -> str:
    rows = [run_summary(DataMarketModel(rng=seed, **overrides).run()) for seed in SEEDS]
    exhaustion = np.array([r["public_exhaustion_year"] for r in rows])
    censored = sum(r["public_exhaustion_censored"] for r in rows)
    wall = np.array([r["data_wall_year"] for r in rows])
    mean = lambda key: np.mean([r[key] for r in rows])  # noqa: E731
    median = lambda key: np.nanmedian([r[key] for r in rows])  # noqa: E731
    return (
        f"exhaustion median {np.nanmedian(exhaustion):.2f} (range {np.nanmin(exhaustion):.2f}-{np.nanmax(exhaustion):.2f}, "
        f"{censored} censored) | data wall {np.nanmedian(wall):.2f} | at exhaustion {median('exhaustion_dataset_tokens'):.2e} tokens, "
        f"{median('exhaustion_compute_flop'):.2e} FLOP | private share 2030 {mean('private_share_2030'):.1%}, "
        f"2035 {mean('private_share_2035'):.1%} | synthetic 2030 {mean('synthetic_share_2030'):.1%}"
    )


if __name__ == "__main__":
    for name, overrides in VARIANTS.items():
        print(f"{name:32s} {describe(overrides)}")
