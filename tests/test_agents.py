"""Each agent's decisions, exercised on a real model."""

import numpy as np
import pytest

from agents import DataBroker, Publisher, Source
from agents.web import NOBODY
from sim import DataMarketModel, economics


def _news(model) -> Publisher:
    return next(p for p in model.publishers if p.tier.name == "news")


def test_opt_outs_rise_with_uncompensated_scraping():
    quiet, busy = DataMarketModel(rng=1), DataMarketModel(rng=1)
    for model, pressure in ((quiet, 0.0), (busy, 3.0)):
        model.awareness, model.scraping_pressure = 1.0, pressure
        for _ in range(24):
            model.web.review_access()
    assert not any(p.opted_out.any() for p in quiet.publishers)
    assert sum(p.opted_out.sum() for p in busy.publishers) > 0


def test_sensitive_tiers_and_large_domains_restrict_crawlers_first():
    model = DataMarketModel(rng=2, n_publishers=4000)
    model.awareness, model.scraping_pressure = 1.0, 1.0
    for _ in range(12):
        model.web.review_access()
    general_web = next(p for p in model.publishers if p.tier.name == "general_web")
    large = general_web.human_tokens >= np.quantile(general_web.human_tokens, 0.9)
    assert general_web.opted_out[large].mean() > 2 * general_web.opted_out[~large].mean()
    # Domains of one size: the sensitive tiers first.
    model = DataMarketModel(rng=2, n_publishers=4000)
    model.awareness, model.scraping_pressure = 1.0, 1.0
    model.web.size_weight[:] = 1.0
    for _ in range(12):
        model.web.review_access()
    share = {p.tier.name: p.opted_out.mean() for p in model.publishers}
    assert share["news"] > 2 * share["general_web"]


def test_a_domain_that_restricts_crawlers_is_licensable_to_every_lab():
    model = DataMarketModel(rng=2)
    news = _news(model)
    news.opted_out[:] = True
    model.web.changed()
    assert not news.crawlable().any()
    assert news._licensable().all()


def test_opt_out_regime_decides_whether_robots_txt_blocks_crawlers():
    model = DataMarketModel(rng=3)
    news = _news(model)
    news.opted_out[:] = True
    model.regulator.policy.opt_out_regime = "robots"
    assert not news.crawlable().any()
    model.regulator.policy.opt_out_regime = "none"
    assert news.crawlable().all()


def test_licensing_mandate_takes_books_and_news_out_of_the_crawl_and_prices_their_licences_by_value():
    model = DataMarketModel(rng=3, licensing_mandate=True, end="2024-12").run()  # datasets past the free high-quality text
    lab = model.frontier
    offers = [o for p in model.publishers for o in p.tier_offers(lab, lab.plan)]
    crawled_tiers = {o.tier for o in offers if o.source is Source.PUBLIC and o.tokens > 0}
    licences = [o for o in offers if o.source is Source.LICENSED and o.usd_per_token > 0]
    assert {"books", "news"} <= {o.tier for o in licences} and not {"books", "news"} & crawled_tiers
    # Bargained: half of what a token is worth to the lab over its margin, so a better token costs more.
    value, margin = lab.plan.token_value_usd, lab.marginal_usd(lab.plan)
    for offer in licences:
        assert offer.usd_per_token == pytest.approx(0.5 * (offer.quality * value - margin))


def test_crawling_copyrighted_text_is_licensed_when_the_risk_is_worth_clearing_and_otherwise_bears_the_risk():
    lab_offers = {}
    for risk in (0.0, 1e-9, 0.1):
        model = DataMarketModel(rng=3, copyright_risk_usd_per_token=risk, end="2024-12").run()
        lab = model.frontier
        lab_offers[risk] = [
            o for o in _news(model).tier_offers(lab, lab.plan) if o.source is Source.PUBLIC and not o.ai_generated
        ]
    assert all(o.usd_per_token == 0 and o.risk_usd_per_token == 0 for o in lab_offers[0.0])
    # A small risk: a licence clears it at half its cost, for the text worth more than the lab's margin (the
    # high-quality part); the rest is worth no more than other text, so nobody pays to clear it.
    high, rest = sorted(lab_offers[1e-9], key=lambda o: -o.quality)
    assert high.usd_per_token == pytest.approx(0.5e-9) and high.risk_usd_per_token == 0
    assert rest.usd_per_token == 0 and rest.risk_usd_per_token == 1e-9
    # A risk above what the text is worth: the licence is worth only the text's value over the margin; the
    # part of the tier not worth more than the margin is offered at its risk, unlicensed.
    assert any(o.usd_per_token > 0 for o in lab_offers[0.1]) and any(o.risk_usd_per_token == 0.1 for o in lab_offers[0.1])


def test_an_exclusive_licence_removes_a_domain_from_everyone_elses_commons():
    model = DataMarketModel(rng=4)
    buyer, rival = model.labs.to_list()[0], model.labs.to_list()[1]
    publisher = next(p for p in model.publishers if p.head.any())
    before_rival = model.effective_public_tokens(rival.unique_id)
    domain = int(np.flatnonzero(publisher.head)[0])
    tokens = float(publisher.human_tokens[domain] * publisher.usable_share)
    cost = publisher.license_exclusive(domain, buyer.unique_id, usd_per_token=1e-5)
    assert cost == pytest.approx(tokens * 1e-5)
    assert publisher.licensee[domain] == buyer.unique_id
    assert model.effective_public_tokens(rival.unique_id) == pytest.approx(before_rival - tokens, rel=1e-6)
    assert model.effective_public_tokens(buyer.unique_id) == pytest.approx(before_rival, rel=1e-6)


def test_brokers_offer_less_private_data_under_stricter_privacy():
    lax, strict = DataMarketModel(rng=5, privacy_strictness=0.1), DataMarketModel(rng=5, privacy_strictness=0.9)
    assert strict.brokers.to_list()[0].available_tokens().sum() < 0.2 * lax.brokers.to_list()[0].available_tokens().sum()
    assert (strict.brokers.to_list()[0].floor_usd() > lax.brokers.to_list()[0].floor_usd()).all()


def test_broker_prices_rise_when_labs_want_more_than_there_is():
    model = DataMarketModel(rng=6)
    broker: DataBroker = model.brokers.to_list()[0]
    before = broker.price_usd.copy()
    broker.sell(model.labs.to_list()[0].unique_id, "social", tokens=1e12, wanted=5e12, exclusive=False)
    broker.adjust_prices()
    assert broker.price_usd[0] > before[0]
    assert broker.price_usd[1] <= before[1]  # no demand for messages: the price drifts down


def test_exclusive_private_data_stays_with_its_buyer_and_leaves_the_market():
    model = DataMarketModel(rng=6)
    broker, buyer, rival = model.brokers.to_list()[0], model.labs.to_list()[0], model.labs.to_list()[1]
    open_before = broker.available_tokens()[3]
    broker.sell(buyer.unique_id, "enterprise", tokens=1e11, wanted=1e11, exclusive=True)
    assert broker.available_tokens()[3] == pytest.approx(open_before - 1e11)
    own = [o for o in broker.offers_to(buyer) if o.tier == "enterprise" and o.usd_per_token == 0]
    assert own and own[0].tokens == pytest.approx(1e11 * 0.8)  # offered in usable tokens: enterprise text is 80% usable
    assert not [o for o in broker.offers_to(rival) if o.usd_per_token == 0]


def test_fixed_k_labs_plan_20k_tokens_per_parameter():
    model = DataMarketModel(rng=7)
    lab = next(lab for lab in model.labs if lab.spec.strategy == "fixed")
    plan = lab.plan_run()
    assert plan.tokens / plan.params == pytest.approx(20 * lab.spec.k)
    assert 6 * plan.params * plan.tokens == pytest.approx(lab.compute_budget_flop() * (1 - plan.post_training_share))


def test_adaptive_labs_overtrain_more_when_serving_their_users_costs_more():
    # The firm weighs what a larger model earns against what it costs to serve: more tokens served per
    # dollar of revenue make a smaller, longer-trained model pay.
    ks = []
    for served in (2e14, 2e15, 2e16):
        model = DataMarketModel(rng=7, start="2026-01", inference_tokens_per_year_2024=served)
        lab = next(lab for lab in model.labs if lab.spec.strategy == "adaptive")
        ks.append(lab.plan_run().k)
    assert ks[0] < ks[1] < ks[2]


def test_labs_short_of_data_buy_it_and_repeat_their_text():
    model = DataMarketModel(rng=8, public_stock_raw_tokens_2024=2e13, end="2026-12")
    runs = []  # (tokens trained on, tokens planned) of each frontier run
    while model.running:
        model.step()
        frontier = model.frontier
        if frontier.deployed.year == model.year:  # it trained this month, on the plan it still holds
            runs.append((frontier.deployed.tokens, frontier.plan.tokens))
    mix = frontier.deployed.tokens_by_source
    assert mix[Source.SYNTHETIC] + mix[Source.BROKER] + mix[Source.LICENSED] + mix[Source.OWN_USER] > 0
    assert frontier.spec.strategy == "adaptive"
    # Data-constrained: it repeats its text, and weighs fewer tokens than planned (`firm.choose_run`).
    assert frontier.last_sourcing.data.epochs > 1.0 and runs, runs


def test_only_alliance_members_can_draw_from_the_pool():
    model = DataMarketModel(rng=9, end="2026-12").run()
    alliance = model.alliance
    assert alliance.founder in alliance.members and alliance.pool_tokens > 0
    outsider = next((lab for lab in model.labs if lab.unique_id not in alliance.members), None)
    if outsider is not None:
        assert alliance.offers_to(outsider) == []
    assert alliance.offers_to(model.lab_by_id[alliance.founder])[0].tokens == pytest.approx(
        alliance.pool_tokens * alliance.quality
    )


def test_antitrust_forces_the_alliance_to_admit_closed_rivals():
    model = DataMarketModel(rng=9, end="2024-06").run()
    rival = next(lab for lab in model.labs if lab.kind == "closed" and lab.unique_id != model.alliance.founder)
    rival.market_share = model.lab_by_id[model.alliance.founder].market_share
    assert not model.alliance.admits(rival)
    model.regulator.policy.alliance_antitrust = True
    assert model.alliance.admits(rival)


def test_generators_use_the_best_model_and_are_worth_less_to_better_buyers():
    model = DataMarketModel(rng=10, end="2025-12").run()
    generator = model.generators.to_list()[0]
    assert generator.generator_loss == pytest.approx(min(lab.deployed.loss for lab in model.labs), abs=0.02)
    assert generator.quality_for(generator.generator_loss - 0.2) < generator.quality_for(generator.generator_loss + 0.1)
    assert model.network.has_edge(generator.source_lab.unique_id, generator.unique_id)


def test_levers_take_effect_from_their_year_and_not_before():
    model = DataMarketModel(rng=11, privacy_strictness={"value": 0.9, "year": 2025.0}, end="2026-12")
    strictness = []
    while model.running:
        model.step()
        strictness.append((model.year, model.policy.privacy_strictness))
    assert all(s == 0.5 for y, s in strictness if y < 2025.0)
    assert all(s == 0.9 for y, s in strictness if y >= 2025.0)


def test_a_data_commons_adds_open_tokens_in_its_year():
    model = DataMarketModel(rng=12, data_commons_tokens={"value": 2e13, "year": 2023.0}, end="2023-06")
    stocks = {}
    while model.running:
        model.step()
        stocks[round(model.year, 3)] = model.effective_public_tokens(model.frontier.unique_id)
    jump = stocks[2023.0] - stocks[round(2023 - 1 / 12, 3)]
    assert jump > 2e13 * 0.99


def test_the_regulator_tightens_privacy_after_repeated_incidents():
    model = DataMarketModel(rng=13, tighten_privacy_after_incidents=True)
    before = model.policy.privacy_strictness
    model.record_incidents(3)
    assert model.policy.privacy_strictness == pytest.approx(before + 0.1)
    calm = DataMarketModel(rng=13)
    calm.record_incidents(3)
    assert calm.policy.privacy_strictness == before


def test_every_publisher_domain_is_in_exactly_one_access_state(baseline_run):
    for p in baseline_run.publishers:
        crawl = p.crawlable()
        exclusive = p.licensee != NOBODY
        restricted = ~crawl & ~exclusive
        assert ((crawl & ~exclusive).astype(int) + restricted + exclusive == 1).all()
        assert not (crawl & exclusive).any()  # sole access means no one else may crawl it


def test_a_platform_lab_offers_itself_its_users_posts_under_the_consent_rule():
    offers = {}
    for strictness in (0.0, 1.0):
        model = DataMarketModel(rng=11, privacy_strictness=strictness)
        platform = next(lab for lab in model.lab_list if lab.spec.platform_share > 0)
        others = [lab for lab in model.lab_list if lab.spec.platform_share == 0]
        assert all(lab.platform_offers() == [] for lab in others)
        (posts,) = platform.platform_offers()
        assert posts.seller is platform and posts.source is Source.OWN_USER
        offers[strictness] = posts.tokens
    # Opt-out (80% stay in) against opt-in (10% opt in).
    assert offers[0.0] / offers[1.0] == pytest.approx(8.0)


def test_data_is_paid_from_the_run_and_leaves_less_compute():
    model = DataMarketModel(rng=12, end="2030-12").run()
    u, c = model.params.uncertainties, model.params.constants
    for lab in model.lab_list:
        run = lab.deployed
        compute_usd = run.compute_flop * economics.usd_per_flop_at(run.year, c.usd_per_flop_2024, u.flop_price_halving_years)
        assert compute_usd + run.data_spend_usd == pytest.approx(run.data_budget_usd, rel=1e-9)
    frontier = model.frontier.deployed
    assert frontier.data_spend_usd > 0
    assert frontier.paid_spend_usd <= frontier.data_spend_usd


def test_rephrasing_is_worth_nothing_before_capable_models_and_its_full_value_after():
    early = DataMarketModel(rng=13)  # 2020: the best model is far below GPT-4 class
    late = DataMarketModel(rng=13, end="2026-12").run()
    value = late.params.uncertainties.rephrased_value

    def rephrased(model):
        lab = model.frontier
        return next((o for o in lab.own_offers(lab.plan) if o.tier == "rephrased"), None)

    assert early.rephrasing_capability < 0.01 and rephrased(early).quality < 0.01 * value
    assert rephrased(late).quality == pytest.approx(value, rel=0.01)
    assert rephrased(late).per_real_token > 0
