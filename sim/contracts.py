"""Data as contracts: term licences, liability, and their prices (docs/model.md, "Data as contracts").

**A licence** gives one lab the use of a holder's text, and of the new text the holder writes, for a term of
`LICENCE_TERM_YEARS`, for a yearly fee. The holder is a web publisher's domain (one domain, one deal) or a broker's
tier of consented private text. Once signed, the text costs the lab nothing more in any run it makes in the term
(`Publisher.tier_offers`, `DataBroker.offers_to`); renewal is a new decision, made before the lab's last run in the
term. An exclusive licence also closes the domain's new text to every other lab for the term.

**The lab's value** of a licence is what it adds to the firm's profit over the term (`Outlook.value_per_token`):

    sum over the lab's runs j in the term of  discount(t_j) x shadow x v_j x max(q - mu, 0)

per token it could not otherwise have, where v_j is what an effective token is worth to run j in compute
(`economics.token_value_usd`), projected along the compute trend the lab can raise; q the text's quality; mu the
lab's price of data at the margin as a share of v (what the slot the text would take is worth otherwise: a web
token, or a repetition once the web is used up); shadow what a dollar of compute adds to the lab's lifetime profit
(`firm.profit_per_compute_usd`): a licence is paid from the lab's income, not from the run's compute, and while
labs spend all they can raise (through about 2028) a compute dollar earns several. To that the licence adds:

- for copyrighted text the lab may crawl at a legal risk: the part of that risk it saves (the lab would use the text
  unlicensed at its expected settlement, or not at all);
- for liability the lab already holds: the expected award, and the litigation it saves (`settlement_terms`).

**Liability** is a stock: training on copyrighted text without a licence leaves the lab liable for it, per holder,
until a suit settles it once (`settlement_usd_per_token`, Bartz v. Anthropic) or a licence clears it. Suits arrive
at `suit_hazard_per_year` per holder, times AI awareness (`Web.bring_suits`); a lab weighs new exposure at the
expected settlement within the statute of limitations (`suit_probability`).

**The price.** A publisher's reservation is the traffic the lab's AI answers would take from it
(`holder_reservation_usd_per_token_year` at full awareness, times the lab's market share), plus the award it could
win less what a suit would cost it. The fee splits the surplus (value less reservation less the buyer's cost of a
deal, `DEAL_COST_USD`) equally (`economics.BARGAINING_SHARE`). An exclusive adds foreclosure to the value and the
rivals' licences the holder gives up to the reservation (`Web.exclusive_deal`). A broker posts a yearly price
and the lab takes it or leaves it; the broker discovers its price from who takes it (`DataBroker.adjust_prices`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

LICENCE_TERM_YEARS = 3  # Reddit's licences run 2-3 years (S-1), HarperCollins' 3, News Corp's 5 (docs/calibration.md §11)
LICENCE_TERM_MONTHS = 12 * LICENCE_TERM_YEARS
DISCOUNT_RATE_PER_YEAR = 0.1  # a technology firm's cost of capital (assumed)
# What a deal costs the buyer beyond its price: negotiation, legal review, and the pipeline that delivers the text
# (assumed: a few months of a small team and outside counsel; docs/calibration.md §11).
DEAL_COST_USD = 5e5


# Liability. Training on copyrighted text without a licence leaves the model's maker liable for it: a stock, per
# holder, of the tokens so used, which a suit settles once, at `settlement_usd_per_token` (Bartz v. Anthropic:
# ~$3,000 a work), and which a licence or a settlement clears. Suits arrive at `suit_hazard_per_year` per exposed
# holder, scaled by AI awareness (suits followed AI products: Tremblay, Authors Guild and NYT v. OpenAI, 2023).
# A lab weighs new exposure at its expected settlement within the statute of limitations (17 U.S.C. 507(b)).
LIMITATION_YEARS = 3.0


def suit_probability(hazard_per_year: float, awareness: float, years: float = LIMITATION_YEARS) -> float:
    """The chance that a holder sues within `years`, at the hazard of this month's awareness."""
    return -math.expm1(-hazard_per_year * awareness * years)


# What a copyright suit costs each side through trial (assumed; such suits run for years). A licence that settles
# the liability saves both sides this, which is what makes settling pay.
LITIGATION_COST_USD = 1e7


def settlement_terms(liability_usd: np.ndarray, chance: float) -> tuple[np.ndarray, np.ndarray]:
    """A licence that clears a liability, bargained in the shadow of a suit (Cooter and Rubinfeld 1989).

    Returns the expected award, `chance` x the liability, which the holder could win and the lab would pay, and the
    litigation cost each side expects to save, `chance` x `LITIGATION_COST_USD` (none where nothing is owed).
    """
    award = liability_usd * chance
    return award, np.where(liability_usd > 0.0, chance * LITIGATION_COST_USD, 0.0)


def discount(years: float | np.ndarray) -> float | np.ndarray:
    """The present value of a dollar `years` from now."""
    return (1.0 + DISCOUNT_RATE_PER_YEAR) ** -np.asarray(years, dtype=float)


@functools.cache
def annuity(term_years: int = LICENCE_TERM_YEARS) -> float:
    """The present value of a dollar a year over the term, paid at the start of each year."""
    return float(np.sum(discount(np.arange(term_years))))


@dataclass(frozen=True)
class Outlook:
    """What a lab expects of its runs over a licence's term: their discounted worth of an effective token.

    `weights[j]` is discount x shadow x v_j for run j in the term, in USD per effective token; `margin_ratio` is mu,
    the lab's price of data at the margin over the value of a token.
    """

    weights: np.ndarray
    token_values: np.ndarray  # v_j, undiscounted, in compute
    discounts: np.ndarray
    margin_ratio: float

    def value_per_token(self, quality: float | np.ndarray, risk_usd: float = math.inf) -> float | np.ndarray:
        """What a token of text of `quality` adds over the term, in USD now: its surplus over the margin in every run,
        or, for text the lab may crawl at `risk_usd` a token a run, the part of that risk the licence clears."""
        surplus = np.maximum(np.asarray(quality, dtype=float)[..., None] - self.margin_ratio, 0.0) * self.weights
        if math.isfinite(risk_usd):
            surplus = np.minimum(surplus, risk_usd * self.discounts)
        value = surplus.sum(axis=-1)
        return value if value.ndim else float(value)


def outlook(run_years: list[float], token_values: list[float], shadow: float, margin_ratio: float, now: float) -> Outlook:
    """The outlook of a lab whose runs in the term fall in `run_years`, worth `token_values` a token in compute."""
    discounts = discount(np.asarray(run_years) - now)
    values = np.asarray(token_values, dtype=float)
    return Outlook(discounts * shadow * values, values, discounts, margin_ratio)


@dataclass
class ContractBook:
    """Every licence signed in the market: who with whom, for what, from when to when, for how much a year.

    Held as columns (one entry per licence) so that a month's fees and the licences in force are one array
    operation. `holder` is the selling agent's unique id, `domain` the domain's index in the web's arrays (-1 for
    a broker's tier).
    """

    lab: list[int] = field(default_factory=list)
    holder: list[int] = field(default_factory=list)
    tier: list[str] = field(default_factory=list)
    domain: list[int] = field(default_factory=list)
    tokens: list[float] = field(default_factory=list)
    start_step: list[int] = field(default_factory=list)
    end_step: list[int] = field(default_factory=list)
    usd_per_year: list[float] = field(default_factory=list)
    year: list[float] = field(default_factory=list)
    exclusive: list[bool] = field(default_factory=list)
    _fees: np.ndarray | None = None  # start, end and yearly fee of every licence: `_columns`
    _end_steps: set[int] = field(default_factory=set)  # the months in which a licence ends

    def sign(
        self,
        lab: int,
        holder: int,
        tier: str,
        domain: int,
        tokens: float,
        step: int,
        usd_per_year: float,
        year: float,
        exclusive: bool = False,
    ) -> None:
        self.lab.append(lab)
        self.holder.append(holder)
        self.tier.append(tier)
        self.domain.append(domain)
        self.tokens.append(tokens)
        self.start_step.append(step)
        self.end_step.append(step + LICENCE_TERM_MONTHS)
        self.usd_per_year.append(usd_per_year)
        self.year.append(year)
        self.exclusive.append(exclusive)
        self._end_steps.add(step + LICENCE_TERM_MONTHS)

    def __len__(self) -> int:
        return len(self.lab)

    def fees_usd_month(self, step: int) -> float:
        """What the licences in force this month cost their licensees: a twelfth of each yearly fee."""
        fee = self._columns()[2]
        return float(fee[self._in_force(step)].sum()) / 12.0

    def in_force(self, step: int) -> int:
        """Licences in force this month."""
        return int(self._in_force(step).sum())

    def _in_force(self, step: int) -> np.ndarray:
        start, end, _ = self._columns()
        return (start <= step) & (step < end)

    def _columns(self) -> np.ndarray:
        """Start, end and yearly fee of every licence as rows of one array: the licences signed since it was last
        asked for are added to it."""
        if self._fees is None or self._fees.shape[1] < len(self.lab):
            done = 0 if self._fees is None else self._fees.shape[1]
            new = np.array([self.start_step[done:], self.end_step[done:], self.usd_per_year[done:]], dtype=float)
            self._fees = new if self._fees is None else np.concatenate((self._fees, new), axis=1)
        return self._fees

    def expiring(self, step: int) -> bool:
        """Whether a licence ends this month."""
        return step in self._end_steps

    def signed_by(self, year: float) -> int:
        """Licences signed before the end of calendar `year`."""
        return sum(1 for y in self.year if y < year + 1.0)

    def largest_fee(self, year: int, tier: str) -> float:
        """The largest yearly fee of a licence on `tier` text signed in calendar `year` (0 if none)."""
        return max((f for f, t, y in zip(self.usd_per_year, self.tier, self.year) if t == tier and int(y) == year), default=0.0)

    def first_signed(self, holders: set[int]) -> float | None:
        """When a licence with one of `holders` was first signed (None if never)."""
        return min((y for h, y in zip(self.holder, self.year) if h in holders), default=None)
