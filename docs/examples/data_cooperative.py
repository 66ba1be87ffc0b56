"""A worked extension: a data cooperative that licenses text its members write, and a lever on it.

docs/extending.md walks through this file; tests/test_extending.py runs it. It adds to PeakData
without changing a line of it:

1. a lever, `data_dividend_usd_per_token`: the least a cooperative must pass on to the members per
   token it licenses (one declaration, before the schema is built);
2. a seller, `DataCooperative`: an agent that answers the two questions every seller answers
   (`offers_to` and `settle`, see agents/offers.py), registered with the model once;
3. a market with it: the model, with the cooperative created, registered and stepped each month.

Run it:  .venv/bin/python docs/examples/data_cooperative.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# 1. The lever: declared before anything builds the scenario schema from the levers.
from sim.levers import LeverSpec, declare

declare(
    LeverSpec(
        "data_dividend_usd_per_token",
        float,
        0.0,
        "Data dividend, USD per token",
        "the least a data cooperative passes on to its members per token it licenses",
        "`docs/examples/data_cooperative.py: DataCooperative`",
        unit="USD per token",
        bounds={"ge": 0.0, "le": 1.0},
    )
)

import mesa  # noqa: E402

from agents.offers import Checkout, Offer, Source  # noqa: E402
from sim import DataMarketModel, MarketParams, run_summary  # noqa: E402

MEMBER_TOKENS_PER_MONTH = 2e11  # what the members write and contribute each month (an assumption)
QUALITY = 0.7  # long-form, edited writing: better than chat logs, below books
COST_USD_PER_TOKEN = 1e-6  # curation and consent management, done with a small model
MARGIN = 0.2


class DataCooperative(mesa.Agent):
    """Members pool the text they write and license it together; the dividend goes back to them.

    Licences are not exclusive (as the web's are not): every lab may license the whole pool.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.name = "data cooperative"
        self.pool_tokens = 0.0
        self.sold_tokens = 0.0
        self.revenue_usd = 0.0

    def collect(self) -> None:
        """The members' contributions of the month."""
        self.pool_tokens += MEMBER_TOKENS_PER_MONTH

    @property
    def usd_per_token(self) -> float:
        """Its cost and margin, and never less than the dividend it owes its members."""
        dividend = self.model.policy.data_dividend_usd_per_token
        return (COST_USD_PER_TOKEN + dividend) * (1.0 + MARGIN)

    # --- as a seller: the two questions --------------------------------------------------------

    def offers_to(self, buyer: mesa.Agent, plan) -> list[Offer]:
        if self.pool_tokens <= 0.0:
            return []
        return [Offer(self, Source.LICENSED, "cooperative", self.pool_tokens, QUALITY, self.usd_per_token)]

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        cost = tokens * offer.usd_per_token
        self.sold_tokens += tokens
        self.revenue_usd += cost
        self.model.record_deal(self, buyer, tokens)
        return cost


class CooperativeMarket(DataMarketModel):
    """The market with a data cooperative: created, registered as a seller, and stepped each month."""

    def __init__(self, params: MarketParams | None = None, **kwargs) -> None:
        super().__init__(params, **kwargs)
        self.cooperative = DataCooperative(self)
        self.add_seller(self.cooperative)

    def step(self) -> None:
        self.cooperative.collect()
        super().step()


def main() -> dict[str, float]:
    results = {}
    for dividend in (0.0, 1e-6):
        model = CooperativeMarket(MarketParams().with_overrides(data_dividend_usd_per_token=dividend, end="2030-12"), rng=0).run()
        summary = run_summary(model)
        results[dividend] = model.cooperative.sold_tokens
        print(
            f"dividend {dividend:g} USD/token: the cooperative sold {model.cooperative.sold_tokens:.3g} tokens "
            f"for {model.cooperative.revenue_usd:.3g} USD; data wall {summary['data_wall_year']:.2f}"
        )
    return results


if __name__ == "__main__":
    main()
