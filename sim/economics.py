"""Pure functions for the market's economics: allocation, pricing, shares, risk.

Agents decide; these functions compute. None of them touches a model, so each can be tested alone.
"""

from __future__ import annotations

import numpy as np

from sim.scaling import effective_tokens

ArrayOrFloat = np.ndarray | float

# Float sums leave remainders of about 1e-16 of a target or a budget, and they differ from one CPU to
# the next (SIMD and BLAS summation order). A remainder below this share of the target or budget is
# met, so that rounding never buys a fragment of an offer: a fragment would still count as a sale and
# flip a broker's demand signal, a discrete outcome.
NEGLIGIBLE_SHARE = 1e-9


def least_cost_fill(
    available_tokens: np.ndarray,
    quality: np.ndarray,
    usd_per_token: np.ndarray,
    target_quality_tokens: float,
    budget_usd: float,
    scale_quality_tokens: float | None = None,
) -> np.ndarray:
    """Buy quality-weighted tokens at least cost until the target or the budget is reached.

    Offers are taken cheapest per quality-weighted token first (ties: higher quality first). Each
    offer can be taken in part. Returns the raw tokens taken from each offer. A need below
    `NEGLIGIBLE_SHARE` of `scale_quality_tokens` (default: the target), or a budget below that share
    of `budget_usd`, counts as met.
    """
    # Plain floats: the same IEEE arithmetic as numpy, at a fraction of the cost for a few dozen offers.
    available_tokens, quality, usd_per_token = available_tokens.tolist(), quality.tolist(), usd_per_token.tolist()
    taken = [0.0] * len(quality)
    need = target_quality_tokens
    budget = budget_usd
    need_met = NEGLIGIBLE_SHARE * (target_quality_tokens if scale_quality_tokens is None else scale_quality_tokens)
    budget_met = NEGLIGIBLE_SHARE * budget_usd
    # Cheapest per quality first, then best quality; sorted() is stable, as np.lexsort is.
    keys = [(usd / (q if q > 1e-12 else 1e-12), -q) for usd, q in zip(usd_per_token, quality)]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    for i in order:
        if need <= need_met:
            break
        if available_tokens[i] <= 0.0 or quality[i] <= 0.0:
            continue
        tokens = min(available_tokens[i], need / quality[i])
        if usd_per_token[i] > 0.0:
            if budget <= budget_met:
                continue
            tokens = min(tokens, float(budget) / usd_per_token[i])
        if tokens <= 0.0:
            continue
        taken[i] = tokens
        need -= tokens * quality[i]
        budget -= tokens * usd_per_token[i]
    return np.array(taken)


def dataset_effective_tokens(
    real_quality_tokens: float,
    ai_quality_tokens: float,
    seen_tokens: float,
    collapse_regime: str,
    collapse_threshold: float,
) -> float:
    """Effective tokens D' of a training set, for the loss law.

    Real (human) tokens count at their quality. AI-generated tokens (bought synthetic data and
    polluted web text) have diminishing returns relative to the real data beside them: a synthetic
    corpus as large as the real one adds ln 2 of it. Under the "replace" regime, an AI share above
    the threshold degrades the whole set (Shumailov et al. 2024); under "accumulate" it stays bounded
    (Gerstgrasser et al. 2024). Repetition follows Muennighoff et al. 2023.
    """
    if real_quality_tokens <= 0.0 or seen_tokens <= 0.0:
        return 0.0
    ai_value = real_quality_tokens * np.log1p(ai_quality_tokens / real_quality_tokens)
    # Synthetic tokens are seen once; the rest of the training budget repeats the real data.
    seen_real = max(seen_tokens - ai_quality_tokens, real_quality_tokens)
    value = float(effective_tokens(real_quality_tokens, seen_real / real_quality_tokens)) + ai_value
    if collapse_regime == "replace":
        ai_share = ai_quality_tokens / (real_quality_tokens + ai_quality_tokens)
        if ai_share > collapse_threshold:
            value *= max(0.0, 1.0 - (ai_share - collapse_threshold) / (1.0 - collapse_threshold)) ** 2
    return min(value, seen_tokens)


def adjust_price(
    price_usd: ArrayOrFloat, demanded_tokens: ArrayOrFloat, supplied_tokens: ArrayOrFloat, floor_usd: ArrayOrFloat, speed: float
) -> ArrayOrFloat:
    """Walrasian tatonnement: the price moves with excess demand, never below the seller's cost.

    Element by element when given arrays (one price per tier).
    """
    excess = (demanded_tokens - supplied_tokens) / np.maximum(np.maximum(supplied_tokens, demanded_tokens), 1.0)
    return np.maximum(floor_usd, price_usd * np.exp(speed * excess))


def market_shares(losses: np.ndarray, reach: np.ndarray, temperature: float) -> np.ndarray:
    """Logit market shares: a lower loss wins users; reach scales a lab's distribution."""
    if losses.size == 0:
        return losses
    utility = -(losses - losses.min()) / temperature
    weights = reach * np.exp(utility)
    return weights / weights.sum()


def herfindahl_index(shares: np.ndarray) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale used by competition authorities."""
    return float(10_000.0 * np.sum(np.square(shares)))


def logistic(x: float, midpoint: float, steepness: float) -> float:
    """A smooth switch from 0 to 1 centred on `midpoint`."""
    return float(1.0 / (1.0 + np.exp(-steepness * (x - midpoint))))


def opt_out_hazard(
    base_hazard_per_month: float,
    awareness: float,
    scraping_pressure: float,
    sensitivity: np.ndarray,
    size_weight: np.ndarray,
) -> np.ndarray:
    """Monthly probability that an unpaid publisher restricts AI crawlers.

    Publishers restrict crawlers when scraping is visible (awareness of AI products) and heavy, and
    they are not paid; high-quality, actively maintained head domains act first (Longpre et al. 2024).
    """
    pressure = min(scraping_pressure, 3.0)
    return np.clip(base_hazard_per_month * awareness * pressure * sensitivity * size_weight, 0.0, 1.0)


def consented_share(max_consented_share: float, privacy_strictness: float) -> float:
    """Share of private text holders may lawfully license: falls linearly with privacy strictness."""
    return max_consented_share * (1.0 - privacy_strictness)


COMPLIANCE_USD_PER_TOKEN = 2e-5  # de-identification and legal review of private text, at zero strictness


def compliance_usd_per_token(privacy_strictness: float) -> float:
    """What handling a private token lawfully costs: four times as much at full strictness."""
    return COMPLIANCE_USD_PER_TOKEN * (1.0 + 3.0 * privacy_strictness)


def incident_rate_per_month(base_rate_per_trillion_tokens: float, tokens_handled: float, safeguard_level: float) -> float:
    """Expected privacy incidents a month: grows with volume, shrinks with spending on safeguards."""
    return base_rate_per_trillion_tokens * tokens_handled / 1e12 * float(np.exp(-3.0 * safeguard_level))


def frontier_compute_flop(
    year: float,
    compute_flop_2024: float,
    growth_per_year: float,
    spend_cap_usd: float,
    usd_per_flop_2024: float,
    flop_price_halving_years: float,
) -> float:
    """Largest training run a lab can buy in `year`.

    Spending grows so that compute grows `growth_per_year` (Epoch: 4-5x a year) until a run costs
    `spend_cap_usd`; after that only cheaper hardware adds compute (GPU price-performance halves
    the cost of a FLOP every ~2.5 years, Hobbhahn & Besiroglu 2022).
    """
    years = year - COMPUTE_REFERENCE_YEAR
    usd_per_flop = usd_per_flop_at(year, usd_per_flop_2024, flop_price_halving_years)
    spend_growth = growth_per_year / 2.0 ** (1.0 / flop_price_halving_years)
    spend = min(compute_flop_2024 * usd_per_flop_2024 * spend_growth**years, spend_cap_usd)
    return spend / usd_per_flop


def usd_per_flop_at(year: float, usd_per_flop_2024: float, flop_price_halving_years: float) -> float:
    """The price of a FLOP of training compute, falling with GPU price-performance."""
    return usd_per_flop_2024 * 0.5 ** ((year - COMPUTE_REFERENCE_YEAR) / flop_price_halving_years)


COMPUTE_REFERENCE_YEAR = 2024.0  # budgets reach ~4e25 FLOP as 2024 opens, so 2024's deployed runs are ~4e25


def saturating_growth(value_2024: float, growth_per_year: float, ceiling: float, years_since_2024: float) -> float:
    """Logistic growth: `growth_per_year` while small, levelling off at `ceiling`.

    A 2024 value above the ceiling is already saturated: the ceiling binds from the start.
    """
    if value_2024 <= 0.0:
        return 0.0
    if value_2024 >= ceiling:
        return ceiling
    return ceiling / (1.0 + (ceiling / value_2024 - 1.0) * growth_per_year ** (-years_since_2024))


def open_weight_parity(best_open_loss: float, best_loss: float, scale: float = 0.1) -> float:
    """How close the best open-weight model is to the frontier: 1 at parity, toward 0 far behind."""
    return float(np.exp(-max(0.0, best_open_loss - best_loss) / scale))
