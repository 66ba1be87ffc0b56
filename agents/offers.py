"""What a seller puts in front of a lab, and the two questions every seller answers.

A seller is anything in the model's ordered list `DataMarketModel.sellers`: the web (for its
publishers), each broker, the alliance and each synthetic-data generator; a lab is also the seller of
its own data and its own model's text, to itself alone (`Lab.own_offers`, `Lab.generated_offers`, asked
after the others). A lab asks every seller the same two things and never asks who it is talking to:

- `offers_to(buyer, plan)`: the offers this seller makes the buyer for its planned run (a seller whose offers do not
  depend on the plan says so with `offers_depend_on_plan = False`, and is asked once per decision: `OfferBook`);
- `settle(buyer, offer, tokens, checkout)`: the buyer takes `tokens` of `offer`; the seller records
  the sale (and the deal, through the model's `record_deal`) and returns what it costs in USD.

`settle` is asked of `offer.seller`, the agent that made the offer (a publisher, for the web's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agents.lab import Lab, RunPlan


class Source(StrEnum):
    """Where a training token comes from (the `tokens_*` series in docs/model.md, "Outputs")."""

    PUBLIC = "public"
    LICENSED = "licensed"
    OWN_USER = "own_user"
    ALLIANCE = "alliance"
    BROKER = "broker"
    SYNTHETIC = "synthetic"
    MULTIMODAL = "multimodal"  # text-equivalent tokens transcribed from video and audio, or captions of images


PRIVATE_SOURCES = (Source.OWN_USER, Source.ALLIANCE, Source.BROKER)


@dataclass(slots=True)
class Offer:
    """Unique tokens a lab may take from one seller: how many, how good, and at what price.

    `quality` is a token's value against filtered web text (1); `usd_per_token` is what the seller is
    paid; `risk_usd_per_token` the expected legal cost of using it without a licence (`sim.contracts`); `per_real_token`,
    when positive, bounds the offer by that many tokens per unique human token the lab takes.
    """

    seller: Any
    source: Source
    tier: str
    tokens: float
    quality: float
    usd_per_token: float
    ai_generated: bool = False
    risk_usd_per_token: float = 0.0
    per_real_token: float = 0.0
    exposes: bool = False  # copyrighted text crawled without a licence and not yet trained on: taking it adds liability


@dataclass
class Checkout:
    """A lab paying for the dataset it assembled: its budget left after the listed prices, its shortfall
    (slots it fills by repetition, in quality tokens), and its price of data: what a slot of the run is
    worth at the margin and what an effective token is worth."""

    budget_left_usd: float
    unmet_quality_tokens: float
    marginal_usd: float = 0.0
    token_value_usd: float = 0.0


class OfferBook:
    """What is on the table for a lab at one decision: every seller's offers, in the model's order of sellers, then the
    lab's own data (`Lab.own_offers`) and its own model's text (`Lab.generated_offers`).

    A lab weighs several runs at one decision (the plan and smaller datasets, `firm.choose_run`; the data wall's
    measure, `firm.scarcity_oom`), and nothing changes hands until it has chosen. The offers of a seller that do not
    depend on the plan (`offers_depend_on_plan = False`: the web, brokers, the alliance), and the lab's own data, are
    asked once, when the book is opened; the others (generators, whose synthetic data is worth more the nearer they are
    to the planned model, and the lab's own model) are asked again for each plan. Open a new book after anything
    changes hands.
    """

    def __init__(
        self, buyer: Lab, sellers: tuple[Any, ...], own: list[Offer], own_per_plan: Callable[[RunPlan], list[Offer]]
    ) -> None:
        self._own = own
        self._own_per_plan = own_per_plan
        self._buyer = buyer
        # Per seller, in order: its offers, or the seller itself when they depend on the plan.
        self._segments: list[list[Offer] | Any] = [
            seller if getattr(seller, "offers_depend_on_plan", True) else seller.offers_to(buyer, None) for seller in sellers
        ]

    def offers(self, plan: RunPlan) -> list[Offer]:
        """Every offer for `plan`, in the order of sellers, then the lab's own."""
        offers: list[Offer] = []
        for segment in self._segments:
            offers.extend(segment if isinstance(segment, list) else segment.offers_to(self._buyer, plan))
        offers.extend(self._own)
        offers.extend(self._own_per_plan(plan))
        return offers


class Seller(Protocol):
    offers_depend_on_plan: bool  # optional; True when absent

    def offers_to(self, buyer: Lab, plan: RunPlan) -> list[Offer]: ...

    def settle(self, buyer: Lab, offer: Offer, tokens: float, checkout: Checkout) -> float: ...
