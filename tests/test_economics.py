"""The pure economics functions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import economics

floats = st.floats(0.0, 1e15)


def test_fill_takes_the_cheapest_quality_first_and_stops_at_the_target():
    taken = economics.least_cost_fill(
        np.array([10.0, 10.0, 10.0]), np.array([1.0, 0.5, 1.0]), np.array([3.0, 1.0, 1.0]), 12.0, 1e9
    )
    # Offer 2 costs 1 per quality token, offer 1 costs 2, offer 0 costs 3.
    assert taken.tolist() == pytest.approx([0.0, 4.0, 10.0])


def test_fill_never_spends_more_than_the_budget():
    taken = economics.least_cost_fill(np.array([100.0]), np.array([1.0]), np.array([2.0]), 100.0, 50.0)
    assert taken[0] == pytest.approx(25.0)


@given(
    st.lists(st.tuples(floats, st.floats(0.01, 2.0), st.floats(0.0, 1e-2)), min_size=1, max_size=12),
    floats,
    st.floats(0.0, 1e9),
)
def test_fill_conserves_tokens_and_budget(offers, target, budget):
    available, quality, price = (np.array(x) for x in zip(*offers))
    taken = economics.least_cost_fill(available, quality, price, target, budget)
    assert (taken >= 0).all() and (taken <= available * (1 + 1e-12)).all()
    assert taken @ price <= budget * (1 + 1e-9) + 1e-9
    assert taken @ quality <= target * (1 + 1e-9) + 1e-6


def test_prices_rise_with_excess_demand_and_fall_to_the_floor_without_it():
    assert economics.adjust_price(1.0, demanded_tokens=20, supplied_tokens=10, floor_usd=0.1, speed=0.2) > 1.0
    assert economics.adjust_price(1.0, demanded_tokens=10, supplied_tokens=10, floor_usd=0.1, speed=0.2) == 1.0
    price = 1.0
    for _ in range(200):
        price = economics.adjust_price(price, 0.0, 10.0, 0.1, 0.2)
    assert price == pytest.approx(0.1)


def test_replacing_real_data_with_synthetic_collapses_while_accumulating_stays_bounded():
    real = 1e12
    replace = [
        economics.dataset_effective_tokens(real * (1 - s), real * s / (1 - s) * (1 - s), 4e12, "replace", 0.5)
        for s in (0.3, 0.6, 0.9)
    ]
    assert replace[0] > replace[1] > replace[2]
    # A lab repeating scarce real data 100 times: synthetic keeps helping, with diminishing returns.
    accumulate = [economics.dataset_effective_tokens(real, real * m, 1e14, "accumulate", 0.5) for m in (0, 1, 4, 16)]
    gains = np.diff(accumulate)
    assert (gains > 0).all()
    assert (np.diff(gains / np.diff([0, 1, 4, 16])) < 0).all()


def test_herfindahl_index_runs_from_competition_to_monopoly():
    assert economics.herfindahl_index(np.array([1.0])) == 10_000
    assert economics.herfindahl_index(np.full(4, 0.25)) == pytest.approx(2_500)


def test_consent_falls_with_privacy_strictness():
    assert (
        economics.consented_share(0.05, 0.0) > economics.consented_share(0.05, 0.5) > economics.consented_share(0.05, 1.0) == 0.0
    )


def test_frontier_compute_grows_45x_a_year_until_the_spend_cap():
    args = dict(
        compute_flop_2024=4e25, growth_per_year=4.5, spend_cap_usd=1e11, usd_per_flop_2024=3e-18, flop_price_halving_years=2.5
    )
    assert economics.frontier_compute_flop(2024.0, **args) == pytest.approx(4e25)
    assert economics.frontier_compute_flop(2025.0, **args) / 4e25 == pytest.approx(4.5)
    late = economics.frontier_compute_flop(2036.0, **args) / economics.frontier_compute_flop(2035.0, **args)
    assert late == pytest.approx(2 ** (1 / 2.5))  # only cheaper hardware adds compute after the cap


def test_inference_demand_grows_at_its_rate_then_levels_off_at_the_ceiling():
    assert economics.saturating_growth(3e14, 2.5, 1e18, 0.0) == pytest.approx(3e14)
    assert economics.saturating_growth(3e14, 2.5, 1e18, 1.0) == pytest.approx(7.5e14, rel=0.01)
    assert 0.99e18 < economics.saturating_growth(3e14, 2.5, 1e18, 40.0) <= 1e18
