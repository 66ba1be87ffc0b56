"""PeakData: an agent-based market for LLM training data, built on Mesa.

The names below are imported on first use, so that a sweep worker, which needs only the model,
does not pay for the analysis and plotting stack (PEP 562).
"""

import importlib
from typing import TYPE_CHECKING

_HOMES = {
    "SweepResults": "sim.analysis",
    "MONTHLY_SERIES": "sim.metrics",
    "OUTCOMES": "sim.metrics",
    "run_summary": "sim.metrics",
    "timeseries": "sim.metrics",
    "DataMarketModel": "sim.model",
    "Distribution": "sim.params",
    "MarketParams": "sim.params",
    "ParamsError": "sim.params",
    "load_scenario": "sim.params",
    "write_report": "sim.report",
    "Design": "sim.study",
    "Study": "sim.study",
    "load_study": "sim.study",
    "open_executor": "sim.sweep",
    "run_sweep": "sim.sweep",
}

__all__ = [
    "MONTHLY_SERIES",
    "OUTCOMES",
    "DataMarketModel",
    "Design",
    "Distribution",
    "MarketParams",
    "ParamsError",
    "Study",
    "SweepResults",
    "load_scenario",
    "load_study",
    "open_executor",
    "run_summary",
    "run_sweep",
    "timeseries",
    "write_report",
]


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


if TYPE_CHECKING:
    from sim.analysis import SweepResults
    from sim.metrics import MONTHLY_SERIES, OUTCOMES, run_summary, timeseries
    from sim.model import DataMarketModel
    from sim.params import Distribution, MarketParams, ParamsError, load_scenario
    from sim.report import write_report
    from sim.study import Design, Study, load_study
    from sim.sweep import open_executor, run_sweep
