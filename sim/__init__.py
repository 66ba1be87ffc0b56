"""PeakData: an agent-based market for LLM training data, built on Mesa."""

from sim.metrics import MONTHLY_SERIES, run_summary, timeseries
from sim.model import DataMarketModel
from sim.params import MarketParams, ParamsError, load_scenario

__all__ = ["MONTHLY_SERIES", "DataMarketModel", "MarketParams", "ParamsError", "load_scenario", "run_summary", "timeseries"]
