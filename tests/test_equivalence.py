"""Golden-output test: the model gives the results it gave when the golden files were written.

`tests/make_golden.py` lists the cases (baseline at three seeds, strict privacy, 5x overtraining,
24 labs with 2,000 domains, every policy lever on, feedbacks off with a 2022 start) and wrote their
monthly series, summaries, per-lab exhaustion dates and market graphs to `tests/data/`. This test
reruns them and compares as `tests/outputs.py` says: floats within `RTOL` relative (they differ
between CPUs in the last bits), and dates, months, counts and the graph's edges exactly.
`.ci/run` runs it natively and again at the lowest SIMD level NumPy offers on the machine.

After a *deliberate* change to the model, regenerate and commit the golden files with it:

    .venv/bin/python -m tests.make_golden
"""

import json

import pandas as pd
import pytest

from tests.make_golden import CASES, SUMMARY_FILE, TIMESERIES_FILE, run_case
from tests.outputs import differences


@pytest.fixture(scope="module")
def golden() -> tuple[pd.DataFrame, dict]:
    return pd.read_parquet(TIMESERIES_FILE), json.loads(SUMMARY_FILE.read_text())


@pytest.mark.parametrize("case", list(CASES))
def test_results_match_the_golden_run(case, golden):
    golden_series, golden_records = golden
    frame, record = run_case(case)
    expected = golden_series[golden_series["case"] == case].reset_index(drop=True)
    problems = differences(frame, expected, json.loads(json.dumps(record)), golden_records[case])
    assert not problems, "\n".join(problems[:20])
