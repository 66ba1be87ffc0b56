"""The Web: every public domain, tier after tier, in one set of arrays, and what labs may use of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import mesa
import numpy as np

from agents.offers import Offer
from sim import contracts, economics

if TYPE_CHECKING:
    from agents.publisher import Publisher

NOBODY = -1  # the licensee of a domain no lab holds exclusively
# An exclusive is weighed on each tier's domains with the most text only a licence gives (the rest would not pay).
EXCLUSIVE_CANDIDATES = 8
SIZE_HAZARD_EXPONENT = 1.4  # a domain reacts to scraping more than in proportion to its size (tuned, docs/calibration.md §7)


@dataclass(frozen=True)
class Access:
    """What labs may use of each domain, measured once per change in the commons and shared by all labs.

    A domain open to crawlers gives all its text. One closed to them (an opt-out, an opt-in regime it did not join,
    an exclusive licence) still gives the snapshot the public archive took when it closed (Common Crawl keeps its
    past crawls): only its new text is closed. A crawler that does not comply with robots.txt takes that new text
    too, from the domains that restrict crawlers themselves. A licensing mandate closes copyrighted text, archived
    or not. Per-domain arrays in tokens; tier sums (lists indexed like `Web.publishers`) before the tier's usable
    share. A lab holding domains in a tier (`holders`: exclusively or under a term licence) gets its own measure there.
    """

    crawl: np.ndarray  # per domain: fully open to any lab
    open_human: np.ndarray  # per domain: human tokens any lab may crawl (all, or the archived snapshot)
    open_ai: np.ndarray
    ignored_human: np.ndarray  # per domain: human tokens only a crawler that ignores robots.txt takes
    ignored_ai: np.ndarray
    ai_value: float  # value of an AI-written token to a scraper that cannot filter it
    holders: list[set[int]]
    usable_shares: list[float]
    human_open: list[float]  # tier sums of the arrays above
    ai_open: list[float]
    human_ignored: list[float]
    ai_ignored: list[float]
    _effective: dict[float, float] = field(default_factory=dict)  # common_effective_tokens, by compliance
    _crawled: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # crawled, by compliance

    def crawled(self, compliance: float) -> tuple[np.ndarray, np.ndarray]:
        """Per domain, the human and AI tokens a lab crawls that honours robots.txt on `compliance` of its requests."""
        if compliance >= 1.0:
            return self.open_human, self.open_ai
        if compliance not in self._crawled:
            ignored = 1.0 - compliance
            self._crawled[compliance] = self.open_human + ignored * self.ignored_human, self.open_ai + ignored * self.ignored_ai
        return self._crawled[compliance]

    def tier_crawl(self, tier: int, compliance: float) -> tuple[float, float]:
        """A tier's human and AI tokens a lab with that compliance crawls, before the usable share."""
        ignored = 1.0 - compliance
        return self.human_open[tier] + ignored * self.human_ignored[tier], self.ai_open[tier] + ignored * self.ai_ignored[tier]

    def common_effective_tokens(self, compliance: float) -> float:
        """Usable public tokens for a lab that holds no domain: the sum Publisher by Publisher."""
        if compliance not in self._effective:
            total = 0.0
            for tier, q in enumerate(self.usable_shares):
                human, ai = self.tier_crawl(tier, compliance)
                total += (human + self.ai_value * ai) * q
            self._effective[compliance] = total
        return self._effective[compliance]


@dataclass(frozen=True)
class LicenceTerms:
    """Per domain (every domain of the web, or those asked about): whether a term licence to one lab is a candidate,
    its usable tokens, those only a licence gives, its worth to the lab and the domain's reservation, in USD over the
    term (`Web.licence_terms`)."""

    candidates: np.ndarray
    usable: np.ndarray
    closed: np.ndarray
    value: np.ndarray
    reservation: np.ndarray

    @property
    def surplus(self) -> np.ndarray:
        """What a licence leaves both sides together, after the buyer's cost of a deal."""
        return self.value - self.reservation - contracts.DEAL_COST_USD

    def without(self, domain: int) -> LicenceTerms:
        """The same terms (one buyer's, on every domain) once `domain` is no longer a candidate: a term licence on one
        domain changes no other domain's terms, and an exclusive closes the domain to every other crawler only."""
        candidates = self.candidates.copy()
        candidates[domain] = False
        return replace(self, candidates=candidates)


class _Rights(NamedTuple):
    """Per domain, whether any lab may crawl it, whether its archived snapshot is open, whether a crawler that
    ignores robots.txt takes its new text; and per tier, who holds domains."""

    crawl: np.ndarray
    archive_open: np.ndarray
    robots_closed: np.ndarray
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
    "exclusive_end": np.int64,  # the step an exclusive licence ends (with `licensee`)
    "archived": bool,  # closed to crawlers since `archived_human` and `archived_ai` were taken
    "archived_human": float,
    "archived_ai": float,
    "tier": np.intp,  # the tier's index in `Web.publishers`
    "usable_share": float,  # the tier's share of its text worth training on (`Publisher.usable_share`)
    "high_quality_share": float,  # the tier's share of usable tokens in the high-quality subset
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

    offers_depend_on_plan = False  # `OfferBook`: asked once per decision

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
            "exclusive_end": np.zeros(n, dtype=np.int64),
            "archived": np.zeros(n, dtype=bool),
            "archived_human": np.zeros(n),
            "archived_ai": np.zeros(n),
            "tier": np.full(n, len(self.publishers), dtype=np.intp),
            "usable_share": np.full(n, publisher.usable_share),
            "high_quality_share": np.full(n, tier.high_quality_share),
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
        self.rights()  # domains that closed since access was last measured are archived as they stood, before new text
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
        crawl = rights.crawl
        market = self.model
        ai_value = 0.0 if market.policy.synthetic_labelling else market.params.uncertainties.pollution_value
        archived = rights.archive_open
        open_human = np.where(
            crawl, self.human_tokens, np.where(archived, np.minimum(self.archived_human, self.human_tokens), 0.0)
        )
        open_ai = np.where(crawl, self.ai_tokens, np.where(archived, np.minimum(self.archived_ai, self.ai_tokens), 0.0))
        ignored_human = np.where(rights.robots_closed, self.human_tokens - open_human, 0.0)
        ignored_ai = np.where(rights.robots_closed, self.ai_tokens - open_ai, 0.0)
        human_open, ai_open, human_ignored, ai_ignored = self.tier_sums(
            np.stack([open_human, open_ai, ignored_human, ignored_ai])
        )
        return Access(
            crawl=crawl,
            open_human=open_human,
            open_ai=open_ai,
            ignored_human=ignored_human,
            ignored_ai=ignored_ai,
            ai_value=ai_value,
            holders=rights.holders,
            usable_shares=[p.usable_share for p in self.publishers],
            human_open=human_open,
            ai_open=ai_open,
            human_ignored=human_ignored,
            ai_ignored=ai_ignored,
        )

    def rights(self) -> _Rights:
        """Who may crawl which domain, and which domains' snapshots the archive keeps: kept while only the amount of
        text changes. A domain that closes to crawlers now is archived as it stands."""
        if self._rights is None:
            crawl = self.crawlable()
            self.archived &= ~crawl  # an open domain gives all its text; it is archived again if it closes
            closing = ~crawl & ~self.archived
            if closing.any():
                self.archived_human[closing] = self.human_tokens[closing]
                self.archived_ai[closing] = self.ai_tokens[closing]
                self.archived |= closing
            mandated = self.copyrighted if self.model.policy.licensing_mandate else np.zeros_like(crawl)
            owned = self.licensee != NOBODY
            holders: list[set[int]] = [set() for _ in self.publishers]
            for tier, lab_id in zip(self.tier[owned].tolist(), self.licensee[owned].tolist()):
                holders[tier].add(lab_id)
            if self.licence_end:  # per lab (rows) and tier (columns), whether it holds a term licence there
                labs = list(self.licence_end)
                in_force = np.stack([self.licence_end[lab_id] for lab_id in labs]) > self.model.steps_done
                rows, tiers = np.nonzero(np.logical_or.reduceat(in_force, self.starts, axis=1))
                for row, tier in zip(rows.tolist(), tiers.tolist()):
                    holders[tier].add(labs[row])
            self._rights = _Rights(
                crawl=crawl,
                archive_open=self.archived & ~mandated,
                robots_closed=~crawl & self.restricting() & (self.licensee == NOBODY) & ~mandated,
                holders=holders,
            )
        return self._rights

    # --- term licences (sim/contracts.py) ------------------------------------------------------

    def licensed(self, lab_id: int, domains: slice = slice(None)) -> np.ndarray:
        """Which of `domains` (all of them by default) a lab holds under a term licence in force this month."""
        ends = self.licence_end.get(lab_id)
        if ends is None:
            return np.zeros(self.human_tokens[domains].size, dtype=bool)
        return ends[domains] > self.model.steps_done

    def held_by(self, lab_id: int, domains: slice = slice(None)) -> np.ndarray:
        """Which of `domains` (all by default) a lab may use beside the open crawl: its exclusive ones and its term
        licences."""
        return (self.licensee[domains] == lab_id) | self.licensed(lab_id, domains)

    def grant_licence(self, lab_id: int, domain: int, end_step: int) -> None:
        """Open `domain` (its index) to one lab until `end_step`; the licence clears the lab's liability for it.

        A term licence changes only who holds domains, not what any crawler may take: the lab joins the holders of
        the domain's tier, and the measures of access stand (an exclusive changes both: `Publisher.grant_exclusive`).
        """
        ends = self.licence_end.get(lab_id)
        if ends is None:
            ends = self.licence_end[lab_id] = np.zeros(self.human_tokens.size, dtype=np.int64)
        ends[domain] = max(int(ends[domain]), end_step)
        if lab_id in self.exposure:
            self.exposure[lab_id][domain] = 0.0
        if self._rights is not None:
            self._rights.holders[int(self.tier[domain])].add(lab_id)  # the same lists as `Access.holders`

    def licence_terms(
        self, buyer: mesa.Agent, outlook: contracts.Outlook, among: np.ndarray | None = None
    ) -> LicenceTerms | None:
        """What a term licence on each domain (or on those `among`, indices in the web) is worth to the buyer and to the
        domain (None: no candidate); see `buyers_terms`."""
        terms = self.buyers_terms([buyer], [outlook], among)
        return None if terms is None else LicenceTerms(*(getattr(terms, name)[0] for name in LicenceTerms.__dataclass_fields__))

    def buyers_terms(
        self, buyers: list[mesa.Agent], outlooks: list[contracts.Outlook], among: np.ndarray | None = None
    ) -> LicenceTerms | None:
        """What a term licence on each domain (or on those `among`, indices in the web) is worth to each buyer (with its
        outlook) and to the domain: arrays of buyers x domains (None: no candidate for any). Every tier at once: each
        domain carries its tier's usable and high-quality shares.

        A candidate is a domain outside the commons that no lab holds exclusively, whose licence to the buyer ends before
        the buyer's next run, and which holds text the buyer cannot crawl (past the archive's snapshot, or all of it) or
        is copyrighted. Its worth to the buyer is the text it cannot crawl at its value over the term
        (`Outlook.value_per_token`), or, for text it may crawl at a legal risk, the part of that risk the licence saves,
        plus, for the liability it holds, the expected award and the litigation it saves (`contracts.settlement_terms`).
        The domain's reservation is the traffic that the buyer's AI answers would take from it, plus the award it could
        win less what a suit would cost it.
        """
        market, access = self.model, self.access()
        at = slice(None) if among is None else among
        share = self.usable_share[at]
        usable = self.human_tokens[at] * share
        crawled = np.stack([access.crawled(market.robots_compliance(buyer))[0][at] for buyer in buyers]) * share
        exposure = np.stack([self.exposure_of(buyer.unique_id)[at] for buyer in buyers])
        horizon = np.array([[market.steps_done + buyer.spec.cadence_months] for buyer in buyers])
        no_licence = np.zeros(usable.size, dtype=np.int64)
        ends = np.stack([self.licence_end[b.unique_id][at] if b.unique_id in self.licence_end else no_licence for b in buyers])
        closed = usable - crawled  # what only a licence gives
        copyrighted = self.copyrighted[at]
        candidates = (ends <= horizon) & (self.licensee[at] == NOBODY) & ((closed > 0.0) | copyrighted) & ~self.commons[at]
        if not candidates.any():
            return None
        u, hq = market.params.uncertainties, self.high_quality_share[at]
        high, web_text = np.array([outlook.value_per_token(np.array([u.high_quality_value, 1.0])) for outlook in outlooks]).T
        per_token = hq * high[:, None] + (1.0 - hq) * web_text[:, None]
        chance = contracts.suit_probability(u.suit_hazard_per_year, market.awareness)
        # The lab would use crawlable copyrighted text unlicensed, or not at all: the licence saves the lesser.
        cleared = np.where(copyrighted, np.minimum(u.settlement_usd_per_token * chance, per_token), 0.0)
        text = closed * per_token + np.maximum(crawled - exposure, 0.0) * cleared
        award, litigation = contracts.settlement_terms(exposure * u.settlement_usd_per_token, chance)
        reach = self.human_tokens[at] * u.holder_reservation_usd_per_token_year * market.awareness
        traffic = reach * np.array([[buyer.market_share] for buyer in buyers])
        return LicenceTerms(
            candidates=candidates,
            usable=np.repeat(usable[None, :], len(buyers), axis=0),
            closed=closed,
            value=text + award + litigation,
            reservation=traffic * contracts.annuity() + award - litigation,
        )

    def licence_deals(self, terms: LicenceTerms | None) -> list[tuple[Publisher, int, float, float]]:
        """The term licences that leave the buyer and the domain a surplus (`terms`, from `licence_terms` on every
        domain), after the buyer's cost of a deal (`contracts.DEAL_COST_USD`), priced to split it equally. Returns
        (publisher, domain index in the web, usable tokens, yearly fee) for every deal worth signing, tier by tier,
        largest first within a tier."""
        if terms is None:
            return []
        surplus = terms.surplus
        signed = np.flatnonzero(terms.candidates & (surplus > economics.NEGLIGIBLE_SHARE * terms.value))
        fees = (terms.reservation[signed] + economics.BARGAINING_SHARE * surplus[signed]) / contracts.annuity()
        order = np.lexsort((-terms.usable[signed], self.tier[signed]))
        return [
            (self.publishers[self.tier[signed[i]]], int(signed[i]), float(terms.usable[signed[i]]), float(fees[i]))
            for i in order.tolist()
        ]

    def exclusive_deal(
        self,
        buyer: mesa.Agent,
        terms: LicenceTerms | None,
        foreclosure_usd_per_token: np.ndarray,
        rival_terms: Callable[[np.ndarray], LicenceTerms | None],
    ) -> tuple[Publisher, int, float, float, float] | None:
        """The domain whose exclusive licence gains the buyer most over a non-exclusive one, if any gains.

        An exclusive is worth to the buyer its non-exclusive value (`terms`, from `licence_terms` on every domain) plus
        the profit it gains over the term as rivals lose the text only a licence gives (the archive keeps the rest for
        all): `foreclosure_usd_per_token` (per tier) times the closed tokens. It costs the domain its reservation plus
        its share of the licences the rivals would have signed (`rival_terms(among)`: the rivals' `buyers_terms` on
        the candidate domains, asked only if one could gain). The price splits the surplus equally. Each tier weighs
        its `EXCLUSIVE_CANDIDATES` domains with the most closed text; the best tier's best domain is signed, the first
        tier on a tie. Returns (publisher, domain index in the web, usable tokens, yearly fee, the buyer's gain over the
        non-exclusive licence), or None.
        """
        if terms is None:
            return None
        eligible = np.flatnonzero(terms.candidates & (terms.closed > 0.0) & ~self.others_licensed(buyer.unique_id))
        if eligible.size == 0:
            return None
        # Per tier, its candidates with the most closed text first (stable), at most EXCLUSIVE_CANDIDATES.
        eligible = eligible[np.lexsort((-terms.closed[eligible], self.tier[eligible]))]
        tiers = self.tier[eligible]
        position = np.arange(eligible.size)
        first = np.concatenate(([True], tiers[1:] != tiers[:-1]))  # the first of its tier
        rank = position - np.maximum.accumulate(np.where(first, position, 0))
        candidates, tiers = eligible[rank < EXCLUSIVE_CANDIDATES], tiers[rank < EXCLUSIVE_CANDIDATES]
        # The rivals' licences forgone only lower the surplus: a tier where none would gain without them gains nothing.
        value = terms.value[candidates] + terms.closed[candidates] * foreclosure_usd_per_token[tiers]
        most = value - terms.reservation[candidates] - contracts.DEAL_COST_USD
        most_gain = economics.BARGAINING_SHARE * (most - np.maximum(terms.surplus[candidates], 0.0))
        could = (most_gain > economics.NEGLIGIBLE_SHARE * terms.value[candidates]) & (most > 0.0)
        tier_could = np.zeros(len(self.publishers), dtype=bool)
        tier_could[tiers[could]] = True
        keep = tier_could[tiers]
        if not keep.any():
            return None
        candidates, tiers, value = candidates[keep], tiers[keep], value[keep]
        rivals = rival_terms(candidates)
        forgone = np.zeros(candidates.size)
        if rivals is not None:  # added rival by rival, in their order
            forgone += (economics.BARGAINING_SHARE * np.maximum(rivals.surplus, 0.0) * rivals.candidates).sum(axis=0)
        reservation = terms.reservation[candidates] + forgone
        surplus = value - reservation - contracts.DEAL_COST_USD
        gain = economics.BARGAINING_SHARE * (surplus - np.maximum(terms.surplus[candidates], 0.0))
        best = None
        for tier in np.unique(tiers).tolist():
            where = np.flatnonzero(tiers == tier)
            i = int(where[np.argmax(gain[where])])
            if gain[i] <= economics.NEGLIGIBLE_SHARE * terms.value[candidates[i]] or surplus[i] <= 0.0:
                continue
            if best is None or gain[i] > gain[best]:
                best = i
        if best is None:
            return None
        fee = (reservation[best] + economics.BARGAINING_SHARE * surplus[best]) / contracts.annuity()
        domain = int(candidates[best])
        return self.publishers[tiers[best]], domain, float(terms.usable[domain]), float(fee), float(gain[best])

    def others_licensed(self, lab_id: int) -> np.ndarray:
        """Domains another lab holds under a licence in force."""
        others = np.zeros(self.human_tokens.size, dtype=bool)
        for other in self.licence_end:
            if other != lab_id:
                others |= self.licensed(other)
        return others

    def end_licences(self) -> None:
        """Licences ending this month: exclusive domains reopen, and every lab's access is measured again."""
        ended = (self.licensee != NOBODY) & (self.exclusive_end <= self.model.steps_done)
        self.licensee[ended] = NOBODY
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

    def effective_public_tokens(self, lab_id: int, tiers: list[float] | None = None) -> float:
        """Usable public tokens a lab may use once (crawlable or its own); `tiers`: its `tier_effective_tokens`, if
        already measured."""
        access = self.access()
        if any(lab_id in holders for holders in access.holders):
            return sum(self.tier_effective_tokens(lab_id) if tiers is None else tiers)
        return access.common_effective_tokens(self.model.robots_compliance(self.model.lab_by_id[lab_id]))

    def public_stocks(self, lab_id: int) -> tuple[float, float]:
        """Usable public tokens a lab may use once (`effective_public_tokens`), and the high-quality ones among them,
        from one measure of its tiers."""
        tiers = self.tier_effective_tokens(lab_id)
        high_quality = sum(t * p.tier.high_quality_share for t, p in zip(tiers, self.publishers))
        return self.effective_public_tokens(lab_id, tiers), high_quality

    def tier_effective_tokens(self, lab_id: int) -> list[float]:
        """Per tier, the usable tokens a lab may use once: what it crawls, and all of the domains it holds, AI text at
        its value. The tiers where it holds domains are measured over the whole web at once."""
        access = self.access()
        compliance = self.model.robots_compliance(self.model.lab_by_id[lab_id])
        holds = [lab_id in holders for holders in access.holders]
        if any(holds):
            human, ai = access.crawled(compliance)
            held = self.held_by(lab_id)
            human, ai = np.where(held, self.human_tokens, human), np.where(held, self.ai_tokens, ai)
            held_sums = self.tier_sums(human + access.ai_value * ai)
        tiers = []
        for tier, p in enumerate(self.publishers):
            if holds[tier]:
                tiers.append(held_sums[tier] * p.usable_share)
            else:
                human_open, ai_open = access.tier_crawl(tier, compliance)
                tiers.append((human_open + access.ai_value * ai_open) * p.usable_share)
        return tiers

    def tier_sums(self, values: np.ndarray) -> list:
        """Per tier, the sum of its stretch of `values`; of each row's, for rows of values (a list per row).

        Each is numpy's pairwise sum of that tier's elements alone, exactly what the tier would get
        from its own arrays (a reduction along a row sums it as it would the row alone).
        """
        add = np.add.reduce  # what ndarray.sum calls, without its wrapper
        return np.array([add(values[..., start:end], axis=-1) for start, end in self.bounds]).T.tolist()
