"""Scaling laws: the one home for Chinchilla, Muennighoff and inference-aware overtraining.

Every agent calls these functions; nobody re-derives them. Token counts are plain floats in
tokens, compute in FLOP. Sources are given next to each constant.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from sim.compiled import kernel

# Besiroglu et al. 2024, "Chinchilla Scaling: A replication attempt" (arXiv 2404.10102),
# corrected fit of L(N, D) = E + A / N**ALPHA + B / D**BETA.
LOSS_E = 1.8172
LOSS_A = 482.01
LOSS_B = 2085.43
LOSS_ALPHA = 0.3478
LOSS_BETA = 0.3658

# Hoffmann et al. 2022; Villalobos et al. 2024 Eq. 3: compute-optimal D = 20 N and C = 6 N D.
TOKENS_PER_PARAM_OPTIMAL = 20.0
FLOP_PER_PARAM_TOKEN = 6.0
# Inference costs 2 N FLOP per token (Villalobos et al. 2024 App. F, Eq. 7; Sardana & Frankle 2024).
INFERENCE_FLOP_PER_PARAM_TOKEN = 2.0

# Muennighoff et al. 2023, "Scaling Data-Constrained Language Models", App. A: R_D* fitted on 182 runs.
REPETITION_HALF_LIFE_EPOCHS = 15.387756


def loss(params: np.ndarray | float, effective_tokens: np.ndarray | float) -> np.ndarray | float:
    """Pre-training loss L(N, D') from the Besiroglu et al. 2024 Chinchilla refit."""
    return LOSS_E + reducible_loss(params, effective_tokens)


def reducible_loss(params: np.ndarray | float, effective_tokens: np.ndarray | float) -> np.ndarray | float:
    """The part of the loss that scale can remove: A / N**alpha + B / D**beta."""
    return LOSS_A * np.power(params, -LOSS_ALPHA) + LOSS_B * np.power(effective_tokens, -LOSS_BETA)


@kernel
def model_loss(params: float, effective_tokens: float) -> float:
    """`loss` of one model, in plain floats and compiled (`sim.compiled`): the firm's searches call it ~60,000 times a
    run, and a NumPy call on one number costs several times the arithmetic (the two agree to the last bit or two)."""
    return LOSS_E + (LOSS_A * params**-LOSS_ALPHA + LOSS_B * effective_tokens**-LOSS_BETA)


@kernel
def allocate_compute(compute_flop: float, overtraining_k: float) -> tuple[float, float]:
    """Split a training budget into (parameters, tokens) with C = 6 N D and D = 20 k N."""
    tokens_per_param = TOKENS_PER_PARAM_OPTIMAL * overtraining_k
    params = math.sqrt(compute_flop / (FLOP_PER_PARAM_TOKEN * tokens_per_param))  # correctly rounded, as np.sqrt
    return params, params * tokens_per_param


@kernel
def params_for_tokens(compute_flop: float, tokens: float) -> float:
    """Parameters a budget affords when the dataset size is fixed (C = 6 N D)."""
    return compute_flop / (FLOP_PER_PARAM_TOKEN * tokens)


def effective_tokens(unique_tokens: np.ndarray | float, epochs: np.ndarray | float) -> np.ndarray | float:
    """Muennighoff et al. 2023 Eq. 5: D' = U + U R* (1 - exp(-(epochs - 1) / R*)).

    Repeating data is worth less each epoch; the value saturates at (1 + R*) U = 16.4 U.
    """
    repeats = np.maximum(np.asarray(epochs, dtype=float) - 1.0, 0.0)
    gain = 1.0 + REPETITION_HALF_LIFE_EPOCHS * -np.expm1(-repeats / REPETITION_HALF_LIFE_EPOCHS)
    return unique_tokens * gain


@functools.cache  # a run asks for the same few values every month
def repetition_gain(epochs: float) -> float:
    """Effective tokens per unique token after `epochs` passes (4 epochs -> 3.73)."""
    return float(effective_tokens(1.0, epochs))


def inference_optimal_k(compute_flop: float, lifetime_inference_tokens: float, max_k: float = 1000.0) -> float:
    """Overtraining factor k that minimises training plus inference FLOP at fixed quality.

    Sardana & Frankle 2024: for the loss a compute-optimal model of `compute_flop` reaches, choose
    N and D on the iso-loss curve to minimise 6 N D + 2 N D_inf. More expected inference makes a
    smaller, longer-trained model cheaper over its life. Returns k = (D / N) / 20, at least 1.

    The answer is the cheapest model on a log grid of sizes, refined once on a finer grid around the
    best. The cost is unimodal in model size, so bisection finds the cheapest grid point with a dozen
    evaluations instead of the whole grid; only when two neighbours cost nearly the same is the grid
    evaluated in full, so that the answer is exactly the grid search's.
    """
    if lifetime_inference_tokens <= 0.0:
        return 1.0
    params_opt, tokens_opt = allocate_compute(compute_flop, 1.0)
    target = reducible_loss(params_opt, tokens_opt)
    # Search smaller models than the compute-optimal one on a log grid, then refine around the best.
    coarse = _coarse_grid(max_k)
    best = _cheapest_grid_point(coarse, params_opt, target, lifetime_inference_tokens)
    fine = _fine_grid(max_k, best)  # refine around the best coarse size
    best = _cheapest_grid_point(fine, params_opt, target, lifetime_inference_tokens)
    params = params_opt * fine.ratios[best]
    data_term = target - LOSS_A * np.power(params, -LOSS_ALPHA)
    tokens = np.power(LOSS_B / data_term, 1.0 / LOSS_BETA) if data_term > 0.0 else np.inf
    return float(min(max(tokens / params / TOKENS_PER_PARAM_OPTIMAL, 1.0), max_k))


_GRID_POINTS = 128
_NEAR_TIE = 1e-9  # relative cost gap below which plain floats and numpy might order two sizes differently


class _Grid(NamedTuple):
    """Model sizes to search, as ratios to the compute-optimal size (and their powers, for speed)."""

    ratios: np.ndarray
    ratio_list: list[float]
    ratio_power_list: list[float]  # ratio ** -LOSS_ALPHA


def _grid(log_lo: float, log_hi: float) -> _Grid:
    ratios = np.logspace(log_lo, log_hi, _GRID_POINTS)
    return _Grid(ratios, ratios.tolist(), (ratios**-LOSS_ALPHA).tolist())


@functools.cache
def _coarse_grid(max_k: float) -> _Grid:
    """Smaller models than the compute-optimal one, down to 1 / max_k of its size, on a log grid."""
    return _grid(-np.log10(max_k), 0.0)


@functools.cache
def _fine_grid(max_k: float, coarse_best: int) -> _Grid:
    """A grid one coarse step either side of the best coarse size."""
    log_lo, log_hi = -np.log10(max_k), 0.0
    step = (log_hi - log_lo) / (_GRID_POINTS - 1)
    log_center = np.log10(_coarse_grid(max_k).ratios[coarse_best])
    return _grid(log_center - step, min(log_center + step, 0.0))


def _cheapest_grid_point(grid: _Grid, params_opt: float, target: float, inference_tokens: float) -> int:
    """Index of the first cheapest size on the grid, as `_cheapest_on_iso_loss` finds it.

    The lifetime cost is unimodal in model size, so bisection needs a dozen costs, not the whole
    grid. Only if two compared costs nearly tie, where plain floats and numpy might order them
    differently, is the grid evaluated in full with numpy.
    """
    target = float(target)
    scale = LOSS_A * params_opt**-LOSS_ALPHA
    inference_flop = INFERENCE_FLOP_PER_PARAM_TOKEN * inference_tokens

    def lifetime_flop(i: int) -> float:  # divided by the compute-optimal size, which orders the same
        data_term = target - scale * grid.ratio_power_list[i]
        if data_term <= 0.0:
            return math.inf  # too small ever to reach the target loss
        return grid.ratio_list[i] * (FLOP_PER_PARAM_TOKEN * (LOSS_B / data_term) ** (1.0 / LOSS_BETA) + inference_flop)

    lo, hi = 0, _GRID_POINTS - 1  # the first i whose cost is below the next one's
    while lo < hi:
        mid = (lo + hi) // 2
        here, after = lifetime_flop(mid), lifetime_flop(mid + 1)
        if abs(here - after) <= _NEAR_TIE * min(here, after):
            return _cheapest_on_iso_loss(params_opt * grid.ratios, target, inference_tokens)[1]
        if here < after:
            hi = mid
        else:
            lo = mid + 1
    return lo


def profit_optimal_k(compute_flop: float, demand_r: float, demand_h: float, max_k: float = 10_000.0) -> float:
    """Overtraining factor k of a lab that maximises profit on a fixed training budget.

    Villalobos et al. 2024, App. F: inference demand I = I0 (L / 0.1)^-r (P / 1e-6)^-h, serving costs
    2 N FLOP per token, and the lab picks N, D and the price P. At the profit-maximising markup
    P = h / (h - 1) x 2 N c, profit on a fixed budget C = 6 N D is proportional to L^-r N^(1-h), so
    the demand scale I0 and the FLOP price c drop out: a steeper price response (larger h) rewards
    smaller models, a steeper quality response (larger r) rewards lower loss. L is the reducible loss.
    Returns k = (D / N) / 20, found on a log grid over model size and refined once.
    """
    params_opt, _ = allocate_compute(compute_flop, 1.0)
    log_lo, log_hi = -np.log10(max_k) / 2, np.log10(max_k) / 2  # k = ratio^-2 on the iso-compute line
    for _ in range(2):
        ratios = np.logspace(log_lo, log_hi, 256)
        params = params_opt * ratios
        tokens = compute_flop / (FLOP_PER_PARAM_TOKEN * params)
        score = -demand_r * np.log(reducible_loss(params, tokens)) + (1.0 - demand_h) * np.log(params)
        best = int(np.argmax(score))
        step = (log_hi - log_lo) / 255
        log_lo, log_hi = np.log10(ratios[best]) - step, np.log10(ratios[best]) + step
    return float(tokens[best] / params[best] / TOKENS_PER_PARAM_OPTIMAL)


def _cheapest_on_iso_loss(params: np.ndarray, target_reducible_loss: float, inference_tokens: float) -> tuple[float, int]:
    """Among models of these sizes reaching the target loss, the k and index of the cheapest."""
    data_term = target_reducible_loss - LOSS_A * params**-LOSS_ALPHA
    # A model too small for the target loss can never reach it: infinite cost.
    with np.errstate(divide="ignore", invalid="ignore"):
        tokens = np.where(data_term > 0.0, (LOSS_B / data_term) ** (1.0 / LOSS_BETA), np.inf)
    total_flop = params * (FLOP_PER_PARAM_TOKEN * tokens + INFERENCE_FLOP_PER_PARAM_TOKEN * inference_tokens)
    best = int(np.argmin(total_flop))
    return float(tokens[best] / params[best] / TOKENS_PER_PARAM_OPTIMAL), best
