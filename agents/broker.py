"""Data brokers: the market for consented private text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from sim import economics


@dataclass(frozen=True)
class PrivateTier:
    """A kind of private text a broker can source from its holders."""

    name: str
    share: float  # share of all private text; Villalobos App. C and Cummins 2024
    quality: float  # value of a token against filtered public web text
    list_usd_per_token: float  # opening price per token per run
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
    """Sources consented private text, prices it by tier, and sells licences to labs."""

    def __init__(self, model: mesa.Model, private_tokens: float) -> None:
        super().__init__(model)
        n = len(PRIVATE_TIERS)
        self.holder_tokens = private_tokens * np.array([t.share for t in PRIVATE_TIERS])
        self.price_usd = np.array([t.list_usd_per_token for t in PRIVATE_TIERS])
        self.acquired_fraction = np.full(n, 0.1)
        self.exclusive_to: dict[int, np.ndarray] = {}  # lab id -> tokens it holds exclusively, by tier
        self.sold_month = np.zeros(n)
        self.sold_last_month = 0.0
        self.demanded_month = np.zeros(n)
        self.months_since_sale = np.full(n, 999)
        self.safeguard = 0.0
        self.incidents = 0
        self.fines_usd = 0.0
        self.revenue_usd = 0.0
        self._offers: list[Offer] | None = None  # the open offers, until supply or prices change
        self._offers_strictness = 0.0
        self._available: np.ndarray | None = None  # available_tokens(), until supply changes
        self._available_strictness = 0.0
        self._floor: tuple[float, float, np.ndarray] | None = None  # (strictness, safeguard, floor_usd())

    # --- what labs can get -----------------------------------------------------------------

    def available_tokens(self) -> np.ndarray:
        """Consented, acquired tokens not yet sold exclusively, by tier (do not modify)."""
        strictness = self.model.policy.privacy_strictness
        if self._available is None or strictness != self._available_strictness:
            supply = self.holder_tokens * self.model.consented_share() * CONSENT_SCALE * self.acquired_fraction
            if self.exclusive_to:
                supply -= sum(self.exclusive_to.values(), np.zeros(len(PRIVATE_TIERS)))
            self._available, self._available_strictness = np.maximum(supply, 0.0), strictness
        return self._available

    def _supply_changed(self) -> None:
        self._available = self._offers = None

    def offers_to(self, buyer: mesa.Agent, plan: Any = None) -> list[Offer]:
        """Licences on the open inventory, and the lab's own exclusive holdings (already paid for)."""
        if not self.model.params.constants.private_sourcing:
            return []
        own = self.exclusive_to.get(buyer.unique_id)
        if own is None:
            return self._open_offers()
        available, price = self.available_tokens().tolist(), self.price_usd.tolist()
        offers = []
        for i, own_tokens in enumerate(own.tolist()):
            if available[i] > 0.0:
                offers.append(self._offer(i, available[i], price[i]))
            if own_tokens > 0.0:
                offers.append(self._offer(i, own_tokens, 0.0))
        return offers

    def _offer(self, tier: int, raw_tokens: float, usd_per_raw_token: float) -> Offer:
        """An offer in usable tokens: a tier's quality is the share of its text worth training on, as a
        filter leaves of web text (`Publisher.usable_share`); each usable token is worth web text."""
        quality = PRIVATE_TIERS[tier].quality
        return Offer(self, Source.BROKER, PRIVATE_TIERS[tier].name, raw_tokens * quality, 1.0, usd_per_raw_token / quality)

    def _open_offers(self) -> list[Offer]:
        """Licences on the open inventory: made again only after supply, prices or privacy change."""
        strictness = self.model.policy.privacy_strictness
        if self._offers is None or strictness != self._offers_strictness:
            available, price = self.available_tokens().tolist(), self.price_usd.tolist()
            self._offers = [self._offer(i, available[i], price[i]) for i in range(len(PRIVATE_TIERS)) if available[i] > 0.0]
            self._offers_strictness = strictness
        return self._offers

    def floor_usd(self) -> np.ndarray:
        """Marginal cost: compliance, which rises with strictness, and safeguards.

        Holders license text they already have, so their share of the price is a share of the surplus,
        not a cost: the opening price falls to what labs will pay, but never below this.
        """
        strictness = self.model.policy.privacy_strictness
        if self._floor is None or self._floor[:2] != (strictness, self.safeguard):
            compliance = economics.compliance_usd_per_token(strictness)
            floor = np.full(len(PRIVATE_TIERS), compliance * (1.0 + self.safeguard))
            self._floor = (strictness, self.safeguard, floor)
        return self._floor[2]

    # --- decisions -------------------------------------------------------------------------

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """A licence on `tokens`; a buyer that locks scarce data takes a tier it exhausted exclusively.

        The buyer's own exclusive holdings are already paid for. A tier is scarce for a buyer that took
        all of it and still lacks data; then its unmet need counts as demand, and a buyer that locks
        scarce data (a closed lab) pays the exclusive premium if the data is still worth it to the buyer
        at that price (its quality over the buyer's margin) and its budget covers it.
        """
        if offer.usd_per_token <= 0.0:
            self.model.record_deal(self, buyer, tokens)
            return tokens * offer.usd_per_token
        quality = PRIVATE_TIERS[TIER_INDEX[offer.tier]].quality
        raw = tokens / quality  # the broker licenses raw text; the lab trains on its usable part
        scarce = tokens >= offer.tokens * 0.999 and checkout.unmet_quality_tokens > 0
        wanted = raw + (checkout.unmet_quality_tokens / quality if scarce else 0.0)
        premium_cost = (self.model.EXCLUSIVE_PREMIUM - 1.0) * tokens * offer.usd_per_token
        exclusive = (
            buyer.locks_scarce_data
            and self.model.params.constants.exclusive_deals
            and scarce
            and offer.quality * checkout.token_value_usd - checkout.marginal_usd
            >= self.model.EXCLUSIVE_PREMIUM * offer.usd_per_token
            and premium_cost <= checkout.budget_left_usd
        )
        if exclusive:
            checkout.budget_left_usd -= premium_cost
        cost = self.sell(buyer.unique_id, offer.tier, raw, wanted, exclusive)
        self.model.record_deal(self, buyer, tokens, cost)
        return cost

    def sell(self, lab_id: int, tier_name: str, tokens: float, wanted: float, exclusive: bool) -> float:
        """Record a licence sale; returns the USD it costs the buyer."""
        i = TIER_INDEX[tier_name]
        premium = self.model.EXCLUSIVE_PREMIUM if exclusive else 1.0
        cost = tokens * self.price_usd[i] * premium
        self.sold_month[i] += tokens
        self.demanded_month[i] += wanted
        self.months_since_sale[i] = 0
        if exclusive:
            self.exclusive_to.setdefault(lab_id, np.zeros(len(PRIVATE_TIERS)))[i] += tokens
            self._supply_changed()
        self.revenue_usd += cost
        return cost

    def source_supply(self) -> None:
        """Holders write more; brokers acquire more consented text where recent sales show demand."""
        self.holder_tokens *= 1.0 + self.model.private_growth_per_month
        active = self.months_since_sale < 12
        profitable = self.price_usd > self.floor_usd()
        grow = active & profitable
        self.acquired_fraction[grow] = np.minimum(1.0, self.acquired_fraction[grow] + 0.03)
        self._supply_changed()

    def adjust_prices(self) -> None:
        """Move each tier's price with its excess demand, then settle incidents for the month."""
        speed = self.model.params.constants.price_adjustment_speed
        floor = self.floor_usd()
        supplied = np.where(self.demanded_month > 0, self.sold_month, self.available_tokens())
        self.price_usd = economics.adjust_price(self.price_usd, self.demanded_month, supplied, floor, speed)
        self._offers = None
        self.sold_last_month = float(self.sold_month.sum())
        self._risk_incidents(self.sold_last_month)
        self.sold_month[:] = 0.0
        self.demanded_month[:] = 0.0
        self.months_since_sale += 1

    def _risk_incidents(self, tokens_handled: float) -> None:
        rate = economics.incident_rate_per_month(
            self.model.params.uncertainties.incidents_per_trillion_tokens, tokens_handled, self.safeguard
        )
        incidents = int(self.rng.poisson(rate)) if rate > 0 else 0
        if incidents:
            self.incidents += incidents
            self.fines_usd += incidents * FINE_USD_PER_INCIDENT * self.model.policy.privacy_strictness
            self.model.record_incidents(incidents)
            # A breach makes safeguards worth their cost: spend more, which raises the price floor.
            self.safeguard = min(1.0, self.safeguard + 0.1 * incidents)
        else:
            self.safeguard = max(0.0, self.safeguard - 0.002)
