"""DataMarketModel: labs, brokers, an alliance, generators and publishers around a finite commons."""

from __future__ import annotations

import collections
import functools
import math

import mesa
import networkx as nx
import numpy as np
from mesa.agent import AgentSet

from agents import ClosedLab, DataAlliance, DataBroker, OpenLab, Publisher, Regulator, SyntheticGenerator
from agents.offers import Source
from agents.publisher import TIERS
from agents.regulator import Policy
from agents.web import NOBODY, Web
from sim import contracts, economics, firm, metrics, scaling
from sim.params import MarketParams

# AI products became visible, and AI text started to fill the web, as deployed models passed
# ~2e25 FLOP (ChatGPT, Nov 2022; GPT-4, Mar 2023). Midpoint and steepness (per decade of FLOP)
# are tuned so the AI share of new articles is ~40% of its plateau one year after ChatGPT and
# ~95% two years after (Graphite 2025; docs/calibration.md §5).
AWARENESS_MIDPOINT_LOG10_FLOP = 24.6
AWARENESS_STEEPNESS = 5.8
# When AI writing's share of new articles was measured at about half (Graphite 2025: past 50% in November 2024).
AI_TEXT_REFERENCE_YEAR = 2024.83
# Scraping pressure is measured against mid-2023, when the labs' current datasets together held
# about a quarter of the usable web (measured in the baseline, seeds 0-2: 0.26-0.28 since licensed text counts as
# licensed and new copyrighted text is left unlicensed at its expected settlement; 0.32-0.36 before; 0.6 before
# labs repeated high-quality text by choice in place of more web text).
REFERENCE_SCRAPING_SHARE = 0.27
# The head: the largest domains, holding 20% of tokens. Longpre et al. 2024 find ~5% of all C4 tokens
# but ~28% of head tokens restricted, so the head holds roughly 5/28 ~ 18-25% of the tokens.
HEAD_TOKEN_SHARE = 0.2
OPEN_LAB_REACH = 0.7  # open-weight models reach fewer paying users than closed products
# Reinforcement learning on reasoning paid once base models were strong enough: o1 (Sep 2024) and its
# successors on ~1e26-FLOP-class bases. Readiness is a logistic in the best deployed model's capability
# (log10 FLOP of effective compute), like AI's arrival; tuned so that pretraining holds >= 90% of frontier
# training compute in 2023 and <= 70% in 2026 (Epoch 2025; docs/calibration.md §10).
REASONING_MIDPOINT_LOG10_FLOP = 25.8
REASONING_STEEPNESS = 4.0


class DataMarketModel(mesa.Model):
    """The market for LLM training data, one step per month.

    Construct with no arguments for the baseline scenario, or pass `params` (a validated
    `MarketParams`, e.g. from `load_scenario`) and/or flat keyword overrides such as
    ``usable_share=0.3``. `rng` seeds everything.
    """

    def __init__(self, params: MarketParams | None = None, *, rng=None, **overrides) -> None:
        super().__init__(rng=rng)
        params = params or MarketParams()
        self.params = params.with_overrides(**overrides) if overrides else params
        self.seed = rng if isinstance(rng, (int, np.integer)) else None
        constants = self.params.constants
        self.start_year, start_month = (int(x) for x in constants.start.split("-"))
        end_year, end_month = (int(x) for x in constants.end.split("-"))
        self.start_year += (start_month - 1) / 12.0
        self.n_months = (end_year - int(self.start_year)) * 12 + end_month - start_month + 1
        self.steps_done = 0
        self.year = self.start_year
        self.network = nx.DiGraph()

        self.human_growth_per_month = (1.0 + self.params.uncertainties.public_growth_per_year) ** (1 / 12) - 1.0
        self.private_growth_per_month = (1.0 + self.params.uncertainties.private_growth_per_year) ** (1 / 12) - 1.0
        self.private_text_tokens = self.params.uncertainties.private_text_tokens  # grows each month
        u = self.params.uncertainties
        self.media_growth_per_month = (1.0 + u.media_growth_per_year) ** (1 / 12) - 1.0
        # Video and images, in text-token equivalents, back-cast from 2024 like the web; grows each month.
        self.media_tokens = u.media_tokens_2024 / (1.0 + u.media_growth_per_year) ** (2024.0 - self.start_year)
        self.incidents_total = 0
        # What labs paid others for data, and the legal risk they bore, since the last month was measured.
        self.paid_spend_usd_month = self.legal_usd_month = self.annotation_usd_month = 0.0
        self.annotation_tokens_month = 0.0
        self.settlements_usd_month = self.settlements_usd_total = 0.0
        self.suits_total = 0
        # Task tokens people wrote for the labs in each of the last 12 months: the demand that sets their wage.
        self.annotation_tokens_by_month: collections.deque[float] = collections.deque(maxlen=12)
        self.annotation_usd_per_token = self.params.uncertainties.annotation_usd_per_token
        self.largest_deal_usd: dict[int, float] = {}  # calendar year -> the largest yearly fee of a licence signed that year
        self.contracts = contracts.ContractBook()
        self._advance_clock()
        self.awareness = self.ai_share_of_new_text = self.scraping_pressure = self.open_weight_parity = 0.0
        self.rephrasing_capability = 0.0
        self.post_training_returns = firm.POST_TRAINING_BASE_RETURNS if self.params.constants.post_training else 0.0
        self.capability_shortfall = 0.0
        self.shortfall_measured_year: float | None = None
        self.frontier_fill = 1.0  # share of its planned data the frontier could fill, at its last decision

        self.web = Web(self)
        self.regulator = Regulator(self)
        self._create_publishers()
        private = self.params.uncertainties.private_text_tokens
        self.broker_list = tuple(DataBroker(self, private / constants.n_brokers) for _ in range(constants.n_brokers))
        self.alliance = DataAlliance(self, private)
        self.generator_list = tuple(SyntheticGenerator(self) for _ in range(constants.n_generators))
        self.deployments = 0  # models deployed so far (`Lab.deployed`): the rivals each lab faces change with them
        self._rival_weights: tuple[int, np.ndarray] = (-1, np.zeros(0))
        self.lab_list = tuple((ClosedLab if spec.kind == "closed" else OpenLab)(self, spec) for spec in self.params.labs)
        # AgentSets to schedule; the tuples to iterate, since an AgentSet iterates through weak references.
        self.brokers = AgentSet(self.broker_list, random=self.random)
        self.generators = AgentSet(self.generator_list, random=self.random)
        self.labs = AgentSet(self.lab_list, random=self.random)
        self.lab_by_id = {lab.unique_id: lab for lab in self.lab_list}
        self.lab_position = {lab.unique_id: i for i, lab in enumerate(self.lab_list)}
        # Everyone a lab can get data from, in the order labs ask them (ties in sourcing follow it); each lab
        # then adds its own users' data (`Lab.own_offers`), which it sells to itself alone.
        self.sellers = (self.web, *self.broker_list, self.alliance, *self.generator_list)
        self.frontier = max(self.lab_list, key=lambda lab: lab.spec.compute_share)
        for agent in self.agents:
            self.record_agent(agent)

        self.public_exhaustion_year: dict[int, float] = {}
        self.high_quality_exhaustion_year: float | None = None
        self.data_wall_year: float | None = None
        self.metrics: dict[str, float] = {}
        # Each lab enters with the model it had at the start date: the one its whole budget then bought.
        for lab in self.lab_list:
            lab.plan = lab.plan_run(entering=True)
            lab.train()
        self._update_market_shares()
        self._observe_market()
        self.datacollector = metrics.MonthlyCollector()

    # --- one month ------------------------------------------------------------------------

    def step(self) -> None:
        """One month of the market."""
        self._advance_clock()
        if self.contracts.expiring(self.steps_done):
            self.web.end_licences()
        self._observe_market()
        self.regulator.apply_policies()
        self.web.produce()
        self.web.review_access()
        self.web.bring_suits()
        self.brokers.do("source_supply")
        self.alliance.step()
        if self.steps_done % 12 == 0:
            self.labs.shuffle_do("decide_membership")
        self.generators.do("update_model")
        self.labs.shuffle_do("step")
        self.brokers.do("adjust_prices")
        self._update_market_shares()
        self._measure()
        self.datacollector.collect(self)
        self.steps_done += 1
        self.running = self.steps_done < self.n_months

    def run(self) -> DataMarketModel:
        """Step to the horizon."""
        while self.running:
            self.step()
        return self

    # --- the world around the agents -------------------------------------------------------

    def _advance_clock(self) -> None:
        u = self.params.uncertainties
        self.year = self.start_year + self.steps_done / 12.0
        self.usd_per_flop = self.usd_per_flop_at(self.year)
        self.frontier_compute_flop = self.frontier_compute_at(self.year)
        years = self.year - economics.COMPUTE_REFERENCE_YEAR
        self.inference_tokens_per_year = economics.saturating_growth(
            u.inference_tokens_per_year_2024, u.inference_growth_per_year, u.inference_tokens_per_year_max, years
        )
        self.user_text_tokens_per_year = economics.saturating_growth(
            u.user_text_tokens_per_year_2024, u.user_text_growth_per_year, u.user_text_tokens_per_year_max, years
        )
        self.ai_revenue_usd_per_year = economics.saturating_growth(
            u.ai_revenue_usd_2024, u.ai_revenue_growth_per_year, u.ai_revenue_usd_max, years
        )
        self.incidents_month = 0
        if self.steps_done > 0:
            self.private_text_tokens *= 1.0 + self.private_growth_per_month
            self.media_tokens *= 1.0 + self.media_growth_per_month

    def usd_per_flop_at(self, year: float) -> float:
        """The price of a FLOP of training compute in `year` (labs project it when they value a licence)."""
        u = self.params.uncertainties
        return economics.usd_per_flop_at(year, self.params.constants.usd_per_flop_2024, u.flop_price_halving_years)

    def frontier_compute_at(self, year: float) -> float:
        """The largest training run a lab can buy in `year`, on the compute trend."""
        u = self.params.uncertainties
        return economics.frontier_compute_flop(
            year,
            u.frontier_compute_flop_2024,
            u.compute_growth_per_year,
            u.training_spend_cap_usd,
            self.params.constants.usd_per_flop_2024,
            u.flop_price_halving_years,
        )

    def _observe_market(self) -> None:
        """What last month's models did to the world: AI awareness, web pollution, scraping load, annotators' wages."""
        u = self.params.uncertainties
        self.annotation_usd_per_token = economics.annotation_usd_per_token(
            u.annotation_usd_per_token, sum(self.annotation_tokens_by_month), u.annotation_supply_elasticity
        )
        # Usage-weighted capability of what is deployed: staggered releases make it move monthly.
        # A lab with no model (a market with no revenue trains none) counts as one FLOP: log 0, not minus infinity.
        log_flop = sum(lab.market_share * np.log10(max(lab.deployed.compute_flop, 1.0)) for lab in self.lab_list)
        self.awareness = economics.logistic(log_flop, AWARENESS_MIDPOINT_LOG10_FLOP, AWARENESS_STEEPNESS)
        # Rephrasing at scale needs a capable model, available to anyone once the best one is GPT-4 class.
        best_log_flop = np.log10(max(max(lab.deployed.compute_flop for lab in self.lab_list), 1.0))
        self.rephrasing_capability = economics.logistic(best_log_flop, AWARENESS_MIDPOINT_LOG10_FLOP, AWARENESS_STEEPNESS)
        # Post-training returns: instruction tuning always, reasoning RL once the best base model is strong enough.
        if self.params.constants.post_training:
            best = max(lab.deployed.capability for lab in self.lab_list)
            readiness = economics.logistic(best, REASONING_MIDPOINT_LOG10_FLOP, REASONING_STEEPNESS)
            self.post_training_returns = firm.POST_TRAINING_BASE_RETURNS + u.reasoning_returns * readiness
        # Half of AI writing goes through closed APIs; the other half grows as open weights near the
        # frontier, since anyone can then run a good model (docs/model.md, stage 2).
        open_losses = [lab.deployed.loss for lab in self.lab_list if lab.kind == "open"]
        parity = economics.open_weight_parity(min(open_losses, default=np.inf), min(lab.deployed.loss for lab in self.lab_list))
        self.open_weight_parity = parity
        writers = 0.5 * (1.0 + parity)
        # Those who can write with AI do so as it pays: AI writing costs what inference does, which falls with the
        # price of compute.
        cheaper = self.usd_per_flop_at(AI_TEXT_REFERENCE_YEAR) / self.usd_per_flop
        chosen = economics.ai_writing_share(u.ai_text_share_2024, u.ai_writing_cost_elasticity, cheaper)
        self.ai_share_of_new_text = chosen * self.awareness * writers if self.params.constants.ai_pollution else 0.0
        public_used = sum(lab.deployed.tokens_by_source[Source.PUBLIC] for lab in self.lab_list)
        web = self.web
        usable = sum(tokens * p.usable_share for p, tokens in zip(web.publishers, web.tier_sums(web.human_tokens)))
        self.scraping_pressure = public_used / usable / REFERENCE_SCRAPING_SHARE

    def _create_publishers(self) -> None:
        """Domains per tier with Pareto sizes; the raw stock is back-cast from 2024 to the start."""
        u, c = self.params.uncertainties, self.params.constants
        years_to_2024 = 2024.0 - self.start_year
        raw_total = u.public_stock_raw_tokens_2024 / (1.0 + u.public_growth_per_year) ** years_to_2024
        mean_quality = sum(t.token_share * t.relative_quality for t in TIERS)
        counts = [max(1, round(c.n_publishers * t.domain_share)) for t in TIERS]
        sizes = [self.rng.pareto(c.publisher_size_tail, n) + 1.0 for n in counts]
        tokens_by_tier = [raw_total * t.token_share * size / size.sum() for t, size in zip(TIERS, sizes)]
        ranked = np.sort(np.concatenate(tokens_by_tier))[::-1]
        head_size = ranked[np.searchsorted(np.cumsum(ranked), HEAD_TOKEN_SHARE * raw_total)]
        for tier, tokens in zip(TIERS, tokens_by_tier):
            usable = min(1.0, u.usable_share * tier.relative_quality / mean_quality)
            Publisher(self, tier, tokens, usable, head_size)

    @property
    def publishers(self):
        return self.agents_by_type[Publisher]

    @property
    def policy(self) -> Policy:
        return self.regulator.policy

    def consented_share(self) -> float:
        """Share of private text its holders may lawfully license under the privacy regime in force."""
        return economics.consented_share(self.params.uncertainties.max_consented_share, self.policy.privacy_strictness)

    def robots_compliance(self, lab) -> float:
        """Share of robots.txt opt-outs the lab's crawler honours: all of them under a code of practice it signed."""
        if self.policy.code_of_practice and lab.spec.signs_code_of_practice:
            return 1.0
        return self.params.uncertainties.robots_compliance

    @staticmethod
    def reach(lab) -> float:
        return 1.0 if lab.kind == "closed" else OPEN_LAB_REACH

    def _update_market_shares(self) -> None:
        """Shares of the model market follow capability (a logit); each lab earns its share of the market's revenue."""
        deployed = [lab for lab in self.lab_list if lab.deployed is not None]
        capabilities = np.array([lab.deployed.capability for lab in deployed])
        reach = np.array([self.reach(lab) for lab in deployed])
        shares = economics.market_shares(capabilities, reach, self.params.constants.market_temperature)
        for lab, share in zip(deployed, shares):
            lab.market_share = float(share)
        self.hhi = economics.herfindahl_index(shares)

    def _rivals_log_weights(self) -> np.ndarray:
        """Per lab (in `lab_list` order), its rivals' part of the logit (`firm.rivals_log_weights`), measured again
        after each deployment."""
        if self._rival_weights[0] != self.deployments:
            capabilities = [lab.deployed.capability if lab.deployed is not None else math.nan for lab in self.lab_list]
            reaches = [self.reach(lab) for lab in self.lab_list]
            weights = firm.rivals_log_weights(capabilities, reaches, self.params.constants.market_temperature)
            self._rival_weights = (self.deployments, weights)
        return self._rival_weights[1]

    def market_for(self, lab) -> firm.Market:
        """The market as `lab` sees it when it plans a run: demand, the price of a FLOP, its rivals' models."""
        temperature = self.params.constants.market_temperature
        return firm.Market(
            revenue_usd_per_year=self.ai_revenue_usd_per_year,
            served_tokens_per_year=self.inference_tokens_per_year * self.awareness,
            usd_per_flop=self.usd_per_flop,
            rivals_log_weight=float(self._rivals_log_weights()[self.lab_position[lab.unique_id]]),
            reach=self.reach(lab),
            temperature_oom=temperature,
            post_training_returns=self.post_training_returns,
            post_training_ceiling_oom=self.params.uncertainties.post_training_ceiling_oom,
            expected_task_quality=lab.deployed.post_training_data.quality if lab.deployed is not None else 1.0,
        )

    # --- bookkeeping the agents call -------------------------------------------------------

    def add_seller(self, seller) -> None:
        """Register a new kind of seller (see docs/extending.md): labs ask it after every built-in one."""
        self.sellers = (*self.sellers, seller)
        self.record_agent(seller)

    # The market graph (`network`) is written here only: agents, deals, alliance memberships, generator lineage.

    def record_agent(self, agent) -> None:
        self.network.add_node(agent.unique_id, type=type(agent).__name__, name=getattr(agent, "name", type(agent).__name__))

    def record_deal(self, seller, buyer, tokens: float) -> None:
        """`buyer` trained on `tokens` of `seller`'s data."""
        self._deal_edge(seller, buyer)["tokens"] += tokens

    def _deal_edge(self, seller, buyer) -> dict:
        edge = self.network.get_edge_data(seller.unique_id, buyer.unique_id)
        if edge is None:
            self.network.add_edge(seller.unique_id, buyer.unique_id, kind="deal", tokens=0.0, licences=0, usd_per_year=0.0)
            edge = self.network.get_edge_data(seller.unique_id, buyer.unique_id)
        return edge

    def record_licence(self, seller, buyer, usd_per_year: float) -> None:
        """A licence signed for `usd_per_year` (the largest of each year is reported); the graph keeps each pair's count
        and its yearly fees."""
        year = int(self.year)
        if usd_per_year > self.largest_deal_usd.get(year, 0.0):
            self.largest_deal_usd[year] = usd_per_year
        edge = self._deal_edge(seller, buyer)
        edge["licences"] += 1
        edge["usd_per_year"] += usd_per_year

    def sign_licence(self, holder, lab, key: int, tier: str, tokens: float, usd_per_year: float, exclusive: bool = False) -> None:
        """`lab` licenses `holder`'s text (`key`: a domain, or a broker's tier) for a term (`sim.contracts`)."""
        grant = holder.grant_exclusive if exclusive else holder.grant_licence
        start = grant(lab, key, usd_per_year)
        self.contracts.sign(lab.unique_id, holder.unique_id, tier, key, tokens, start, usd_per_year, self.year, exclusive)
        self.record_licence(holder, lab, usd_per_year)

    def record_membership(self, lab, alliance, member: bool) -> None:
        if member:
            self.network.add_edge(lab.unique_id, alliance.unique_id, kind="membership", tokens=0.0)
        elif self.network.has_edge(lab.unique_id, alliance.unique_id):
            self.network.remove_edge(lab.unique_id, alliance.unique_id)

    def record_lineage(self, generator, source_lab, previous_lab=None) -> None:
        """A generator now generates with `source_lab`'s model instead of `previous_lab`'s."""
        if previous_lab is not None and self.network.has_edge(previous_lab.unique_id, generator.unique_id):
            self.network.remove_edge(previous_lab.unique_id, generator.unique_id)
        self.network.add_edge(source_lab.unique_id, generator.unique_id, kind="lineage", tokens=0.0)

    def record_data_spend(self, paid_usd: float, legal_usd: float) -> None:
        """A lab trained: what it paid other agents for data, and the expected legal cost it bore."""
        self.paid_spend_usd_month += paid_usd
        self.legal_usd_month += legal_usd

    def record_settlement(self, lab, usd: float, suits: int) -> None:
        """`suits` holders settled with `lab` for `usd`: its liability for their text is cleared."""
        self.settlements_usd_month += usd
        self.settlements_usd_total += usd
        self.suits_total += suits

    def record_annotation(self, tokens: float, usd: float) -> None:
        """A lab paid people (annotation vendors, experts) to write and grade `tokens` of its post-training tasks."""
        self.annotation_tokens_month += tokens
        self.annotation_usd_month += usd

    def record_incidents(self, count: int) -> None:
        self.incidents_total += count
        self.incidents_month += count
        self.regulator.react_to_incidents(count)

    def effective_public_tokens(self, lab_id: int) -> float:
        """Usable public tokens a lab may use once (crawlable or exclusively its own)."""
        return self.web.effective_public_tokens(lab_id)

    def accessible_effective_stock(self, lab_id: int) -> float:
        """Effective public stock for a lab: usable tokens times the repetition gain it tolerates."""
        return self.effective_public_tokens(lab_id) * scaling.repetition_gain(self.params.uncertainties.max_epochs)

    # --- measurement ------------------------------------------------------------------------

    def _measure(self) -> None:
        """Record exhaustion and the data wall, then this month's metrics."""
        gain = scaling.repetition_gain(self.params.uncertainties.max_epochs)
        public, high_quality = self.web.public_stocks(self.frontier.unique_id)
        frontier_stock, hq_stock = public * gain, high_quality * gain
        for lab in self.lab_list:  # the labs whose exhaustion is still to come
            if lab.unique_id in self.public_exhaustion_year:
                continue
            stock = frontier_stock if lab is self.frontier else self.accessible_effective_stock(lab.unique_id)
            if lab.plan.tokens > stock:
                self.public_exhaustion_year[lab.unique_id] = self.year
                if lab is self.frontier:
                    self.exhaustion_dataset_tokens = lab.plan.tokens
                    self.exhaustion_compute_flop = lab.plan.compute_flop
        if self.high_quality_exhaustion_year is None and self.frontier.plan.tokens > hq_stock:
            self.high_quality_exhaustion_year = self.year
        self._measure_scarcity()
        self.paid_spend_usd_month += self.contracts.fees_usd_month(self.steps_done)
        self.metrics = metrics.monthly(self, frontier_stock, hq_stock)
        self.annotation_tokens_by_month.append(self.annotation_tokens_month)
        self.paid_spend_usd_month = self.legal_usd_month = self.annotation_usd_month = self.annotation_tokens_month = 0.0
        self.settlements_usd_month = 0.0

    def _measure_scarcity(self) -> None:
        """How short of data the frontier is, measured in the months it trains (a decision's quote of its plan).

        The capability the frontier's most capable run loses to scarcity (`firm.scarcity_oom`) is measured when it
        decides a run (a year's decision, and the measure weighs nine datasets), with the share of its plan's
        desired data it could fill (`frontier_fill`, held until its next decision: between decisions nothing is
        chosen, so the quote is not re-sourced). The data wall is when that loss reaches `data_wall_margin_oom`,
        dated between the two measurements around the crossing, as the loss grew linearly between them (so the
        date moves continuously with every input, not by months).
        """
        lab = self.frontier
        if lab.deployed.year != self.year and self.steps_done != 0:
            return
        book = lab.offer_book()
        quote = lab.source(lab.plan, book)
        self.frontier_fill = quote.fill
        shortfall = firm.scarcity_oom(lab.plan, functools.partial(lab.source, book=book), self.market_for(lab), quote)
        margin = self.params.constants.data_wall_margin_oom
        if self.data_wall_year is None and shortfall >= margin:
            before, since = self.capability_shortfall, self.shortfall_measured_year
            self.data_wall_year = (
                self.year if since is None else since + (margin - before) / (shortfall - before) * (self.year - since)
            )
        self.capability_shortfall, self.shortfall_measured_year = shortfall, self.year

    @property
    def frontier_exhaustion_year(self) -> float | None:
        return self.public_exhaustion_year.get(self.frontier.unique_id)

    # --- invariants (docs/model.md, "Reproducibility" and tests/test_model.py) ------------------------------------------------------------

    def invariant_violations(self) -> list[str]:
        """Conservation, non-negativity and bounds that must hold after every month."""
        problems: list[str] = []
        for p in self.publishers:
            if (p.human_tokens < 0).any() or (p.ai_tokens < 0).any():
                problems.append(f"{p.tier.name}: negative public stock")
            if not np.isclose(p.raw_tokens.sum(), p.initial_tokens + p.written_tokens, rtol=1e-9):
                problems.append(f"{p.tier.name}: the pool is not what it started with plus what was written")
            if (p.crawlable() & (p.licensee != NOBODY)).any():
                problems.append(f"{p.tier.name}: an exclusively licensed domain is open to every crawler")
        for lab in self.lab_list:
            sourcing = lab.last_sourcing
            if sourcing is None:
                continue
            available = np.array([o.tokens for o in sourcing.offers])
            if (sourcing.taken < 0).any() or (sourcing.taken > available * (1 + 1e-9) + 1e-6).any():
                problems.append(f"{lab.name}: took tokens an offer did not have")
            if not np.isclose(sum(lab.deployed.tokens_by_source.values()), sourcing.taken.sum(), rtol=1e-9):
                problems.append(f"{lab.name}: training set does not add up to the tokens sourced")
            run = lab.deployed
            if run.data_spend_usd > run.data_budget_usd * (1 + 1e-9) + 1e-6:
                problems.append(
                    f"{lab.name}: spent {run.data_spend_usd:.3g} USD on data, over its budget {run.data_budget_usd:.3g}"
                )
            if run.serving_usd_per_year > run.revenue_usd_per_year * (1 + 1e-9):
                problems.append(f"{lab.name}: deployed a model that costs more to serve than it earns")
            best_quality = max((o.quality for o in sourcing.offers), default=1.0)
            if lab.own_user_tokens < 0 or lab.deployed.effective_tokens > lab.deployed.tokens * best_quality * (1 + 1e-9):
                problems.append(f"{lab.name}: effective tokens exceed tokens seen, or negative user data")
        for broker in self.broker_list:
            if (broker.price_usd <= 0).any() or (broker.available_tokens() < 0).any():
                problems.append("broker: non-positive price or negative supply")
        for name in (
            "private_share",
            "synthetic_share",
            "opted_out_share",
            "opted_out_share_head",
            "exclusive_share",
            "ai_pollution_share",
            "consented_share",
            "frontier_fill",
        ):
            value = self.metrics.get(name, 0.0)
            if not 0.0 <= value <= 1.0 + 1e-12:
                problems.append(f"{name} = {value} outside [0, 1]")
        if self.alliance.pool_tokens < 0:
            problems.append("alliance: negative pool")
        return problems
