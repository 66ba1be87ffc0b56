"""The scaling laws against their published numbers."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import scaling


def test_four_epochs_are_worth_373_percent_of_the_unique_data():
    # Muennighoff et al. 2023 Eq. 5 with R_D* = 15.39: docs/calibration.md §3.
    assert scaling.repetition_gain(4) == pytest.approx(3.73, abs=0.005)
    assert scaling.repetition_gain(16) == pytest.approx(10.6, abs=0.05)
    assert scaling.repetition_gain(1) == 1.0


@given(st.floats(1.0, 1e7), st.floats(1e6, 1e16))
def test_repetition_never_exceeds_the_164x_ceiling(epochs, unique):
    value = scaling.effective_tokens(unique, epochs)
    assert unique <= value <= 16.388 * unique * (1 + 1e-12)


def test_besiroglu_law_puts_the_compute_optimum_near_20_tokens_per_parameter():
    # docs/calibration.md §2: the refit implies 18.4 tokens/param at 5.76e23 FLOP and 13.8 at 5e28.
    for compute, expected in ((5.76e23, 18.4), (5e28, 13.8)):
        params = np.logspace(8, 14, 20001)
        tokens = compute / (6 * params)
        best = np.argmin(scaling.loss(params, tokens))
        assert tokens[best] / params[best] == pytest.approx(expected, rel=0.03)


def test_allocation_spends_exactly_the_budget_at_20k_tokens_per_parameter():
    params, tokens = scaling.allocate_compute(1e26, 5.0)
    assert 6 * params * tokens == pytest.approx(1e26)
    assert tokens / params == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("params", "inference", "tokens_per_param"),
    # docs/calibration.md §8, derived from Sardana & Frankle with the Besiroglu constants.
    [(7e9, 1e12, 117), (7e9, 1e13, 665), (70e9, 1e13, 109), (70e9, 1e14, 619), (400e9, 1e14, 154), (400e9, 1e15, 909)],
)
def test_inference_aware_k_reproduces_the_sardana_frankle_table(params, inference, tokens_per_param):
    compute = 6 * params * 20 * params
    assert 20 * scaling.inference_optimal_k(compute, inference) == pytest.approx(tokens_per_param, rel=0.05)


def test_more_expected_inference_means_more_overtraining():
    ks = [scaling.inference_optimal_k(1e26, demand) for demand in (0, 1e12, 1e14, 1e16)]
    assert ks[0] == 1.0
    assert all(a <= b for a, b in itertools.pairwise(ks))
    assert ks[-1] > 10


def _grid_search_k(compute_flop: float, inference_tokens: float, max_k: float = 1000.0) -> float:
    """The plain two-pass grid search that `inference_optimal_k` must reproduce to the last bit."""
    params_opt, tokens_opt = scaling.allocate_compute(compute_flop, 1.0)
    target = scaling.reducible_loss(params_opt, tokens_opt)
    log_lo, log_hi = -np.log10(max_k), 0.0
    for _ in range(2):
        ratios = np.logspace(log_lo, log_hi, 128)
        k, best = scaling._cheapest_on_iso_loss(params_opt * ratios, target, inference_tokens)
        step = (log_hi - log_lo) / 127
        log_center = np.log10(ratios[best])
        log_lo, log_hi = log_center - step, min(log_center + step, 0.0)
    return float(np.clip(k, 1.0, max_k))


def test_bisection_finds_exactly_the_grid_search_k():
    rng = np.random.default_rng(0)
    for compute, inference in zip(10 ** rng.uniform(18, 32, 3000), 10 ** rng.uniform(6, 22, 3000)):
        assert scaling.inference_optimal_k(compute, inference) == _grid_search_k(compute, inference)
