"""What a run produced, in a form two machines can compare: floats within a tolerance, the rest exactly.

Floats differ between CPUs in the last bits: NumPy picks AVX-512, AVX2 or SSE kernels for `exp`, `log`
and `power` at run time, and OpenBLAS picks a dot-product kernel (and so a summation order) for the
CPU. The model keeps every decision away from that noise (see `sim.economics.NEGLIGIBLE_SHARE`), so
between CPUs a float moves by at most `RTOL` relative, and a discrete outcome not at all.

Compared exactly: months, counts, strings and flags, every date but the data wall's (decimal years come from
the month count, not from floating-point arithmetic that depends on the CPU), each lab's exhaustion date, and
the market graph's edges (who dealt with whom, and how). Compared within `RTOL`: every other float.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim import DataMarketModel, run_summary, timeseries

# The largest difference measured between SIMD levels (AVX-512, AVX2, SSE4) and OpenBLAS kernels
# (SkylakeX, Haswell) over the golden cases and 40 sampled worlds was 7e-14 relative; 1e-10 leaves a
# margin of 1,000 and still catches any change to the model's behaviour.
RTOL = 1e-10
# A float that cancels to near zero (a difference of two large sums) is compared against the largest
# magnitude in its column instead.
COLUMN_ATOL_SHARE = 1e-12


def _plain(value: Any) -> Any:
    """JSON-safe scalars; NaN as None so the file is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def outputs(model: DataMarketModel, case: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The monthly series and the record (summary, per-lab exhaustion, market graph) of a finished run."""
    frame = timeseries(model)
    frame.insert(0, "case", case)
    edges = sorted([int(u), int(v), data["kind"], float(data["tokens"])] for u, v, data in model.network.edges(data=True))
    record = {
        "summary": {key: _plain(value) for key, value in run_summary(model).items()},
        "public_exhaustion_year": {str(k): v for k, v in sorted(model.public_exhaustion_year.items())},
        "edges": edges,
    }
    return frame, record


# Dates reckoned between two measurements (the data wall: where the shortfall crossed its margin, as it grew
# linearly between them) come from floating-point arithmetic, and are compared within `RTOL` like other floats.
INTERPOLATED_DATES = {"data_wall_year"}


def is_discrete(name: str) -> bool:
    """Dates are discrete outcomes: a month, written as a decimal year (but `INTERPOLATED_DATES`)."""
    return (name == "year" or name.endswith("_year")) and name not in INTERPOLATED_DATES


def differences(frame: pd.DataFrame, expected: pd.DataFrame, record: dict, expected_record: dict) -> list[str]:
    """Every way two runs' outputs differ beyond the tolerance, as readable lines (empty if they agree)."""
    problems: list[str] = []
    if list(frame.columns) != list(expected.columns) or len(frame) != len(expected):
        return [f"shape or columns differ: {frame.shape} {list(frame.columns)} vs {expected.shape} {list(expected.columns)}"]
    for column in frame.columns:
        got, want = frame[column].to_numpy(), expected[column].to_numpy()
        if got.dtype.kind != "f" or is_discrete(column):
            bad = np.flatnonzero(~((got == want) | (pd.isna(got) & pd.isna(want))))
            if bad.size:
                problems.append(f"{column}: month {bad[0]} is {got[bad[0]]!r}, expected exactly {want[bad[0]]!r}")
            continue
        atol = COLUMN_ATOL_SHARE * float(np.nanmax(np.abs(want), initial=0.0))
        close = np.isclose(got, want, rtol=RTOL, atol=atol, equal_nan=True)
        if not close.all():
            i = int(np.flatnonzero(~close)[0])
            problems.append(f"{column}: month {i} is {got[i]!r}, expected {want[i]!r} (rtol {RTOL:g})")
    problems += _record_differences(record, expected_record)
    return problems


def _record_differences(record: dict, expected: dict) -> list[str]:
    problems = []
    summary, want = record["summary"], expected["summary"]
    if set(summary) != set(want):
        problems.append(f"summary keys differ: {sorted(set(summary) ^ set(want))}")
    for key in set(summary) & set(want):
        got, exp = summary[key], want[key]
        if isinstance(exp, float) and isinstance(got, float) and not is_discrete(key):
            if not math.isclose(got, exp, rel_tol=RTOL, abs_tol=0.0):
                problems.append(f"summary {key} = {got!r}, expected {exp!r} (rtol {RTOL:g})")
        elif got != exp:
            problems.append(f"summary {key} = {got!r}, expected exactly {exp!r}")
    if record["public_exhaustion_year"] != expected["public_exhaustion_year"]:
        problems.append(f"exhaustion dates {record['public_exhaustion_year']} != {expected['public_exhaustion_year']}")
    edges, want_edges = record["edges"], expected["edges"]
    if [e[:3] for e in edges] != [e[:3] for e in want_edges]:
        problems.append(f"market graph edges differ: {[e[:3] for e in edges]} vs {[e[:3] for e in want_edges]}")
    else:
        for got, exp in zip(edges, want_edges):
            if not math.isclose(got[3], exp[3], rel_tol=RTOL):
                problems.append(f"edge {got[:3]} carries {got[3]!r} tokens, expected {exp[3]!r}")
    return problems
