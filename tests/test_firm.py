"""The firm's decision (sim/firm.py): capability, post-training, model size by profit, and what follows in a run."""

import math

import numpy as np
import pytest

from sim import DataMarketModel, economics, firm, scaling
from sim.metrics import timeseries


def _market(**changes) -> firm.Market:
    values = dict(
        revenue_usd_per_year=5e10,
        served_tokens_per_year=1e15,
        usd_per_flop=2e-18,
        rivals_log_weight=firm.rivals_log_weight([26.5, 26.0], [1.0, 0.7], 0.5),
        reach=1.0,
        temperature_oom=0.5,
        post_training_returns=0.3,
    )
    return firm.Market(**{**values, **changes})


@pytest.mark.parametrize("compute", [1e22, 1e25, 1e28, 1e31])
def test_a_compute_optimal_run_is_worth_its_own_compute(compute):
    params, tokens = scaling.allocate_compute(compute, 1.0)
    assert firm.effective_compute_flop(float(scaling.loss(params, tokens))) == pytest.approx(compute, rel=1e-9)


def test_an_overtrained_or_data_starved_model_is_worth_less_compute_than_it_used():
    compute = 1e26
    overtrained = scaling.allocate_compute(compute, 30.0)
    assert firm.effective_compute_flop(float(scaling.loss(*overtrained))) < 0.9 * compute
    params, tokens = scaling.allocate_compute(compute, 1.0)
    starved = firm.effective_compute_flop(float(scaling.loss(params, tokens / 4)))  # a quarter of the data's worth
    assert starved < 0.5 * compute


def test_capability_keeps_growing_with_compute_after_the_loss_has_flattened():
    losses, capabilities = [], []
    for compute in (1e30, 1e31):
        params, tokens = scaling.allocate_compute(compute, 1.0)
        losses.append(float(scaling.loss(params, tokens)))
        capabilities.append(firm.capability_oom(compute, tokens, tokens, 0.0, 0.0))
    assert losses[0] - losses[1] < 0.01  # nats: the loss is near its floor
    assert capabilities[1] - capabilities[0] == pytest.approx(1.0, abs=1e-6)  # a decade of compute is a decade of capability


def test_post_training_pays_more_as_its_returns_rise_and_not_at_all_below_its_scale():
    assert firm.planned_post_training_share(firm.POST_TRAINING_RATIO_SCALE / 2) == 0.0
    shares = [firm.planned_post_training_share(a) for a in (0.05, 0.2, 0.4)]
    assert shares == sorted(shares) and shares[0] > 0.0
    assert firm.post_training_gain_oom(0.3, 0.4) > firm.post_training_gain_oom(0.3, 0.2) > 0.0


def test_a_lab_short_of_pretraining_data_moves_compute_into_post_training():
    compute = 1e28
    _, tokens = scaling.allocate_compute(compute, 1.0)
    plentiful, _ = firm.best_post_training(compute, tokens, tokens, 0.3)
    short, _ = firm.best_post_training(compute, tokens, tokens / 8, 0.3)
    assert 0.0 < plentiful < short < firm.SHARE_SEARCH_END


@pytest.mark.parametrize("ceiling", [math.inf, 2.0])
def test_the_best_post_training_share_is_the_best_on_a_fine_grid(ceiling):
    compute, returns = 3e27, 0.35
    _, tokens = scaling.allocate_compute(compute, 2.0)
    _, best = firm.best_post_training(compute, tokens, tokens / 3, returns, ceiling)
    grid = np.linspace(0.0, firm.SHARE_SEARCH_END, 2001)
    on_grid = max(firm.capability_oom(compute, tokens, tokens / 3, s, returns, ceiling_oom=ceiling) for s in grid)
    assert best == pytest.approx(on_grid, abs=1e-6)


def test_post_training_levels_off_below_its_ceiling_and_is_logarithmic_far_below_it():
    ratios = (1.0, 1e2, 1e4, 1e6)  # post-training compute over pretraining's
    gains = [firm.post_training_gain_oom(r / (1.0 + r), 0.6, 1.0, 2.0) for r in ratios]
    assert gains[-1] < 2.0
    assert np.all(np.diff(np.diff(gains)) < 0.0)  # each 100x of the ratio adds less than the last
    assert firm.post_training_gain_oom(0.01, 0.6, 1.0, 2.0) == pytest.approx(firm.post_training_gain_oom(0.01, 0.6), rel=0.05)
    assert firm.post_training_gain_oom(0.5, 0.6, 1.0, 1e9) == pytest.approx(firm.post_training_gain_oom(0.5, 0.6), rel=1e-6)


def test_with_a_ceiling_even_a_lab_with_almost_no_data_keeps_pretraining():
    # Without one, the gain's slope grows like 1 / (1 - s): a lab short of data would put everything into post-training.
    compute = 1e30
    _, tokens = scaling.allocate_compute(compute, 1.0)
    short, _ = firm.best_post_training(compute, tokens / 30, tokens / 30, 0.6, 2.0)
    assert 0.5 < short < 0.99
    lower, _ = firm.best_post_training(compute, tokens / 30, tokens / 30, 0.6, 1.5)
    assert lower < short  # the lower the ceiling, the more is left to pretraining


def test_a_more_capable_model_wins_a_larger_share_against_the_same_rivals():
    market = _market()
    shares = [firm.market_share(c, market) for c in (25.5, 26.0, 26.5, 27.0)]
    assert shares == sorted(shares) and 0.0 < shares[0] < shares[-1] < 1.0
    # Shares depend on capability gaps only: everyone a decade ahead leaves shares as they were.
    shifted = _market(rivals_log_weight=firm.rivals_log_weight([27.5, 27.0], [1.0, 0.7], 0.5))
    assert firm.market_share(27.0, shifted) == pytest.approx(firm.market_share(26.0, market), rel=1e-9)


def test_a_sharp_market_gives_the_leader_everything_without_overflowing():
    # A temperature of a thousandth of a decade: exp(capability / temperature) alone would overflow a float.
    sharp = _market(temperature_oom=1e-3, rivals_log_weight=firm.rivals_log_weight([26.5, 26.0], [1.0, 0.7], 1e-3))
    assert firm.market_share(27.0, sharp) == 1.0 and firm.market_share(26.0, sharp) < 1e-100
    model = DataMarketModel(rng=0, end="2025-12", market_temperature=1e-3).run()
    assert max(lab.market_share for lab in model.lab_list) > 0.99


def test_a_lab_overtrains_more_when_serving_costs_more_and_less_when_the_market_pays_more():
    compute = 5e26
    base = firm.profit_optimal_k(compute, _market())
    assert firm.profit_optimal_k(compute, _market(served_tokens_per_year=1e16)) > base
    assert firm.profit_optimal_k(compute, _market(revenue_usd_per_year=5e11)) < base
    # With nothing served there is nothing to save by overtraining: the compute-optimal model (k = 1).
    assert firm.profit_optimal_k(compute, _market(served_tokens_per_year=0.0)) == pytest.approx(1.0, rel=0.01)


def test_repetition_past_max_epochs_adds_nothing():
    def data(seen: float, max_epochs: float = math.inf) -> economics.DataSet:
        return economics.DataSet.pooled(1e13, 1e13, 0.0, 0.0, seen, "accumulate", 0.5, max_epochs)

    at_bound, past, unbounded = data(4e13, 4.0), data(8e13, 4.0), data(8e13)
    assert past.effective_tokens() == pytest.approx(at_bound.effective_tokens())
    assert unbounded.effective_tokens() > past.effective_tokens()


def test_in_a_run_labs_move_compute_to_post_training_and_never_deploy_a_model_they_cannot_serve_at_a_profit(baseline_run):
    series = timeseries(baseline_run).set_index("year")

    def mean(column: str, year: int) -> float:
        return float(series.loc[(series.index >= year) & (series.index < year + 1), column].mean())

    assert mean("frontier_pretraining_share", 2023) > 0.9
    assert mean("frontier_pretraining_share", 2026) < mean("frontier_pretraining_share", 2023)
    assert mean("frontier_pretraining_share", 2035) < mean("frontier_pretraining_share", 2026)  # text is short by then
    # Capability keeps growing with compute, while the loss has all but stopped.
    assert mean("frontier_capability", 2040) - mean("frontier_capability", 2030) > 0.5
    assert mean("frontier_loss", 2030) - mean("frontier_loss", 2040) < 0.05
    # The frontier spends all it can raise while the market pays for every decade, and less once runs cost more
    # than the share they win is worth.
    assert mean("frontier_budget_share", 2024) == 1.0
    assert 0.2 < mean("frontier_budget_share", 2035) < 0.95
    for lab in baseline_run.lab_list:
        assert lab.deployed.serving_usd_per_year <= lab.deployed.revenue_usd_per_year
    assert math.isfinite(mean("labs_revenue_usd", 2030)) and mean("labs_serving_usd", 2030) < mean("labs_revenue_usd", 2030)


@pytest.mark.slow
def test_the_data_wall_comes_later_when_labs_may_repeat_text_more():
    # max_epochs bounds the repetition a lab chooses, so allowing more moves the wall: the target is
    # >= 0.3 years. At 16 epochs there is no wall by the end of 2040 on these seeds, so that date is censored.
    for seed in range(3):
        walls = [DataMarketModel(rng=seed, end="2040-12", max_epochs=e).run().data_wall_year for e in (4.0, 16.0)]
        assert walls[0] is not None, "no data wall by 2041 at 4 epochs"
        assert (walls[1] or 2041.0) >= walls[0] + 0.3, walls


# --- post-training data ------------------------------------------------------------------------------

SHARE, RETURNS, TOKENS, BUDGET = 0.4, 0.45, 3e10, 1e9  # a run's post-training: its share, returns, tasks and budget


def _task_objective(annotated: float, tasks: firm.Tasks, ceiling: float = math.inf) -> float:
    """What the annotated share maximises: post-training's gain on the mix, plus log10 of the compute left."""
    spend = TOKENS * (annotated * tasks.annotation_usd_per_token + (1.0 - annotated) * tasks.generated_usd_per_token)
    quality = firm.task_quality(annotated, tasks.generated_quality)
    return firm.post_training_gain_oom(SHARE, RETURNS, quality, ceiling) + math.log10(1.0 - spend / BUDGET)


def _annotated(tasks: firm.Tasks, share: float = SHARE, ceiling: float = math.inf) -> float:
    return firm.annotated_share(share, RETURNS, TOKENS, BUDGET, tasks, ceiling)


@pytest.mark.parametrize("ceiling", [math.inf, 1.0])
@pytest.mark.parametrize("annotation_usd", [1e-4, 1e-3, 3e-3, 1e-2, 3e-2])
@pytest.mark.parametrize("generated_quality", [0.0, 0.4, 0.8])
def test_the_annotated_share_is_the_best_on_a_fine_grid(annotation_usd, generated_quality, ceiling):
    tasks = firm.Tasks(generated_quality, 1e-5, annotation_usd)
    grid = np.linspace(0.0, 1.0, 20001)
    values = [_task_objective(a, tasks, ceiling) for a in grid if TOKENS * a * annotation_usd < BUDGET]
    assert _task_objective(_annotated(tasks, ceiling=ceiling), tasks, ceiling) == pytest.approx(max(values), abs=1e-7)


def test_labs_annotate_less_as_people_cost_more_and_not_at_all_when_generated_tasks_are_as_good():
    shares = [_annotated(firm.Tasks(0.5, 1e-5, price)) for price in (1e-4, 1e-3, 3e-3, 1e-2, 1e-1)]
    assert shares == sorted(shares, reverse=True) and shares[0] > 0.5
    assert shares[-1] == 0.0  # a tenth of a dollar a token: every human task costs more capability than it adds
    assert _annotated(firm.Tasks(1.0, 1e-5, 1e-4)) == 0.0
    assert _annotated(firm.Tasks(0.5, 1e-2, 1e-3)) == 1.0  # people cost less than generation
    assert _annotated(firm.Tasks(0.5, 1e-5, 1e-4), share=0.0) == 0.0  # no post-training, no tasks


def test_better_generated_tasks_make_post_training_worth_more_for_less_annotation():
    worth, annotated = [], []
    for quality in (0.2, 0.5, 0.8):
        tasks = firm.Tasks(quality, 1e-5, 1e-3)
        annotated.append(_annotated(tasks))
        worth.append(_task_objective(annotated[-1], tasks))
    assert worth == sorted(worth) and worth[0] < worth[-1]
    assert annotated == sorted(annotated, reverse=True) and annotated[0] > annotated[-1]


def test_post_training_on_poorer_tasks_is_worth_less_and_planned_smaller():
    assert firm.post_training_gain_oom(0.5, 0.45, 0.5) < firm.post_training_gain_oom(0.5, 0.45, 1.0)
    assert firm.post_training_gain_oom(0.5, 0.45, 0.0) == 0.0
    assert firm.planned_post_training_share(0.45, 0.5) < firm.planned_post_training_share(0.45, 1.0)
    # Near a ceiling it can go the other way: poorer tasks leave the gain further below it, where compute still pays.
    assert firm.post_training_gain_oom(0.5, 0.45, 0.5, 2.0) < firm.post_training_gain_oom(0.5, 0.45, 1.0, 2.0)


@pytest.mark.parametrize("ceiling", [math.inf, 3.0, 1.0, 0.3])
@pytest.mark.parametrize(("returns", "quality"), [(0.45, 0.6), (0.8, 1.0), (0.1, 0.3)])
def test_the_planned_post_training_share_is_the_best_on_a_grid(returns, quality, ceiling):
    # From the first-order condition (closed form with no ceiling, bisection with one).
    grid = np.linspace(0.0, 0.99, 9901)
    objective = [math.log10(1.0 - s) + firm.post_training_gain_oom(s, returns, quality, ceiling) for s in grid]
    planned = firm.planned_post_training_share(returns, quality, ceiling)
    assert planned == pytest.approx(grid[np.argmax(objective)], abs=2e-4)
    assert planned <= firm.planned_post_training_share(returns, quality)  # a ceiling never raises it


def test_post_training_reads_more_tasks_the_more_compute_it_has_and_the_smaller_the_model():
    assert firm.task_tokens(2e26, 1e12) == pytest.approx(2.0 * firm.task_tokens(1e26, 1e12))
    assert firm.task_tokens(1e26, 5e11) == pytest.approx(2.0 * firm.task_tokens(1e26, 1e12))
    tasks = firm.Tasks(0.5, 1e-5, 1e-3)
    data = firm.post_training_data(1e26, 1e12, 1e9, SHARE, RETURNS, tasks)
    assert 0.0 < data.annotated_share < 1.0
    assert data.spend_usd == pytest.approx(data.annotation_usd + data.generated_usd)
    assert data.annotation_usd == pytest.approx(data.tokens * data.annotated_share * 1e-3)
    assert firm.post_training_data(0.0, 1e12, 1e9, SHARE, RETURNS, tasks) == firm.NO_POST_TRAINING_DATA


def test_annotators_ask_more_as_the_labs_demand_more_and_less_where_more_people_answer():
    from sim import economics

    prices = [economics.annotation_usd_per_token(0.01, v, 1.0) for v in (0.0, 2e11, 2e12)]
    assert prices[0] == 0.01 and prices == sorted(prices) and prices[1] == pytest.approx(0.02)
    assert economics.annotation_usd_per_token(0.01, 2e12, 3.0) < prices[2]


def _yearly_means(seeds, years, **overrides):
    """Per seed, the mean over `years` of the frontier's post-training series, and what generators sold."""
    rows = []
    for seed in seeds:
        model = DataMarketModel(rng=seed, end=f"{years[-1]}-12", **overrides).run()
        series = timeseries(model)
        picked = series[(series.year >= years[0]) & (series.year < years[-1] + 1)]
        rows.append(
            {
                "pretraining": picked.frontier_pretraining_share.mean(),
                "annotated": picked.frontier_annotated_share.mean(),
                "quality": picked.frontier_task_quality.mean(),
                "annotation_usd": picked.annotation_spend_usd.sum(),
                "generators_sold": sum(g.sold_tokens for g in model.generator_list),
            }
        )
    return rows


def test_a_better_generator_is_bought_for_post_training_and_moves_compute_out_of_pretraining():
    # Generated text is not used in pretraining (rephrased text is worth more), so before post-training read tasks
    # `synthetic_quality` moved no outcome. Now a better generator's tasks make post-training pay more.
    worse, better = (_yearly_means([0, 1], (2026, 2029), synthetic_quality=q) for q in (0.3, 0.9))
    for low, high in zip(worse, better):
        assert high["pretraining"] < low["pretraining"]
        assert high["annotated"] < low["annotated"]
        assert high["generators_sold"] > low["generators_sold"] > 0.0  # the generators are no longer idle


def test_dearer_annotation_means_fewer_human_tasks_and_poorer_ones():
    # Its effect on the post-training share pulls both ways: poorer tasks make post-training worth less, but
    # cheap people are bought with every task post-training reads, so each share of compute costs more.
    cheap, dear = (_yearly_means([0, 1], (2026, 2029), annotation_usd_per_token=p) for p in (0.002, 0.05))
    for low, high in zip(cheap, dear):
        assert high["annotated"] < low["annotated"]
        assert high["quality"] < low["quality"]


def test_a_lab_spends_all_it_can_raise_while_the_market_pays_for_it_and_less_once_compute_costs_more_than_it_earns():
    k, life = 3.0, 1.0
    rich = firm.profit_optimal_compute(1e26, k, _market(revenue_usd_per_year=5e11), life)
    assert rich == 1e26  # the whole budget: a decade of capability is worth far more than its cost
    dear = firm.profit_optimal_compute(1e26, k, _market(usd_per_flop=6e-17), life)
    assert 1e24 < dear < 1e26
    dearer = firm.profit_optimal_compute(1e26, k, _market(usd_per_flop=2e-16), life)
    assert 1e23 < dearer < dear  # the dearer compute, the less of it, and never at the search's end
    # A model that earns for longer is worth more compute.
    assert firm.profit_optimal_compute(1e26, k, _market(usd_per_flop=6e-17), 2.0) > dear


def test_the_chosen_compute_is_the_best_on_a_grid():
    market, k, life, most = _market(usd_per_flop=1e-16), 3.0, 1.0, 1e26
    share = market.planned_post_training_share
    gain = firm.post_training_gain_oom(share, market.post_training_returns)

    def value(compute: float) -> float:
        params, tokens = scaling.allocate_compute(compute * (1.0 - share), k)
        return firm.earnings(firm._capability(params, tokens, gain), params, market).profit_usd_per_year * life - compute * 1e-16

    grid = most * 10.0 ** np.linspace(-firm.BUDGET_SEARCH_DECADES, 0.0, 3001)
    best = grid[np.argmax([value(c) for c in grid])]
    assert math.log10(firm.profit_optimal_compute(most, k, market, life)) == pytest.approx(math.log10(best), abs=2e-3)


def test_every_labs_rivals_weight_at_once_equals_each_labs_own_sum():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 40):
        for temperature in (1e-3, 0.5, 3.0):
            capabilities = rng.uniform(24.0, 28.0, n)
            capabilities[rng.random(n) < 0.3] = np.nan  # no model yet
            reaches = rng.choice([1.0, 0.7], n)
            together = firm.rivals_log_weights(capabilities, reaches, temperature)
            for i in range(n):
                rivals = [j for j in range(n) if j != i and not np.isnan(capabilities[j])]
                alone = firm.rivals_log_weight([capabilities[j] for j in rivals], [reaches[j] for j in rivals], temperature)
                assert together[i] == pytest.approx(alone, rel=1e-13, abs=0) if rivals else together[i] == -np.inf
