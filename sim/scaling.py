"""Scaling laws: the one home for Chinchilla, Muennighoff and inference-aware overtraining.

Every agent calls these functions; nobody re-derives them. Token counts are plain floats in
tokens, compute in FLOP. Sources are given next to each constant.
"""

from __future__ import annotations

import numpy as np

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


def allocate_compute(compute_flop: float, overtraining_k: float) -> tuple[float, float]:
    """Split a training budget into (parameters, tokens) with C = 6 N D and D = 20 k N."""
    tokens_per_param = TOKENS_PER_PARAM_OPTIMAL * overtraining_k
    params = np.sqrt(compute_flop / (FLOP_PER_PARAM_TOKEN * tokens_per_param))
    return float(params), float(params * tokens_per_param)


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


def repetition_gain(epochs: float) -> float:
    """Effective tokens per unique token after `epochs` passes (4 epochs -> 3.73)."""
    return float(effective_tokens(1.0, epochs))


def inference_optimal_k(compute_flop: float, lifetime_inference_tokens: float, max_k: float = 1000.0) -> float:
    """Overtraining factor k that minimises training plus inference FLOP at fixed quality.

    Sardana & Frankle 2024: for the loss a compute-optimal model of `compute_flop` reaches, choose
    N and D on the iso-loss curve to minimise 6 N D + 2 N D_inf. More expected inference makes a
    smaller, longer-trained model cheaper over its life. Returns k = (D / N) / 20, at least 1.
    """
    if lifetime_inference_tokens <= 0.0:
        return 1.0
    params_opt, tokens_opt = allocate_compute(compute_flop, 1.0)
    target = reducible_loss(params_opt, tokens_opt)
    # Search smaller models than the compute-optimal one on a log grid, then refine around the best.
    log_lo, log_hi = -np.log10(max_k), 0.0
    for _ in range(2):
        ratios = np.logspace(log_lo, log_hi, 128)
        k, best = _cheapest_on_iso_loss(params_opt * ratios, target, lifetime_inference_tokens)
        step = (log_hi - log_lo) / 127
        log_center = np.log10(ratios[best])
        log_lo, log_hi = log_center - step, min(log_center + step, 0.0)
    return float(np.clip(k, 1.0, max_k))


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
