"""Golden-output test: the model gives the results it gave before it was made faster.

`tests/make_golden.py` lists the cases (baseline at three seeds, strict privacy, 5x overtraining,
24 labs with 2,000 domains, every policy lever on, feedbacks off with a 2022 start) and wrote their
monthly series, summaries, per-lab exhaustion dates and market graphs, with the unoptimised code,
to `tests/data/`. This test reruns them.

Everything must match **exactly**, with one exception: the four shares of the whole web
(`REASSOCIATED`) are now summed over all domains at once instead of tier by tier, which changes
the rounding of a float sum (observed differences <= 1e-15 relative). They are reports only and
feed nothing back into the market, so they get `rtol=1e-12`; every other number, including every
date, price, token count and graph edge, is compared to the bit.

After a *deliberate* change to the model, regenerate and commit the golden files with it:

    .venv/bin/python -m tests.make_golden
"""

import json

import pandas as pd
import pytest

from tests.make_golden import CASES, SUMMARY_FILE, TIMESERIES_FILE, run_case

REASSOCIATED = ["opted_out_share", "opted_out_share_head", "exclusive_share", "ai_pollution_share"]
RTOL = 1e-12


@pytest.fixture(scope="module")
def golden() -> tuple[pd.DataFrame, dict]:
    return pd.read_parquet(TIMESERIES_FILE), json.loads(SUMMARY_FILE.read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_the_golden_run(case, golden):
    golden_series, golden_records = golden
    frame, record = run_case(case)
    expected = golden_series[golden_series["case"] == case].reset_index(drop=True)
    exact = frame.columns.drop(REASSOCIATED)
    pd.testing.assert_frame_equal(frame[exact], expected[exact], check_exact=True)
    pd.testing.assert_frame_equal(frame[REASSOCIATED], expected[REASSOCIATED], check_exact=False, rtol=RTOL, atol=0)

    record = json.loads(json.dumps(record))
    summary, expected_summary = record.pop("summary"), golden_records[case]["summary"]
    assert record == {k: v for k, v in golden_records[case].items() if k != "summary"}
    for key, value in expected_summary.items():
        if any(key.startswith(name) for name in REASSOCIATED) and value is not None:
            assert summary[key] == pytest.approx(value, rel=RTOL, abs=0), key
        else:
            assert summary[key] == value, key
