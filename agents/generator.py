"""Synthetic-data generators: text from the best model they can use, sold by the token."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from sim.scaling import INFERENCE_FLOP_PER_PARAM_TOKEN

INFERENCE_OVERHEAD = 3.0  # serving uses hardware less efficiently than training
MARGIN = 0.3
CLOSED_LICENCE_MARKUP = 2.0  # a closed model's API costs more than running open weights
QUALITY_GAP_SCALE = 0.15  # loss gap (nats) over which a generator's value to a buyer decays by e
UNLIMITED_TOKENS = 1e18
# Rephrasing real text (Nemotron-CC, Kimi K2, Kang et al. 2025): a small model suffices (~8B generators do as
# well as larger ones), and one real token can be rewritten a few times (Kimi K2: one pass over rephrased text beat
# ten over the original). It became practical at scale once GPT-4-class models (~2e25 FLOP) existed: the
# capability of the best deployed model, on the logistic that times AI's arrival (sim/model.py).
REPHRASER_PARAMS = 8e9
REPHRASINGS_PER_TOKEN = 2.0


def inference_usd_per_token(params: float, usd_per_flop: float) -> float:
    """What generating one token costs at cost: 2 N FLOP, at serving efficiency."""
    return INFERENCE_FLOP_PER_PARAM_TOKEN * params * INFERENCE_OVERHEAD * usd_per_flop


def synthetic_quality(base_quality: float, generator_loss: float, target_loss: float) -> float:
    """Value of a generated token to a buyer aiming at `target_loss`: falls as the generator trails it."""
    gap = max(0.0, generator_loss - target_loss)
    return base_quality * float(np.exp(-gap / QUALITY_GAP_SCALE))


class SyntheticGenerator(mesa.Agent):
    """Generates training text and post-training tasks with the best open-weight model, or a licensed closed one.

    Cost per token is 2 N FLOP at the going FLOP price. The value of a synthetic token to a buyer
    falls as the generator trails the model the buyer means to train.
    """

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.source_lab: mesa.Agent | None = None
        self.usd_per_token = np.inf
        self.generator_loss = np.inf
        self.sold_tokens = 0.0

    def update_model(self) -> None:
        """Pick the usable model with the lowest cost per unit of quality."""
        market = self.model
        best, best_score = None, np.inf
        for lab in market.lab_list:
            if lab.deployed is None:
                continue
            markup = 1.0 if lab.kind == "open" else CLOSED_LICENCE_MARKUP
            cost = self._cost_per_token(lab.deployed.params) * markup
            score = lab.deployed.loss + 0.01 * np.log(cost)  # quality first, cost breaks near-ties
            if score < best_score:
                best, best_score, best_cost = lab, score, cost
        if best is None:
            return
        if best is not self.source_lab:
            market.record_lineage(self, best, self.source_lab)
        self.source_lab = best
        self.usd_per_token = best_cost
        self.generator_loss = best.deployed.loss

    def _cost_per_token(self, params: float) -> float:
        return inference_usd_per_token(params, self.model.usd_per_flop) * (1.0 + MARGIN)

    def quality_for(self, target_loss: float) -> float:
        """Value of one synthetic token to a buyer aiming at `target_loss`."""
        return synthetic_quality(self.model.params.uncertainties.synthetic_quality, self.generator_loss, target_loss)

    # --- as a seller ------------------------------------------------------------------------

    def offers_to(self, buyer: mesa.Agent, plan: Any) -> list[Offer]:
        """As many tokens as the buyer wants, worth less the further the generator trails its planned model."""
        if self.source_lab is None or not self.model.params.constants.synthetic_sourcing:
            return []
        quality = self.quality_for(plan.target_loss)
        return [Offer(self, Source.SYNTHETIC, "synthetic", UNLIMITED_TOKENS, quality, self.usd_per_token, ai_generated=True)]

    def sell_tasks(self, buyer: mesa.Agent, tokens: float, usd: float) -> None:
        """Sell `tokens` for `usd`: post-training tasks (prompts, answers to verify, graded responses), or text."""
        self.sold_tokens += tokens
        self.model.record_deal(self, buyer, tokens)

    def settle(self, buyer: mesa.Agent, offer: Offer, tokens: float, checkout: Checkout) -> float:
        usd = tokens * self.usd_per_token
        self.sell_tasks(buyer, tokens, usd)  # text or tasks, a sale is a sale
        return usd
