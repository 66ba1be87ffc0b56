"""Data as contracts: term licences between labs and the holders of text (docs/model.md, "Data as contracts").

**A licence** gives one lab the use of a holder's text, and of the new text the holder writes, for a term of
`LICENCE_TERM_YEARS`, for a yearly fee. The holder is a web publisher's domain (one domain, one deal) or a
broker's tier of consented private text. Once signed, the text costs the lab nothing more for every run it makes
in the term (`Publisher.tier_offers`, `DataBroker.offers_to`); renewal is a new decision when the term ends.

**The lab's value** of a licence is what it adds to the firm's profit over the term (`Outlook.value_per_token`):

    sum over the lab's runs j in the term of  discount(t_j) x shadow x v_j x max(q - mu, 0)     (text it cannot crawl)
    ... or of  discount(t_j) x min(risk, shadow x v_j x max(q - mu, 0))                       (text it may crawl at a legal risk)

- v_j is what an effective token is worth to run j in compute (`economics.token_value_usd`), projected along the
  compute trend the lab can raise; q the text's quality; mu the lab's price of data at the margin, as a share of
  v (what the slot the text would take is worth otherwise: a web token, or a repetition once the web is used up).
- shadow is what a dollar of compute adds to the lab's lifetime profit (`firm.profit_per_compute_usd`): a licence is
  paid from the lab's income, not from the run's compute, so a token is worth its compute-equivalent times that.
  While labs spend all they can raise (through about 2028) a compute dollar earns several; after, about one.
- risk is the expected legal cost per run of crawling the text unlicensed; a licence clears it, and it clears the
  liability the lab already holds for the holder's text (its expected settlement).

**The holder's reservation** is what it gives up: for a publisher, the traffic that AI answers drawing on its text
take (`holder_reservation_usd_per_token_year` at full awareness, times the licensee's market share); for a broker,
its posted price, which never falls below its cost. **The price** of a publisher's licence splits the surplus
(value less reservation less `DEAL_COST_USD`, the buyer's cost of negotiating and delivering a deal) equally
(`economics.bargained_price`); a broker posts its price and the lab takes it or leaves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

LICENCE_TERM_YEARS = 3  # Reddit's licences run 2-3 years (S-1), HarperCollins' 3, News Corp's 5 (docs/calibration.md §12)
LICENCE_TERM_MONTHS = 12 * LICENCE_TERM_YEARS
DISCOUNT_RATE_PER_YEAR = 0.1  # a technology firm's cost of capital (assumed)
# What a deal costs the buyer beyond its price: negotiation, legal review, and the pipeline that delivers the text
# (assumed: a few months of a small team and outside counsel). It keeps small domains out of the market: deals are
# counted in tens, not in thousands.
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
    _fees: np.ndarray | None = None

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
        self._fees = None

    def __len__(self) -> int:
        return len(self.lab)

    def fees_usd_month(self, step: int) -> float:
        """What the licences in force this month cost their licensees: a twelfth of each yearly fee."""
        if not self.lab:
            return 0.0
        if self._fees is None:
            self._fees = np.array([self.start_step, self.end_step, self.usd_per_year])
        start, end, fee = self._fees
        return float(fee[(start <= step) & (step < end)].sum()) / 12.0

    def in_force(self, step: int) -> int:
        """Licences in force this month."""
        if not self.lab:
            return 0
        if self._fees is None:
            self._fees = np.array([self.start_step, self.end_step, self.usd_per_year])
        start, end, _ = self._fees
        return int(((start <= step) & (step < end)).sum())

    def expiring(self, step: int) -> bool:
        """Whether a licence ends this month."""
        return step in self.end_step

    def signed_by(self, year: float) -> int:
        """Licences signed before the end of calendar `year`."""
        return sum(1 for y in self.year if y < year + 1.0)
