"""Web publishers: the holders of the public text commons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from agents.web import NOBODY
from sim import economics

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
    high_quality_share: float  # share of its usable tokens in the high-quality subset
    copyrighted: bool  # crawling it carries legal risk; covered by a licensing mandate


# Token shares follow the composition of filtered web corpora. The high-quality subset (FineWeb-Edu,
# DCLM, Nemotron-CC's high tier: 0.2-4.4T of English) is mostly books, academic text and news: with the
# shares below it holds ~7T of the ~80T usable tokens of 2024 (docs/calibration.md §9).
TIERS = (
    Tier("books", 0.02, 0.05, 4.0, 0.8, 0.3, True),
    Tier("news", 0.04, 0.10, 3.0, 1.0, 0.15, True),
    Tier("academic", 0.03, 0.05, 3.5, 0.5, 0.3, False),
    Tier("code", 0.04, 0.05, 2.0, 0.3, 0.1, False),
    Tier("forums", 0.07, 0.10, 1.5, 0.7, 0.03, False),
    Tier("general_web", 0.70, 0.60, 0.8, 0.2, 0.01, False),
    Tier("social", 0.10, 0.05, 0.5, 0.5, 0.0, False),
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
        # Sets human_tokens, ai_tokens, head, size_weight, opted_out, licensee, opts_in and domains.
        model.web.add(self, raw_tokens, head_size_tokens, opts_in)

    # --- decisions -------------------------------------------------------------------------

    def largest_deal_tokens(self, tokens: float, candidates: np.ndarray) -> float:
        """Of a licence on `tokens` from the `candidates` domains, what the largest domain's deal covers.

        Each domain is one publisher, so each is one deal; the licence takes the largest domains first.
        """
        if not candidates.any():
            return 0.0
        return min(float(self.human_tokens[candidates].max()) * self.usable_share, tokens)

    def best_exclusive_deal(
        self, token_value_usd: float, margin_usd: float, budget_usd: float
    ) -> tuple[int, float, float] | None:
        """The crawlable head domain whose exclusive licence leaves the buyer the most surplus, if any.

        Returns (domain, price per token, buyer's surplus in USD). The buyer values a token at its quality
        over its margin; the price is the exclusive premium on the bargained licence price.
        """
        if self.commons:
            return None
        quality = self.mean_quality()
        value = quality * token_value_usd - margin_usd
        price = self.model.EXCLUSIVE_PREMIUM * economics.bargained_price(value, token_value_usd)
        if price <= 0.0 or value <= price:
            return None
        usable = self.human_tokens * self.usable_share
        candidates = np.flatnonzero(self.head & self._access().crawl[self.domains] & (usable * price <= budget_usd))
        if candidates.size == 0:
            return None
        best = int(candidates[np.argmax(usable[candidates])])
        return best, price, float(usable[best]) * (value - price)

    def license_exclusive(self, domain: int, lab_id: int, usd_per_token: float) -> float:
        """Grant one lab sole access to a domain; returns the USD it pays."""
        self.licensee[domain] = lab_id
        self.model.web.changed()
        return float(self.human_tokens[domain] * self.usable_share * usd_per_token)

    # --- what labs can get -----------------------------------------------------------------

    def crawlable(self) -> np.ndarray:
        """Domains any lab may crawl for free under the regime in force."""
        return self.model.web.crawlable()[self.domains]

    def _licensable(self) -> np.ndarray:
        return ~self._access().crawl[self.domains] & (self.licensee == NOBODY)

    def _access(self) -> Access:
        return self.model.web.access()

    def mean_quality(self) -> float:
        """Value of an average usable token of the tier: its high-quality share at the high-quality value."""
        hq = self.tier.high_quality_share
        return hq * self.model.params.uncertainties.high_quality_value + (1.0 - hq)

    def _split(self, source: Source, usable_tokens: float) -> list[tuple[Source, float, float]]:
        """A tier's usable tokens as (source, tokens, quality): its high-quality subset and the rest."""
        hq = self.tier.high_quality_share
        parts = [
            (source, usable_tokens * hq, self.model.params.uncertainties.high_quality_value),
            (source, usable_tokens * (1.0 - hq), 1.0),
        ]
        return [part for part in parts if part[1] > 0.0]

    def tier_offers(self, buyer: mesa.Agent, plan) -> list[Offer]:
        """Crawl of the open commons, the buyer's own exclusive domains, and licences on restricted ones.

        Crawling a copyrighted tier carries an expected legal cost; a licence that clears it, or that opens a
        restricted domain, is priced by bargaining over what it is worth to the buyer (`economics.bargained_price`).
        """
        access = self._access()
        tier, q = self.tier_index, self.usable_share
        value, margin = plan.token_value_usd, buyer.marginal_usd(plan)
        offers = (
            [*self._free_crawl_offers(access)] if not self.tier.copyrighted else self._copyrighted_crawl(access, value, margin)
        )
        if buyer.unique_id in access.holders[tier]:
            own = float(self.human_tokens[self.licensee == buyer.unique_id].sum()) * q
            offers = [
                *offers,
                *(Offer(self, s, self.tier.name, t, quality, 0.0) for s, t, quality in self._split(Source.LICENSED, own)),
            ]
        for source, tokens, quality in self._split(Source.LICENSED, access.licensable[tier] * q):
            price = economics.bargained_price(quality * value - margin, value)
            if price > 0.0:
                offers.append(Offer(self, source, self.tier.name, tokens, quality, price))
        return offers

    def _free_crawl_offers(self, access: Access) -> list[Offer]:
        """The crawl offers every lab gets from a tier without legal risk, made once per measure of access."""
        if self._offers_made_for is not access:
            tier, q = self.tier_index, self.usable_share
            self._offers = [
                Offer(self, s, self.tier.name, t, quality, 0.0)
                for s, t, quality in self._split(Source.PUBLIC, access.human_open[tier] * q)
            ]
            self._offers += self._pollution_offers(access)
            self._offers_made_for = access
        return self._offers

    def _pollution_offers(self, access: Access) -> list[Offer]:
        market = self.model
        if market.policy.synthetic_labelling:
            return []
        tokens = access.ai_open[self.tier_index] * self.usable_share
        return (
            [Offer(self, Source.PUBLIC, self.tier.name, tokens, market.params.uncertainties.pollution_value, 0.0, True)]
            if tokens > 0.0
            else []
        )

    def _copyrighted_crawl(self, access: Access, token_value_usd: float, margin_usd: float) -> list[Offer]:
        """Crawling copyrighted text risks liability; a licence clearing it is worth the risk, or the tokens' value if less."""
        risk = self.model.params.uncertainties.copyright_risk_usd_per_token
        offers = []
        for source, tokens, quality in self._split(Source.PUBLIC, access.human_open[self.tier_index] * self.usable_share):
            price = economics.bargained_price(min(risk, quality * token_value_usd - margin_usd), token_value_usd)
            if price > 0.0:
                offers.append(Offer(self, source, self.tier.name, tokens, quality, price))
            else:
                offers.append(Offer(self, source, self.tier.name, tokens, quality, 0.0, risk_usd_per_token=risk))
        return offers + self._pollution_offers(access)

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Crawled text is taken, not sold: no payment and no deal. A licence pays; an exclusive domain is the buyer's."""
        if offer.usd_per_token <= 0.0:
            if offer.source is Source.LICENSED:
                self.model.record_deal(self, buyer, tokens)
            return 0.0
        crawl = self._access().crawl[self.domains]
        largest = self.largest_deal_tokens(
            tokens, crawl & (self.licensee == NOBODY) if offer.source is Source.PUBLIC else self._licensable()
        )
        self.model.record_deal(self, buyer, tokens, largest * offer.usd_per_token)
        return tokens * offer.usd_per_token

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
