"""Labs: they plan training runs, source data at least cost, train and deploy models."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import mesa
import numpy as np

from agents.offers import Checkout, Offer, Source
from sim import economics, scaling
from sim.params import LabSpec

OWN_USER_QUALITY = 0.4  # chat logs are noisy, repetitive text
EXCLUSIVE_BUDGET_SHARE = 0.3  # most of a run's data budget a lab puts into exclusive deals


@dataclass(frozen=True)
class RunPlan:
    """The run a lab means to do next: its budget split into parameters and tokens."""

    compute_flop: float
    k: float
    params: float
    tokens: float  # tokens seen in training, D in C = 6 N D

    @functools.cached_property
    def target_loss(self) -> float:
        return float(scaling.loss(self.params, self.tokens))


@dataclass
class Sourcing:
    """The outcome of assembling a dataset: what was taken from whom, and what it is worth."""

    offers: list[Offer]
    taken: np.ndarray
    effective_tokens: float
    fill: float
    spend_usd: float
    budget_usd: float  # what the lab could spend on this dataset
    unmet_quality_tokens: float
    paid_quality_tokens: float  # quality-weighted tokens bought (not free)
    usd_per_quality_token: float  # average price of the paid data taken

    def quality_tokens(self) -> float:
        return float(sum(t * o.quality for o, t in zip(self.offers, self.taken)))


@dataclass
class TrainedModel:
    """A deployed model and the data it was trained on."""

    year: float
    compute_flop: float
    params: float
    tokens: float
    effective_tokens: float
    loss: float
    k: float
    fill: float
    data_budget_usd: float = 0.0  # the run's data budget
    data_spend_usd: float = 0.0  # what the run's data cost: exclusive licence, purchases and premiums
    tokens_by_source: dict[Source, float] = field(default_factory=dict)


class Lab(mesa.Agent):
    """A lab with a compute budget that grows, an overtraining strategy and a sourcing policy."""

    kind = "lab"
    locks_scarce_data = False  # whether the lab buys scarce broker data exclusively

    def __init__(self, model: mesa.Model, spec: LabSpec) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.next_run_step = int(self.rng.integers(spec.cadence_months))
        self.own_user_tokens = 0.0
        self.market_share = 1.0 / max(1, len(model.params.labs))
        self.deployed: TrainedModel | None = None
        self.plan: RunPlan | None = None
        self.last_sourcing: Sourcing | None = None
        self.spend_usd = 0.0

    # --- the month ------------------------------------------------------------------------

    def step(self) -> None:
        """Collect user data, re-plan the next run, and train when the run is due."""
        self.collect_user_data()
        self.plan = self.plan_run()
        if self.model.steps_done >= self.next_run_step:
            self.train()
            self.next_run_step += self.spec.cadence_months

    # --- decisions ------------------------------------------------------------------------

    def collect_user_data(self) -> None:
        """Labs with chat products keep the consented share of their users' conversations."""

    def compute_budget_flop(self) -> float:
        market = self.model
        return min(market.frontier_compute_flop * self.spec.compute_share, market.policy.compute_cap_flop)

    def choose_k(self, compute_flop: float) -> float:
        """Overtraining factor: fixed, inference-aware (Sardana & Frankle 2024) or profit-maximising (Epoch App. F)."""
        constants = self.model.params.constants
        if constants.override_k is not None and self.model.year >= constants.override_k_from_year:
            return constants.override_k
        if self.spec.strategy == "fixed":
            return self.spec.k
        if self.spec.strategy == "profit":
            return scaling.profit_optimal_k(compute_flop, self.spec.demand_r, self.spec.demand_h)
        # A model serves until the next one replaces it.
        lifetime_years = self.spec.cadence_months / 12.0
        expected_inference = self.model.inference_tokens_per_year * self.market_share * lifetime_years
        return scaling.inference_optimal_k(compute_flop, expected_inference)

    def plan_run(self) -> RunPlan:
        compute = self.compute_budget_flop()
        k = self.choose_k(compute)
        params, tokens = scaling.allocate_compute(compute, k)
        return RunPlan(compute, k, params, tokens)

    def data_budget_usd(self, plan: RunPlan) -> float:
        return self.spec.data_budget_share * plan.compute_flop * self.model.usd_per_flop

    def gather_offers(self, plan: RunPlan) -> list[Offer]:
        """Every seller's offers for this run, in the model's order of sellers, then its own users' data."""
        offers: list[Offer] = []
        for seller in self.model.sellers:
            offers.extend(seller.offers_to(self, plan))
        offers.extend(self.own_offers())
        return offers

    # --- as the seller of its own users' data, to itself alone -------------------------------

    def own_offers(self) -> list[Offer]:
        return []

    def settle(self, buyer: Lab, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Its own data costs the compliance work on it; no deal with itself."""
        return tokens * offer.usd_per_token

    def source(self, plan: RunPlan, budget_usd: float | None = None) -> Sourcing:
        """Assemble a dataset at least cost: free data first, then buy what repetition cannot cover.

        Up to `max_epochs` repetitions cost almost nothing in quality (Muennighoff et al. 2023), so a
        lab buys only enough unique tokens to reach D / max_epochs, cheapest per quality first, within
        `budget_usd` (the run's data budget unless given).
        """
        constants = self.model.params.constants
        max_epochs = self.model.params.uncertainties.max_epochs
        budget = self.data_budget_usd(plan) if budget_usd is None else budget_usd
        offers = self.gather_offers(plan)
        available = np.array([o.tokens for o in offers])
        quality = np.array([o.quality for o in offers])
        price = np.array([o.usd_per_token for o in offers])
        ai = np.array([o.ai_generated for o in offers])
        free = price <= 0.0
        paid, human = ~free, ~ai

        target = plan.tokens / max_epochs
        negligible = economics.NEGLIGIBLE_SHARE * target
        taken = np.zeros(len(offers))
        taken[free] = economics.least_cost_fill(available[free], quality[free], price[free], plan.tokens, 0.0)
        have = float(taken @ quality)
        paid_target = target - have
        if paid_target > negligible and paid.any():
            # Synthetic data beside the real data: past the collapse threshold it stops paying.
            real = float(taken[human] @ quality[human])
            ratio = (
                constants.collapse_threshold / (1.0 - constants.collapse_threshold)
                if constants.collapse_regime == "replace"
                else 1.0
            )
            capped = available.copy()
            synthetic = np.array([o.source is Source.SYNTHETIC for o in offers])
            capped[synthetic] = np.minimum(available[synthetic], ratio * real / np.maximum(quality[synthetic], 1e-12))
            taken[paid] = economics.least_cost_fill(capped[paid], quality[paid], price[paid], paid_target, budget, target)
        spend = float(taken @ price)
        bought_quality = float(taken[paid] @ quality[paid])
        unmet = target - float(taken @ quality)
        effective = economics.dataset_effective_tokens(
            float(taken[human] @ quality[human]),
            float(taken[ai] @ quality[ai]),
            plan.tokens,
            constants.collapse_regime,
            constants.collapse_threshold,
        )
        return Sourcing(
            offers=offers,
            taken=taken,
            effective_tokens=effective,
            fill=effective / plan.tokens,
            spend_usd=spend,
            budget_usd=budget,
            unmet_quality_tokens=unmet if unmet > negligible else 0.0,
            paid_quality_tokens=bought_quality,
            usd_per_quality_token=spend / bought_quality if bought_quality > 0 else 0.0,
        )

    def train(self) -> None:
        """Source a dataset, fall back to a data-constrained run if short, train and deploy.

        An exclusive licence signed for this run is paid from its data budget; the rest buys the dataset.
        """
        market = self.model
        plan = self.plan
        budget = self.data_budget_usd(plan)
        licence = self.seek_exclusive_licence(plan)
        for_dataset = budget - licence
        sourcing = self.source(plan, for_dataset)
        if self.spec.strategy != "fixed" and sourcing.fill < market.params.constants.data_wall_fill:
            plan = self.data_constrained(plan, sourcing)
            sourcing = self.source(plan, for_dataset)
        spend = licence + self.pay_sellers(sourcing)
        self.spend_usd += spend
        self.last_sourcing = sourcing
        by_source = {s: 0.0 for s in Source}
        for offer, tokens in zip(sourcing.offers, sourcing.taken):
            by_source[offer.source] += tokens
        self.deployed = TrainedModel(
            year=market.year,
            compute_flop=plan.compute_flop,
            params=plan.params,
            tokens=plan.tokens,
            effective_tokens=sourcing.effective_tokens,
            loss=float(scaling.loss(plan.params, max(sourcing.effective_tokens, 1.0))),
            k=plan.k,
            fill=sourcing.fill,
            data_budget_usd=budget,
            data_spend_usd=spend,
            tokens_by_source=by_source,
        )

    def data_constrained(self, plan: RunPlan, sourcing: Sourcing) -> RunPlan:
        """Short of data: train a larger model on fewer tokens, repeating what there is."""
        max_epochs = self.model.params.uncertainties.max_epochs
        tokens = min(plan.tokens, max(sourcing.quality_tokens(), 1.0) * max_epochs)
        params = scaling.params_for_tokens(plan.compute_flop, tokens)
        return RunPlan(plan.compute_flop, tokens / params / scaling.TOKENS_PER_PARAM_OPTIMAL, params, tokens)

    def pay_sellers(self, sourcing: Sourcing) -> float:
        """Settle every offer taken from, with the seller that made it; returns the USD paid."""
        checkout = Checkout(sourcing.budget_usd - sourcing.spend_usd, sourcing.unmet_quality_tokens)
        spent = 0.0
        for offer, tokens in zip(sourcing.offers, sourcing.taken):
            if tokens > 0.0:
                spent += offer.seller.settle(self, offer, tokens, checkout)
        return spent

    def seek_exclusive_licence(self, plan: RunPlan) -> float:
        """Sign an exclusive licence with a head domain once the open commons falls short; returns its USD."""
        return 0.0

    def decide_membership(self) -> None:
        """Join the alliance when its pool is worth more than the fee; leave when it is not."""
        alliance = self.model.alliance
        if not alliance.admits(self):
            return
        sourcing = self.last_sourcing
        value = 0.0
        if sourcing is not None and sourcing.usd_per_quality_token > 0.0:
            usable = min(alliance.pool_tokens * alliance.quality, sourcing.paid_quality_tokens + sourcing.unmet_quality_tokens)
            runs_per_year = 12.0 / self.spec.cadence_months
            value = usable * sourcing.usd_per_quality_token * runs_per_year
        if value > alliance.fee_usd_per_year:
            alliance.join(self)
        elif self.unique_id in alliance.members and value < 0.5 * alliance.fee_usd_per_year:
            alliance.leave(self)


class OpenLab(Lab):
    """Releases weights: cheaper synthetic data for all, more AI text on the web."""

    kind = "open"


class ClosedLab(Lab):
    """Keeps weights closed, earns more, licenses more, and holds its users' conversations."""

    kind = "closed"
    locks_scarce_data = True

    def collect_user_data(self) -> None:
        market = self.model
        monthly = market.user_text_tokens_per_year / 12.0 * self.market_share * market.awareness
        self.own_user_tokens += monthly * market.consented_share()

    def own_offers(self) -> list[Offer]:
        if not self.model.params.constants.private_sourcing or self.own_user_tokens <= 0.0:
            return []
        compliance = economics.compliance_usd_per_token(self.model.policy.privacy_strictness)
        return [Offer(self, Source.OWN_USER, "chat", self.own_user_tokens, OWN_USER_QUALITY, compliance)]

    def seek_exclusive_licence(self, plan: RunPlan) -> float:
        market = self.model
        if not market.params.constants.exclusive_deals:
            return 0.0
        if plan.tokens <= market.effective_public_tokens(self.unique_id):
            return 0.0
        budget = EXCLUSIVE_BUDGET_SHARE * self.data_budget_usd(plan)
        best = None
        for publisher in market.web.publishers:
            deal = publisher.best_exclusive_deal(budget)
            if deal is not None and (best is None or deal[1] > best[2]):
                best = (publisher, deal[0], deal[1])
        if best is None:
            return 0.0
        publisher, domain, tokens = best
        cost = publisher.license_exclusive(domain, self.unique_id)
        market.record_deal(publisher, self, tokens)
        return cost
