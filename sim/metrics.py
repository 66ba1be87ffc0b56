"""What a run reports: the monthly series (docs/model.md, "Outputs") and the one-row run summary."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from agents.offers import PRIVATE_SOURCES, Offer, Source
from sim import scaling
from sim.outcomes import OUTCOMES

if TYPE_CHECKING:
    from sim.model import DataMarketModel

_PUBLIC_TEXT = (Source.PUBLIC, Source.LICENSED)
# The human text whose epochs are reported apart: public and licensed text above the web's quality (its
# high-quality subset), the rest of it, and private text.
EPOCH_GROUPS: dict[str, Callable[[Offer], bool]] = {
    "high_quality": lambda offer: offer.source in _PUBLIC_TEXT and offer.quality > 1.0,
    "web": lambda offer: offer.source in _PUBLIC_TEXT and offer.quality <= 1.0,
    "private": lambda offer: offer.source in PRIVATE_SOURCES,
}


@dataclass(frozen=True)
class Series:
    """One monthly series: a short label and unit for charts, and what it measures."""

    label: str
    unit: str
    description: str

    @property
    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})"


# name -> series, in the order of the output columns.
MONTHLY_SERIES: dict[str, Series] = {
    "year": Series("Year", "year", "decimal year of the month (2027.58 = August 2027)"),
    "accessible_effective_stock_tokens": Series(
        "Public stock the frontier may use",
        "effective tokens",
        "effective public stock the frontier lab may use (usable x repetition gain)",
    ),
    "frontier_desired_tokens": Series(
        "Frontier's desired dataset", "tokens", "tokens the frontier lab's next run wants (D = 20 k N)"
    ),
    "frontier_fill": Series(
        "Frontier's desire filled",
        "share",
        "share of its desired dataset the frontier lab could fill from all sources within budget, at its last training decision",
    ),
    "high_quality_stock_tokens": Series(
        "High-quality stock the frontier may use",
        "effective tokens",
        "high-quality public stock the frontier lab may use (usable high-quality x repetition gain)",
    ),
    **{
        f"tokens_{s.value}": Series(
            f"Training tokens from {s.value.replace('_', ' ')}",
            "tokens",
            f"tokens from {s.value} in the labs' current training sets",
        )
        for s in Source
    },
    "private_share": Series(
        "Private share of training tokens",
        "share",
        "share of current training tokens that are private (own-user, alliance, broker)",
    ),
    "synthetic_share": Series(
        "Synthetic share of training tokens", "share", "share of current training tokens that are synthetic"
    ),
    "frontier_synthetic_share": Series(
        "Frontier's synthetic share", "share", "share of the frontier lab's deployed model's training tokens that are synthetic"
    ),
    "frontier_private_share": Series(
        "Frontier's private share", "share", "share of the frontier lab's deployed model's training tokens that are private"
    ),
    "paid_data_spend_usd": Series(
        "Paid data spend",
        "USD/month",
        "USD labs paid for data this month: licence fees, the alliance's fees, and generators for the runs trained this month",
    ),
    "legal_risk_usd": Series(
        "Liability taken on",
        "USD/month",
        "expected settlement of the copyrighted text labs trained on without a licence this month (runs trained this month)",
    ),
    "settlements_usd": Series(
        "Copyright settlements", "USD/month", "what labs paid this month to settle suits over text they trained on unlicensed"
    ),
    "liability_usd": Series(
        "Liability held",
        "USD",
        "what every suit the labs could face would settle for: unlicensed copyrighted text trained on, at the settlement rate",
    ),
    "broker_price_to_cost": Series(
        "Broker price over cost", "ratio", "the lowest ratio of a broker's posted price to its cost, over brokers and tiers"
    ),
    "licences_in_force": Series("Licences in force", "licences", "term licences in force this month, all labs"),
    "licence_fees_usd": Series("Licence fees", "USD/month", "what the term licences in force cost their licensees this month"),
    "opted_out_share": Series(
        "Opted-out share of public tokens",
        "share",
        "share of public raw tokens whose domains restrict AI crawlers (robots.txt, terms; Longpre et al.)",
    ),
    "opted_out_share_head": Series(
        "Opted-out share, head domains",
        "share",
        "the same for head domains: the largest, together holding 20% of the tokens",
    ),
    "exclusive_share": Series(
        "Exclusively licensed share", "share", "share of public raw tokens licensed exclusively to one lab"
    ),
    "ai_pollution_share": Series("AI-written share of the web", "share", "share of public raw tokens written by AI"),
    "ai_share_new_text": Series("AI-written share of new text", "share", "share of this month's new web text written by AI"),
    "consented_share": Series(
        "Consented share of private text", "share", "share of private text holders may license under the privacy regime"
    ),
    "privacy_strictness": Series("Privacy strictness", "0-1", "privacy strictness in force"),
    "private_price_usd_per_token": Series(
        "Private data price", "USD/token/year", "brokers' mean posted yearly licence price, weighted by consented supply"
    ),
    "broker_volume_tokens": Series("Broker volume", "tokens/month", "tokens licensed by brokers this month"),
    "frontier_compute_flop": Series("Frontier compute", "FLOP", "compute of the frontier lab's deployed model"),
    "frontier_params": Series("Frontier parameters", "parameters", "parameters of the frontier lab's deployed model"),
    "frontier_tokens": Series("Frontier tokens seen", "tokens", "tokens seen by the frontier lab's deployed model"),
    "frontier_k": Series("Frontier overtraining", "x Chinchilla", "overtraining factor of the frontier lab's deployed model"),
    "frontier_loss": Series(
        "Frontier loss", "nats/token", "loss of the frontier lab's deployed model (Besiroglu et al. 2024 law)"
    ),
    "best_loss": Series("Best loss", "nats per token", "lowest loss among deployed models"),
    "frontier_capability": Series(
        "Frontier capability",
        "log10 FLOP",
        "capability of the frontier lab's deployed model: effective compute, pretraining and post-training (sim/firm.py)",
    ),
    "best_capability": Series("Best capability", "log10 FLOP", "highest capability among deployed models"),
    "capability_shortfall": Series(
        "Frontier's loss to scarcity",
        "orders of magnitude",
        "capability the frontier's planned model loses to data scarcity, against unlimited web text: the data wall's"
        " measure, taken in the months the frontier trains (sim/firm.py: scarcity_oom)",
    ),
    "frontier_pretraining_share": Series(
        "Frontier's pretraining share of compute",
        "share",
        "share of the frontier lab's deployed model's training compute spent on pretraining (the rest: post-training and RL)",
    ),
    "frontier_budget_share": Series(
        "Frontier's chosen share of its budget",
        "share",
        "training compute the frontier lab plans to spend, over what it could raise (the compute trend's share);"
        " below 1 once a larger run would cost more than it earns",
    ),
    "frontier_annotated_share": Series(
        "Frontier's annotated share of tasks",
        "share",
        "share of the frontier lab's post-training tasks written or graded by paid people (the rest generated)",
    ),
    "frontier_task_quality": Series(
        "Frontier's task quality",
        "0-1",
        "worth of the frontier lab's post-training tasks against all-human ones: post-training on them does what this share of its compute would on human ones",
    ),
    "annotation_spend_usd": Series(
        "Annotation spend", "USD/month", "what labs paid people to write and grade post-training tasks this month"
    ),
    "annotation_usd_per_token": Series(
        "Annotation price",
        "USD/token",
        "what people ask to write or grade a post-training task token: rises with the labs' demand over the last year",
    ),
    "frontier_epochs": Series(
        "Frontier's epochs", "passes", "passes the frontier lab's deployed model made over its unique human text"
    ),
    **{
        f"frontier_epochs_{group}": Series(
            f"Frontier's epochs, {label}", "passes", f"passes the frontier lab's deployed model made over {what}, on average"
        )
        for group, label, what in (
            ("high_quality", "high-quality text", "the high-quality subset of public and licensed text"),
            ("web", "other web text", "the rest of public and licensed text"),
            ("private", "private text", "private text (its users', the alliance's, brokers')"),
        )
    },
    "frontier_revenue_usd": Series(
        "Frontier revenue", "USD/year", "the frontier lab's revenue: its market share of the AI model market's revenue"
    ),
    "frontier_serving_usd": Series(
        "Frontier serving cost", "USD/year", "what serving its deployed model costs the frontier lab (2 N FLOP a token)"
    ),
    "labs_revenue_usd": Series("Labs' revenue", "USD/year", "revenue of all labs: the AI model market"),
    "labs_serving_usd": Series("Labs' serving cost", "USD/year", "what serving every lab's deployed model costs"),
    "privacy_incidents": Series("Privacy incidents", "per month", "privacy incidents this month"),
    "privacy_incidents_total": Series("Privacy incidents so far", "incidents", "privacy incidents so far"),
    "privacy_fines_usd_total": Series("Privacy fines so far", "USD", "fines paid by brokers so far"),
    "broker_revenue_usd_total": Series("Broker revenue so far", "USD", "licence revenue of brokers so far"),
    "alliance_members": Series("Alliance members", "labs", "labs in the data alliance"),
    "alliance_pool_tokens": Series("Alliance pool", "tokens", "tokens in the alliance pool"),
    "hhi": Series("Market concentration (HHI)", "0-10,000", "Herfindahl-Hirschman index of lab market shares (0-10,000)"),
}


def reporters() -> dict[str, Any]:
    """Model reporters for Mesa's DataCollector: each reads this month's measured value."""
    return {name: (lambda m, name=name: m.metrics[name]) for name in MONTHLY_SERIES}


class MonthlyCollector(mesa.DataCollector):
    """Mesa's DataCollector with the `reporters()`, collected without a deep copy per value.

    The model measures each month once into `model.metrics`, plain numbers that nothing mutates
    later, so collecting is appending them. `model_vars` and `_collection_steps` are kept as Mesa
    keeps them, for `batch_run` and `get_model_vars_dataframe`.
    """

    def __init__(self) -> None:
        super().__init__(model_reporters=reporters())

    def collect(self, model: DataMarketModel) -> None:
        self._collection_steps.append(model.time)
        metrics = model.metrics
        for name, values in self.model_vars.items():
            values.append(metrics[name])


def monthly(model: DataMarketModel, frontier_stock_tokens: float, high_quality_stock_tokens: float) -> dict[str, float]:
    """Measure the market this month."""
    by_source = {s: 0.0 for s in Source}
    for lab in model.lab_list:
        for source, tokens in lab.deployed.tokens_by_source.items():
            by_source[source] += tokens
    total = sum(by_source.values())
    # Shares of the whole web, summed over every domain at once: reporting only, nothing feeds back.
    web = model.web
    tokens = web.human_tokens + web.ai_tokens
    restricted = web.restricting()
    raw, raw_head = tokens.sum(), tokens[web.head].sum()
    opted, opted_head = tokens[restricted].sum(), tokens[restricted & web.head].sum()
    brokers = model.broker_list
    supply = np.concatenate([b.available_tokens() for b in brokers]) if brokers else np.zeros(1)
    prices = np.concatenate([b.price_usd for b in brokers]) if brokers else np.zeros(1)
    frontier = model.frontier.deployed
    frontier_total = sum(frontier.tokens_by_source.values())
    revenue = {lab.unique_id: lab.market_share * model.ai_revenue_usd_per_year for lab in model.lab_list}
    served = model.inference_tokens_per_year * model.awareness
    serving = {
        lab.unique_id: lab.market_share
        * served
        * scaling.INFERENCE_FLOP_PER_PARAM_TOKEN
        * lab.deployed.params
        * model.usd_per_flop
        for lab in model.lab_list
    }
    return {
        "year": model.year,
        "accessible_effective_stock_tokens": frontier_stock_tokens,
        "frontier_desired_tokens": model.frontier.plan.tokens,
        "frontier_fill": model.frontier_fill,
        "high_quality_stock_tokens": high_quality_stock_tokens,
        **{f"tokens_{s.value}": by_source[s] for s in Source},
        "private_share": sum(by_source[s] for s in PRIVATE_SOURCES) / total if total else 0.0,
        "synthetic_share": by_source[Source.SYNTHETIC] / total if total else 0.0,
        "frontier_synthetic_share": frontier.tokens_by_source[Source.SYNTHETIC] / frontier_total if frontier_total else 0.0,
        "frontier_private_share": sum(frontier.tokens_by_source[s] for s in PRIVATE_SOURCES) / frontier_total
        if frontier_total
        else 0.0,
        "paid_data_spend_usd": model.paid_spend_usd_month,
        "legal_risk_usd": model.legal_usd_month,
        "settlements_usd": model.settlements_usd_month,
        "liability_usd": sum(float(e.sum()) for e in web.exposure.values()) * model.params.uncertainties.settlement_usd_per_token,
        "licences_in_force": model.contracts.in_force(model.steps_done),
        "broker_price_to_cost": min((float((b.price_usd / b.floor_usd()).min()) for b in brokers), default=float("nan")),
        "licence_fees_usd": model.contracts.fees_usd_month(model.steps_done),
        "opted_out_share": opted / raw,
        "opted_out_share_head": opted_head / raw_head if raw_head else 0.0,
        "exclusive_share": tokens[web.licensee >= 0].sum() / raw,
        "ai_pollution_share": web.ai_tokens.sum() / raw,
        "ai_share_new_text": model.ai_share_of_new_text,
        "consented_share": model.consented_share(),
        "privacy_strictness": model.policy.privacy_strictness,
        "private_price_usd_per_token": float((prices * supply).sum() / supply.sum())
        if supply.sum() > 0
        else float(prices.mean()),
        "broker_volume_tokens": float(sum(b.sold_last_month for b in brokers)),
        "frontier_compute_flop": frontier.compute_flop,
        "frontier_params": frontier.params,
        "frontier_tokens": frontier.tokens,
        "frontier_k": frontier.k,
        "frontier_loss": frontier.loss,
        "best_loss": min(lab.deployed.loss for lab in model.lab_list),
        "frontier_capability": frontier.capability,
        "best_capability": max(lab.deployed.capability for lab in model.lab_list),
        "capability_shortfall": model.capability_shortfall,
        "frontier_pretraining_share": 1.0 - frontier.post_training_share,
        "frontier_budget_share": model.frontier.plan.compute_flop / model.frontier.compute_budget_flop(),
        "frontier_annotated_share": frontier.post_training_data.annotated_share,
        "frontier_task_quality": frontier.post_training_data.quality,
        "annotation_spend_usd": model.annotation_usd_month,
        "annotation_usd_per_token": model.annotation_usd_per_token,
        "frontier_epochs": model.frontier.last_sourcing.data.epochs,
        **{f"frontier_epochs_{group}": model.frontier.last_sourcing.mean_epochs(pick) for group, pick in EPOCH_GROUPS.items()},
        "frontier_revenue_usd": revenue[model.frontier.unique_id],
        "frontier_serving_usd": serving[model.frontier.unique_id],
        "labs_revenue_usd": sum(revenue.values()),
        "labs_serving_usd": sum(serving.values()),
        "privacy_incidents": model.incidents_month,
        "privacy_incidents_total": model.incidents_total,
        "privacy_fines_usd_total": float(sum(b.fines_usd for b in brokers)),
        "broker_revenue_usd_total": float(sum(b.revenue_usd for b in brokers)),
        "alliance_members": len(model.alliance.members),
        "alliance_pool_tokens": model.alliance.pool_tokens,
        "hhi": model.hhi,
    }


def timeseries(model: DataMarketModel) -> pd.DataFrame:
    """The monthly series as a DataFrame, one row per month, with the seed on every row."""
    series = model.datacollector.model_vars
    return pd.DataFrame(
        {
            "scenario": model.params.name,
            "seed": model.seed if model.seed is not None else -1,
            "month": np.arange(len(series["year"])),
            **{name: np.asarray(values) for name, values in series.items()},  # arrays: half the cost of lists
        }
    )


def run_summary(model: DataMarketModel) -> dict[str, Any]:
    """The one-row summary of a finished run: every outcome in `sim.outcomes.OUTCOMES`.

    Dates not reached by the horizon are censored: the year is NaN and `*_censored` is True, so
    that statistics can treat them as "later than the horizon" rather than as numbers.
    """
    series = model.datacollector.model_vars
    summary: dict[str, Any] = {
        "scenario": model.params.name,
        "seed": model.seed if model.seed is not None else -1,
        "horizon_year": model.start_year + (model.n_months - 1) / 12.0,
    }
    for name, outcome in OUTCOMES.items():
        summary[name] = outcome.measure(model, series)
        if outcome.censored_by:
            summary[outcome.censored_by] = math.isnan(summary[name])
    return summary
