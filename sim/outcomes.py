"""The outcomes of a run: one registry with each outcome's name, label, unit, kind and measure.

Like the EMA Workbench's `ScalarOutcome`, an outcome carries how it is measured from a finished run
together with what a reader needs to see it: `run_summary`, the CLI's summary table, study files,
`compare`, `robustness` and the sweep report all read it from here. A new outcome is one entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from sim.model import DataMarketModel

Kind = Literal[
    "date", "share", "tokens", "flop", "count", "usd", "usd_per_token", "loss", "index", "capability", "epochs", "ratio"
]
# How each kind is written; dates as decimal years (2027.42 is late May 2027).
_FORMATS: dict[str, str] = {
    "date": "{:.2f}",
    "share": "{:.1%}",
    "tokens": "{:.2e}",
    "flop": "{:.2e}",
    "count": "{:.0f}",
    "usd": "{:.3g}",
    "usd_per_token": "{:.2e}",
    "loss": "{:.3f}",
    "index": "{:.0f}",
    "capability": "{:.2f}",
    "epochs": "{:.1f}",
    "ratio": "{:.3g}",
}
_DIFFERENCES: dict[str, str] = {
    "date": "{:+.2f}",
    "count": "{:+.1f}",
    "loss": "{:+.4f}",
    "index": "{:+.0f}",
    "capability": "{:+.3f}",
}


@dataclass(frozen=True)
class Outcome:
    """One number a run reports."""

    name: str
    label: str
    unit: str
    kind: Kind
    description: str
    measure: Callable[[DataMarketModel, dict[str, list]], Any]
    censored_by: str | None = None  # for a date a run may not reach: the flag that says it did not

    @property
    def axis_label(self) -> str:
        """The label with its unit, for a chart axis or a table header."""
        return f"{self.label} ({self.unit})"

    def format(self, value: float) -> str:
        """A value as a reader should see it; n/a for a missing one."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        return _FORMATS[self.kind].format(value)

    def format_difference(self, value: float) -> str:
        """A difference between two values (a policy's effect), signed."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        scaled, unit = (100 * value, " pp") if self.kind == "share" else (value, "")  # shares in percentage points
        text = ("{:+.2f}" if self.kind == "share" else _DIFFERENCES.get(self.kind, "{:+.3g}")).format(scaled)
        if value != 0 and not any(c in "123456789" for c in text):  # too small for the usual digits: not zero
            text = f"{scaled:+.2g}"
        return text + unit


def annual_mean(series: dict[str, list], column: str, year: int) -> float:
    """Mean of a monthly series over one calendar year, skipping NaN as pandas does."""
    years = np.asarray(series["year"])
    values = np.asarray(series[column], dtype=float)[(years >= year) & (years < year + 1)]
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def annual_sum(series: dict[str, list], column: str, year: int) -> float:
    """Sum of a monthly series over one calendar year (a flow: USD a year)."""
    years = np.asarray(series["year"])
    values = np.asarray(series[column], dtype=float)[(years >= year) & (years < year + 1)]
    return float(np.nansum(values)) if values.size else float("nan")


def _date(value: float | None) -> float:
    return value if value is not None else float("nan")


def _yearly(column: str, year: int, label: str, unit: str, kind: Kind, description: str) -> Outcome:
    """The mean over one calendar year of a monthly series, named `<series>_<year>`."""
    return Outcome(f"{column}_{year}", label, unit, kind, description, lambda model, series: annual_mean(series, column, year))


def _yearly_spend(column: str, year: int, label: str, paid_to: str) -> Outcome:
    """The sum over one calendar year of a monthly spend series (USD a month), named `<series>_<year>`."""
    return Outcome(
        f"{column}_{year}",
        f"{label}, {year}",
        "USD per year",
        "usd",
        f"what all labs paid {paid_to} of the runs they trained in {year}",
        lambda model, series: annual_sum(series, column, year),
    )


_SHARES = {
    "private_share": ("Private share of training tokens", "private (own users, alliance, brokers)"),
    "synthetic_share": ("Synthetic share of training tokens", "synthetic"),
    "opted_out_share": ("Opted-out share of public tokens", "of public raw tokens whose domains restrict AI crawlers:"),
}

OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome(
            "public_exhaustion_year",
            "Public exhaustion, frontier lab",
            "year",
            "date",
            "first month the frontier lab's planned dataset exceeds the effective public stock it may use",
            lambda model, series: _date(model.frontier_exhaustion_year),
            censored_by="public_exhaustion_censored",
        ),
        Outcome(
            "data_wall_year",
            "Data wall, frontier lab",
            "year",
            "date",
            "first month the frontier's best achievable capability falls data_wall_margin_oom short of what unlimited data would give",
            lambda model, series: _date(model.data_wall_year),
            censored_by="data_wall_censored",
        ),
        Outcome(
            "high_quality_exhaustion_year",
            "High-quality exhaustion, frontier lab",
            "year",
            "date",
            "first month the frontier lab's planned dataset exceeds the high-quality public stock it may use",
            lambda model, series: _date(model.high_quality_exhaustion_year),
            censored_by="high_quality_exhaustion_censored",
        ),
        Outcome(
            "exhaustion_dataset_tokens",
            "Dataset at exhaustion",
            "tokens",
            "tokens",
            "the frontier lab's planned dataset in the month of exhaustion",
            lambda model, series: getattr(model, "exhaustion_dataset_tokens", float("nan")),
        ),
        Outcome(
            "exhaustion_compute_flop",
            "Compute at exhaustion",
            "FLOP",
            "flop",
            "the frontier lab's planned compute in the month of exhaustion",
            lambda model, series: getattr(model, "exhaustion_compute_flop", float("nan")),
        ),
        Outcome(
            "first_lab_exhaustion_year",
            "First lab to exhaust public data",
            "year",
            "date",
            "the earliest exhaustion month of any lab",
            lambda model, series: min(model.public_exhaustion_year.values(), default=float("nan")),
        ),
        Outcome(
            "labs_exhausted",
            "Labs that exhausted public data",
            "labs",
            "count",
            "labs whose planned dataset exceeded their effective public stock by the horizon",
            lambda model, series: len(model.public_exhaustion_year),
        ),
        *(
            _yearly(
                column,
                year,
                f"{label}, {year}",
                "%",
                "share",
                f"mean over {year} of the share of the labs' current training tokens that are {what}"
                if column != "opted_out_share"
                else f"mean over {year} of the share {what}",
            )
            for year in (2030, 2035)
            for column, (label, what) in _SHARES.items()
        ),
        _yearly(
            "frontier_synthetic_share",
            2025,
            "Frontier synthetic share, 2025",
            "%",
            "share",
            "mean over 2025 of the synthetic share of the frontier lab's deployed model's training tokens",
        ),
        *(
            _yearly_spend("paid_data_spend_usd", year, "Paid data spend", "publishers, brokers and generators for the data")
            for year in (2024, 2030)
        ),
        Outcome(
            "largest_deal_usd_2024",
            "Largest data deal, 2024",
            "USD",
            "usd",
            "the largest single licence of 2024: one publisher's domain, one broker's sale, or one generator's, to one lab",
            lambda model, series: model.largest_deal_usd.get(2024, 0.0),
        ),
        _yearly(
            "private_price_usd_per_token",
            2030,
            "Private token price, 2030",
            "USD per token per year",
            "usd_per_token",
            "mean over 2030 of the brokers' posted yearly licence price, weighted by consented supply",
        ),
        # --- contracts (sim/contracts.py) -------------------------------------------------------------------
        Outcome(
            "licences_signed_2024",
            "Licences signed by the end of 2024",
            "licences",
            "count",
            "term licences signed by the end of 2024, all labs: one per domain or broker tier, renewals included",
            lambda model, series: model.contracts.signed_by(2024),
        ),
        Outcome(
            "social_licence_usd_2024",
            "Largest social-platform licence, 2024",
            "USD per year",
            "usd",
            "the largest yearly fee of a licence on social-platform text (a social domain or a broker's social tier)"
            " signed in 2024; 0 if none",
            lambda model, series: model.contracts.largest_fee(2024, "social"),
        ),
        Outcome(
            "first_broker_licence_year",
            "First broker licence",
            "year",
            "date",
            "when a lab first licensed a broker's private text",
            lambda model, series: _date(model.contracts.first_signed({b.unique_id for b in model.broker_list})),
            censored_by="first_broker_licence_censored",
        ),
        Outcome(
            "broker_price_to_cost_min",
            "Lowest broker price over its cost",
            "ratio",
            "ratio",
            "the lowest ratio, over every month and broker tier, of the posted price to the broker's cost (1: at cost)",
            lambda model, series: (
                float(np.nanmin(series["broker_price_to_cost"])) if series["broker_price_to_cost"] else float("nan")
            ),
        ),
        Outcome(
            "settlements_usd_total",
            "Copyright settlements, total",
            "USD",
            "usd",
            "what labs paid to settle copyright suits over the whole run",
            lambda model, series: model.settlements_usd_total,
        ),
        Outcome(
            "privacy_incidents_total",
            "Privacy incidents, total",
            "incidents",
            "count",
            "privacy incidents at brokers over the whole run",
            lambda model, series: int(model.incidents_total),
        ),
        _yearly(
            "frontier_loss",
            2035,
            "Frontier loss, 2035",
            "nats per token",
            "loss",
            "mean over 2035 of the frontier lab's deployed model's loss (Besiroglu et al. 2024 law)",
        ),
        *(
            _yearly(
                "hhi",
                year,
                f"Market concentration (HHI), {year}",
                "0-10,000",
                "index",
                f"mean over {year} of the Herfindahl-Hirschman index of the labs' market shares",
            )
            for year in (2025, 2035)
        ),
        # --- the labs as firms (sim/firm.py) ---------------------------------------------------------------
        *(
            _yearly(
                "frontier_capability",
                year,
                f"Frontier capability, {year}",
                "log10 FLOP",
                "capability",
                f"mean over {year} of the frontier lab's deployed model's capability: effective compute of "
                "pretraining and post-training",
            )
            for year in (2030, 2035)
        ),
        *(
            _yearly(
                "frontier_pretraining_share",
                year,
                f"Frontier pretraining share of compute, {year}",
                "%",
                "share",
                f"mean over {year} of the share of the frontier lab's training compute spent on pretraining",
            )
            for year in (2023, 2026, 2030)
        ),
        *(
            _yearly_spend("annotation_spend_usd", year, "Annotation spend", "people to write and grade the post-training tasks")
            for year in (2025, 2030)
        ),
        _yearly(
            "annotation_usd_per_token",
            2030,
            "Annotation price, 2030",
            "USD per token",
            "usd_per_token",
            "mean over 2030 of what people ask to write or grade a post-training task token",
        ),
        _yearly(
            "frontier_revenue_usd",
            2024,
            "Frontier lab revenue, 2024",
            "USD per year",
            "usd",
            "the frontier lab's revenue in 2024: its market share of the AI model market",
        ),
        *(
            _yearly(
                "labs_revenue_usd",
                year,
                f"All labs' revenue, {year}",
                "USD per year",
                "usd",
                f"the AI model market's revenue in {year}, shared by the labs",
            )
            for year in (2025, 2030)
        ),
        _yearly(
            "labs_serving_usd",
            2030,
            "All labs' serving cost, 2030",
            "USD per year",
            "usd",
            "what serving every lab's deployed model cost in 2030 (2 N FLOP a token)",
        ),
        _yearly(
            "frontier_epochs",
            2035,
            "Frontier epochs, 2035",
            "passes",
            "epochs",
            "mean over 2035 of the passes the frontier lab's deployed model made over its unique human text",
        ),
        *(
            _yearly(
                f"frontier_epochs_{group}",
                2035,
                f"Frontier epochs over {label}, 2035",
                "passes",
                "epochs",
                f"mean over 2035 of the passes the frontier lab's deployed model made over {label}",
            )
            for group, label in (("high_quality", "high-quality text"), ("web", "other web text"))
        ),
        _yearly(
            "capability_shortfall",
            2035,
            "Capability lost to scarcity, 2035",
            "orders of magnitude",
            "capability",
            "mean over 2035 of the capability the frontier's planned model loses to data scarcity (sim/firm.py)",
        ),
    )
}
CENSORED_BY = {o.name: o.censored_by for o in OUTCOMES.values() if o.censored_by}
