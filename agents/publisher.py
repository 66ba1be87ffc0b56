"""Web publishers: the holders of the public text commons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from agents.web import NOBODY
from sim import contracts, economics

if TYPE_CHECKING:
    from agents.web import Access


# An exclusive is weighed on the domains with the most text only a licence gives (the rest would not pay).
EXCLUSIVE_CANDIDATES = 8


@dataclass(frozen=True)
class LicenceTerms:
    """Per domain of a tier: whether a licence to one lab is a candidate, its usable tokens, those only a licence gives,
    its worth to the lab and the domain's reservation, in USD over the term."""

    candidates: np.ndarray
    usable: np.ndarray
    closed: np.ndarray
    value: np.ndarray
    reservation: np.ndarray

    @property
    def surplus(self) -> np.ndarray:
        """What a licence leaves both sides together, after the buyer's cost of a deal."""
        return self.value - self.reservation - contracts.DEAL_COST_USD


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
        web.grant_licence(lab.unique_id, np.array([domain]), start + contracts.LICENCE_TERM_MONTHS)
        return start

    def grant_exclusive(self, lab: mesa.Agent, domain: int, usd_per_year: float) -> int:
        """Give one lab sole use of a domain (its index in the web) for a term, for `usd_per_year`; returns the start.
        Other labs keep the archive's snapshot of it; the licence clears the lab's liability for it."""
        self.licence_revenue_usd += usd_per_year * contracts.LICENCE_TERM_YEARS
        web, start = self.model.web, self.model.steps_done
        web.licensee[domain] = lab.unique_id
        web.exclusive_end[domain] = start + contracts.LICENCE_TERM_MONTHS
        web.grant_licence(lab.unique_id, np.array([domain]), start + contracts.LICENCE_TERM_MONTHS)
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

    def licence_terms(
        self, buyer: mesa.Agent, outlook: contracts.Outlook, among: np.ndarray | None = None
    ) -> LicenceTerms | None:
        """What a term licence on each of this tier's domains (or on those `among`, indices in the tier) is worth to the
        buyer and to the domain (None: no candidate).

        A candidate is a domain no lab holds exclusively whose licence to the buyer ends before the buyer's next run,
        and which holds text the buyer cannot crawl (past the archive's snapshot, or all of it) or is copyrighted. Its
        worth to the buyer is the text it cannot crawl at its value over the term (`Outlook.value_per_token`), or, for
        text it may crawl at a legal risk, the part of that risk the licence saves, plus, for the liability it holds,
        the expected award and the litigation it saves (`contracts.settlement_terms`). The domain's reservation is
        the traffic that the buyer's AI answers would take from it, plus the award it could win less what a suit
        would cost it.
        """
        if self.commons:
            return None
        market, web = self.model, self.model.web
        at = slice(None) if among is None else among
        usable = self.human_tokens[at] * self.usable_share
        crawled = self._access().crawled(market.robots_compliance(buyer))[0][self.domains][at] * self.usable_share
        exposure = web.exposure_of(buyer.unique_id)[self.domains][at]
        ends = web.licence_end.get(buyer.unique_id)
        renewing = ends[self.domains][at] <= market.steps_done + buyer.spec.cadence_months if ends is not None else True
        closed = usable - crawled  # what only a licence gives
        candidates = renewing & (self.licensee[at] == NOBODY) & ((closed > 0.0) | self.tier.copyrighted)
        if not candidates.any():
            return None
        u, hq = market.params.uncertainties, self.tier.high_quality_share
        high, web_text = outlook.value_per_token(np.array([u.high_quality_value, 1.0]))
        per_token = hq * high + (1.0 - hq) * web_text
        chance = contracts.suit_probability(u.suit_hazard_per_year, market.awareness)
        # The lab would use crawlable copyrighted text unlicensed, or not at all: the licence saves the lesser.
        cleared = min(u.settlement_usd_per_token * chance, per_token) if self.tier.copyrighted else 0.0
        text = closed * per_token + np.maximum(crawled - exposure, 0.0) * cleared
        award, litigation = contracts.settlement_terms(exposure * u.settlement_usd_per_token, chance)
        traffic = self.human_tokens[at] * u.holder_reservation_usd_per_token_year * market.awareness * buyer.market_share
        return LicenceTerms(
            candidates=candidates,
            usable=usable,
            closed=closed,
            value=text + award + litigation,
            reservation=traffic * contracts.annuity() + award - litigation,
        )

    def licence_deals(self, buyer: mesa.Agent, outlook: contracts.Outlook) -> list[tuple[int, float, float]]:
        """The term licences on this tier's domains that leave the buyer and the domain a surplus (`licence_terms`),
        after the buyer's cost of a deal (`contracts.DEAL_COST_USD`), priced to split it equally. Returns (domain
        index in the web, usable tokens, yearly fee) for every deal worth signing, largest first."""
        terms = self.licence_terms(buyer, outlook)
        if terms is None:
            return []
        surplus = terms.surplus
        signed = np.flatnonzero(terms.candidates & (surplus > economics.NEGLIGIBLE_SHARE * terms.value))
        fees = (terms.reservation[signed] + economics.BARGAINING_SHARE * surplus[signed]) / contracts.annuity()
        order = np.argsort(-terms.usable[signed], kind="stable")
        start = self.domains.start
        return [(start + int(signed[i]), float(terms.usable[signed[i]]), float(fees[i])) for i in order]

    def exclusive_deal(
        self,
        buyer: mesa.Agent,
        outlook: contracts.Outlook,
        foreclosure: Callable[[np.ndarray], np.ndarray],
        rival_terms: Callable[[np.ndarray], list[LicenceTerms | None]],
    ) -> tuple[int, float, float, float] | None:
        """The domain whose exclusive licence gains the buyer most over a non-exclusive one, if any gains.

        An exclusive is worth to the buyer its non-exclusive value plus `foreclosure(closed tokens)`: the profit it
        gains over the term as rivals lose the text only a licence gives (the archive keeps the rest for all). It
        costs the domain its reservation plus its share of the licences the rivals would have signed (`rival_terms(among)`:
        each rival's `licence_terms` on the candidate domains, asked only if one could gain). The price splits the surplus equally. Returns (domain index in the web,
        usable tokens, yearly fee, the buyer's gain over the non-exclusive licence), or None.
        """
        terms = self.licence_terms(buyer, outlook)
        if terms is None:
            return None
        others = self.model.web.others_licensed(buyer.unique_id)[self.domains]
        candidates = np.flatnonzero(terms.candidates & (terms.closed > 0.0) & ~others)
        if candidates.size == 0:
            return None
        candidates = candidates[np.argsort(-terms.closed[candidates], kind="stable")[:EXCLUSIVE_CANDIDATES]]
        # The rivals' licences forgone only lower the surplus: where none would gain without them, none gains.
        value = terms.value[candidates] + foreclosure(terms.closed[candidates])
        most = value - terms.reservation[candidates] - contracts.DEAL_COST_USD
        most_gain = economics.BARGAINING_SHARE * (most - np.maximum(terms.surplus[candidates], 0.0))
        if not ((most_gain > economics.NEGLIGIBLE_SHARE * terms.value[candidates]) & (most > 0.0)).any():
            return None
        forgone = np.zeros(candidates.size)
        for rival in rival_terms(candidates):
            if rival is not None:
                forgone += economics.BARGAINING_SHARE * np.maximum(rival.surplus, 0.0) * rival.candidates
        reservation = terms.reservation[candidates] + forgone
        surplus = value - reservation - contracts.DEAL_COST_USD
        gain = economics.BARGAINING_SHARE * (surplus - np.maximum(terms.surplus[candidates], 0.0))
        best = int(np.argmax(gain))
        if gain[best] <= economics.NEGLIGIBLE_SHARE * terms.value[candidates[best]] or surplus[best] <= 0.0:
            return None
        fee = (reservation[best] + economics.BARGAINING_SHARE * surplus[best]) / contracts.annuity()
        domain = int(candidates[best])
        return self.domains.start + domain, float(terms.usable[domain]), float(fee), float(gain[best])

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
