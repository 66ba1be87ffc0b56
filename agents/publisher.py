"""Web publishers: the holders of the public text commons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from sim import contracts

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
        self.licence_revenue_usd = 0.0  # yearly fees times the term, of every licence signed
        self._offers_made_for: tuple[Access, float] | None = None  # the Access and the compliance `_offers` are for
        # Sets human_tokens, ai_tokens, head, size_weight, opted_out, licensee, opts_in and domains.
        model.web.add(self, raw_tokens, head_size_tokens, opts_in)

    # --- decisions -------------------------------------------------------------------------

    def grant_licence(self, lab: mesa.Agent, domain: int, usd_per_year: float) -> int:
        """Open a domain (its index in the web) to one lab for a term, from the end of the licence it has (renewal)
        or now, for `usd_per_year`; returns the start."""
        self.licence_revenue_usd += usd_per_year * contracts.LICENCE_TERM_YEARS
        web = self.model.web
        ends = web.licence_end.get(lab.unique_id)
        start = max(self.model.steps_done, int(ends[domain]) if ends is not None else 0)
        web.grant_licence(lab.unique_id, domain, start + contracts.LICENCE_TERM_MONTHS)
        return start

    def grant_exclusive(self, lab: mesa.Agent, domain: int, usd_per_year: float) -> int:
        """Give one lab sole use of a domain (its index in the web) for a term, for `usd_per_year`; returns the start.
        Other labs keep the archive's snapshot of it; the licence clears the lab's liability for it."""
        self.licence_revenue_usd += usd_per_year * contracts.LICENCE_TERM_YEARS
        web, start = self.model.web, self.model.steps_done
        web.licensee[domain] = lab.unique_id
        web.exclusive_end[domain] = start + contracts.LICENCE_TERM_MONTHS
        web.grant_licence(lab.unique_id, domain, start + contracts.LICENCE_TERM_MONTHS)
        web.changed()  # closed to every other crawler
        return start

    # --- what labs can get -----------------------------------------------------------------

    def crawlable(self) -> np.ndarray:
        """Domains any lab may crawl for free under the regime in force."""
        return self.model.web.crawlable()[self.domains]

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
        """The crawl of the commons (`Access`: open domains, the archive's snapshots of closed ones, and the new text
        of restricting ones for a crawler that ignores robots.txt), and the domains the buyer holds, exclusively or
        under a term licence (`sim.contracts`), already paid for.

        Copyrighted text the buyer has not yet trained on is offered at its expected settlement (`risk_usd_per_token`);
        what it already trained on adds no liability it does not hold.
        """
        access = self._access()
        compliance = self.model.robots_compliance(buyer)
        if buyer.unique_id not in access.holders[self.tier_index] and not self.tier.copyrighted:
            return self._crawl_offers(access, compliance)
        human, ai, held = self._crawled_by(buyer)
        q = self.usable_share
        if self.tier.copyrighted:
            new = float(self._new_text(buyer, human * q).sum())
            offers = self._copyrighted_offers(new, float(human.sum()) * q - new) + self._pollution_offers(float(ai.sum()) * q)
        else:
            offers = self._crawl_offers_of(float(human.sum()) * q, float(ai.sum()) * q)
        own = float(self.human_tokens[held].sum()) * q
        return offers + [Offer(self, s, self.tier.name, t, quality, 0.0) for s, t, quality in self._split(Source.LICENSED, own)]

    def _crawled_by(self, lab: mesa.Agent) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per domain, the human and AI tokens `lab` crawls (none of those it holds), and the domains it holds."""
        human, ai = self._access().crawled(self.model.robots_compliance(lab))
        held = self.model.web.held_by(lab.unique_id, self.domains)
        return np.where(held, 0.0, human[self.domains]), np.where(held, 0.0, ai[self.domains]), held

    def _new_text(self, buyer: mesa.Agent, crawled_usable: np.ndarray) -> np.ndarray:
        """Per domain, the usable text the buyer crawls and has not trained on."""
        return np.maximum(crawled_usable - self.model.web.exposure_of(buyer.unique_id)[self.domains], 0.0)

    def _copyrighted_offers(self, new_tokens: float, exposed_tokens: float) -> list[Offer]:
        """Crawled copyrighted text: what the buyer already trained on (no new liability), and the rest at its expected
        settlement."""
        market = self.model
        u = market.params.uncertainties
        risk = u.settlement_usd_per_token * contracts.suit_probability(u.suit_hazard_per_year, market.awareness)
        offers = [Offer(self, s, self.tier.name, t, quality, 0.0) for s, t, quality in self._split(Source.PUBLIC, exposed_tokens)]
        return offers + [
            Offer(self, s, self.tier.name, t, quality, 0.0, risk_usd_per_token=risk, exposes=True)
            for s, t, quality in self._split(Source.PUBLIC, new_tokens)
        ]

    def _crawl_offers(self, access: Access, compliance: float) -> list[Offer]:
        """The crawl offers every lab that holds none of the tier's domains gets, made once per measure of access and
        compliance."""
        made_for = self._offers_made_for
        if made_for is None or made_for[0] is not access or made_for[1] != compliance:
            human, ai = access.tier_crawl(self.tier_index, compliance)
            self._offers = self._crawl_offers_of(human * self.usable_share, ai * self.usable_share)
            self._offers_made_for = (access, compliance)
        return self._offers

    def _crawl_offers_of(self, human_tokens: float, ai_tokens: float) -> list[Offer]:
        """Crawled human text and the AI text that passes as human."""
        offers = [Offer(self, s, self.tier.name, t, quality, 0.0) for s, t, quality in self._split(Source.PUBLIC, human_tokens)]
        return offers + self._pollution_offers(ai_tokens)

    def _pollution_offers(self, ai_tokens: float) -> list[Offer]:
        market = self.model
        if ai_tokens <= 0.0 or market.policy.synthetic_labelling:
            return []
        return [Offer(self, Source.PUBLIC, self.tier.name, ai_tokens, market.params.uncertainties.pollution_value, 0.0, True)]

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Crawled text is taken, not sold: no payment and no deal, but copyrighted text not yet trained on adds to the
        buyer's liability, spread over the domains in proportion to their new text. Held text was paid for by its
        licence."""
        if offer.source is Source.LICENSED:
            self.model.record_deal(self, buyer, tokens)
        elif offer.exposes:
            human, _, _ = self._crawled_by(buyer)
            new = self._new_text(buyer, human * self.usable_share)
            if new.sum() > 0.0:
                self.model.web.expose(buyer.unique_id, self.domains, new * min(tokens / new.sum(), 1.0))
        return 0.0

    # --- measurements ----------------------------------------------------------------------

    def effective_public_tokens(self, lab_id: int) -> float:
        """Usable tokens a lab may crawl or holds, AI text at its value (`Web.tier_effective_tokens`)."""
        return self.model.web.tier_effective_tokens(lab_id)[self.tier_index]

    @property
    def raw_tokens(self) -> np.ndarray:
        return self.human_tokens + self.ai_tokens
