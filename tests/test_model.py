"""The whole market: emergent exhaustion, determinism, invariants, Mesa's batch_run."""

import math

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import MONTHLY_SERIES, DataMarketModel, MarketParams, run_summary, timeseries
from sim.params import Uncertainties, field_bounds
from tests.conftest import short_params

SEEDS = range(3)


def _mean_exhaustion(**overrides) -> float:
    years = []
    for seed in SEEDS:
        summary = run_summary(DataMarketModel(rng=seed, **overrides).run())
        years.append(summary["horizon_year"] + 1 if summary["public_exhaustion_censored"] else summary["public_exhaustion_year"])
    return float(np.mean(years))


def test_the_model_builds_with_no_arguments_and_runs_2020_to_2040(baseline_run):
    frame = timeseries(baseline_run)
    assert len(frame) == 21 * 12
    assert frame["year"].iloc[0] == 2020.0 and frame["year"].iloc[-1] == pytest.approx(2040 + 11 / 12)
    assert set(MONTHLY_SERIES) <= set(frame.columns)
    assert (np.diff(frame["year"]) > 0).all()


@pytest.mark.slow
def test_a_smaller_public_stock_runs_out_sooner():
    assert _mean_exhaustion(public_stock_raw_tokens_2024=1.5e14) < _mean_exhaustion() - 0.5


@pytest.mark.slow
def test_more_overtraining_runs_out_sooner():
    assert (
        _mean_exhaustion(override_k=50.0, override_k_from_year=2020)
        < _mean_exhaustion(override_k=1.0, override_k_from_year=2020) - 0.5
    )


@pytest.mark.slow
def test_opt_outs_bring_exhaustion_forward():
    assert _mean_exhaustion(opt_out_response=True) < _mean_exhaustion(opt_out_response=False)


@pytest.mark.slow
def test_private_uptake_falls_as_privacy_tightens():
    shares = {}
    for strictness in (0.1, 0.9):
        shares[strictness] = np.mean(
            [run_summary(DataMarketModel(rng=s, privacy_strictness=strictness).run())["private_share_2035"] for s in SEEDS]
        )
    assert shares[0.9] < shares[0.1]
    assert shares[0.1] > 0.0


def test_same_seed_same_output_and_different_seeds_differ():
    first = timeseries(DataMarketModel(short_params(), rng=5).run())
    again = timeseries(DataMarketModel(short_params(), rng=5).run())
    other = timeseries(DataMarketModel(short_params(), rng=6).run())
    pd.testing.assert_frame_equal(first, again)
    numeric = first.columns.drop(["scenario", "seed"])
    assert not first[numeric].equals(other[numeric])
    assert (first["seed"] == 5).all()


def test_summary_censors_dates_beyond_the_horizon():
    model = DataMarketModel(short_params(end="2022-12"), rng=1).run()
    summary = run_summary(model)
    assert summary["public_exhaustion_censored"] and math.isnan(summary["public_exhaustion_year"])
    assert summary["data_wall_censored"] and math.isnan(summary["data_wall_year"])


def _uncertainty(name: str) -> st.SearchStrategy[float]:
    """Any allowed value of an uncertainty: log-uniform over ranges wider than 100x, uniform otherwise."""
    low, high = field_bounds(Uncertainties, name)
    below_high = any(getattr(c, "lt", None) is not None for c in Uncertainties.model_fields[name].metadata)
    if low > 0 and high / low > 100:
        return st.floats(np.log10(low), np.log10(high)).map(lambda e: float(min(max(10.0**e, low), high)))
    return st.floats(low, high, exclude_max=below_high)


ANY_UNCERTAINTIES = st.fixed_dictionaries({name: _uncertainty(name) for name in Uncertainties.model_fields})
ANY_POLICY = st.fixed_dictionaries(
    {
        "privacy_strictness": st.floats(0.0, 1.0),
        "opt_out_regime": st.sampled_from(["none", "robots", "opt_in"]),
        "collapse_regime": st.sampled_from(["accumulate", "replace"]),
        "override_k": st.one_of(st.none(), st.floats(0.5, 500)),
        "licensing_mandate": st.booleans(),
        "tighten_privacy_after_incidents": st.booleans(),
    }
)


def _assert_invariants_every_month(model: DataMarketModel) -> None:
    previous_year = -np.inf
    while model.running:
        model.step()
        assert model.invariant_violations() == [], f"{model.year:.2f}"
        assert model.year > previous_year
        previous_year = model.year


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uncertainties=ANY_UNCERTAINTIES, policy=ANY_POLICY, start=st.integers(2000, 2095), seed=st.integers(0, 2**32))
def test_invariants_hold_every_month_for_any_uncertainties(uncertainties, policy, start, seed):
    """A few years from any start, with every uncertainty anywhere in its allowed range."""
    params = MarketParams().with_overrides(**uncertainties, **policy, start=f"{start}-01", end=f"{start + 4}-12")
    _assert_invariants_every_month(DataMarketModel(params, rng=seed))


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(uncertainties=ANY_UNCERTAINTIES, policy=ANY_POLICY, seed=st.integers(0, 2**32))
def test_invariants_hold_every_month_over_the_whole_horizon(uncertainties, policy, seed):
    _assert_invariants_every_month(DataMarketModel(MarketParams().with_overrides(**uncertainties, **policy), rng=seed))


def test_the_data_budget_holds_when_compute_stops_growing():
    """Issue 12: with compute growth 1.0 the closed labs seemed to overspend from 2031."""
    model = DataMarketModel(rng=0, compute_growth_per_year=1.0)
    _assert_invariants_every_month(model)
    assert all(lab.deployed.data_spend_usd <= lab.deployed.data_budget_usd * (1 + 1e-9) for lab in model.lab_list)


def test_the_model_runs_under_mesa_batch_run():
    results = mesa.batch_run(
        DataMarketModel,
        parameters={"privacy_strictness": [0.2, 0.8], "end": "2021-12"},
        rng=[1, 2],
        max_steps=24,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 4
    assert set(frame["privacy_strictness"]) == {0.2, 0.8}
    assert frame["frontier_desired_tokens"].gt(0).all()


def test_the_market_graph_holds_deals_memberships_and_lineage(baseline_run):
    kinds = {}
    for _, _, data in baseline_run.network.edges(data=True):
        kinds.setdefault(data["kind"], []).append(data["tokens"])
    assert {"deal", "membership", "lineage"} <= set(kinds)
    assert all(tokens > 0 for tokens in kinds["deal"])
    types = {data["type"] for _, data in baseline_run.network.nodes(data=True)}
    assert {"ClosedLab", "OpenLab", "DataBroker", "DataAlliance", "SyntheticGenerator", "Publisher"} <= types


def test_open_weights_near_the_frontier_raise_web_pollution():
    with_open = DataMarketModel(short_params(end="2024-12"), rng=3).run()
    closed_only = short_params(end="2024-12")
    closed_only = closed_only.model_copy(
        update={"labs": tuple(lab.model_copy(update={"kind": "closed"}) for lab in closed_only.labs)}
    )
    without_open = DataMarketModel(closed_only, rng=3).run()
    assert with_open.open_weight_parity > 0.5 and without_open.open_weight_parity == 0.0
    assert timeseries(with_open)["ai_pollution_share"].iloc[-1] > 1.3 * timeseries(without_open)["ai_pollution_share"].iloc[-1]


def test_ai_text_at_almost_all_of_new_text_keeps_the_pool_finite():
    """Found by the draws above: a plateau of 1 made AI text infinite beside no human text."""
    model = DataMarketModel(
        MarketParams().with_overrides(
            ai_text_share_2024=0.999, ai_writing_cost_elasticity=1.0, public_growth_per_year=0.0, start="2033-01", end="2037-12"
        ),
        rng=0,
    )
    _assert_invariants_every_month(model)
