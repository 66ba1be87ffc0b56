"""Golden-output test: the model gives exactly the results it gave before it was made faster.

`tests/make_golden.py` lists the cases (baseline at three seeds, strict privacy, 5x overtraining,
24 labs with 2,000 domains, every policy lever on, feedbacks off with a 2022 start) and wrote their
monthly series and summaries, with the unoptimised code, to `tests/data/`. This test reruns them and
requires **exact** equality: every speed-up so far keeps the order of floating-point operations, so
there is no tolerance to hide a change in behaviour behind.

After a *deliberate* change to the model, regenerate and commit the golden files with it:

    .venv/bin/python -m tests.make_golden
"""

import json

import pandas as pd
import pytest

from tests.make_golden import CASES, SUMMARY_FILE, TIMESERIES_FILE, run_case


@pytest.fixture(scope="module")
def golden() -> tuple[pd.DataFrame, dict]:
    return pd.read_parquet(TIMESERIES_FILE), json.loads(SUMMARY_FILE.read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_the_golden_run(case, golden):
    golden_series, golden_records = golden
    frame, record = run_case(case)
    expected = golden_series[golden_series["case"] == case].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert json.loads(json.dumps(record)) == golden_records[case]
