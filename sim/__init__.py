"""PeakData: an agent-based market for LLM training data, built on Mesa.

The names below are imported on first use, so that a sweep worker, which needs only the model,
does not pay for the analysis and plotting stack (PEP 562).
"""

import importlib

_HOMES = {
    "SweepResults": "sim.experiments.analysis",
    "MONTHLY_SERIES": "sim.metrics",
    "OUTCOMES": "sim.outcomes",
    "run_summary": "sim.metrics",
    "timeseries": "sim.metrics",
    "DataMarketModel": "sim.model",
    "Distribution": "sim.params",
    "MarketParams": "sim.params",
    "ParamsError": "sim.params",
    "load_scenario": "sim.params",
    "write_report": "sim.experiments.report",
    "Design": "sim.experiments.study",
    "Study": "sim.experiments.study",
    "load_study": "sim.experiments.study",
    "open_executor": "sim.experiments.sweep",
    "run_sweep": "sim.experiments.sweep",
}

__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
