"""The data alliance: pooled non-public data for members only."""

from __future__ import annotations

from typing import Any

import mesa

from agents.offers import Checkout, Offer, Source

# OpenAI's Data Partnerships were announced in November 2023 (docs/calibration.md §6).
FOUNDED_YEAR = 2023 + 10 / 12
FEE_USD_PER_YEAR = 2e7
REACHABLE_SHARE = 0.1  # share of private text held by institutions willing to partner
PROCESSING_CONSENT_BOOST = 2.0  # de-identification and aggregation widen what holders may share
PROCESSING_QUALITY = 0.8  # ... at a cost in token value
BASE_QUALITY = 0.5
ACQUISITION_USD_PER_TOKEN = 2e-5
RIVAL_SHARE = 0.5  # without antitrust rules, members refuse closed rivals this large relative to the founder


class DataAlliance(mesa.Agent):
    """A consortium in the spirit of OpenAI's Data Partnerships.

    Fees from members buy privacy-processed data from institutional holders into a pool that only
    members may draw from. Each lab decides every January whether membership pays; without an
    antitrust rule the members keep large closed rivals out.
    """

    offers_depend_on_plan = False  # `OfferBook`: asked once per decision

    def __init__(self, model: mesa.Model, private_tokens: float) -> None:
        super().__init__(model)
        self.reachable_tokens = private_tokens * REACHABLE_SHARE
        self.pool_tokens = 0.0
        self.members: set[int] = set()
        self.founder: int | None = None
        self.quality = BASE_QUALITY * PROCESSING_QUALITY
        self.fee_usd_per_year = FEE_USD_PER_YEAR

    def step(self) -> None:
        """Spend this month's fees on new pooled data, up to what holders may consent to share."""
        if self.model.year < FOUNDED_YEAR:
            return
        if self.founder is None:
            self._found()
        cap = self.reachable_tokens * min(1.0, PROCESSING_CONSENT_BOOST * self.model.consented_share())
        budget = len(self.members) * self.fee_usd_per_year / 12.0
        self.model.record_data_spend(budget, 0.0)  # the members' fees
        self.pool_tokens = min(cap, self.pool_tokens + budget / ACQUISITION_USD_PER_TOKEN)

    def _found(self) -> None:
        founder = max(self.model.lab_list, key=lambda lab: (lab.kind == "closed", lab.spec.compute_share))
        self.founder = founder.unique_id
        self.join(founder)

    def admits(self, lab: mesa.Agent) -> bool:
        """Open admission under antitrust; otherwise members keep big closed rivals out."""
        if self.founder is None or self.model.year < FOUNDED_YEAR:
            return False
        if self.model.policy.alliance_antitrust or lab.kind == "open":
            return True
        founder_share = self.model.lab_by_id[self.founder].market_share
        return lab.market_share < RIVAL_SHARE * founder_share

    def join(self, lab: mesa.Agent) -> None:
        self.members.add(lab.unique_id)
        self.model.record_membership(lab, self, member=True)

    def leave(self, lab: mesa.Agent) -> None:
        if lab.unique_id == self.founder:
            return
        self.members.discard(lab.unique_id)
        self.model.record_membership(lab, self, member=False)

    # --- as a seller ------------------------------------------------------------------------

    def offers_to(self, buyer: mesa.Agent, plan: Any = None) -> list[Offer]:
        """The pool, free to members (their fees paid for it)."""
        if not self.model.params.constants.private_sourcing or buyer.unique_id not in self.members or self.pool_tokens <= 0.0:
            return []
        # In usable tokens, as the brokers' (`DataBroker._offer`): the pool's quality is the share worth training on.
        return [Offer(self, Source.ALLIANCE, "pool", self.pool_tokens * self.quality, 1.0, 0.0)]

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        self.model.record_deal(self, buyer, tokens)
        return tokens * offer.usd_per_token
