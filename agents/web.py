"""The Web: every public domain, tier after tier, in one set of arrays, and what labs may use of it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np

from agents.offers import Offer
from sim import contracts, economics

if TYPE_CHECKING:
    from agents.publisher import Publisher

NOBODY = -1  # the licensee of a domain no lab holds exclusively
SIZE_HAZARD_EXPONENT = 1.4  # a domain reacts to scraping more than in proportion to its size (tuned, docs/calibration.md §7)


@dataclass(frozen=True)
class Access:
    """What labs may use of each tier, measured once per change in the commons and shared by all labs.

    Per tier (lists indexed like `Web.publishers`), in tokens before the tier's usable share. A lab
    with exclusive domains in a tier (`holders`) gets its own measure there; every other lab's
    is the common one.
    """

    crawl: np.ndarray  # per domain: free for any lab to crawl
    ai_value: float  # value of an AI-written token to a scraper that cannot filter it
    human_open: list[float]
    ai_open: list[float]
    licensable: list[float]
    effective_open: list[float]  # human + ai_value * AI tokens, crawlable
    holders: list[set[int]]  # per tier, the labs holding some of its domains, exclusively or under a term licence
    usable_shares: list[float]

    @functools.cached_property
    def any_holder(self) -> set[int]:
        """Labs holding a domain (exclusively or under a term licence) in any tier."""
        return set().union(*self.holders)

    @functools.cached_property
    def common_effective_tokens(self) -> float:
        """Usable public tokens for a lab that holds no domain: the sum Publisher by Publisher."""
        return sum(tokens * q for tokens, q in zip(self.effective_open, self.usable_shares))


class _Rights(NamedTuple):
    """Per domain, whether any lab may crawl it and whether it can be licensed, and who holds exclusives."""

    crawl: np.ndarray
    open_bounds: list[tuple[int, int]]  # `Web.masked_bounds(crawl)`
    licensable: np.ndarray
    licensable_bounds: list[tuple[int, int]]
    holders: list[set[int]]


# Per-domain arrays of the web, with the dtype of an empty one.
_DOMAIN_ARRAYS = {
    "human_tokens": float,
    "ai_tokens": float,
    "head": bool,
    "size_weight": float,
    "opted_out": bool,
    "licensee": np.int64,
    "opts_in": bool,
    "sensitivity": float,
    "copyrighted": bool,
    "commons": bool,
}
# The ones a Publisher sees as its own (views of its slice).
_PUBLISHER_ARRAYS = ("human_tokens", "ai_tokens", "head", "size_weight", "opted_out", "licensee", "opts_in")


class Web:
    """Every public domain, tier after tier, in one set of arrays.

    Each Publisher's arrays are views of its tier's slice, so the month's work on every domain
    (writing, reviewing crawler access) is one vectorised pass however many tiers there are, while
    each tier still deals with labs as one agent. Sums stay per tier, in the order a tier alone
    would add them, so results do not depend on how the domains are stored.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        self.publishers: list[Publisher] = []
        # Per lab, the step at which its term licence on each domain ends (0: none), and the usable tokens of each
        # copyrighted domain it trained on without a licence (its liability); see `sim.contracts`.
        self.licence_end: dict[int, np.ndarray] = {}
        self.exposure: dict[int, np.ndarray] = {}
        self.starts = np.zeros(0, dtype=np.intp)  # first domain of each tier
        self.bounds: list[tuple[int, int]] = []  # (first, last + 1) domain of each tier
        for name, dtype in _DOMAIN_ARRAYS.items():
            setattr(self, name, np.zeros(0, dtype=dtype))
        self.changed()

    def add(self, publisher: Publisher, raw_tokens: np.ndarray, head_size_tokens: float, opts_in: np.ndarray) -> None:
        """Append a tier's domains, then point every publisher at its slice of the new arrays."""
        n, tier = raw_tokens.size, publisher.tier
        new = {
            "human_tokens": raw_tokens,
            "ai_tokens": np.zeros(n),
            # Head domains are the largest, most actively maintained ones; smaller sites react less.
            "head": raw_tokens >= head_size_tokens,
            "size_weight": (raw_tokens / head_size_tokens) ** SIZE_HAZARD_EXPONENT,
            "opted_out": np.zeros(n, dtype=bool),
            "licensee": np.full(n, NOBODY, dtype=np.int64),
            "opts_in": opts_in,
            "sensitivity": np.full(n, tier.sensitivity),
            "copyrighted": np.full(n, tier.copyrighted),
            "commons": np.full(n, publisher.commons),
        }
        for name, values in new.items():
            setattr(self, name, np.concatenate([getattr(self, name), values]))
        for per_lab in (self.licence_end, self.exposure):
            for lab_id, values in per_lab.items():
                per_lab[lab_id] = np.concatenate([values, np.zeros(n, dtype=values.dtype)])
        self.publishers.append(publisher)
        self.starts = np.append(self.starts, self.human_tokens.size - n)
        ends = [*self.starts[1:].tolist(), self.human_tokens.size]
        self.bounds = list(zip(self.starts.tolist(), ends))
        self.sizes = np.diff(self.starts, append=self.human_tokens.size)
        for index, (p, (start, end)) in enumerate(zip(self.publishers, self.bounds)):
            p.tier_index, p.domains = index, slice(start, end)
            for name in _PUBLISHER_ARRAYS:
                setattr(p, name, getattr(self, name)[start:end])
        self.changed()

    def changed(self, text_only: bool = False) -> None:
        """Forget what labs could use: a domain's text or access state, or the policy, has changed.

        `text_only`: only the amount of text changed, not who may crawl or license what.
        """
        self._access: Access | None = None
        if not text_only:
            self._rights: _Rights | None = None

    # --- the month, for every domain at once --------------------------------------------------

    def produce(self) -> None:
        """New human text arrives; deployed models add AI-written text beside it."""
        market = self.model
        new_human = self.human_tokens * market.human_growth_per_month
        self.human_tokens += new_human
        written = new_human
        share = market.ai_share_of_new_text
        if share > 0.0:
            new_ai = new_human * share / (1.0 - share)
            self.ai_tokens += new_ai
            written = new_human + new_ai
        for p, tokens in zip(self.publishers, np.add.reduceat(written, self.starts).tolist()):
            p.written_tokens += tokens
        self.changed(text_only=True)

    def review_access(self) -> None:
        """Domains restrict AI crawlers when scraping is visible and heavy (a licensee keeps its licence)."""
        market = self.model
        if not market.params.constants.opt_out_response:
            return
        exposed = ~self.opted_out & (self.licensee == NOBODY) & ~self.commons
        # A tier with no exposed domain draws no random numbers, as if it had not looked.
        reviewing = np.repeat(np.logical_or.reduceat(exposed, self.starts), self.sizes)
        if not reviewing.any():
            return
        hazard = economics.opt_out_hazard(
            market.params.uncertainties.opt_out_hazard_per_month,
            market.awareness,
            market.scraping_pressure,
            self.sensitivity,
            self.size_weight,
        )
        draws = np.ones(exposed.size)
        draws[reviewing] = market.rng.random(int(reviewing.sum()))
        opting_out = exposed & (draws < hazard)
        if opting_out.any():
            self.opted_out |= opting_out
            self.changed()

    # --- what labs can get -----------------------------------------------------------------

    def crawlable(self) -> np.ndarray:
        """Domains any lab may crawl for free under the regime in force."""
        policy = self.model.policy
        open_ = self.licensee == NOBODY
        if policy.licensing_mandate:
            open_ &= ~self.copyrighted
        if policy.opt_out_regime == "robots":
            open_ &= ~self.opted_out
        elif policy.opt_out_regime == "opt_in":
            open_ &= self.opts_in & ~self.opted_out
        return open_ | self.commons  # released public data is open to all

    def restricting(self) -> np.ndarray:
        """Domains that restrict AI crawlers themselves, as Longpre et al. measured (robots.txt and terms):
        the ones that opted out, and under an opt-in regime those that did not opt in. A licensing mandate
        or an exclusive licence closes a domain to crawlers without the domain restricting them."""
        restricting = self.opted_out.copy()
        if self.model.policy.opt_out_regime == "opt_in":
            restricting |= ~self.opts_in
        return restricting & ~self.commons

    def access(self) -> Access:
        """What labs may use of each tier now; measured again only after a change (see `changed`)."""
        if self._access is None:
            self._access = self._measure_access()
        return self._access

    def _measure_access(self) -> Access:
        rights = self.rights()
        crawl, open_ = rights.crawl, rights.open_bounds
        market = self.model
        ai_value = 0.0 if market.policy.synthetic_labelling else market.params.uncertainties.pollution_value
        human, ai = self.human_tokens[crawl], self.ai_tokens[crawl]
        return Access(
            crawl=crawl,
            ai_value=ai_value,
            human_open=self.tier_sums(human, open_),
            ai_open=self.tier_sums(ai, open_),
            licensable=self.tier_sums(self.human_tokens[rights.licensable], rights.licensable_bounds),
            effective_open=self.tier_sums(human + ai_value * ai, open_),
            holders=rights.holders,
            usable_shares=[p.usable_share for p in self.publishers],
        )

    def rights(self) -> _Rights:
        """Who may crawl or license which domain: kept while only the amount of text changes."""
        if self._rights is None:
            crawl = self.crawlable()
            owned = np.flatnonzero(self.licensee != NOBODY)
            holders: list[set[int]] = [set() for _ in self.publishers]
            for tier, lab_id in zip(np.searchsorted(self.starts, owned, side="right") - 1, self.licensee[owned]):
                holders[tier].add(int(lab_id))
            for lab_id in self.licence_end:
                for tier in np.unique(np.searchsorted(self.starts, np.flatnonzero(self.licensed(lab_id)), side="right") - 1):
                    holders[tier].add(lab_id)
            licensable = ~crawl & (self.licensee == NOBODY)  # restricted: neither open nor sold
            self._rights = _Rights(
                crawl,
                self.masked_bounds(crawl),
                licensable,
                self.masked_bounds(licensable),
                holders,
            )
        return self._rights

    # --- term licences (sim/contracts.py) ------------------------------------------------------

    def licensed(self, lab_id: int) -> np.ndarray:
        """Domains a lab holds under a term licence in force this month."""
        ends = self.licence_end.get(lab_id)
        if ends is None:
            return np.zeros(self.human_tokens.size, dtype=bool)
        return ends > self.model.steps_done

    def held_by(self, lab_id: int) -> np.ndarray:
        """Domains a lab may use beside the open crawl: its exclusive domains and its term licences."""
        return (self.licensee == lab_id) | self.licensed(lab_id)

    def grant_licence(self, lab_id: int, domains: np.ndarray, end_step: int) -> None:
        """Open `domains` (indices) to one lab until `end_step`; the licence clears the lab's liability for them."""
        ends = self.licence_end.setdefault(lab_id, np.zeros(self.human_tokens.size, dtype=np.int64))
        ends[domains] = np.maximum(ends[domains], end_step)
        if lab_id in self.exposure:
            self.exposure[lab_id][domains] = 0.0
        self.changed()

    def exposure_of(self, lab_id: int) -> np.ndarray:
        """Usable tokens of each domain the lab trained on without a licence (do not modify)."""
        exposure = self.exposure.get(lab_id)
        return exposure if exposure is not None else np.zeros(self.human_tokens.size)

    def expose(self, lab_id: int, domains: slice, new_tokens: np.ndarray) -> None:
        """The lab trained on `new_tokens` more of each of `domains`' text without a licence."""
        exposure = self.exposure.setdefault(lab_id, np.zeros(self.human_tokens.size))
        exposure[domains] += new_tokens

    def bring_suits(self) -> None:
        """Holders sue the labs that trained on their text unlicensed; each suit settles that holder's stock once."""
        market = self.model
        u = market.params.uncertainties
        chance = contracts.suit_probability(u.suit_hazard_per_year, market.awareness, 1.0 / 12.0)
        if chance <= 0.0:
            return
        for lab in market.lab_list:
            exposure = self.exposure.get(lab.unique_id)
            if exposure is None:
                continue
            exposed = np.flatnonzero(exposure > 0.0)
            if exposed.size == 0:
                continue
            sued = exposed[market.rng.random(exposed.size) < chance]
            if sued.size:
                market.record_settlement(lab, float(exposure[sued].sum()) * u.settlement_usd_per_token, int(sued.size))
                exposure[sued] = 0.0

    def offers_to(self, buyer: mesa.Agent, plan: Any) -> list[Offer]:
        """Every tier's offers to a lab, tier by tier (each publisher settles its own)."""
        return [offer for p in self.publishers for offer in p.tier_offers(buyer, plan)]

    def high_quality_tokens(self, lab_id: int) -> float:
        """Usable high-quality tokens a lab may use once (crawlable or exclusively its own)."""
        return sum(p.effective_public_tokens(lab_id) * p.tier.high_quality_share for p in self.publishers)

    def effective_public_tokens(self, lab_id: int) -> float:
        """Usable public tokens a lab may use once (crawlable or exclusively its own)."""
        access = self.access()
        if lab_id in access.any_holder:
            return sum(p.effective_public_tokens(lab_id) for p in self.publishers)
        return access.common_effective_tokens

    def tier_sums(self, values: np.ndarray, bounds: list[tuple[int, int]] | None = None) -> list[float]:
        """Per tier, the sum of its stretch of `values` (all domains, or `masked_bounds` of a mask).

        Each is numpy's pairwise sum of that tier's elements alone, exactly what the tier would get
        from its own arrays.
        """
        add = np.add.reduce  # what ndarray.sum calls, without its wrapper
        return [float(add(values[start:end])) if end > start else 0.0 for start, end in bounds or self.bounds]

    def masked_bounds(self, mask: np.ndarray) -> list[tuple[int, int]]:
        """Where each tier's domains in `mask` lie in `values[mask]`."""
        ends = np.cumsum(np.add.reduceat(mask, self.starts, dtype=np.intp)).tolist()
        return list(zip([0, *ends[:-1]], ends))
