import pytest

from sim import DataMarketModel, MarketParams


@pytest.fixture(scope="session")
def baseline_run() -> DataMarketModel:
    """One full baseline run, shared by the tests that only read its output."""
    return DataMarketModel(rng=42).run()


def short_params(**overrides) -> MarketParams:
    """The baseline to 2030, with overrides, for tests that need several runs."""
    return MarketParams().with_overrides(**{"end": "2030-12", **overrides})
