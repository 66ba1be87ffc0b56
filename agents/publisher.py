"""Web publishers: the holders of the public text commons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from agents.web import NOBODY

if TYPE_CHECKING:
    from agents.web import Access


@dataclass(frozen=True)
class Tier:
    """A quality tier of public text."""

    name: str
    token_share: float  # share of the raw indexed web
    domain_share: float  # share of publishers (domains)
    relative_quality: float  # usable share relative to the web average
    sensitivity: float  # propensity to restrict crawlers (Longpre et al. 2024: news first)
    licence_usd_per_token: float  # per token per run, derived in docs/calibration.md §6
    copyrighted: bool  # covered by a licensing mandate


# Token shares follow the composition of filtered web corpora; prices span the two orders of
# magnitude between user content (Reddit-Google, ~1e-4 $/token/yr) and books (HarperCollins,
# ~1.3e-2 $/token/yr). docs/calibration.md §6.
TIERS = (
    Tier("books", 0.02, 0.05, 4.0, 0.8, 1.3e-2, True),
    Tier("news", 0.04, 0.10, 3.0, 1.0, 2e-3, True),
    Tier("academic", 0.03, 0.05, 3.5, 0.5, 5e-3, False),
    Tier("code", 0.04, 0.05, 2.0, 0.3, 1e-3, False),
    Tier("forums", 0.07, 0.10, 1.5, 0.7, 1e-4, False),
    Tier("general_web", 0.70, 0.60, 0.8, 0.2, 3e-5, False),
    Tier("social", 0.10, 0.05, 0.5, 0.5, 5e-5, False),
)
COMMONS_TIER = Tier("public_commons", 0.0, 0.0, 1.0, 0.0, 0.0, False)


class Publisher(mesa.Agent):
    """The web publishers of one quality tier.

    One agent stands for many domains: each element of its arrays is one domain, so a decision such
    as an opt-out is made per domain but computed in one vectorised pass. A domain is open,
    opted out (robots.txt / terms of service), or exclusively licensed to one lab. The arrays are
    this tier's slice of the `Web`, which runs the month's per-domain work for every tier at once.
    """

    # This tier's slice of the Web's per-domain arrays: views, set by `Web.add` (agents/web.py).
    human_tokens: np.ndarray  # human-written tokens per domain
    ai_tokens: np.ndarray  # AI-written tokens per domain
    head: np.ndarray  # among the largest domains, holding 20% of all tokens
    size_weight: np.ndarray  # how strongly a domain reacts to scraping, by size
    opted_out: np.ndarray  # restricts AI crawlers
    licensee: np.ndarray  # the lab holding it exclusively, or NOBODY
    paid: np.ndarray  # licensed to some lab
    opts_in: np.ndarray  # would allow crawlers under an opt-in regime
    tier_index: int  # position in `Web.publishers`
    domains: slice  # this tier's stretch of the Web's arrays

    def __init__(
        self,
        model: mesa.Model,
        tier: Tier,
        raw_tokens: np.ndarray,
        usable_share: float,
        head_size_tokens: float,
    ) -> None:
        super().__init__(model)
        self.tier = tier
        self.usable_share = usable_share
        self.commons = tier is COMMONS_TIER
        raw_tokens = raw_tokens.astype(float)
        # Whether the domain would opt in under an opt-in regime, drawn once per domain.
        opts_in = self.rng.random(raw_tokens.size) > tier.sensitivity
        # Running totals for the conservation check: the pool is what it started with plus what was written.
        self.initial_tokens = float(raw_tokens.sum())
        self.written_tokens = 0.0
        self._offers_made_for: Access | None = None
        # Sets human_tokens, ai_tokens, head, size_weight, opted_out, licensee, paid, opts_in and domains.
        model.web.add(self, raw_tokens, head_size_tokens, opts_in)

    # --- decisions -------------------------------------------------------------------------

    def license_to(self, tokens: float) -> float:
        """Licence usable tokens non-exclusively, largest closed-off domains first; returns USD."""
        candidates = np.flatnonzero(self._licensable())
        candidates = candidates[np.argsort(-self.human_tokens[candidates])]
        usable = self.human_tokens[candidates] * self.usable_share
        self.paid[candidates[: int(np.searchsorted(np.cumsum(usable), tokens)) + 1]] = True
        return tokens * self.tier.licence_usd_per_token

    def best_exclusive_deal(self, budget_usd: float) -> tuple[int, float] | None:
        """The crawlable head domain with the most usable tokens that fits the budget."""
        if self.commons:
            return None
        usable = self.human_tokens * self.usable_share
        price = usable * self.tier.licence_usd_per_token * self.model.EXCLUSIVE_PREMIUM
        candidates = np.flatnonzero(self.head & self._access().crawl[self.domains] & (price <= budget_usd))
        if candidates.size == 0:
            return None
        best = int(candidates[np.argmax(usable[candidates])])
        return best, float(usable[best])

    def license_exclusive(self, domain: int, lab_id: int) -> float:
        """Grant one lab sole access to a domain; returns the USD it pays."""
        self.licensee[domain] = lab_id
        self.paid[domain] = True
        self.model.web.changed()
        usable = self.human_tokens[domain] * self.usable_share
        return float(usable * self.tier.licence_usd_per_token * self.model.EXCLUSIVE_PREMIUM)

    # --- what labs can get -----------------------------------------------------------------

    def crawlable(self) -> np.ndarray:
        """Domains any lab may crawl for free under the regime in force."""
        return self.model.web.crawlable()[self.domains]

    def _licensable(self) -> np.ndarray:
        return ~self._access().crawl[self.domains] & (self.licensee == NOBODY)

    def _access(self) -> Access:
        return self.model.web.access()

    def tier_offers(self, lab_id: int) -> list[Offer]:
        """Free crawl of the open commons, the lab's own exclusive domains, and paid licences."""
        access = self._access()
        crawl, licences = self._common_offers(access)
        if lab_id not in access.holders[self.tier_index]:
            return crawl + licences
        own = float(self.human_tokens[self.licensee == lab_id].sum()) * self.usable_share
        return [*crawl, Offer(self, Source.LICENSED, self.tier.name, own, 1.0, 0.0), *licences]

    def _common_offers(self, access: Access) -> tuple[list[Offer], list[Offer]]:
        """The crawl and licence offers every lab gets, made once per measure of access."""
        if self._offers_made_for is not access:
            market = self.model
            tier, q = self.tier_index, self.usable_share
            crawl = [Offer(self, Source.PUBLIC, self.tier.name, access.human_open[tier] * q, 1.0, 0.0)]
            if not market.policy.synthetic_labelling:
                pollution_value = market.params.uncertainties.pollution_value
                crawl.append(Offer(self, Source.PUBLIC, self.tier.name, access.ai_open[tier] * q, pollution_value, 0.0, True))
            licensable = access.licensable[tier] * q
            licence = Offer(self, Source.LICENSED, self.tier.name, licensable, 1.0, self.tier.licence_usd_per_token)
            self._offers = (crawl, [licence] if licensable > 0.0 else [])
            self._offers_made_for = access
        return self._offers

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Crawled text is taken, not sold: no payment and no deal. A licence pays; an exclusive domain is the buyer's."""
        if offer.source is Source.PUBLIC:
            return 0.0
        cost = self.license_to(tokens) if offer.usd_per_token > 0.0 else tokens * offer.usd_per_token
        self.model.record_deal(self, buyer, tokens)
        return cost

    # --- measurements ----------------------------------------------------------------------

    def effective_public_tokens(self, lab_id: int) -> float:
        """Usable tokens a lab may crawl or already holds exclusively, AI text at its value."""
        access = self._access()
        if lab_id not in access.holders[self.tier_index]:
            return access.effective_open[self.tier_index] * self.usable_share
        mask = access.crawl[self.domains] | (self.licensee == lab_id)
        ai_value = access.ai_value
        return float((self.human_tokens[mask] + ai_value * self.ai_tokens[mask]).sum()) * self.usable_share

    @property
    def raw_tokens(self) -> np.ndarray:
        return self.human_tokens + self.ai_tokens
