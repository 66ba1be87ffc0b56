"""Web publishers: the holders of the public text commons."""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.offers import Offer, Source
from sim import economics

NOBODY = -1


@dataclass(frozen=True)
class Tier:
    """A quality tier of public text."""

    name: str
    token_share: float  # share of the raw indexed web
    domain_share: float  # share of publishers (domains)
    relative_quality: float  # usable share relative to the web average
    sensitivity: float  # propensity to restrict crawlers (Longpre et al. 2024: news first)
    licence_usd_per_token: float  # per token per run, CALIBRATION §6b [D]
    copyrighted: bool  # covered by a licensing mandate


# Token shares follow the composition of filtered web corpora; prices span the two orders of
# magnitude between user content (Reddit-Google, ~1e-4 $/token/yr) and books (HarperCollins,
# ~1.3e-2 $/token/yr). CALIBRATION §6b.
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
    opted out (robots.txt / terms of service), or exclusively licensed to one lab.
    """

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
        self.human_tokens = raw_tokens.astype(float)
        self.ai_tokens = np.zeros_like(self.human_tokens)
        # Head domains are the largest, most actively maintained ones; smaller sites react less.
        self.head = raw_tokens >= head_size_tokens
        self.size_weight = np.minimum(1.0, np.sqrt(raw_tokens / head_size_tokens))
        self.opted_out = np.zeros(raw_tokens.size, dtype=bool)
        self.licensee = np.full(raw_tokens.size, NOBODY, dtype=np.int64)
        self.paid = np.zeros(raw_tokens.size, dtype=bool)
        # Whether the domain would opt in under an opt-in regime, drawn once per domain.
        self.opts_in = self.rng.random(raw_tokens.size) > tier.sensitivity
        self.commons = tier is COMMONS_TIER
        # Running totals for the conservation check: the pool is what it started with plus what was written.
        self.initial_tokens = float(self.human_tokens.sum())
        self.written_tokens = 0.0

    # --- decisions -------------------------------------------------------------------------

    def produce(self) -> None:
        """New human text arrives; deployed models add AI-written text beside it."""
        market = self.model
        new_human = self.human_tokens * market.human_growth_per_month
        self.human_tokens += new_human
        self.written_tokens += float(new_human.sum())
        share = market.ai_share_of_new_text
        if share > 0.0:
            new_ai = new_human * share / (1.0 - share)
            self.ai_tokens += new_ai
            self.written_tokens += float(new_ai.sum())

    def review_access(self) -> None:
        """Unpaid domains restrict AI crawlers when scraping is visible and heavy."""
        market = self.model
        if self.commons or not market.params.constants.opt_out_response:
            return
        exposed = ~self.opted_out & ~self.paid & (self.licensee == NOBODY)
        if not exposed.any():
            return
        hazard = economics.opt_out_hazard(
            market.params.uncertainties.opt_out_hazard_per_month,
            market.awareness,
            market.scraping_pressure,
            self.tier.sensitivity,
            self.size_weight,
        )
        self.opted_out |= exposed & (self.rng.random(self.opted_out.size) < hazard)

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
        candidates = np.flatnonzero(self.head & self.crawlable() & (price <= budget_usd))
        if candidates.size == 0:
            return None
        best = int(candidates[np.argmax(usable[candidates])])
        return best, float(usable[best])

    def license_exclusive(self, domain: int, lab_id: int) -> float:
        """Grant one lab sole access to a domain; returns the USD it pays."""
        self.licensee[domain] = lab_id
        self.paid[domain] = True
        usable = self.human_tokens[domain] * self.usable_share
        return float(usable * self.tier.licence_usd_per_token * self.model.EXCLUSIVE_PREMIUM)

    # --- what labs can get -----------------------------------------------------------------

    def crawlable(self) -> np.ndarray:
        """Domains any lab may crawl for free under the regime in force."""
        if self.commons:
            return np.ones(self.opted_out.size, dtype=bool)
        policy = self.model.policy
        if policy.licensing_mandate and self.tier.copyrighted:
            return np.zeros(self.opted_out.size, dtype=bool)
        open_ = self.licensee == NOBODY
        if policy.opt_out_regime == "robots":
            open_ &= ~self.opted_out
        elif policy.opt_out_regime == "opt_in":
            open_ &= self.opts_in & ~self.opted_out
        return open_

    def _licensable(self) -> np.ndarray:
        return ~self.crawlable() & (self.licensee == NOBODY)

    def offers_to(self, lab_id: int) -> list[Offer]:
        """Free crawl of the open commons, the lab's own exclusive domains, and paid licences."""
        market = self.model
        q = self.usable_share
        crawl = self.crawlable()
        own = self.licensee == lab_id
        human_open = float(self.human_tokens[crawl].sum()) * q
        offers = [Offer(self, Source.PUBLIC, self.tier.name, human_open, 1.0, 0.0)]
        if not market.policy.synthetic_labelling:
            ai_open = float(self.ai_tokens[crawl].sum()) * q
            offers.append(
                Offer(
                    self,
                    Source.PUBLIC,
                    self.tier.name,
                    ai_open,
                    market.params.uncertainties.pollution_value,
                    0.0,
                    ai_generated=True,
                )
            )
        if own.any():
            offers.append(Offer(self, Source.LICENSED, self.tier.name, float(self.human_tokens[own].sum()) * q, 1.0, 0.0))
        licensable = float(self.human_tokens[self._licensable()].sum()) * q
        if licensable > 0.0:
            offers.append(Offer(self, Source.LICENSED, self.tier.name, licensable, 1.0, self.tier.licence_usd_per_token))
        return offers

    # --- measurements ----------------------------------------------------------------------

    def effective_public_tokens(self, lab_id: int) -> float:
        """Usable tokens a lab may crawl or already holds exclusively, AI text at its value."""
        market = self.model
        mask = self.crawlable() | (self.licensee == lab_id)
        ai_value = 0.0 if market.policy.synthetic_labelling else market.params.uncertainties.pollution_value
        return float((self.human_tokens[mask] + ai_value * self.ai_tokens[mask]).sum()) * self.usable_share

    @property
    def raw_tokens(self) -> np.ndarray:
        return self.human_tokens + self.ai_tokens
