"""The pure economics functions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import economics, scaling

floats = st.floats(0.0, 1e15)


def _choose(offers, seen=100.0, value=1.0, budget=1e9, regime="accumulate", threshold=0.5):
    """offers: (tokens, quality, cost, ai, per_real)."""
    columns = [list(c) for c in zip(*offers)]
    return economics.choose_dataset(*columns, seen, value, budget, regime, threshold)


def _objective(offers, taken, seen=100.0, value=1.0, regime="accumulate", threshold=0.5):
    """What the chooser maximises: the data's value in USD under the effective-data law, less its cost."""
    human = [(o[1], t) for o, t in zip(offers, taken) if not o[3] and t > 0.0]
    s = sum(t * o[1] for o, t in zip(offers, taken) if o[3])
    s_raw = sum(t for o, t in zip(offers, taken) if o[3])
    data = economics.DataSet(np.array([q for q, _ in human]), np.array([t for _, t in human]), s, s_raw, seen, regime, threshold)
    return data.effective_tokens() * value - sum(t * o[2] for o, t in zip(offers, taken))


def test_human_data_is_taken_best_net_value_first_and_only_when_worth_its_cost():
    offers = [
        (50.0, 1.0, 0.0, False, 0.0),  # free web text
        (30.0, 2.0, 0.5, False, 0.0),  # a licence on better text: worth 2, costs 0.5
        (30.0, 1.0, 1.5, False, 0.0),  # costs more than it is worth
        (3000.0, 0.5, 0.0, False, 0.0),  # free but poor: worth less than another pass over the others
    ]
    # A small run repeats the better text (its 3.3rd pass is still worth 1.7 web tokens) rather than take web text.
    taken, margin = _choose(offers)
    assert taken == pytest.approx([0.0, 30.0, 0.0, 0.0])
    assert margin == pytest.approx(2.0 * np.exp(-(100.0 / 30.0 - 1.0) / scaling.REPETITION_HALF_LIFE_EPOCHS))
    # A larger run takes the web text, then the poor text until a pass over the others is worth as much as it.
    taken, _ = _choose(offers, seen=3000.0)
    assert taken[:3] == pytest.approx([50.0, 30.0, 0.0])
    passes = economics.passes_at_level(np.array([2.0, 1.0]), 0.5)
    assert taken[3] == pytest.approx(3000.0 - passes @ np.array([30.0, 50.0]))


def test_better_text_is_repeated_more_until_another_pass_over_each_is_worth_the_same():
    quality, tokens = np.array([2.0, 1.0, 0.4]), np.array([10.0, 100.0, 50.0])
    epochs, level = economics.repetition_epochs(quality, tokens, 500.0)
    assert epochs @ tokens == pytest.approx(500.0)
    assert epochs[0] - epochs[1] == pytest.approx(scaling.REPETITION_HALF_LIFE_EPOCHS * np.log(2.0))
    assert epochs[2] == 1.0  # chat-like text is seen once: a pass over it is worth less than the level
    # At the level, the last pass over each repeated source is worth the same.
    worth = quality * np.exp(-(epochs - 1.0) / scaling.REPETITION_HALF_LIFE_EPOCHS)
    assert worth[:2] == pytest.approx([level, level]) and worth[2] < level
    # Bounded at 4 epochs, the better text stops there and the rest is spread over the others.
    bounded, _ = economics.repetition_epochs(quality, tokens, 500.0, max_epochs=4.0)
    assert bounded[0] == 4.0 and bounded @ tokens == pytest.approx(500.0)
    # Past 4 passes of everything the spare slots are worth nothing.
    assert economics.repetition_epochs(quality, tokens, 800.0, max_epochs=4.0)[1] == 0.0


@given(
    st.lists(st.tuples(st.floats(0.1, 5.0), st.floats(1.0, 1e6)), min_size=1, max_size=6),
    st.floats(1.0, 50.0),
    st.floats(1.5, 40.0),
)
def test_repetition_is_spread_where_it_is_worth_most(sources, slots_per_token, max_epochs):
    quality, tokens = (np.array(c) for c in zip(*sources))
    slots = slots_per_token * tokens.sum()
    epochs, _ = economics.repetition_epochs(quality, tokens, slots, max_epochs)
    assert ((epochs >= 1.0 - 1e-12) & (epochs <= max_epochs + 1e-12)).all()
    assert epochs @ tokens == pytest.approx(min(slots, max_epochs * tokens.sum()), rel=1e-9)
    best = float((quality * tokens) @ economics.repetition_multiplier(epochs))
    # Moving a few slots from any source to any other never adds value.
    for i in range(len(tokens)):
        for j in range(len(tokens)):
            moved = epochs.copy()
            shift = min(0.01 * tokens.min(), (epochs[i] - 1.0) * tokens[i], (max_epochs - epochs[j]) * tokens[j])
            if i == j or shift <= 0.0:
                continue
            moved[i] -= shift / tokens[i]
            moved[j] += shift / tokens[j]
            assert float((quality * tokens) @ economics.repetition_multiplier(moved)) <= best * (1 + 1e-12)


def test_the_budget_bounds_what_is_bought():
    taken, _ = _choose([(100.0, 2.0, 1.0, False, 0.0), (100.0, 1.0, 0.0, False, 0.0)], seen=1000.0, budget=30.0)
    assert taken == pytest.approx([30.0, 100.0])


def test_synthetic_data_has_an_interior_optimum_that_rises_with_its_quality_and_falls_with_its_cost():
    def share(quality, cost):
        taken, _ = _choose([(1e6, 1.0, 0.0, False, 0.0), (1e18, quality, cost, True, 0.0)], seen=1000.0)
        return taken[1] / 1000.0

    # Beside abundant free web text, q / (1 + S/U) - cost = 1 at the optimum: S / U = q / (1 + cost) - 1.
    for quality, cost in ((1.4, 0.0), (1.6, 0.1), (2.0, 0.3)):
        ratio = quality / (1.0 + cost) - 1.0  # S / U in quality tokens
        raw = ratio / quality  # synthetic raw tokens per real one
        assert share(quality, cost) == pytest.approx(raw / (1 + raw), abs=1.5 / economics.AI_STEPS)
    assert 0.0 < share(1.4, 0.0) < share(1.8, 0.0)
    assert share(1.6, 0.3) < share(1.6, 0.0)
    assert share(0.9, 0.0) == 0.0  # worse than the web text it would replace


def test_the_synthetic_share_moves_continuously_on_a_fine_sweep_of_its_quality():
    # No grid shows in the output: the last AI slice is taken in part, where its marginal value meets what it
    # displaces, so a fine sweep of one input moves the share by small, distinct amounts (it used to move in
    # exact 1 / AI_STEPS steps, and stand still between them).
    qualities = np.linspace(1.3, 1.7, 201)
    shares = np.array(
        [_choose([(1e6, 1.0, 0.0, False, 0.0), (1e18, q, 0.0, True, 0.0)], seen=1000.0)[0][1] / 1000.0 for q in qualities]
    )
    steps = np.diff(shares)
    assert (steps > 0.0).all()  # rises with every step of the input: no plateau
    assert steps.max() < 0.25 / economics.AI_STEPS  # and by far less than a slice at a time


def test_the_chosen_mix_is_the_best_the_law_allows_to_within_a_slice():
    offers = [(1e6, 1.0, 0.0, False, 0.0), (1e18, 1.5, 0.05, True, 0.0)]
    taken, _ = _choose(offers, seen=1000.0)
    grid = np.linspace(0, 1000, 2001)
    best = grid[np.argmax([_objective(offers, [1000.0 - s, s], seen=1000.0) for s in grid])]
    assert abs(taken[1] - best) <= 1000.0 / economics.AI_STEPS


def test_scarce_real_data_makes_synthetic_pay_where_it_would_not_beside_plentiful_text():
    synthetic = (1e18, 0.8, 0.0, True, 0.0)
    plentiful, _ = _choose([(1e6, 1.0, 0.0, False, 0.0), synthetic], seen=1000.0)
    scarce, _ = _choose([(50.0, 1.0, 0.0, False, 0.0), synthetic], seen=1000.0)  # 20 epochs of real text
    assert plentiful[1] == 0.0 and scarce[1] > 0.0


def test_rephrasing_is_bounded_by_the_real_text_it_rewrites():
    taken, _ = _choose([(100.0, 1.0, 0.0, False, 0.0), (1e18, 3.0, 0.0, True, 2.0)], seen=1000.0)
    assert taken[1] <= 2.0 * taken[0] * (1 + 1e-9)


def test_replacing_real_data_with_synthetic_collapses_while_accumulating_stays_bounded():
    offers = [(1e6, 1.0, 0.0, False, 0.0), (1e18, 5.0, 0.0, True, 0.0)]
    replace, _ = _choose(offers, seen=1000.0, regime="replace", threshold=0.3)
    accumulate, _ = _choose(offers, seen=1000.0)
    ai_share = replace[1] * 5.0 / (replace[0] + replace[1] * 5.0)
    assert ai_share <= 0.3 + 1e-9 and accumulate[1] > replace[1]
    # Past the threshold the law itself degrades the whole set under replace, not under accumulate.
    values = {
        regime: [
            economics.DataSet.pooled(100.0, 100.0, s, s, 100.0 + s, regime, 0.5).effective_tokens() for s in (50.0, 200.0, 800.0)
        ]
        for regime in ("replace", "accumulate")
    }
    assert values["replace"][0] > values["replace"][1] > values["replace"][2]
    assert values["accumulate"][0] < values["accumulate"][1] < values["accumulate"][2]
    gains = np.diff([0.0, *values["accumulate"]]) / np.diff([0.0, 50.0, 200.0, 800.0])
    assert (np.diff(gains) < 0).all()  # diminishing returns


@given(
    st.lists(
        st.tuples(st.floats(0.0, 1e4), st.floats(0.01, 3.0), st.floats(0.0, 2.0), st.booleans(), st.sampled_from([0.0, 2.0])),
        min_size=1,
        max_size=10,
    ),
    st.floats(1.0, 1e4),
    st.floats(0.0, 1e4),
    st.sampled_from(["accumulate", "replace"]),
)
def test_a_chosen_dataset_fits_the_offers_the_slots_and_the_budget(offers, seen, budget, regime):
    taken, _ = _choose(offers, seen=seen, budget=budget, regime=regime)
    assert all(0.0 <= t <= o[0] * (1 + 1e-9) + 1e-9 for o, t in zip(offers, taken))
    assert sum(taken) <= seen * (1 + 1e-9)
    assert sum(t * o[2] for o, t in zip(offers, taken)) <= budget * (1 + 1e-9) + 1e-9
    # Never worse than taking nothing.
    assert _objective(offers, taken, seen=seen, regime=regime) >= -1e-9 * seen


def test_a_token_is_worth_about_the_compute_it_saves():
    compute_usd, (params, tokens) = 1e8, scaling.allocate_compute(3e25, 1.0)
    value = economics.token_value_usd(compute_usd, params, tokens)
    assert value == pytest.approx(compute_usd / tokens, rel=0.1)  # compute-optimal: about M / D
    assert economics.token_value_usd(10 * compute_usd, params, tokens) == pytest.approx(10 * value)


def test_prices_rise_with_excess_demand_and_fall_to_the_floor_without_it():
    assert economics.adjust_price(1.0, demanded_tokens=20, supplied_tokens=10, floor_usd=0.1, speed=0.2) > 1.0
    assert economics.adjust_price(1.0, demanded_tokens=10, supplied_tokens=10, floor_usd=0.1, speed=0.2) == 1.0
    price = 1.0
    for _ in range(200):
        price = economics.adjust_price(price, 0.0, 10.0, 0.1, 0.2)
    assert price == pytest.approx(0.1)


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


def test_users_stay_in_under_opt_out_and_few_opt_in():
    assert economics.user_consent_share(0.0) == pytest.approx(0.8)
    assert economics.user_consent_share(1.0) == pytest.approx(0.1)
    assert economics.user_consent_share(0.0) > economics.user_consent_share(0.5) > economics.user_consent_share(1.0)


def test_writers_choose_more_ai_text_as_it_gets_cheaper_and_never_all_of_it():
    assert economics.ai_writing_share(0.5, 0.1, 1.0) == pytest.approx(0.5)  # at the reference price, the reference share
    shares = [economics.ai_writing_share(0.5, 0.1, ratio) for ratio in (0.5, 1.0, 2.0, 10.0, 1e3)]
    assert shares == sorted(shares) and len(set(shares)) == len(shares)  # cheaper AI writing, more of it
    assert economics.ai_writing_share(0.5, 0.0, 1e3) == pytest.approx(0.5)  # writers who ignore its cost
    assert economics.ai_writing_share(0.5, 0.3, 1e3) > economics.ai_writing_share(0.5, 0.1, 1e3)
    # Extremes stay a share of new text, with some human text beside the AI text, and never overflow.
    for share, elasticity, ratio in ((2.2e-311, 0.0, 3e-8), (0.999, 1.0, 1e300), (0.999, 1.0, 1e-300)):
        value = economics.ai_writing_share(share, elasticity, ratio)
        assert 0.0 <= value < 1.0


@given(
    st.floats(0.05, 3.0),
    st.floats(0.0, 1e-6),
    st.floats(0.3, 3.0),
    st.floats(0.0, 1e-6),
    st.floats(-7.0, -4.0),
    st.floats(8.0, 13.0),
    st.floats(10.0, 14.0),
)
def test_the_compiled_root_finder_is_scipys_brentq(q, cost, worst_q, worst_cost, log_value, log_s, log_u):
    """`displacing_end` finds where an AI slice stops paying with a port of SciPy's brentq (sim/compiled.py): the
    same root, to within a few last bits of the compiled maths."""
    from scipy import optimize

    value, s, u = 10.0**log_value, 10.0**log_s, 10.0**log_u
    args = (q, cost, worst_q, worst_cost, value)

    def gain(rho: float) -> float:
        return economics._displacing_gain(rho, *args)

    rho = s / u
    end = economics.displacing_end(q, cost, worst_q, worst_cost, value, s, u)
    if gain(rho) <= 0.0:
        assert end == 0.0
        return
    high = 2.0 * rho + 1.0
    while gain(high) > 0.0:
        high *= 2.0
    root = optimize.brentq(gain, rho, high, xtol=1e-12 * high, rtol=1e-12)
    assert end == pytest.approx((root * u - s) / (q + root * worst_q), rel=1e-9, abs=1e-12 * u)
