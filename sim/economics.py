"""Pure functions for the market's economics: allocation, pricing, shares, risk.

Agents decide; these functions compute. None of them touches a model, so each can be tested alone.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from sim.compiled import inlined_kernel, kernel
from sim.scaling import LOSS_A, LOSS_ALPHA, LOSS_B, LOSS_BETA, REPETITION_HALF_LIFE_EPOCHS

ArrayOrFloat = np.ndarray | float

# Float sums leave remainders of about 1e-16 of a target or a budget, and they differ from one CPU to
# the next (SIMD and BLAS summation order). A remainder below this share of the target or budget is
# met, so that rounding never buys a fragment of an offer: a fragment would still count as a sale and
# flip a broker's demand signal, a discrete outcome.
NEGLIGIBLE_SHARE = 1e-9


@dataclass(frozen=True, eq=False)
class DataSet:
    """What a lab's tokens are worth under the effective-data law: its inputs and the law's value.

    Human text is held per source (`real_quality`, `real_counts`: one element per offer taken), since a lab
    repeats each source as often as another pass over it is worth (`repetition_epochs`).
    """

    real_quality: np.ndarray  # each human source's quality (1 = filtered web text)
    real_counts: np.ndarray  # each human source's unique tokens, raw
    ai_quality_tokens: float  # S: AI-written tokens (synthetic, rephrased, polluted web), at their quality
    ai_tokens: float  # raw AI-written tokens, each seen once
    seen_tokens: float  # D: tokens the run trains on
    collapse_regime: str
    collapse_threshold: float
    max_epochs: float = math.inf  # passes over the same text past this add nothing (a lab's bound on repetition)

    @classmethod
    def pooled(cls, real_quality_tokens: float, real_tokens: float, *rest, **kwargs) -> DataSet:
        """A dataset whose human text is one source of `real_quality_tokens / real_tokens` quality."""
        quality = real_quality_tokens / real_tokens if real_tokens > 0.0 else 0.0
        return cls(np.array([quality]), np.array([real_tokens]), *rest, **kwargs)

    @functools.cached_property
    def real_quality_tokens(self) -> float:
        """U: unique human tokens, each at its quality."""
        return float(self.real_quality @ self.real_counts)

    @functools.cached_property
    def real_tokens(self) -> float:
        """R: unique human tokens, raw."""
        return float(self.real_counts.sum())

    @property
    def human_slots(self) -> float:
        """The run's slots AI text leaves to human text: unique tokens and their repetitions."""
        return max(self.seen_tokens - self.ai_tokens, 0.0)

    @property
    def epochs(self) -> float:
        """Passes over the unique human data, on average: the slots AI text leaves, over the unique tokens."""
        return self.human_slots / self.real_tokens if self.real_tokens > 0.0 else 0.0

    @functools.cached_property
    def passes(self) -> tuple[np.ndarray, float]:
        """Each human source's epochs, and what another pass is worth at the margin (`repetition_epochs`)."""
        return repetition_epochs(self.real_quality, self.real_counts, self.human_slots, self.max_epochs)

    @property
    def ai_share(self) -> float:
        """AI-written share of the quality-weighted data."""
        total = self.real_quality_tokens + self.ai_quality_tokens
        return self.ai_quality_tokens / total if total > 0.0 else 0.0

    def effective_tokens(self) -> float:
        """D' for the loss law; see `effective_data`."""
        return effective_data(self)


def effective_data(data: DataSet) -> float:
    """The effective-data law: what a mix of sources is worth to the loss law, in effective tokens D'.

    - Human tokens count at their quality (1 = filtered web text, the data the loss law was fitted on;
      the high-quality subset more, private and user text less). A run that sees more tokens than it has
      unique ones repeats each source with Muennighoff et al. 2023's diminishing returns, as often as
      another pass over it is worth (`repetition_epochs`: better text is repeated more), up to
      `max_epochs` passes: slots past that bound are compute spent on nothing new.
    - AI-written tokens (synthetic, rephrased, polluted web) have diminishing returns against the real
      data beside them, S' = U ln(1 + S / U): the first are worth their quality, a synthetic corpus as
      large as the real one adds ln 2 of it. Each is seen once and takes the slot of a real token, so
      their share has an interior optimum. Under the `replace` regime an AI share above the threshold
      degrades the whole set (Shumailov et al. 2024); under `accumulate` it stays bounded (Gerstgrasser
      et al. 2024).

    Purchases (`choose_dataset`) and valuation use this one law.
    """
    u = data.real_quality_tokens
    if u <= 0.0 or data.real_tokens <= 0.0 or data.seen_tokens <= 0.0:
        return 0.0
    epochs, _ = data.passes
    repeated = float((data.real_quality * data.real_counts) @ repetition_multiplier(epochs))
    value = repeated + u * math.log1p(data.ai_quality_tokens / u)
    if data.collapse_regime == "replace":
        value *= collapse_factor(data.ai_share, data.collapse_threshold)
    return value


@kernel
def repetition_multiplier(epochs: np.ndarray) -> np.ndarray:
    """Effective tokens per unique token of each source seen `epochs` times (below one pass, only what is seen
    counts)."""
    value = np.empty(epochs.size)
    for i in range(epochs.size):
        e = epochs[i]
        value[i] = e if e <= 1.0 else 1.0 + REPETITION_HALF_LIFE_EPOCHS * -math.expm1(-(e - 1.0) / REPETITION_HALF_LIFE_EPOCHS)
    return value


def collapse_factor(ai_share: float, threshold: float) -> float:
    """Under `replace`, the share of a set's value left when AI text passes the threshold."""
    if ai_share <= threshold:
        return 1.0
    return max(0.0, 1.0 - (ai_share - threshold) / (1.0 - threshold)) ** 2


@kernel
def passes_at_level(quality: np.ndarray, level: float, max_epochs: float = math.inf) -> np.ndarray:
    """The epochs of each source at which another pass over it is worth `level` effective tokens.

    The k-th pass over text of quality q is worth q exp(-(k - 1) / R*) (Muennighoff et al. 2023), so a source
    is repeated until that falls to the level: e = 1 + R* ln(q / level), between 1 and `max_epochs`.
    """
    return _passes(np.log(quality), math.log(level), max_epochs)


@kernel
def _passes(log_quality: np.ndarray, log_level: float, max_epochs: float) -> np.ndarray:
    return np.minimum(np.maximum(1.0 + REPETITION_HALF_LIFE_EPOCHS * (log_quality - log_level), 1.0), max_epochs)


@kernel
def repetition_epochs(
    quality: np.ndarray, tokens: np.ndarray, slots: float, max_epochs: float = math.inf
) -> tuple[np.ndarray, float]:
    """How often a run repeats each of its human sources, and what another pass is then worth.

    A run with more slots than unique human tokens fills them with repetitions where they are worth most:
    every source is repeated until another pass over it is worth the same `level` (`passes_at_level`), and
    the passes add up to the slots. Better text is repeated more: a pass over text of twice the quality is
    worth another R* ln 2 = 10.7 epochs. The sum of passes is piecewise linear in log level, so the level is
    found exactly, between the kinks. Past `max_epochs` passes of everything, the spare slots are worth
    nothing (level 0). Below one pass, every source is seen in the same part.
    """
    unique = tokens.sum()
    if unique <= 0.0:
        return np.zeros_like(tokens), 0.0
    if slots <= unique:
        return np.full_like(tokens, slots / unique), (quality * tokens).sum() / unique
    # Step 1 of `choose_dataset` stops human data exactly at the bound: "at the bound" must not rest on last bits.
    if slots >= max_epochs * unique * (1.0 - NEGLIGIBLE_SHARE):
        return np.full_like(tokens, max_epochs), 0.0
    log_q = np.log(quality)
    kinks = log_q if math.isinf(max_epochs) else np.concatenate((log_q, log_q - (max_epochs - 1.0) / REPETITION_HALF_LIFE_EPOCHS))
    kinks = np.unique(kinks)  # sorted: the total passes fall as the level rises
    total = np.empty(kinks.size)
    for k in range(kinks.size):
        total[k] = (_passes(log_q, kinks[k], max_epochs) * tokens).sum()
    # Slots that fill the passes at a kink to within last bits are at the kink (step 1 of `choose_dataset` stops
    # there by construction). Where a bound holds the total flat between kinks, the level is the highest of them:
    # the last pass taken, which is what a slot given up loses, on every CPU alike.
    above = np.searchsorted(-total, -slots * (1.0 - NEGLIGIBLE_SHARE), side="right")  # kinks giving the slots
    if above == 0:  # below the lowest kink every source still gains R* passes per unit of log level
        log_level = kinks[0] - (slots - total[0]) / (REPETITION_HALF_LIFE_EPOCHS * unique)
    elif total[above - 1] <= slots * (1.0 + NEGLIGIBLE_SHARE):
        log_level = kinks[above - 1]
    else:
        lo, hi = above - 1, min(above, kinks.size - 1)
        span = total[lo] - total[hi]
        log_level = kinks[lo] + (total[lo] - slots) / span * (kinks[hi] - kinks[lo]) if span > 0.0 else kinks[lo]
    return _passes(log_q, log_level, max_epochs), math.exp(log_level)


def token_value_usd(compute_usd: float, params: float, tokens: float) -> float:
    """What one more effective token is worth to a run, in the compute it would save: the lab's price of data.

    A run of C = 6 N D FLOP at a fixed overtraining factor scales N and D as sqrt(C), so a dollar more
    of compute lowers the loss by (alpha A N^-alpha + beta B D^-beta) / (2 M), M the compute spend; one
    more effective token lowers it by beta B D^(-beta-1). Their ratio is what a token is worth in
    dollars: about M / D for a compute-optimal run. A lab buys data when it lowers the loss more per
    dollar than compute would (`choose_dataset`).
    """
    if compute_usd <= 0.0 or tokens <= 0.0:
        return 0.0
    data_term = LOSS_BETA * LOSS_B * tokens**-LOSS_BETA
    params_term = LOSS_ALPHA * LOSS_A * params**-LOSS_ALPHA
    return 2.0 * compute_usd * data_term / (tokens * (data_term + params_term))


AI_STEPS = 40  # AI-written data is weighed in slices of the run's tokens, as its value falls with its share; the last is partial


@kernel
def displacing_end(q: float, cost: float, worst_q: float, worst_cost: float, token_value: float, s: float, u: float) -> float:
    """How many raw tokens of AI text of quality `q` pay to take in place of the worst real text taken.

    Each AI token gives back one real token of quality `worst_q`, so S = s + q x and U = u - worst_q x, and the
    ratio rho = S / U rises along the way. The AI token's marginal value, q v / (1 + rho), less its cost, falls;
    the real token's, worst_q v (1 + ln(1 + rho) - rho / (1 + rho)) less its cost, rises (d/dU of U ln(1 + S / U)).
    Returns the x where they meet (0 if they already have), found by Brent's method (`_brentq`).
    """
    args = (q, cost, worst_q, worst_cost, token_value)
    rho = s / u
    if _displacing_gain(rho, *args) <= 0.0:
        return 0.0
    high = 2.0 * rho + 1.0
    while _displacing_gain(high, *args) > 0.0:  # the real token's worth grows without bound in rho, the AI token's falls to 0
        high *= 2.0
    rho = _brentq(_displacing_gain, args, rho, high, 1e-12 * high, 1e-12)
    return (rho * u - s) / (q + rho * worst_q)


@kernel
def _displacing_gain(rho: float, q: float, cost: float, worst_q: float, worst_cost: float, token_value: float) -> float:
    """The AI token's marginal value less the real token's it gives back, at S / U = rho (`displacing_end`)."""
    return q * token_value / (1.0 + rho) - cost - _real_token_worth(rho, worst_q, worst_cost, token_value)


@kernel
def _real_token_worth(rho: float, quality: float, cost: float, token_value: float) -> float:
    """What a real token of `quality` taken at `cost` adds beside AI text at S / U = rho, net: d/dU of U ln(1 + S/U)."""
    return quality * token_value * (1.0 + math.log1p(rho) - rho / (1.0 + rho)) - cost


@inlined_kernel
def _brentq(f, args: tuple, xa: float, xb: float, xtol: float, rtol: float) -> float:
    """A root of `f(x, *args)` in [xa, xb], where it changes sign: SciPy's `optimize.brentq` (Brent 1973, as in
    scipy/optimize/Zeros/brentq.c, step for step), compiled with its caller."""
    xpre, xcur = xa, xb
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = f(xpre, *args), f(xcur, *args)
    if fpre == 0.0:
        return xpre
    if fcur == 0.0:
        return xcur
    for _ in range(100):
        if fpre != 0.0 and fcur != 0.0 and (fpre < 0.0) != (fcur < 0.0):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2.0
        sbis = (xblk - xcur) / 2.0
        if fcur == 0.0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2.0 * abs(stry) < min(abs(spre), 3.0 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:  # bisect
                spre = scur = sbis
        else:  # bisect
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0.0 else -delta)
        fcur = f(xcur, *args)
    return xcur


def choose_dataset(
    available_tokens: ArrayLike,
    quality: ArrayLike,
    cost_usd_per_token: ArrayLike,
    ai_generated: ArrayLike,
    per_real_token: ArrayLike,
    seen_tokens: float,
    token_value: float,
    budget_usd: float,
    collapse_regime: str,
    collapse_threshold: float,
    max_epochs: float = math.inf,
) -> tuple[np.ndarray, float]:
    """The tokens to take from each offer (columns, one element per offer) so that the run's loss is lowest for what
    the data costs.

    Every offer is valued by the effective-data law (`effective_data`) at `token_value` dollars per
    effective token (`token_value_usd`), net of its cost (price plus expected legal cost); no source is
    first by rule, and a free token is taken only because it is worth more than nothing.

    1. Human offers, best net value per token first, while the run has slots left: an offer is taken while a
       token of it, seen once, is worth more, net of its cost, than the pass over the data already taken that
       its slot would otherwise hold (`passes_at_level`: better text is repeated more, and repetition is
       worth ever less, after Muennighoff et al. 2023; chat logs at quality 0.4 only past ~15 epochs).
    2. AI-written offers, a slice of the run at a time, while the best of them adds more than the slot it
       takes: a repetition of the real data while slots are spare, else the worst real token taken
       (which is given back). Their marginal value, q / (1 + S / U), falls as their share grows, so
       the share stops at an interior optimum; under `replace` it stops at the collapse threshold.

    `per_real_token` > 0 bounds an offer by that many tokens per unique human token taken (rephrasing
    rewrites real text). Repetitions past `max_epochs` passes are worth nothing. What the data costs stays
    within `budget_usd`. Returns the raw tokens taken from each offer, and what the run's last slot is worth
    in USD (the lab's price of data at the margin).
    """
    taken, marginal = _choose_dataset(
        np.asarray(available_tokens, dtype=np.float64),
        np.asarray(quality, dtype=np.float64),
        np.asarray(cost_usd_per_token, dtype=np.float64),
        np.asarray(ai_generated, dtype=np.bool_),
        np.asarray(per_real_token, dtype=np.float64),
        float(seen_tokens),
        float(token_value),
        float(budget_usd),
        collapse_regime == "replace",
        float(collapse_threshold),
        float(max_epochs),
    )
    return taken, marginal


@kernel
def _choose_dataset(
    available_tokens: np.ndarray,
    quality: np.ndarray,
    cost_usd_per_token: np.ndarray,
    ai_generated: np.ndarray,
    per_real_token: np.ndarray,
    seen_tokens: float,
    token_value: float,
    budget_usd: float,
    replace: bool,
    collapse_threshold: float,
    max_epochs: float,
) -> tuple[np.ndarray, float]:
    """`choose_dataset` on arrays, compiled: the hottest loop of a run."""
    n = quality.size
    taken = np.zeros(n)
    if seen_tokens <= 0.0 or token_value <= 0.0:
        return taken, 0.0
    net = quality * token_value - cost_usd_per_token
    negligible = NEGLIGIBLE_SHARE * seen_tokens
    min_gain = NEGLIGIBLE_SHARE * token_value
    # 1. Human data, best net value first (a stable sort: ties keep the sellers' order).
    human = np.flatnonzero(~ai_generated & (available_tokens > 0.0) & (quality > 0.0) & (net > min_gain))
    # Net values that differ only in their last bits are a tie (a licence bargained over the margin is worth
    # exactly what a free web token is), settled by the sellers' order, on every CPU alike.
    keys = np.empty(human.size)
    for k in range(human.size):
        keys[k] = -round(net[human[k]] / token_value, 9)
    human = human[np.argsort(keys, kind="mergesort")]
    room = seen_tokens
    budget = budget_usd
    u = r = 0.0
    used = np.empty(n, dtype=np.int64)  # the human offers taken, best first: a stack of `n_used`
    n_used = 0
    for i in human:
        if room <= negligible:
            break
        x = min(available_tokens[i], room)
        if n_used:
            # Its slot would otherwise hold a pass over the data already taken: take it only while that pass,
            # where the passes are worth most, is worth less than a token of it seen once.
            worth = net[i] / token_value  # its value seen once, net of its cost, in effective tokens
            taken_so_far = used[:n_used]
            passes = passes_at_level(quality[taken_so_far], worth, max_epochs)
            x = min(x, max(seen_tokens - (passes * taken[taken_so_far]).sum(), 0.0))
        if cost_usd_per_token[i] > 0.0:
            x = min(x, max(budget, 0.0) / cost_usd_per_token[i])
            budget -= x * cost_usd_per_token[i]
        if x <= negligible:
            continue
        taken[i] = x
        u += quality[i] * x
        r += x
        room -= x
        used[n_used] = i
        n_used += 1
    # 2. AI-written data, a slice at a time.
    ai = np.flatnonzero(ai_generated & (available_tokens > 0.0) & (quality > 0.0))
    s = s_raw = 0.0
    step = seen_tokens / AI_STEPS
    for _ in range(4 * AI_STEPS * max(ai.size, 1)):  # every slice is full or zeroes an offer's gain: this never binds
        if ai.size == 0 or u <= 0.0:
            break
        displaced = _slot_margin(
            quality,
            cost_usd_per_token,
            taken,
            used[:n_used],
            room,
            negligible,
            r,
            s,
            s_raw,
            u,
            seen_tokens,
            token_value,
            max_epochs,
        )
        best, best_gain, best_room = -1, min_gain, 0.0
        for i in ai:
            left = available_tokens[i] - taken[i]
            if per_real_token[i] > 0.0:
                left = min(left, per_real_token[i] * r - taken[i])
            cost = cost_usd_per_token[i]
            if cost > 0.0:
                left = min(left, max(budget, 0.0) / cost)
            weight = quality[i] * (1.0 - collapse_threshold)
            if replace and weight > 0.0:  # up to the collapse threshold: s + q x <= threshold (u' + s + q x), u' after
                bound = (collapse_threshold * (u + s) - s) / weight  # the real text given back
                if bound > room and n_used:
                    worst = quality[used[n_used - 1]]
                    bound = (collapse_threshold * (u + s + worst * room) - s) / (weight + collapse_threshold * worst)
                left = min(left, bound)
            left = min(left, step)
            # The slice ends where its marginal value, q / (1 + S / U), falls to what it displaces: a partial slice,
            # so that the AI share moves continuously with every input, not in slices. It fills spare slots or
            # gives back the worst real text, never both, so that what it displaces is one thing along it.
            if room > negligible:
                left = min(left, room)
                price = cost + displaced
                if price > 0.0:
                    left = min(left, (u * (quality[i] * token_value / price - 1.0) - s) / quality[i])
            else:
                worst = used[n_used - 1]
                left = min(left, taken[worst])
                left = min(left, displacing_end(quality[i], cost, quality[worst], cost_usd_per_token[worst], token_value, s, u))
            if left <= negligible:
                continue
            added = quality[i] * left
            # The marginal value at the middle of the slice.
            gain = quality[i] * token_value / (1.0 + (s + 0.5 * added) / u) - cost - displaced
            if gain > best_gain:
                best, best_gain, best_room = i, gain, left
        if best < 0:
            break
        x = best_room
        taken[best] += x
        s += quality[best] * x
        s_raw += x
        budget -= x * cost_usd_per_token[best]
        # Make room: spare slots first, then give back the worst real tokens.
        need = x - min(room, x)
        room = max(room - x, 0.0)
        while need > negligible and n_used:
            worst = used[n_used - 1]
            back = min(taken[worst], need)
            taken[worst] -= back
            u -= quality[worst] * back
            r -= back
            budget += back * cost_usd_per_token[worst]
            need -= back
            if taken[worst] <= negligible:
                taken[worst] = 0.0
                n_used -= 1
        if r <= negligible:
            break
    return taken, _slot_margin(
        quality, cost_usd_per_token, taken, used[:n_used], room, negligible, r, s, s_raw, u, seen_tokens, token_value, max_epochs
    )


@kernel
def _slot_margin(
    quality: np.ndarray,
    cost_usd_per_token: np.ndarray,
    taken: np.ndarray,
    used: np.ndarray,
    room: float,
    negligible: float,
    r: float,
    s: float,
    s_raw: float,
    u: float,
    seen_tokens: float,
    token_value: float,
    max_epochs: float,
) -> float:
    """What the run's last slot is worth (`choose_dataset`): a repetition of the real data while slots are spare, else
    the worst real token, counting what it adds to the value of the AI text beside it (d/dU of U ln(1 + S/U))."""
    if room > negligible:
        if r <= 0.0:
            return 0.0
        return repetition_epochs(quality[used], taken[used], seen_tokens - s_raw, max_epochs)[1] * token_value
    if used.size == 0:
        return 0.0
    worst = used[-1]
    return _real_token_worth(s / u, quality[worst], cost_usd_per_token[worst], token_value)


def adjust_price(
    price_usd: ArrayOrFloat, demanded_tokens: ArrayOrFloat, supplied_tokens: ArrayOrFloat, floor_usd: ArrayOrFloat, speed: float
) -> ArrayOrFloat:
    """Walrasian tatonnement: the price moves with excess demand, never below the seller's cost.

    Element by element when given arrays (one price per tier).
    """
    excess = (demanded_tokens - supplied_tokens) / np.maximum(np.maximum(supplied_tokens, demanded_tokens), 1.0)
    return np.maximum(floor_usd, price_usd * np.exp(speed * excess))


def market_shares(capabilities: np.ndarray, reach: np.ndarray, temperature: float) -> np.ndarray:
    """Logit market shares: a more capable model wins users; reach scales a lab's distribution.

    `temperature` is the capability gap that moves a share by a factor e (`sim.firm`: in orders of
    magnitude of effective compute).
    """
    if capabilities.size == 0:
        return capabilities
    utility = (capabilities - capabilities.max()) / temperature
    weights = reach * np.exp(utility)
    return weights / weights.sum()


def herfindahl_index(shares: np.ndarray) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale used by competition authorities."""
    return float(10_000.0 * np.sum(np.square(shares)))


def logistic(x: float, midpoint: float, steepness: float) -> float:
    """A smooth switch from 0 to 1 centred on `midpoint`."""
    return float(1.0 / (1.0 + np.exp(-steepness * (x - midpoint))))


def ai_writing_share(share_at_reference: float, cost_elasticity: float, cost_ratio: float) -> float:
    """The share of new text that writers who can use AI write with it: a logit choice between writing by hand and
    with a model, across writers who differ in what readers and search engines make of AI text.

    `share_at_reference` is the choice at the reference price of AI writing; `cost_ratio` is that price over
    today's (above 1 as AI writing gets cheaper), and `cost_elasticity` how strongly the log-odds follow it. The
    writing itself is near free beside a writer's hour, so what holds the share back is the reader's penalty,
    which is why it levelled off in 2024-25 as prices kept falling (docs/calibration.md §5).
    """
    if share_at_reference <= 0.0:
        return 0.0
    log_odds = math.log(share_at_reference / (1.0 - share_at_reference)) + cost_elasticity * math.log(cost_ratio)
    # Past log-odds of 36 the share is within a float's last bit of 1, and rounding it to 1 would leave no human
    # text beside the AI text (`Web.produce` writes AI text at share / (1 - share) of the human).
    log_odds = min(log_odds, 36.0)
    if log_odds < 0.0:  # the two forms of the logistic, each where its exponential cannot overflow
        odds = math.exp(log_odds)
        return odds / (1.0 + odds)
    return 1.0 / (1.0 + math.exp(-log_odds))


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
    """Share of licensable private text (enterprise documents, transcripts) its holders may license.

    Falls linearly with privacy strictness.
    """
    return max_consented_share * (1.0 - privacy_strictness)


# Users' own content under the regime's consent rule. Defaults stick: under an opt-out rule most users
# stay in (Meta's EU objection window of 2025; X, LinkedIn and Anthropic's consumer chats moved to
# opt-out defaults); under an opt-in rule few opt in. Both figures are assumptions (docs/calibration.md §9).
USERS_STAYING_IN_UNDER_OPT_OUT = 0.8
USERS_OPTING_IN = 0.1


def user_consent_share(privacy_strictness: float) -> float:
    """Share of users whose own content (chats, platform posts) may train their provider's models.

    Strictness 0 is an opt-out rule, 1 an opt-in rule; in between, the rule is opt-in for that share
    of users (of the jurisdictions or kinds of data it covers).
    """
    return USERS_STAYING_IN_UNDER_OPT_OUT * (1.0 - privacy_strictness) + USERS_OPTING_IN * privacy_strictness


# De-identification and legal review of private text, at zero strictness: one pass of a small (~8B)
# model over the text, about three times the cost of serving it (docs/calibration.md §9).
COMPLIANCE_USD_PER_TOKEN = 5e-7


def compliance_usd_per_token(privacy_strictness: float) -> float:
    """What handling a private token lawfully costs: four times as much at full strictness."""
    return COMPLIANCE_USD_PER_TOKEN * (1.0 + 3.0 * privacy_strictness)


BARGAINING_SHARE = 0.5  # symmetric Nash bargaining: seller and buyer split the surplus of a licence (sim/contracts.py)


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


# The people who write and grade post-training tasks: human-data vendors earned about $1-3B in 2024 (Scale AI,
# Surge AI; docs/calibration.md), about 2e11 task tokens a year at ~$0.01 a token.
ANNOTATION_WORKFORCE_TOKENS_PER_YEAR = 2e11


def annotation_usd_per_token(base_usd: float, tokens_last_year: float, supply_elasticity: float) -> float:
    """The price of a human-written or human-graded task token, on a labour supply curve.

    `base_usd` is what the first annotators ask; as the labs' demand (`tokens_last_year`) outgrows 2024's
    workforce, wages rise to draw more people in, with constant elasticity: p = base (1 + V / V0)^(1/e).
    """
    return base_usd * (1.0 + tokens_last_year / ANNOTATION_WORKFORCE_TOKENS_PER_YEAR) ** (1.0 / supply_elasticity)


def open_weight_parity(best_open_loss: float, best_loss: float, scale: float = 0.1) -> float:
    """How close the best open-weight model is to the frontier: 1 at parity, toward 0 far behind."""
    return float(np.exp(-max(0.0, best_open_loss - best_loss) / scale))
