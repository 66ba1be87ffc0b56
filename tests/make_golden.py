"""Golden outputs: what the model produced for a fixed set of runs, to pin its results.

`tests/test_equivalence.py` reruns these cases and compares. After a *deliberate* change to the
model's behaviour, regenerate the files and commit them with the change:

    .venv/bin/python -m tests.make_golden

A pure speed-up must leave them untouched (within `tests.outputs.RTOL`; discrete outcomes exactly).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim import DataMarketModel, MarketParams
from sim.params import replicated_labs
from tests.outputs import outputs

DATA = Path(__file__).resolve().parent / "data"
TIMESERIES_FILE = DATA / "golden_timeseries.parquet"
SUMMARY_FILE = DATA / "golden_summary.json"


def _policies() -> MarketParams:
    return MarketParams().with_overrides(
        opt_out_regime="opt_in",
        licensing_mandate={"value": True, "year": 2026},
        data_commons_tokens={"value": 5e13, "year": 2027},
        synthetic_labelling={"value": True, "year": 2028},
        alliance_antitrust=True,
        compute_cap_flop={"value": 1e28, "year": 2030},
        tighten_privacy_after_incidents=True,
        collapse_regime="replace",
        incidents_per_trillion_tokens=3.0,
    )


# name -> (params, seed). Full 2020-2040 runs unless the case says otherwise.
CASES: dict[str, Callable[[], tuple[MarketParams, int]]] = {
    "baseline_seed0": lambda: (MarketParams(), 0),
    "baseline_seed1": lambda: (MarketParams(), 1),
    "baseline_seed2": lambda: (MarketParams(), 2),
    "strict_privacy": lambda: (MarketParams().with_overrides(privacy_strictness=0.9), 3),
    "overtrain_5x_from_2025": lambda: (MarketParams().with_overrides(override_k=5.0, override_k_from_year=2025), 4),
    "many_labs_short": lambda: (
        MarketParams().with_overrides(n_publishers=2000, end="2030-12").model_copy(update={"labs": replicated_labs(24)}),
        5,
    ),
    "policies_on": lambda: (_policies(), 6),
    "feedbacks_off_2022_start": lambda: (
        MarketParams().with_overrides(
            start="2022-06",
            end="2036-12",
            opt_out_response=False,
            exclusive_deals=False,
            ai_pollution=False,
            private_sourcing=False,
            synthetic_sourcing=False,
        ),
        7,
    ),
}


def run_case(name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The monthly series and the summary record (summary, per-lab exhaustion, market graph) of one case."""
    params, seed = CASES[name]()
    return outputs(DataMarketModel(params, rng=seed).run(), name)


def main() -> None:
    frames, records = [], {}
    for name in CASES:
        frame, records[name] = run_case(name)
        frames.append(frame)
        print(f"{name}: {len(frame)} months")
    DATA.mkdir(parents=True, exist_ok=True)
    pd.concat(frames, ignore_index=True).to_parquet(TIMESERIES_FILE, index=False, compression="zstd")
    SUMMARY_FILE.write_text(json.dumps(records, indent=1, allow_nan=False) + "\n")
    print(f"wrote {TIMESERIES_FILE} and {SUMMARY_FILE}")


if __name__ == "__main__":
    main()
