"""PeakData: an agent-based market for LLM training data, built on Mesa."""

from sim.analysis import SweepResults
from sim.metrics import MONTHLY_SERIES, OUTCOMES, run_summary, timeseries
from sim.model import DataMarketModel
from sim.params import Distribution, MarketParams, ParamsError, load_scenario
from sim.report import write_report
from sim.study import Design, Study, load_study
from sim.sweep import open_executor, run_sweep

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
