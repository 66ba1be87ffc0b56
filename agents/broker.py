"""Data brokers: the market for consented private text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from sim import contracts, economics


@dataclass(frozen=True)
class PrivateTier:
    """A kind of private text a broker can source from its holders."""

    name: str
    share: float  # share of all private text; Villalobos App. C and Cummins 2024
    quality: float  # value of a token against filtered public web text
    list_usd_per_token: float  # opening price per raw token per year of licence
    opt_in_only: bool  # personal communication: licensable only from users who opt in


# Social platforms ~760T, instant messages >1,000T, email ~625T (Villalobos App. C); enterprise
# documents and transcripts are smaller but better. Prices start near the Reddit-Google deal
# (~1e-4 $/token/yr) for user content and rise with quality (docs/calibration.md §6). No market for
# private messages or email exists (docs/calibration.md §9): a broker may license them, and private
# posts, only from the users who opt in (`economics.USERS_OPTING_IN` of those who would consent).
PRIVATE_TIERS = (
    PrivateTier("social", 0.29, 0.3, 1e-4, True),
    PrivateTier("messages", 0.38, 0.2, 1e-4, True),
    PrivateTier("email", 0.24, 0.3, 2e-4, True),
    PrivateTier("enterprise", 0.07, 0.8, 2e-3, False),
    PrivateTier("transcripts", 0.02, 0.6, 1e-3, False),
)
CONSENT_SCALE = np.array([economics.USERS_OPTING_IN if t.opt_in_only else 1.0 for t in PRIVATE_TIERS])
FINE_USD_PER_INCIDENT = 1e8  # at full strictness; GDPR-scale fines
TIER_INDEX = {t.name: i for i, t in enumerate(PRIVATE_TIERS)}


class DataBroker(mesa.Agent):
    """Sources consented private text, posts a yearly price per tier, and licenses it to labs for a term.

    A licence on a tier covers its consented inventory, new text included, for `contracts.LICENCE_TERM_YEARS`; the
    text is the licensee's for every run in the term. Prices are discovered: they rise when the labs that ask all
    sign and fall when they decline, never below the broker's cost, and a month in which no lab asks moves nothing.
    The cost is compliance, safeguards and the fines the broker expects at its safeguard level, learnt from its own
    incidents: a breach raises what it expects, so it spends more on safeguards and asks more.
    """

    offers_depend_on_plan = False  # `OfferBook`: asked once per decision

    def __init__(self, model: mesa.Model, private_tokens: float) -> None:
        super().__init__(model)
        n = len(PRIVATE_TIERS)
        self.holder_tokens = private_tokens * np.array([t.share for t in PRIVATE_TIERS])
        self.price_usd = np.array([t.list_usd_per_token for t in PRIVATE_TIERS])  # per raw token per year of licence
        self.acquired_fraction = np.full(n, 0.1)
        self.licence_end: dict[int, np.ndarray] = {}  # lab id -> the step its licence on each tier ends (0: none)
        self.signed_month = np.zeros(n)  # raw tokens licensed this month
        self.declined_month = np.zeros(n)  # raw tokens labs asked about and did not license at the posted price
        self.sold_last_month = 0.0
        self.months_since_sale = np.full(n, 999)
        # What the broker believes of its incident rate per trillion tokens handled at no safeguards: a gamma
        # posterior, starting at the market's rate with the weight of a trillion tokens, updated by its own incidents.
        self.incidents = 0
        self._incident_prior = (model.params.uncertainties.incidents_per_trillion_tokens, 1.0)
        self._exposure_trillions = 0.0  # tokens handled, in trillions, weighed by the safeguards they had
        self.safeguard = 0.0
        self.fines_usd = 0.0
        self.revenue_usd = 0.0  # yearly fees times the term, of every licence signed
        self._available: np.ndarray | None = None  # available_tokens(), until supply changes
        self._available_strictness = 0.0

    # --- what labs can get -----------------------------------------------------------------

    def available_tokens(self) -> np.ndarray:
        """Consented, acquired tokens, by tier (do not modify)."""
        strictness = self.model.policy.privacy_strictness
        if self._available is None or strictness != self._available_strictness:
            supply = self.holder_tokens * self.model.consented_share() * CONSENT_SCALE * self.acquired_fraction
            self._available, self._available_strictness = np.maximum(supply, 0.0), strictness
        return self._available

    def _licensed(self, lab_id: int) -> np.ndarray:
        ends = self.licence_end.get(lab_id)
        return ends > self.model.steps_done if ends is not None else np.zeros(len(PRIVATE_TIERS), dtype=bool)

    def offers_to(self, buyer: mesa.Agent, plan: Any = None) -> list[Offer]:
        """The tiers the lab licenses, in usable tokens, already paid for.

        A tier's quality is the share of its text worth training on, as a filter leaves of web text
        (`Publisher.usable_share`); each usable token is worth web text.
        """
        if not self.model.params.constants.private_sourcing:
            return []
        available = self.available_tokens()
        return [
            Offer(self, Source.BROKER, PRIVATE_TIERS[i].name, float(available[i]) * PRIVATE_TIERS[i].quality, 1.0, 0.0)
            for i in np.flatnonzero(self._licensed(buyer.unique_id) & (available > 0.0))
        ]

    def licence_deals(self, buyer: mesa.Agent, outlook: contracts.Outlook) -> list[tuple[int, float, float]]:
        """The tiers whose licence at the posted price is worth more to the buyer than it costs, over the term.

        A tier is asked about when the buyer's licence on it ends before its next run; the asks, signed or declined,
        are the demand at the posted price that moves it (`adjust_prices`). Returns (tier, raw tokens, yearly fee).
        """
        if not self.model.params.constants.private_sourcing:
            return []
        ends = self.licence_end.get(buyer.unique_id, np.zeros(len(PRIVATE_TIERS), dtype=np.int64))
        renewing = ends <= self.model.steps_done + buyer.spec.cadence_months
        value_per_usable = outlook.value_per_token(1.0)
        deals = []
        for i in np.flatnonzero(renewing & (self.available_tokens() > 0.0)):
            raw = float(self.available_tokens()[i])
            value = raw * PRIVATE_TIERS[i].quality * value_per_usable
            fee = raw * float(self.price_usd[i])
            if value - fee * contracts.annuity() - contracts.DEAL_COST_USD > economics.NEGLIGIBLE_SHARE * value:
                deals.append((int(i), raw, fee))
                self.signed_month[i] += raw
            else:
                self.declined_month[i] += raw
        return deals

    def grant_licence(self, lab: mesa.Agent, tier: int, usd_per_year: float) -> int:
        """Open a tier to one lab for a term, from the end of the licence it has (renewal) or now, for `usd_per_year`;
        returns the start."""
        self.revenue_usd += usd_per_year * contracts.LICENCE_TERM_YEARS
        ends = self.licence_end.setdefault(lab.unique_id, np.zeros(len(PRIVATE_TIERS), dtype=np.int64))
        start = max(self.model.steps_done, int(ends[tier]))
        ends[tier] = start + contracts.LICENCE_TERM_MONTHS
        self.months_since_sale[tier] = 0
        return start

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Licensed text was paid for by its licence: the run takes it at no further cost."""
        self.model.record_deal(self, buyer, tokens)
        return 0.0

    # --- cost -----------------------------------------------------------------------------

    def expected_incidents_per_trillion(self) -> float:
        """The incident rate per trillion tokens handled without safeguards that the broker now believes."""
        rate, weight = self._incident_prior
        return (rate * weight + self.incidents) / (weight + self._exposure_trillions)

    def choose_safeguard(self) -> float:
        """The safeguard level that makes a handled token cheapest: spending more on safeguards, or expecting fines.

        A token costs compliance (1 + s) plus the expected fine, rate e^(-3 s) x fine; the minimum is where
        3 x expected fine e^(-3 s) equals compliance, between none and full safeguards.
        """
        compliance = economics.compliance_usd_per_token(self.model.policy.privacy_strictness)
        fine = self._expected_fine_usd_per_token(0.0)
        if fine <= 0.0:
            return 0.0
        return float(np.clip(np.log(3.0 * fine / compliance) / 3.0, 0.0, 1.0))

    def _expected_fine_usd_per_token(self, safeguard: float) -> float:
        rate = economics.incident_rate_per_month(self.expected_incidents_per_trillion(), 1.0, safeguard)
        return rate * FINE_USD_PER_INCIDENT * self.model.policy.privacy_strictness

    def floor_usd(self) -> np.ndarray:
        """The yearly price below which a licence loses money: the cost of handling a token, spread over the term.

        Holders license text they already have, so their share of the price is a share of the surplus, not a cost.
        """
        compliance = economics.compliance_usd_per_token(self.model.policy.privacy_strictness)
        per_token = compliance * (1.0 + self.safeguard) + self._expected_fine_usd_per_token(self.safeguard)
        return np.full(len(PRIVATE_TIERS), per_token / contracts.annuity())

    # --- the month -------------------------------------------------------------------------

    def source_supply(self) -> None:
        """Holders write more; brokers acquire more consented text where recent licences show demand and pay."""
        self.holder_tokens *= 1.0 + self.model.private_growth_per_month
        self.safeguard = self.choose_safeguard()
        grow = (self.months_since_sale < 12) & (self.price_usd > self.floor_usd())
        self.acquired_fraction[grow] = np.minimum(1.0, self.acquired_fraction[grow] + 0.03)
        self._available = None

    def adjust_prices(self) -> None:
        """Bear the month's incidents, then move each asked-about tier's price with the demand at it, never below the
        cost the broker now expects (an incident raises its expected fines before it posts its next price)."""
        self.sold_last_month = float(self.signed_month.sum())
        self._risk_incidents(self.sold_last_month)
        asked = self.signed_month + self.declined_month
        excess = np.divide(self.signed_month - self.declined_month, asked, out=np.zeros_like(asked), where=asked > 0)
        speed = self.model.params.constants.price_adjustment_speed
        self.price_usd = np.maximum(self.floor_usd(), self.price_usd * np.exp(speed * excess))
        self.signed_month[:] = 0.0
        self.declined_month[:] = 0.0
        self.months_since_sale += 1

    def _risk_incidents(self, tokens_handled: float) -> None:
        self._exposure_trillions += tokens_handled / 1e12 * float(np.exp(-3.0 * self.safeguard))
        rate = economics.incident_rate_per_month(
            self.model.params.uncertainties.incidents_per_trillion_tokens, tokens_handled, self.safeguard
        )
        incidents = int(self.rng.poisson(rate)) if rate > 0 else 0
        if incidents:
            self.incidents += incidents
            self.fines_usd += incidents * FINE_USD_PER_INCIDENT * self.model.policy.privacy_strictness
            self.model.record_incidents(incidents)
