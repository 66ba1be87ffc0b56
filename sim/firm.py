"""The firm: how a lab chooses its next training run (docs/model.md, "A lab is a firm").

**Objective.** A lab maximises the expected profit of its next model over the model's deployment life
(until its next model replaces it):

    profit = revenue - serving cost - data cost,   with the run's budget (training compute + data) fixed

- *Revenue* is the lab's share of the AI model market's revenue (`Market.revenue_usd_per_year`, which
  grows as AI is adopted). Shares follow *capability*, by a logit with the rivals' deployed models.
- *Serving* a token costs 2 N FLOP (Villalobos et al. 2024 App. F, Eq. 7), so the lab's share of the
  market's tokens times 2 N times the price of a FLOP: a larger model wins share and costs more to serve.
- *Data* is paid from the run's budget (`RunPlan.trained_on`), so what it costs is compute the run loses.
- The budget itself is the lab's share of the frontier compute trend (`Lab.compute_budget_flop`).

**Capability** is measured in *effective compute*: the FLOP a compute-optimal run (D = 20 N) on
unlimited filtered web text would need to reach the same pretraining loss, multiplied by the
*compute-equivalent gain* of post-training (Davidson et al. 2023, "AI capabilities can be significantly
improved without expensive retraining"). It is reported as log10 FLOP, and it keeps growing with compute
long after the loss has flattened near its floor, which is what lets a frontier lead keep its worth.

**The choices**, made together for each run:
1. model size N and tokens seen D: the plan's overtraining factor (`profit_optimal_k`), and, when the
   plan's data cannot be had, smaller datasets on larger models, each weighed by profit
   (`choose_run`), so a lab never trains a model that costs more to serve than it earns when a
   smaller one would pay;
2. the tokens taken from each source (`Lab.source`, `economics.choose_dataset`), each valued by the
   effective-data law at what a token is worth in compute, with repetition up to `max_epochs`;
3. the share of training compute for post-training and RL (`best_post_training`), which needs no new
   pretraining tokens and has its own diminishing returns: log CEG = a ln(1 + r / r0), r the ratio of
   post-training to pretraining compute. Its returns `a` rise once base models are capable enough for
   reinforcement learning on reasoning (`post_training_returns`), and its share rises by choice when
   pretraining compute buys less capability because data is short.

**Constraints.** C = 6 N D for pretraining; pretraining + post-training compute + data cost = the budget;
each offer's tokens; repetition worth nothing past `max_epochs` epochs.

Relatives: inference-aware overtraining (Sardana & Frankle 2024) is the cheapest model of a given loss,
a narrower question than this one, in which the loss is priced by the share it wins; Epoch's App. F
(`scaling.profit_optimal_k`, the `profit` labs) prices it by its own demand law. `fixed` labs (the Epoch
replication) keep their k and do not re-plan; with the `post_training` switch off, no lab post-trains.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim import economics, scaling

if TYPE_CHECKING:
    from agents.lab import Sourcing

# --- capability ------------------------------------------------------------------------------------

_REDUCIBLE_AT_OPTIMUM_B = scaling.LOSS_B * scaling.TOKENS_PER_PARAM_OPTIMAL**-scaling.LOSS_BETA


def effective_compute_flop(loss: float) -> float:
    """The compute of a compute-optimal run (D = 20 N) on unlimited web text that reaches `loss`.

    Solves A N^-alpha + B (20 N)^-beta = loss - E for N by Newton's method in log N (the left side is
    convex and falling in log N, so it converges from any start), then C = 6 N D = 120 N^2.
    """
    target = loss - scaling.LOSS_E
    if target <= 0.0:
        return math.inf
    alpha, beta, a, b = scaling.LOSS_ALPHA, scaling.LOSS_BETA, scaling.LOSS_A, _REDUCIBLE_AT_OPTIMUM_B
    # Start where the slower-falling data term alone would reach the target: at or left of the root.
    log_n = min(math.log(a / target) / alpha, math.log(b / target) / beta)
    for _ in range(50):
        pa, pb = a * math.exp(-alpha * log_n), b * math.exp(-beta * log_n)
        step = (pa + pb - target) / (alpha * pa + beta * pb)
        log_n += step
        if abs(step) < 1e-12:
            break
    params = math.exp(log_n)
    return scaling.FLOP_PER_PARAM_TOKEN * scaling.TOKENS_PER_PARAM_OPTIMAL * params * params


# Post-training has diminishing returns in its compute relative to pretraining's: log CEG = a ln(1 + r / r0).
# r0: the ratio at which returns start to fall; RLHF on GPT-3 (InstructGPT) took under 2% of its
# pretraining compute (Ouyang et al. 2022), so the first percent is worth most.
POST_TRAINING_RATIO_SCALE = 0.01
# Instruction tuning and RLHF before reasoning RL: about 1% of training compute (pretraining >= 90%
# through 2024: Epoch, "How far can reasoning models scale?", 2025; docs/calibration.md §10).
POST_TRAINING_BASE_RETURNS = 0.02
MAX_POST_TRAINING_SHARE = 0.95


def post_training_gain_oom(share: float, returns: float) -> float:
    """Compute-equivalent gain of putting `share` of training compute into post-training, in log10 FLOP."""
    if share <= 0.0:
        return 0.0
    ratio = share / (1.0 - share)
    return returns * math.log1p(ratio / POST_TRAINING_RATIO_SCALE) / math.log(10.0)


def planned_post_training_share(returns: float) -> float:
    """The post-training share a lab plans for when data is plentiful.

    At a fixed overtraining factor, effective compute is proportional to pretraining compute, so the
    first-order condition of log(1 - s) C + a ln(1 + r / r0) gives s = (a - r0) / (1 - r0).
    """
    share = (returns - POST_TRAINING_RATIO_SCALE) / (1.0 - POST_TRAINING_RATIO_SCALE)
    return min(max(share, 0.0), MAX_POST_TRAINING_SHARE)


# --- post-training data --------------------------------------------------------------------------------
# Post-training runs on tasks: prompts with verifiable answers, graded responses, demonstrations. It needs no new
# pretraining text, but it needs tasks, and a task is rolled out and read many times: RL samples many responses a
# prompt over many steps (DeepSeek-R1: 16 samples a prompt, thousands of steps over ~1e5-1e6 prompts), so a task token
# carries about this many tokens of post-training compute (docs/calibration.md, "Post-training data").
ROLLOUT_TOKENS_PER_TASK_TOKEN = 1000.0


@dataclass(frozen=True)
class Tasks:
    """The task data a lab can get for post-training: tasks a model generates, and tasks people write and grade.

    A generated task is worth `generated_quality` of a human one (a generator that trails the model being trained
    poses easier tasks and grades worse: `agents.generator.synthetic_quality`); people cost
    `annotation_usd_per_token`, the generator its serving cost.
    """

    generated_quality: float  # 0-1, a generated task's worth against a human one
    generated_usd_per_token: float
    annotation_usd_per_token: float


# Tasks as good as people's and free: post-training on compute alone (the plan's expectation before a first run).
FREE_TASKS = Tasks(1.0, 0.0, 0.0)


def task_tokens(post_training_flop: float, params: float) -> float:
    """Task tokens that `post_training_flop` of post-training on a model of `params` reads (each rolled out many times)."""
    return post_training_flop / (scaling.FLOP_PER_PARAM_TOKEN * params * ROLLOUT_TOKENS_PER_TASK_TOKEN)


def task_quality(annotated_share: float, generated_quality: float) -> float:
    """Worth of a task mix against all-human tasks: people write first the tasks models do worst (1 - (1-g)(1-a)^2).

    The first human tasks close most of the gap, the last little: annotation has diminishing returns, and a
    generator as good as people (g = 1) leaves them nothing to add.
    """
    return 1.0 - (1.0 - generated_quality) * (1.0 - annotated_share) ** 2


@dataclass(frozen=True)
class PostTrainingData:
    """The tasks a run's post-training reads: how many, the annotated share, their worth, and what they cost."""

    tokens: float
    annotated_share: float
    quality: float  # `task_quality`: multiplies post-training's compute-equivalent gain
    annotation_usd: float  # paid to people (annotation vendors): data spend outside the model's agents
    generated_usd: float  # paid for generation: to a generator, or the lab's own serving

    @property
    def spend_usd(self) -> float:
        return self.annotation_usd + self.generated_usd


NO_POST_TRAINING_DATA = PostTrainingData(0.0, 0.0, 1.0, 0.0, 0.0)


def annotated_share(gain_oom: float, tokens: float, budget_usd: float, tasks: Tasks) -> float:
    """The share of tasks written by people that makes the run most capable for its budget.

    Capability is `gain_oom` x `task_quality` from post-training, plus log10 of the compute left once the tasks are
    paid (effective compute is taken as proportional to compute here). The first-order condition,
    K (1 - a)(m - a c) = c with K = 2 ln10 gain (1 - g), m the budget share left after generated tasks and c the extra
    budget share of annotating them all, is a quadratic whose smaller root is the best share; it is 0 when even the
    first human task costs more capability than it adds, and 1 when people cost less than generation.
    """
    if tokens <= 0.0 or budget_usd <= 0.0 or gain_oom <= 0.0 or tasks.generated_quality >= 1.0:
        return 0.0
    k = 2.0 * math.log(10.0) * gain_oom * (1.0 - tasks.generated_quality)
    m = 1.0 - tokens * tasks.generated_usd_per_token / budget_usd
    c = tokens * (tasks.annotation_usd_per_token - tasks.generated_usd_per_token) / budget_usd
    if c <= 0.0:
        return 1.0
    if k * m <= c:
        return 0.0
    root = math.sqrt(k * k * (m - c) ** 2 + 4.0 * k * c * c)
    return min(2.0 * (k * m - c) / (k * (m + c) + root), 1.0)


def post_training_data(
    post_training_flop: float, params: float, budget_usd: float, gain_oom: float, tasks: Tasks
) -> PostTrainingData:
    """The tasks `post_training_flop` on a model of `params` reads, with the annotated share chosen (`annotated_share`).

    `gain_oom` is post-training's compute-equivalent gain with all-human tasks; `budget_usd` what the run's
    compute is worth, from which the tasks are paid.
    """
    tokens = task_tokens(post_training_flop, params)
    if tokens <= 0.0:
        return NO_POST_TRAINING_DATA
    share = annotated_share(gain_oom, tokens, budget_usd, tasks)
    return PostTrainingData(
        tokens,
        share,
        task_quality(share, tasks.generated_quality),
        tokens * share * tasks.annotation_usd_per_token,
        tokens * (1.0 - share) * tasks.generated_usd_per_token,
    )


def pretrained_params(compute_flop: float, tokens: float, share: float) -> float:
    """Parameters the pretraining part of a run's compute buys for `tokens` (C_pre = 6 N D)."""
    return max(scaling.params_for_tokens(compute_flop * (1.0 - share), tokens), 1.0)


def _capability(params: float, effective_tokens: float, gain_oom: float) -> float:
    loss = float(scaling.loss(params, max(effective_tokens, 1.0)))
    return math.log10(effective_compute_flop(loss)) + gain_oom


def capability_oom(compute_flop: float, tokens: float, effective_tokens: float, share: float, returns: float) -> float:
    """Capability, log10 FLOP of effective compute, of a run of `compute_flop` with `share` post-training."""
    params = pretrained_params(compute_flop, tokens, share)
    return _capability(params, effective_tokens, post_training_gain_oom(share, returns))


_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


# Two values closer than this share of the objective's scale are a tie: floats differ in their last bits
# from one CPU to the next, and a choice must not follow that noise (economics.NEGLIGIBLE_SHARE).
TIE_SHARE = 1e-9


def _golden_max(value: Callable[[float], float], lo: float, hi: float, scale: float, tolerance: float = 1e-4) -> float:
    """The argument in [lo, hi] where a unimodal `value` is highest, rounded to a thousandth.

    Values within `TIE_SHARE` of `scale` are ties, settled toward `lo`, and the result is rounded, so
    that no decision rests on the last bits of a float. The lower end is checked too, since the best
    there is often none (no post-training, no overtraining).
    """
    bottom, tie = lo, TIE_SHARE * abs(scale)
    x1, x2 = hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo)
    f1, f2 = value(x1), value(x2)
    while hi - lo > tolerance:
        if f2 - f1 > tie:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + _GOLDEN * (hi - lo)
            f2 = value(x2)
        else:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - _GOLDEN * (hi - lo)
            f1 = value(x1)
    inside = round(0.5 * (lo + hi), 3)
    return inside if value(inside) - value(bottom) > tie else bottom


def best_post_training(compute_flop: float, tokens: float, effective_tokens: float, returns: float) -> tuple[float, float]:
    """The post-training share of `compute_flop` that maximises capability on this dataset, and that capability.

    Capability is concave in the share (falling returns on both sides): a golden-section search finds it.
    """

    def cap(share: float) -> float:
        return capability_oom(compute_flop, tokens, effective_tokens, share, returns)

    share = _golden_max(cap, 0.0, MAX_POST_TRAINING_SHARE, scale=1.0)  # capability: tens of orders of magnitude
    return share, cap(share)


# --- the market as a firm sees it ------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """What a lab knows of its market when it plans a model: demand, prices, and its rivals' models."""

    revenue_usd_per_year: float  # the whole AI model market's revenue this year
    served_tokens_per_year: float  # tokens the whole market serves a year
    usd_per_flop: float
    rivals_log_weight: float  # log of the sum over the rivals' deployed models of reach * exp(capability / temperature)
    reach: float  # the lab's own reach (open-weight models reach fewer paying users)
    temperature_oom: float  # capability gap, in orders of magnitude of effective compute, that moves shares by e
    post_training_returns: float  # `a` in log CEG = a ln(1 + r / r0) with all-human tasks, this year
    tasks: Tasks = FREE_TASKS  # the task data on offer for post-training, once the lab knows its run's target
    expected_task_quality: float = 1.0  # what the lab's tasks were worth in its last run: the plan expects as much

    @property
    def planning_returns(self) -> float:
        """Post-training's returns as the lab plans a run: at the worth of the tasks it expects."""
        return self.post_training_returns * self.expected_task_quality


def market_share(capability: float, market: Market) -> float:
    """The share a model of this capability would win against the rivals' deployed models.

    The logit of `economics.market_shares`, for one model against rivals held fixed, in log space so that
    a sharp market (a small temperature) cannot overflow.
    """
    if market.rivals_log_weight == -math.inf:
        return 1.0
    gap = market.rivals_log_weight - math.log(market.reach) - capability / market.temperature_oom
    return 1.0 / (1.0 + math.exp(gap)) if gap < 700.0 else 0.0


def rivals_log_weight(capabilities: list[float], reaches: list[float], temperature_oom: float) -> float:
    """The log of the rivals' part of the logit's denominator: log sum of reach * exp(capability / temperature)."""
    if not capabilities:
        return -math.inf
    top = max(capabilities)
    return top / temperature_oom + math.log(sum(r * math.exp((c - top) / temperature_oom) for c, r in zip(capabilities, reaches)))


@dataclass(frozen=True)
class Earnings:
    """A model's expected yearly revenue and serving cost over its life."""

    share: float
    revenue_usd_per_year: float
    serving_usd_per_year: float

    @property
    def profit_usd_per_year(self) -> float:
        return self.revenue_usd_per_year - self.serving_usd_per_year

    def as_offered(self) -> Earnings:
        """What the model earns and costs once deployed: a model that would cost more to serve than it earns
        is not offered (it earns and costs nothing), so no lab serves at a loss."""
        return self if self.profit_usd_per_year >= 0.0 else Earnings(self.share, 0.0, 0.0)


def earnings(capability: float, params: float, market: Market) -> Earnings:
    """What a model of this capability and size would earn and cost to serve a year, if it were offered."""
    share = market_share(capability, market)
    served = share * market.served_tokens_per_year
    serving = served * scaling.INFERENCE_FLOP_PER_PARAM_TOKEN * params * market.usd_per_flop
    return Earnings(share, share * market.revenue_usd_per_year, serving)


def profit_optimal_k(pretraining_flop: float, market: Market, max_k: float = 1000.0) -> float:
    """The overtraining factor k whose model earns the most over its life, with plentiful web text.

    A smaller, longer-trained model (larger k) is cheaper to serve but less capable, so it wins a smaller
    share. With the planned post-training share, profit is unimodal in log k: a golden-section search on
    [1, max_k], rounded to a thousandth of a decade. Sardana & Frankle 2024 (`scaling.inference_optimal_k`)
    answer a narrower question, the cheapest model of a given loss; here the loss is priced too, by the
    share it wins. Epoch's App. F labs (`strategy = "profit"`) keep their demand law instead.
    """
    share = planned_post_training_share(market.planning_returns)
    gain = post_training_gain_oom(share, market.planning_returns)

    def profit(log_k: float) -> float:
        params, tokens = scaling.allocate_compute(pretraining_flop, 10.0**log_k)
        return earnings(_capability(params, tokens, gain), params, market).profit_usd_per_year

    return 10.0 ** _golden_max(profit, 0.0, math.log10(max_k), scale=market.revenue_usd_per_year, tolerance=1e-3)


# --- the run -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """The run a lab means to do next: its budget, the post-training share it expects, parameters and tokens."""

    compute_flop: float  # training compute: pretraining and post-training
    k: float
    params: float
    tokens: float  # tokens seen in pretraining, D in C_pre = 6 N D
    compute_usd: float  # what the run's budget buys in compute; data is paid from it
    post_training_share: float = 0.0  # the share of training compute it expects to put into post-training

    @property
    def pretraining_flop(self) -> float:
        return self.compute_flop * (1.0 - self.post_training_share)

    @functools.cached_property
    def target_loss(self) -> float:
        return float(scaling.loss(self.params, self.tokens))

    @functools.cached_property
    def token_value_usd(self) -> float:
        """What one more effective token is worth to this run's pretraining, in compute (`economics.token_value_usd`)."""
        return economics.token_value_usd(self.compute_usd * (1.0 - self.post_training_share), self.params, self.tokens)

    def trained_on(self, data_spend_usd: float) -> float:
        """The training compute left once the data is paid from the run's budget."""
        share_left = max(0.0, 1.0 - data_spend_usd / self.compute_usd) if self.compute_usd > 0 else 1.0
        return self.compute_flop * share_left

    def with_tokens(self, tokens: float) -> RunPlan:
        """The same budget on a dataset of `tokens`: the model is as large as the pretraining compute allows."""
        params = scaling.params_for_tokens(self.pretraining_flop, tokens)
        k = tokens / params / scaling.TOKENS_PER_PARAM_OPTIMAL
        return RunPlan(self.compute_flop, k, params, tokens, self.compute_usd, self.post_training_share)


@dataclass(frozen=True)
class Run:
    """The run a lab chose: its plan, its data, and the model it gives."""

    plan: RunPlan
    sourcing: Sourcing
    compute_flop: float  # training compute left after the data is paid
    post_training_share: float
    post_training_data: PostTrainingData
    params: float
    loss: float  # pretraining loss
    capability: float  # log10 FLOP of effective compute
    earnings: Earnings


def evaluate(plan: RunPlan, sourcing: Sourcing, market: Market, choose_share: bool = True) -> Run:
    """The model a plan gives on a quoted dataset, with the post-training share that earns the most.

    A larger post-training share also means a smaller model for the same tokens, which is cheaper to
    serve, and more tasks to read, generated or paid for (`post_training_data`), whose worth scales
    post-training's gain. With `choose_share` off (post-training switched off), the plan's share is kept.
    """
    data_left = plan.trained_on(sourcing.spend_usd)
    tokens, effective = plan.tokens, max(sourcing.effective_tokens, 1.0)
    returns, usd_per_flop = market.post_training_returns, market.usd_per_flop

    def model(share: float) -> tuple[float, float, float, PostTrainingData, Earnings]:
        gain = post_training_gain_oom(share, returns)
        tasks = post_training_data(
            data_left * share, pretrained_params(data_left, tokens, share), data_left * usd_per_flop, gain, market.tasks
        )
        compute = max(data_left - tasks.spend_usd / usd_per_flop, 0.0)  # the tasks are paid from the run's budget too
        params = pretrained_params(compute, tokens, share)
        capability = _capability(params, effective, gain * tasks.quality)
        return compute, params, capability, tasks, earnings(capability, params, market)

    share = plan.post_training_share
    if choose_share:
        share = _golden_max(
            lambda x: model(x)[4].profit_usd_per_year, 0.0, MAX_POST_TRAINING_SHARE, scale=market.revenue_usd_per_year
        )
    compute, params, capability, tasks, earned = model(share)
    loss = float(scaling.loss(params, effective))
    return Run(plan, sourcing, compute, share, tasks, params, loss, capability, earned)


REPLAN_STEPS = 8  # a lab short of data weighs datasets down to 1/16 of its plan at most


def choose_run(
    plan: RunPlan,
    quote: Callable[[RunPlan], Sourcing],
    market: Market,
    choose_share: bool = True,
) -> Run:
    """The most profitable run: the plan, or, when its data is short, a smaller dataset.

    A lab short of data compares smaller datasets (down by sqrt 2 a step, to 1/16 of the plan). Each
    repeats its data less, and its compute goes to a larger model or to post-training, whichever earns
    more: the lab weighs what each model would earn against what it would cost to serve.
    """
    first = quote(plan)
    best = evaluate(plan, first, market, choose_share)
    if first.fill >= 1.0:
        return best
    tie = TIE_SHARE * (market.revenue_usd_per_year + abs(best.earnings.profit_usd_per_year))
    for step in range(1, REPLAN_STEPS + 1):
        candidate = plan.with_tokens(plan.tokens * 2.0 ** (-step / 2))
        run = evaluate(candidate, quote(candidate), market, choose_share)
        if run.earnings.profit_usd_per_year > best.earnings.profit_usd_per_year + tie:  # clearly better, not noise
            best = run
    return best


def scarcity_oom(plan: RunPlan, quote: Callable[[RunPlan], Sourcing], market: Market, first: Sourcing | None = None) -> float:
    """How much capability the lab loses because data is short: the data wall's measure.

    The plan is the model the lab means to serve: its size is what its market and the price of serving
    allow (`profit_optimal_k`). Its capability on unlimited filtered web text (free to crawl, each token
    seen once) is the reference. Against it stands the most capable model of the same size the lab can
    train on the data it can get: from every source it is offered, any repetition up to `max_epochs`,
    its data paid from the budget, and fewer tokens with the compute they free moved to post-training
    (down to 1/16 of the plan's tokens, as `choose_run` weighs them). The reference is searched alike, on
    unlimited web text, so that the gap is the data's alone. The gap, in orders of magnitude of
    effective compute, is zero while the lab has enough text as good as the web (better text more than
    makes up for less of it) and grows as repetition, poorer sources and post-training stand in for text.
    Post-training's returns are the plan's (`Market.planning_returns`: at the worth of the lab's last tasks), on
    both sides alike. `first` is the plan's quote, when the caller has it.
    """
    returns = market.planning_returns
    unlimited = achievable = -math.inf
    for step in range(REPLAN_STEPS + 1):
        scale = 2.0 ** (-step / 2)
        # The same model size on fewer tokens: the compute they free goes to post-training, and what post-training
        # cannot take is left unspent (a smaller run, not a larger model).
        share = min(1.0 - (1.0 - plan.post_training_share) * scale, MAX_POST_TRAINING_SHARE)
        tokens = plan.tokens * scale
        run_flop = min(plan.compute_flop, scaling.FLOP_PER_PARAM_TOKEN * plan.params * tokens / (1.0 - share))
        candidate = RunPlan(run_flop, plan.k * scale, plan.params, tokens, plan.compute_usd * run_flop / plan.compute_flop, share)
        sourcing = first if step == 0 and first is not None else quote(candidate)
        compute = min(run_flop, plan.trained_on(sourcing.spend_usd))
        achievable = max(achievable, capability_oom(compute, tokens, sourcing.effective_tokens, share, returns))
        unlimited = max(unlimited, capability_oom(run_flop, tokens, tokens, share, returns))
    return max(unlimited - achievable, 0.0)
