"""Labs: they plan training runs, source data at least cost, train and deploy models."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace

import mesa
import numpy as np

from agents import generator
from agents.broker import PRIVATE_TIERS, TIER_INDEX
from agents.offers import Checkout, Offer, OfferBook, Source
from agents.web import LicenceTerms
from sim import contracts, economics, firm, scaling
from sim.firm import RunPlan
from sim.params import LabSpec

OWN_USER_QUALITY = 0.4  # share of chat logs worth training on: they are noisy and repetitive
PLATFORM_POST_QUALITY = PRIVATE_TIERS[TIER_INDEX["social"]].quality  # posts are the brokers' social tier
# The price of data is its value at the run's full compute while data takes under this share of the
# budget; above it, the lab values data again at the compute left, damped, up to VALUE_ROUNDS times.
SMALL_SPEND_SHARE = 0.05
VALUE_ROUNDS = 4
# A rival's capability is measured at its model and at this share less of its effective data: the slope that
# prices foreclosure (`Lab.seek_exclusive`).
FORECLOSURE_STEP = 1e-3


@dataclass
class Sourcing:
    """The outcome of assembling a dataset: what was taken from whom, and what it is worth."""

    offers: list[Offer]
    taken: np.ndarray
    data: economics.DataSet
    effective_tokens: float
    fill: float  # effective over seen tokens, at most 1
    spend_usd: float  # the cash the data costs: prices paid to sellers and in-house generation
    legal_usd: float  # expected legal cost of what was used without a licence
    budget_usd: float  # the run's budget, from which the data is paid
    token_value_usd: float  # what an effective token was worth to the run (`RunPlan.token_value_usd`)
    marginal_usd: float  # what the last slot of the run was worth: the price of data at the margin
    repeated_tokens: float  # slots filled by repeating real data: what more unique data would replace
    human_offers: list[Offer] = field(default_factory=list)  # the human offers taken, in `data`'s order
    _mean_epochs: dict[Callable[[Offer], bool], float] = field(default_factory=dict, repr=False, compare=False)

    def mean_epochs(self, include: Callable[[Offer], bool]) -> float:
        """Passes over the human text of the offers `include` picks, weighed by their unique tokens (0 if none);
        kept, as a sourcing does not change once made (the monthly report asks of the last one every month)."""
        if include not in self._mean_epochs:
            epochs, _ = self.data.passes
            picked = np.array([include(offer) for offer in self.human_offers], dtype=bool)
            tokens = self.data.real_counts[picked] if picked.size else picked
            self._mean_epochs[include] = float(epochs[picked] @ tokens / tokens.sum()) if picked.any() else 0.0
        return self._mean_epochs[include]


@dataclass
class TrainedModel:
    """A deployed model and the data it was trained on."""

    year: float
    compute_flop: float  # training compute: pretraining and post-training
    params: float
    tokens: float
    effective_tokens: float
    loss: float  # pretraining loss
    k: float
    fill: float
    post_training_share: float = 0.0  # share of the training compute spent on post-training and RL
    post_training_data: firm.PostTrainingData = firm.NO_POST_TRAINING_DATA  # the tasks post-training read
    capability: float = 0.0  # log10 FLOP of effective compute (`sim.firm`)
    revenue_usd_per_year: float = 0.0  # what the lab expected it to earn a year when it chose the run
    serving_usd_per_year: float = 0.0  # and what serving it would cost a year
    data_budget_usd: float = 0.0  # the run's budget
    data_spend_usd: float = 0.0  # what the run's data cost: licences, purchases, premiums, generation, annotation
    paid_spend_usd: float = 0.0  # the part paid to other agents (publishers, brokers, generators), not to annotators
    legal_usd: float = 0.0  # expected legal cost borne
    tokens_by_source: dict[Source, float] = field(default_factory=dict)


class Lab(mesa.Agent):
    """A lab with a compute budget that grows, an overtraining strategy and a sourcing policy."""

    kind = "lab"

    def __init__(self, model: mesa.Model, spec: LabSpec) -> None:
        super().__init__(model)
        self.spec = spec
        self.name = spec.name
        self.next_run_step = int(self.rng.integers(spec.cadence_months))
        self.own_user_tokens = 0.0
        self.market_share = 1.0 / max(1, len(model.params.labs))
        self._deployed: TrainedModel | None = None
        self.plan: RunPlan | None = None
        self.last_sourcing: Sourcing | None = None
        self._outlook: tuple[tuple[int, int], RunPlan, contracts.Outlook] | None = None  # `planned_outlook`

    @property
    def deployed(self) -> TrainedModel | None:
        """The model it serves (None before its first run)."""
        return self._deployed

    @deployed.setter
    def deployed(self, model: TrainedModel | None) -> None:
        self._deployed = model
        self.model.deployments += 1  # its rivals see another model

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

    def choose_k(self, compute_flop: float, market: firm.Market) -> float:
        """Overtraining factor: fixed, the firm's (`firm.profit_optimal_k`) or Epoch App. F's fixed-market rule."""
        constants = self.model.params.constants
        if constants.override_k is not None and self.model.year >= constants.override_k_from_year:
            return constants.override_k
        if self.spec.strategy == "fixed":
            return self.spec.k
        if self.spec.strategy == "profit":
            return scaling.profit_optimal_k(compute_flop, self.spec.demand_r, self.spec.demand_h)
        return firm.profit_optimal_k(compute_flop, market)

    def plan_run(self, entering: bool = False) -> RunPlan:
        """The next run as planned with plentiful data: post-training share, then N and D for the pretraining compute.

        A firm (`adaptive`) lab also chooses how much of what it can raise to spend (`firm.profit_optimal_compute`);
        labs that follow a rule spend all of it. So does every lab for the model it enters with (`entering`): that
        model was trained before the start date, in a market the simulation does not play (GPT-3 was a bet on
        scale, not a profit-optimal run), and a choice made then, facing no rival yet deployed, would be a monopoly's.
        """
        compute = self.compute_budget_flop()
        market = self.model.market_for(self)
        share = market.planned_post_training_share
        k = self.choose_k(compute * (1.0 - share), market)
        if self.spec.strategy == "adaptive" and not entering:
            chosen = firm.profit_optimal_compute(compute, k, market, self.spec.cadence_months / 12.0)
            if chosen < compute:  # k for the smaller run; all of it: the k just chosen
                compute, k = chosen, self.choose_k(chosen * (1.0 - share), market)
        params, tokens = scaling.allocate_compute(compute * (1.0 - share), k)
        return RunPlan(compute, k, params, tokens, compute * self.model.usd_per_flop, share)

    def outlook(self, plan: RunPlan) -> contracts.Outlook:
        """What a token is worth to its runs over a licence's term, from now (`sim.contracts`).

        Its runs fall every cadence; each is planned as this one, with the same share of what the lab can raise and
        post-training share, on the compute trend, and the overtraining factor of the run it last chose: the plan's
        k assumes plentiful data, while the run the lab trains re-plans to the data it has (`firm.choose_run`), and
        that is where the text's worth and the margin it displaces (from the same run) are measured. A compute dollar is worth one dollar of
        profit where the lab chose to spend less than it could, and what it would add to the model's lifetime
        profit where it spends all it can (`firm.profit_per_compute_usd`).
        """
        market = self.model
        cadence = self.spec.cadence_months / 12.0
        years = [market.year + i * cadence for i in range(math.ceil(contracts.LICENCE_TERM_YEARS / cadence))]
        fraction = plan.compute_flop / self.compute_budget_flop()
        k = self.deployed.k if self.deployed is not None else plan.k
        values = []
        for year in years:
            compute = min(market.frontier_compute_at(year) * self.spec.compute_share, market.policy.compute_cap_flop) * fraction
            pretraining = compute * (1.0 - plan.post_training_share)
            params, tokens = scaling.allocate_compute(pretraining, k)
            values.append(economics.token_value_usd(pretraining * market.usd_per_flop_at(year), params, tokens))
        if self.spec.strategy == "adaptive" and fraction < 1.0:
            shadow = 1.0
        else:
            life = self.spec.cadence_months / 12.0
            shadow = firm.profit_per_compute_usd(plan.compute_flop, plan.k, market.market_for(self), life)
        return contracts.outlook(years, values, shadow, self.margin_ratio(), market.year)

    def planned_outlook(self) -> contracts.Outlook:
        """Its outlook for the run it plans now (`outlook`), kept while its plan and every lab's model stand."""
        market = self.model
        key = (market.steps_done, market.deployments)
        if self._outlook is None or self._outlook[0] != key or self._outlook[1] is not self.plan:
            self._outlook = (key, self.plan, self.outlook(self.plan))
        return self._outlook[2]

    def margin_ratio(self) -> float:
        """mu: its price of data at the margin over the value of a token, in its last run (1 before any)."""
        last = self.last_sourcing
        return last.marginal_usd / last.token_value_usd if last is not None and last.token_value_usd > 0.0 else 1.0

    def sign_licences(self, plan: RunPlan) -> None:
        """Sign the term licences worth more to the firm than they cost: an exclusive one if it pays, then
        non-exclusive ones with publishers' domains (`Web.licence_deals`) and brokers' tiers."""
        market, web = self.model, self.model.web
        outlook = self.outlook(plan)
        terms = web.licence_terms(self, outlook)
        if market.params.constants.exclusive_deals:
            exclusive = self.seek_exclusive(outlook, terms)
            if exclusive is not None:  # the exclusive domain is no longer a candidate; nothing else changed
                terms = terms.without(exclusive)
        for publisher, domain, tokens, usd_per_year in web.licence_deals(terms):
            market.sign_licence(publisher, self, domain, publisher.tier.name, tokens, usd_per_year)
        for broker in market.broker_list:
            for tier, tokens, usd_per_year in broker.licence_deals(self, outlook):
                market.sign_licence(broker, self, tier, PRIVATE_TIERS[tier].name, tokens, usd_per_year)

    def offer_book(self) -> OfferBook:
        """What every seller offers it now, then its own data: one decision's offers, for the runs it weighs."""
        return OfferBook(self, self.model.sellers, self.own_offers(), self.generated_offers)

    def marginal_usd(self, plan: RunPlan) -> float:
        """What a slot of its next run is worth: the margin of its last dataset, scaled to this run's price of data.

        Before its first run, a lab's margin is a filtered web token.
        """
        last = self.last_sourcing
        if last is None or last.token_value_usd <= 0.0:
            return plan.token_value_usd
        return last.marginal_usd * plan.token_value_usd / last.token_value_usd

    # --- as the seller of its own data, to itself alone -------------------------------------

    def own_offers(self) -> list[Offer]:
        """Its own data whatever run it plans: its platforms' posts under the consent rule, text transcribed from
        media, and real text rephrased by a small model (synthetic, made in-house)."""
        market = self.model
        offers = self.platform_offers() + self.media_offers()
        if not market.params.constants.synthetic_sourcing or self.deployed is None:
            return offers
        rephrased = market.params.uncertainties.rephrased_value * market.rephrasing_capability
        if rephrased > 0.0:
            cost = generator.inference_usd_per_token(generator.REPHRASER_PARAMS, market.usd_per_flop)
            offers.append(
                Offer(
                    self,
                    Source.SYNTHETIC,
                    "rephrased",
                    generator.UNLIMITED_TOKENS,
                    rephrased,
                    cost,
                    True,
                    per_real_token=generator.REPHRASINGS_PER_TOKEN,
                )
            )
        return offers

    def generated_offers(self, plan: RunPlan) -> list[Offer]:
        """Text from its own deployed model (synthetic, made in-house), worth more the nearer that model is to the
        planned one (`generator.synthetic_quality`)."""
        market = self.model
        if not market.params.constants.synthetic_sourcing or self.deployed is None:
            return []
        quality = generator.synthetic_quality(market.params.uncertainties.synthetic_quality, self.deployed.loss, plan.target_loss)
        cost = generator.inference_usd_per_token(self.deployed.params, market.usd_per_flop)
        return [Offer(self, Source.SYNTHETIC, "generated", generator.UNLIMITED_TOKENS, quality, cost, True)]

    def media_offers(self) -> list[Offer]:
        """Video, audio and images turned into text by a small model (speech recognition, captions), at its serving
        cost, each text-equivalent token worth `multimodal_text_value` of a web token to a text model. Like AI-written
        text, it is a partial substitute for the web's kind of text: its value falls as its share grows (U ln(1 + S/U),
        `economics.effective_data`), so it is weighed slice by slice beside synthetic data, not before it."""
        market = self.model
        value = market.params.uncertainties.multimodal_text_value
        if not market.params.constants.multimodal_sourcing or value <= 0.0 or market.media_tokens <= 0.0:
            return []
        cost = generator.inference_usd_per_token(generator.REPHRASER_PARAMS, market.usd_per_flop)
        return [Offer(self, Source.MULTIMODAL, "media", market.media_tokens, value, cost, ai_generated=True)]

    def platform_offers(self) -> list[Offer]:
        """The posts of its platforms' users who consent under the regime's rule, in usable tokens, at compliance cost."""
        market = self.model
        if self.spec.platform_share <= 0.0 or not market.params.constants.private_sourcing:
            return []
        strictness = market.policy.privacy_strictness
        social = market.private_text_tokens * PRIVATE_TIERS[TIER_INDEX["social"]].share
        usable = social * self.spec.platform_share * economics.user_consent_share(strictness) * PLATFORM_POST_QUALITY
        cost = economics.compliance_usd_per_token(strictness) / PLATFORM_POST_QUALITY
        return [Offer(self, Source.OWN_USER, "posts", usable, 1.0, cost)]

    def post_training_tasks(self, plan: RunPlan) -> tuple[firm.Tasks, mesa.Agent | None]:
        """The tasks on offer for the run's post-training, and who generates them (None: no model can yet).

        People write and grade tasks at the going annotation price (`DataMarketModel.annotation_usd_per_token`).
        A model generates them at its serving cost: the lab's own deployed model, or a generator's
        (`SyntheticGenerator`), whichever is worth more to this run (`generator.synthetic_quality`: a model that
        trails the one being trained poses easier tasks), the cheaper on a tie.
        """
        market = self.model
        u = market.params.uncertainties
        candidates: list[tuple[float, float, mesa.Agent]] = []
        if market.params.constants.synthetic_sourcing:
            if self.deployed is not None:
                quality = generator.synthetic_quality(u.synthetic_quality, self.deployed.loss, plan.target_loss)
                candidates.append((quality, generator.inference_usd_per_token(self.deployed.params, market.usd_per_flop), self))
            candidates.extend(
                (g.quality_for(plan.target_loss), g.usd_per_token, g) for g in market.generator_list if g.source_lab
            )
        if not candidates:
            return firm.Tasks(0.0, 0.0, market.annotation_usd_per_token), None
        quality, usd, maker = max(candidates, key=lambda c: (round(c[0], 9), -c[1]))  # last-bit ties go to the cheaper
        return firm.Tasks(quality, usd, market.annotation_usd_per_token), maker

    def pay_for_tasks(self, tasks: firm.PostTrainingData, maker: mesa.Agent | None) -> float:
        """Pay people for the annotated tasks and the generator for the rest; returns the USD paid to a generator."""
        self.model.record_annotation(tasks.tokens * tasks.annotated_share, tasks.annotation_usd)
        if maker is None or maker is self or tasks.generated_usd <= 0.0:
            return 0.0  # none generated, or generated in-house at serving cost
        maker.sell_tasks(self, tasks.tokens * (1.0 - tasks.annotated_share), tasks.generated_usd)
        return tasks.generated_usd

    def settle(self, buyer: Lab, offer: Offer, tokens: float, checkout: Checkout) -> float:
        """Its own data costs the compute or compliance work on it; no deal with itself."""
        return tokens * offer.usd_per_token

    def source(self, plan: RunPlan, book: OfferBook | None = None) -> Sourcing:
        """Assemble the dataset whose loss is lowest for what it costs (`economics.choose_dataset`), from the offers in
        `book` (a new one by default).

        Every offer is weighed by the effective-data law at what a token is worth to this run in
        compute (`RunPlan.token_value_usd`): a lab buys whenever that beats spending the money on
        compute, within the run's budget.
        """
        constants = self.model.params.constants
        max_epochs = self.model.params.uncertainties.max_epochs
        offers = (book or self.offer_book()).offers(plan)
        tokens = np.array([o.tokens for o in offers], dtype=float)
        quality = np.array([o.quality for o in offers], dtype=float)
        prices = np.array([o.usd_per_token for o in offers], dtype=float)
        risks = np.array([o.risk_usd_per_token for o in offers], dtype=float)
        ai = np.array([o.ai_generated for o in offers], dtype=bool)
        # What a token costs the lab is its price and its expected legal cost.
        columns = (tokens, quality, prices + risks, ai, np.array([o.per_real_token for o in offers], dtype=float))
        # Data paid from the run's budget leaves less compute, which makes a token worth less in compute:
        # when the data takes a sizeable share of the budget, value it again at what compute is left.
        value = plan.token_value_usd
        for _ in range(VALUE_ROUNDS):
            taken, marginal = economics.choose_dataset(
                *columns,
                plan.tokens,
                value,
                plan.compute_usd,
                constants.collapse_regime,
                constants.collapse_threshold,
                max_epochs,
            )
            cash = float(taken @ prices)
            if cash <= SMALL_SPEND_SHARE * plan.compute_usd:
                break
            left = plan.compute_usd - cash
            revalued = economics.token_value_usd(left, plan.params * left / plan.compute_usd, plan.tokens)
            if abs(revalued - value) <= 1e-3 * value:
                break
            value = 0.5 * (value + revalued)
        synthetic, human = taken * ai, np.flatnonzero((taken > 0.0) & ~ai)
        s, s_raw = float(synthetic @ quality), float(synthetic.sum())
        data = economics.DataSet(
            quality[human],
            taken[human],
            s,
            s_raw,
            plan.tokens,
            constants.collapse_regime,
            constants.collapse_threshold,
            max_epochs,
        )
        effective = data.effective_tokens()
        return Sourcing(
            offers=offers,
            taken=taken,
            data=data,
            effective_tokens=effective,
            fill=min(1.0, effective / plan.tokens),
            spend_usd=cash,
            legal_usd=float(taken @ risks),
            budget_usd=plan.compute_usd,
            token_value_usd=value,
            marginal_usd=marginal,
            repeated_tokens=max(plan.tokens - s_raw - data.real_tokens, 0.0),
            human_offers=[offers[i] for i in human.tolist()],
        )

    def train(self) -> None:
        """Choose the run (`firm.choose_run`: the most profitable model the budget and the data allow), pay for
        its data, and deploy it. Term licences are signed first (`sign_licences`) and paid from the lab's income."""
        market = self.model
        plan = self.plan
        self.sign_licences(plan)
        tasks, maker = self.post_training_tasks(plan)
        view = dataclass_replace(market.market_for(self), tasks=tasks)
        choose_share = market.params.constants.post_training  # off: the plan's share (none), no choice
        book = self.offer_book()
        if self.spec.strategy == "fixed":  # the overtraining factor is a rule: no re-plan when data is short
            run = firm.evaluate(plan, self.source(plan, book), view, choose_share)
        else:
            run = firm.choose_run(plan, functools.partial(self.source, book=book), view, choose_share)
        plan, sourcing = run.plan, run.sourcing
        paid, in_house = self.pay_sellers(sourcing)
        spend = paid + in_house
        self.last_sourcing = sourcing
        by_source = {s: 0.0 for s in Source}
        for offer, tokens in zip(sourcing.offers, sourcing.taken):
            by_source[offer.source] += tokens
        # What the data finally cost (settlements with its sellers) sets the compute left to train on.
        run = firm.evaluate(plan, dataclass_replace(sourcing, spend_usd=spend), view, choose_share)
        tasks_paid = self.pay_for_tasks(run.post_training_data, maker)
        market.record_data_spend(paid + tasks_paid, sourcing.legal_usd)
        self.deployed = TrainedModel(
            year=market.year,
            compute_flop=run.compute_flop,
            params=run.params,
            tokens=plan.tokens,
            effective_tokens=sourcing.effective_tokens,
            loss=run.loss,
            k=plan.tokens / run.params / scaling.TOKENS_PER_PARAM_OPTIMAL,
            fill=sourcing.fill,
            post_training_share=run.post_training_share,
            post_training_data=run.post_training_data,
            capability=run.capability,
            revenue_usd_per_year=run.earnings.as_offered().revenue_usd_per_year,
            serving_usd_per_year=run.earnings.as_offered().serving_usd_per_year,
            data_budget_usd=plan.compute_usd,
            data_spend_usd=spend + run.post_training_data.spend_usd,
            paid_spend_usd=paid + tasks_paid,
            legal_usd=sourcing.legal_usd,
            tokens_by_source=by_source,
        )

    def pay_sellers(self, sourcing: Sourcing) -> tuple[float, float]:
        """Settle every offer taken from, with the seller that made it; returns (USD paid to others, USD in-house)."""
        data = sourcing.data
        checkout = Checkout(
            budget_left_usd=sourcing.budget_usd - sourcing.spend_usd,
            unmet_quality_tokens=sourcing.repeated_tokens * data.real_quality_tokens / max(data.real_tokens, 1.0),
            marginal_usd=sourcing.marginal_usd,
            token_value_usd=sourcing.token_value_usd,
        )
        paid = in_house = 0.0
        for offer, tokens in zip(sourcing.offers, sourcing.taken):
            if tokens > 0.0:
                cost = offer.seller.settle(self, offer, tokens, checkout)
                if offer.seller is self:
                    in_house += cost
                else:
                    paid += cost
        return paid, in_house

    def seek_exclusive(self, outlook: contracts.Outlook, terms: LicenceTerms | None) -> int | None:
        """Sign the exclusive licence that gains the firm most over a non-exclusive one, if any does; returns the domain
        it licensed (its index in the web), or None. `terms`: its non-exclusive terms on every domain (`Web.licence_terms`).

        Its extra worth is foreclosure: over the term, the rivals lose the text only a licence gives, so their models
        lose capability (`firm.capability_lost`, at each rival's deployed model and margin), and the lab wins the
        share they lose through the logit of capability (d s_i / d c_r = -s_i s_r / temperature), times the market's
        revenue. The domain weighs the licences the rivals would have signed (`Web.exclusive_deal`).
        """
        market = self.model
        rivals = [lab for lab in market.lab_list if lab is not self and lab.deployed is not None and lab.last_sourcing]
        if not rivals or terms is None:
            return None
        margins = [rival.margin_ratio() for rival in rivals]
        u = market.params.uncertainties
        # Per rival: the profit a lost effective token of its data gains this lab over the term, at the rival's
        # present model (its capability is about linear in so small a loss), and the rival's margin.
        worth = (
            market.ai_revenue_usd_per_year * contracts.annuity() * self.market_share / market.params.constants.market_temperature
        )
        per_token = []
        for rival in rivals:
            model, step = rival.deployed, FORECLOSURE_STEP * rival.deployed.effective_tokens
            lost = firm.capability_lost(model.params, model.effective_tokens, step) / step if step > 0.0 else 0.0
            per_token.append(worth * rival.market_share * lost)
        # Per tier (rows): what a closed token forecloses, at the rivals' (columns) margins for its mix of high-quality
        # and web text.
        hq = np.array([[publisher.tier.high_quality_share] for publisher in market.web.publishers])
        margins = np.array(margins)
        lost = hq * np.maximum(u.high_quality_value - margins, 0.0) + (1.0 - hq) * np.maximum(1.0 - margins, 0.0)
        foreclosure = (lost * np.array(per_token)).sum(axis=1)

        def rival_terms(among: np.ndarray):
            return market.web.buyers_terms(rivals, [rival.planned_outlook() for rival in rivals], among)

        deal = market.web.exclusive_deal(self, terms, foreclosure, rival_terms)
        if deal is None:
            return None
        publisher, domain, tokens, fee, _ = deal
        market.sign_licence(publisher, self, domain, publisher.tier.name, tokens, fee, exclusive=True)
        return domain

    def decide_membership(self) -> None:
        """Join the alliance when its pool is worth more than the fee; leave when it is not.

        The pool is worth what its tokens would replace in the lab's last run: repeated slots, each at the
        margin of that run, once per run a year.
        """
        alliance = self.model.alliance
        if not alliance.admits(self):
            return
        sourcing = self.last_sourcing
        value = 0.0
        if sourcing is not None and sourcing.repeated_tokens > 0.0:
            usable = min(alliance.pool_tokens * alliance.quality, sourcing.repeated_tokens)
            runs_per_year = 12.0 / self.spec.cadence_months
            value = usable * max(0.0, sourcing.token_value_usd - sourcing.marginal_usd) * runs_per_year
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

    def collect_user_data(self) -> None:
        """Keep the conversations of the users who consent under the regime's rule (opt-out or opt-in)."""
        market = self.model
        monthly = market.user_text_tokens_per_year / 12.0 * self.market_share * market.awareness
        self.own_user_tokens += monthly * economics.user_consent_share(market.policy.privacy_strictness)

    def own_offers(self) -> list[Offer]:
        offers = super().own_offers()
        if not self.model.params.constants.private_sourcing or self.own_user_tokens <= 0.0:
            return offers
        # In usable tokens, as the brokers' (`DataBroker._offer`); compliance is paid on every raw token.
        compliance = economics.compliance_usd_per_token(self.model.policy.privacy_strictness)
        usable = self.own_user_tokens * OWN_USER_QUALITY
        return [Offer(self, Source.OWN_USER, "chat", usable, 1.0, compliance / OWN_USER_QUALITY), *offers]
