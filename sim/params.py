"""Scenario parameters: uncertainties, levers and constants, validated once at the edge.

A scenario file is TOML with four sections, kept apart as in the EMA Workbench:

- ``[uncertainties]``: facts about the world we do not know well (stock size, compute growth...).
- ``[levers]``: policies, each with the year it takes effect.
- ``[constants]``: model structure and switches that a study holds fixed.
- ``[[labs]]``: the labs in the market.

``extends = "baseline.toml"`` merges the named file (relative to this one) underneath. Inside the
model every value is trusted; all checking happens here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator, model_validator

from sim.errors import UserError
from sim.levers import LEVERS
from sim.levers import STATUS_QUO as LEVER_STATUS_QUO

CollapseRegime = Literal["accumulate", "replace"]

# The span a scenario may cover, and the years a lever may take effect in. The model back-casts the
# web and compute from 2024; before 2000 the back-cast leaves the range its laws were fitted on, and
# after 2100 nothing in it is calibrated.
FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"
FIRST_YEAR, LAST_YEAR = 2000.0, 2100.0 + 11 / 12
ALWAYS = -1e9  # a lever or override with this year is in force throughout
_NUMBERS = (float, int, float | None, int | None)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        """A number must be written as a number, a flag as true or false: "0.2" or 1 are refused, not coerced."""
        annotation = cls.model_fields[info.field_name].annotation
        if annotation in _NUMBERS and isinstance(value, str | bool):
            raise ValueError(f"{value!r} is not a number; allowed: a number, written without quotes")
        if annotation is bool and not isinstance(value, bool | np.bool_):
            raise ValueError(f"{value!r} is not true or false; allowed: true or false")
        return value


class Uncertainties(_Strict):
    """Inputs whose true value is uncertain. A single run uses these point values."""

    @model_validator(mode="before")
    @classmethod
    def _removed_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "ai_text_share_max" in data:
            raise ValueError(
                f"ai_text_share_max = {data['ai_text_share_max']!r} is no longer a setting: the AI-written share of new "
                "text is the writers' choice as AI writing gets cheaper; allowed: remove the line, or set "
                "ai_text_share_2024 (0 to below 1) and ai_writing_cost_elasticity (0 to 1)"
            )
        if isinstance(data, dict) and "copyright_risk_usd_per_token" in data:
            raise ValueError(
                f"copyright_risk_usd_per_token = {data['copyright_risk_usd_per_token']!r} is no longer a setting: "
                "liability is a stock that suits settle (docs/model.md, 'Data as contracts'); allowed: remove the line, "
                "or set settlement_usd_per_token and suit_hazard_per_year"
            )
        return data

    public_stock_raw_tokens_2024: float = Field(
        5.1e14, ge=1e12, le=1e17, description="Indexed web, deduplicated; Villalobos Table 1"
    )
    usable_share: float = Field(
        0.16, ge=0.01, le=1.0, description="Share left after quality filtering; Villalobos §2.3.1 (10-40%)"
    )
    max_epochs: float = Field(4.0, ge=1.0, le=100.0, description="Epochs a lab tolerates before repetition hurts; Muennighoff §6")
    public_growth_per_year: float = Field(0.08, ge=0.0, le=0.5, description="Growth of human web text; Villalobos indexed_web.py")
    frontier_compute_flop_2024: float = Field(4e25, ge=1e22, le=1e28, description="Largest training run in 2024; Epoch")
    compute_growth_per_year: float = Field(4.5, ge=1.0, le=10.0, description="Frontier compute multiplier per year; Epoch 4-5x")
    training_spend_cap_usd: float = Field(1e11, ge=1e8, le=1e14, description="Most a lab spends on one run; growth slows after")
    flop_price_halving_years: float = Field(2.5, ge=0.5, le=20.0, description="GPU price-performance; Hobbhahn & Besiroglu 2022")
    inference_tokens_per_year_2024: float = Field(
        2e14, ge=0.0, le=1e18, description="Tokens served by all deployed models in 2024"
    )
    inference_growth_per_year: float = Field(2.5, ge=1.0, le=10.0)
    inference_tokens_per_year_max: float = Field(1e18, ge=1.0, le=1e22, description="Ceiling on tokens served a year")
    user_text_tokens_per_year_2024: float = Field(1e14, ge=0.0, le=1e18, description="Text users write into chat products a year")
    user_text_growth_per_year: float = Field(1.5, ge=1.0, le=10.0)
    user_text_tokens_per_year_max: float = Field(
        1e15,
        ge=1.0,
        le=1e20,
        description="Ceiling on text users write into chat products a year: ~6x all instant messaging (165T/yr; Villalobos App. C)",
    )
    synthetic_quality: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Value of a generated (textbook-style) token from a frontier-class generator, against web text",
    )
    rephrased_value: float = Field(
        2.6,
        ge=0.0,
        le=5.0,
        description="Value of a rephrased web token against the original; Kang et al. 2025, Nemotron-CC (tuned)",
    )
    high_quality_value: float = Field(
        2.0, ge=1.0, le=10.0, description="Value of a high-quality-subset token against filtered web text; FineWeb-Edu, DCLM"
    )
    settlement_usd_per_token: float = Field(
        0.024,
        ge=0.0,
        le=10.0,
        description="What a copyright suit settles for, per token trained on without a licence; Bartz v. Anthropic"
        " (~$3,000 a work, ~1.25e5 tokens a book)",
    )
    suit_hazard_per_year: float = Field(
        0.01,
        ge=0.0,
        le=1.0,
        description="Yearly chance that a holder whose copyrighted text a lab trained on unlicensed sues it, at full AI"
        " awareness (tuned: paid data spend in 2024)",
    )
    robots_compliance: float = Field(
        0.87,
        ge=0.0,
        le=1.0,
        description="Share of AI-crawler requests that honour robots.txt, for a lab that has not signed a code of"
        " practice; TollBit: 13.3% ignored it in Q2 2025 (3.3% in Q4 2024)",
    )
    holder_reservation_usd_per_token_year: float = Field(
        2e-6,
        ge=0.0,
        le=1e-2,
        description="What a publisher loses a year per raw token it licenses, in traffic to AI answers, at full AI awareness"
        " and for a licensee with the whole market (assumed: ~2e-4 $/token/yr of web revenue, ~1% of it displaced)",
    )
    media_tokens_2024: float = Field(
        1.65e15,
        ge=0.0,
        le=1e18,
        description="Video and images, in text-token equivalents, 2024: Villalobos Table 1 (video ~1,350T, images ~300T)",
    )
    media_growth_per_year: float = Field(0.1, ge=0.0, le=1.0, description="Growth of the media stock (assumed)")
    multimodal_text_value: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Value of a transcribed or captioned text-equivalent token to a text model, against filtered web"
        " text (assumed small: the exchange rate is unknown)",
    )
    ai_text_share_2024: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="Share of new web text that writers who can use AI wrote with it in November 2024; Graphite 2025."
        " Below 1: AI text is written beside human text",
    )
    ai_writing_cost_elasticity: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="How the log-odds of writing with AI follow the log of its falling cost (0.1: bounded by the"
        " 2024-25 plateau while inference prices fell; docs/calibration.md §5)",
    )
    pollution_value: float = Field(0.5, ge=0.0, le=1.0, description="Value of an unlabelled AI-written web token")
    private_text_tokens: float = Field(
        2.6e15, ge=0.0, le=1e17, description="Non-indexed text: 3,100T whole web minus 510T; Villalobos"
    )
    private_growth_per_year: float = Field(
        0.1, ge=0.0, le=1.0, description="Growth of private text; messages ~165T/yr on >1,000T"
    )
    max_consented_share: float = Field(0.05, ge=0.0, le=1.0, description="Share of private text licensable with no privacy law")
    opt_out_hazard_per_month: float = Field(
        0.017,
        ge=0.0,
        le=1.0,
        description="Monthly opt-out hazard of a fully sensitive domain the size of the smallest head domain",
    )
    incidents_per_trillion_tokens: float = Field(
        0.3, ge=0.0, le=100.0, description="Privacy incidents per 1e12 private tokens handled"
    )
    ai_revenue_usd_2024: float = Field(
        6e9,
        ge=0.0,
        le=1e14,
        description="Yearly revenue of the AI model market as 2024 opens; labs share it (tuned: OpenAI ~$3.7B in 2024)",
    )
    ai_revenue_growth_per_year: float = Field(
        2.5, ge=1.0, le=10.0, description="Growth of that revenue a year while small (OpenAI ~3.5x in 2025)"
    )
    ai_revenue_usd_max: float = Field(2e12, ge=1.0, le=1e15, description="Ceiling on the AI model market's revenue a year")
    reasoning_returns: float = Field(
        0.6,
        ge=0.0,
        le=2.0,
        description="Returns to post-training once reasoning RL works: a in log CEG = a ln(1 + r / 0.01) far below the"
        " ceiling (tuned)",
    )
    post_training_ceiling_oom: float = Field(
        2.0,
        ge=0.1,
        le=10.0,
        description="Most that post-training can add to a model's capability, in orders of magnitude of effective compute"
        " (assumed: RL's returns level off, Khatri et al. 2025; enhancements are worth 5-20x, Davidson et al. 2023)",
    )
    annotation_usd_per_token: float = Field(
        0.01,
        ge=0.0,
        le=10.0,
        description="Price of a human-written or human-graded post-training task token at little demand (assumed: expert"
        " time ~$50-100/h)",
    )
    annotation_supply_elasticity: float = Field(
        1.0,
        ge=0.1,
        le=100.0,
        description="Elasticity of the supply of annotators: the price rises as (1 + tokens a year / 2e11)^(1/e) (assumed)",
    )


class Distribution(_Strict):
    """What we believe about an uncertainty, for sweeps. A single run uses its median.

    ``low`` and ``high`` are the bounds of ``uniform`` and ``loguniform``, and the central
    ``credibility`` % interval of ``normal`` and ``lognormal`` (90 by default; Epoch quotes its priors
    this way, as squigglepy's ``sq.to(low, high, credibility=95)``).
    ``triangular`` needs ``mode`` too. ``choice`` picks evenly among ``values``. Samples are kept
    inside the field's allowed range by truncating the distribution there.
    """

    dist: Literal["uniform", "loguniform", "normal", "lognormal", "triangular", "choice"]
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    credibility: float = Field(90.0, gt=0.0, lt=100.0, description="Percent of mass between low and high (normal, lognormal)")
    values: tuple[float, ...] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _check_shape(self) -> Distribution:
        numbers = {
            "low": self.low,
            "high": self.high,
            "mode": self.mode,
            **{f"values[{i}]": v for i, v in enumerate(self.values or ())},
        }
        for name, value in numbers.items():
            if value is not None and not np.isfinite(value):
                raise ValueError(f"{name} = {value}: allowed: a finite number")
        if self.dist == "choice":
            if self.values is None:
                raise ValueError("dist = 'choice' needs values = [...]")
            return self
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"dist = {self.dist!r} needs low < high (got low = {self.low}, high = {self.high})")
        if self.dist in ("loguniform", "lognormal") and self.low <= 0:
            raise ValueError(f"dist = {self.dist!r} needs low > 0 (got {self.low})")
        if self.dist == "triangular" and (self.mode is None or not self.low <= self.mode <= self.high):
            raise ValueError(f"dist = 'triangular' needs low <= mode <= high (got mode = {self.mode})")
        return self

    def _frozen(self) -> Any:
        from scipy import stats  # here, not at the top: a sweep worker never needs it, and it is slow to import

        z = stats.norm.ppf(0.5 + self.credibility / 200)
        if self.dist == "uniform":
            return stats.uniform(self.low, self.high - self.low)
        if self.dist == "loguniform":
            return stats.loguniform(self.low, self.high)
        if self.dist == "normal":
            return stats.norm((self.low + self.high) / 2, (self.high - self.low) / (2 * z))
        if self.dist == "lognormal":
            mu, sigma = (np.log(self.low) + np.log(self.high)) / 2, (np.log(self.high) - np.log(self.low)) / (2 * z)
            return stats.lognorm(sigma, scale=np.exp(mu))
        c = (self.mode - self.low) / (self.high - self.low)
        return stats.triang(c, loc=self.low, scale=self.high - self.low)

    def ppf(self, u: np.ndarray, bounds: tuple[float, float] = (-np.inf, np.inf)) -> np.ndarray:
        """Map quantiles in [0, 1) to values, truncated to `bounds`."""
        u = np.asarray(u, dtype=float)
        if self.dist == "choice":
            values = np.asarray(self.values, dtype=float)
            return values[np.minimum((u * len(values)).astype(int), len(values) - 1)]
        frozen = self._frozen()
        lo, hi = frozen.cdf(bounds[0]), frozen.cdf(bounds[1])
        return np.clip(frozen.ppf(lo + u * (hi - lo)), *bounds)

    def median(self, bounds: tuple[float, float] = (-np.inf, np.inf)) -> float:
        return float(self.ppf(np.array([0.5]), bounds)[0])


def field_bounds(model: type[BaseModel], name: str) -> tuple[float, float]:
    """The allowed [low, high] of a numeric field, from its ge/gt/le/lt constraints."""
    low, high = -np.inf, np.inf
    for constraint in model.model_fields[name].metadata:
        low = getattr(constraint, "ge", getattr(constraint, "gt", low))
        high = getattr(constraint, "le", getattr(constraint, "lt", high))
    return float(low), float(high)


class Lever(_Strict):
    """A policy: `value` from `year` on, `before` until then."""

    value: Any
    year: float = Field(ALWAYS, description="Decimal year the policy takes effect (2000 to 2100; omit for throughout)")
    before: Any = None

    @field_validator("year")
    @classmethod
    def _year_in_span(cls, year: float) -> float:
        return _check_year(year)

    def at(self, year: float) -> Any:
        return self.value if year >= self.year else self.before


def _check_year(year: float) -> float:
    if year != ALWAYS and not FIRST_YEAR <= year <= LAST_YEAR:  # also refuses nan and inf
        raise ValueError(f"{year!r} is outside the years a policy may take effect; allowed: a year from 2000 to 2100")
    return year


# The allowed values of each lever (`sim/levers.py`), used to check both `value` and `before`.
_LeverValues = create_model(
    "_LeverValues",
    __base__=_Strict,
    **{lever.name: (lever.annotation, Field(**lever.bounds)) for lever in LEVERS},
)


class _LeversBase(_Strict):
    @model_validator(mode="before")
    @classmethod
    def _expand_and_check(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        expanded: dict[str, Any] = {}
        for name, raw in data.items():
            if name not in LEVER_STATUS_QUO:
                expanded[name] = raw  # extra="forbid" reports it by name
                continue
            lever = dict(raw) if isinstance(raw, dict) else {"value": raw}
            lever.setdefault("before", LEVER_STATUS_QUO[name])
            expanded[name] = lever
        _check_lever_values(expanded)
        return expanded


# Policy levers, one field per entry of `sim/levers.py`. Each may be a plain value (in force
# throughout) or {value, year[, before]}.
Levers = create_model(
    "Levers",
    __base__=_LeversBase,
    __doc__="Policy levers. Each may be a plain value (in force throughout) or {value, year[, before]}.",
    **{
        lever.name: (Lever, Field(Lever(value=lever.status_quo, before=lever.status_quo), description=lever.description))
        for lever in LEVERS
    },
)


def _check_lever_values(levers: dict[str, Any]) -> None:
    """Validate each lever's value and `before` against its allowed range, naming the field."""
    for part in ("value", "before"):
        values = {k: v[part] for k, v in levers.items() if isinstance(v, dict) and part in v}
        if not values:
            continue
        try:
            _LeverValues.model_validate({**LEVER_STATUS_QUO, **values})
        except ValidationError as err:
            first = err.errors()[0]
            name = first["loc"][0]
            raise ValueError(f"{name}.{part} = {first['input']!r}: {_allowed(first)}") from None


class Constants(_Strict):
    """Model structure and mechanism switches."""

    start: str = Field("2020-01", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    end: str = Field("2040-12", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    n_publishers: int = Field(1000, ge=7, le=100_000)
    n_brokers: int = Field(3, ge=0, le=100)
    n_generators: int = Field(2, ge=0, le=100)
    publisher_size_tail: float = Field(2.0, ge=0.5, le=5.0, description="Pareto tail index of publisher sizes")
    collapse_regime: CollapseRegime = "accumulate"
    collapse_threshold: float = Field(0.5, ge=0.0, lt=1.0)
    data_wall_margin_oom: float = Field(
        0.05, gt=0.0, le=3.0, description="Data wall: capability lost to scarcity, in orders of magnitude of effective compute"
    )
    usd_per_flop_2024: float = Field(3e-18, gt=0.0, le=1e-12)
    market_temperature: float = Field(
        0.5,
        gt=0.0,
        le=10.0,
        description="Capability gap (orders of magnitude of effective compute) that moves shares by e (tuned: HHI 2024-25)",
    )
    price_adjustment_speed: float = Field(0.15, ge=0.0, le=2.0)
    # Mechanism switches: the Epoch replication turns the market feedbacks off.
    opt_out_response: bool = True
    exclusive_deals: bool = True
    ai_pollution: bool = True
    private_sourcing: bool = True
    synthetic_sourcing: bool = True
    multimodal_sourcing: bool = True  # labs may transcribe video and audio and caption images into text
    post_training: bool = True  # labs may move training compute into post-training and RL
    # Force every lab to a fixed overtraining factor from a year on (Epoch's "5x from 2025").
    override_k: float | None = Field(None, ge=0.05, le=10_000.0)
    override_k_from_year: float = Field(ALWAYS, description="Year override_k takes effect (2000 to 2100; omit for throughout)")

    @field_validator("override_k_from_year")
    @classmethod
    def _year_in_span(cls, year: float) -> float:
        return _check_year(year)

    @field_validator("start", "end")
    @classmethod
    def _month_in_span(cls, month: str) -> str:
        if not FIRST_MONTH <= month <= LAST_MONTH:
            raise ValueError(
                f"{month!r} is outside the span the model covers; allowed: a month from {FIRST_MONTH} to {LAST_MONTH}"
            )
        return month

    @model_validator(mode="after")
    def _end_after_start(self) -> Constants:
        if self.end < self.start:
            raise ValueError(f"end = {self.end!r} is before start = {self.start!r}")
        return self

    @property
    def last_year(self) -> float:
        """The decimal year of the last month (2040-12 -> 2040.917)."""
        year, month = (int(x) for x in self.end.split("-"))
        return year + (month - 1) / 12


class LabSpec(_Strict):
    """One lab: its kind, size relative to the frontier, cadence and overtraining strategy."""

    name: str = Field(min_length=1, max_length=60)
    kind: Literal["open", "closed"]
    compute_share: float = Field(gt=0.0, le=1.0, description="Compute relative to the frontier lab")
    cadence_months: int = Field(ge=1, le=60, description="Months between frontier runs")
    strategy: Literal["fixed", "adaptive", "profit"] = "adaptive"
    k: float = Field(1.0, ge=0.05, le=10_000.0, description="Tokens per parameter / 20, for fixed labs")
    demand_r: float = Field(7.0, ge=0.0, le=100.0, description="Profit labs: elasticity of inference demand to loss (App. F r)")
    demand_h: float = Field(2.0, gt=1.0, le=100.0, description="Profit labs: price elasticity of inference demand (App. F h)")
    signs_code_of_practice: bool = Field(
        True, description="Signs a code of practice on crawling when one is in force (Meta declined the EU's, 2025)"
    )
    platform_share: float = Field(
        0.0, ge=0.0, le=1.0, description="Share of social platforms' posts on the lab's own platforms (Meta: Facebook, Instagram)"
    )

    @model_validator(mode="before")
    @classmethod
    def _removed_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "data_budget_share" in data:
            raise ValueError(
                f"data_budget_share = {data['data_budget_share']!r} is no longer a setting: a lab's data spend follows "
                "from what data is worth to its run (docs/model.md, 'How a lab decides'); allowed: remove the line"
            )
        return data


DEFAULT_LABS = (
    LabSpec(name="Closed Frontier", kind="closed", compute_share=1.0, cadence_months=12),
    LabSpec(name="Closed Challenger", kind="closed", compute_share=0.6, cadence_months=9),
    LabSpec(name="Closed Efficient", kind="closed", compute_share=0.3, cadence_months=12, strategy="fixed", k=5.0),
    LabSpec(
        name="Open Major",
        kind="open",
        compute_share=0.8,
        cadence_months=12,
        strategy="fixed",
        k=10.0,
        platform_share=0.4,
        signs_code_of_practice=False,
    ),
    LabSpec(name="Open Startup", kind="open", compute_share=0.2, cadence_months=8),
    LabSpec(name="Open Small", kind="open", compute_share=0.05, cadence_months=6, strategy="fixed", k=100.0),
)


def replicated_labs(n: int) -> tuple[LabSpec, ...]:
    """n labs for studies of scale: the default six, repeated with smaller budgets and slower cadences."""
    labs = []
    for i in range(n):
        spec = DEFAULT_LABS[i % len(DEFAULT_LABS)]
        copy = i // len(DEFAULT_LABS)
        update = {
            "name": f"{spec.name} {copy}",
            "compute_share": spec.compute_share / (1 + copy),
            "cadence_months": min(60, spec.cadence_months + copy),
        }
        labs.append(spec.model_copy(update=update))
    return tuple(labs)


class MarketParams(_Strict):
    """Everything a run needs. Defaults are the baseline scenario."""

    name: str = "baseline"
    description: str = ""
    uncertainties: Uncertainties = Uncertainties()
    levers: Levers = Levers()
    constants: Constants = Constants()
    labs: tuple[LabSpec, ...] = Field(DEFAULT_LABS, min_length=1, max_length=1000)

    @model_validator(mode="after")
    def _consistent(self) -> MarketParams:
        names = [lab.name for lab in self.labs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(
                f"labs: the name {twice[0]!r} is used by {names.count(twice[0])} labs; allowed: a different name for each lab"
            )
        end = self.constants.last_year
        timed = {f"levers.{name}.year": lever.year for name, lever in self.levers}
        if self.constants.override_k is not None:
            timed["constants.override_k_from_year"] = self.constants.override_k_from_year
        for field, year in timed.items():
            if year != ALWAYS and year > end:
                raise ValueError(
                    f"{field} = {year:g} is after the scenario ends ({self.constants.end}), so it would never take effect; "
                    f"allowed: a year from 2000 to {end:.2f}"
                )
        return self

    def with_overrides(self, **overrides: Any) -> MarketParams:
        """A copy with flat overrides, e.g. ``usable_share=0.3`` or ``privacy_strictness=0.9``.

        Names are unique across sections, which is what lets Mesa's ``batch_run`` pass them as
        keyword arguments.
        """
        data = self.model_dump()
        for name, value in overrides.items():
            section = _SECTION_OF.get(name)
            if section is None:
                raise ParamsError(f"unknown parameter {name!r}; allowed: {', '.join(sorted(_SECTION_OF))}")
            if section == "levers":
                data["levers"][name] = value if isinstance(value, dict) else {**data["levers"][name], "value": value}
            else:
                data[section][name] = value
        return validate(data, source="overrides")


_SECTION_OF = {
    **{name: "uncertainties" for name in Uncertainties.model_fields},
    **{name: "levers" for name in Levers.model_fields},
    **{name: "constants" for name in Constants.model_fields},
}


class ParamsError(UserError):
    """A scenario that cannot be run, with a message meant for the person who wrote it."""


_BOUND_OPS = (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))


def _field_of(loc: tuple) -> tuple[type[BaseModel], str] | None:
    """The model and field name an error location points at, e.g. ('labs', 0, 'k') -> (LabSpec, 'k')."""
    names = [part for part in loc if isinstance(part, str)]
    models = {"uncertainties": Uncertainties, "constants": Constants, "labs": LabSpec}
    if len(names) == 2 and names[0] in models and names[1] in models[names[0]].model_fields:
        return models[names[0]], names[1]
    return None


def _bounds_text(model: type[BaseModel], name: str) -> str:
    """A field's whole allowed range, e.g. '>= 0.01 and <= 1.0'."""
    bounds = []
    for constraint in model.model_fields[name].metadata:
        bounds += [f"{op} {getattr(constraint, key):g}" for key, op in _BOUND_OPS if getattr(constraint, key, None) is not None]
    return " and ".join(bounds)


def _allowed(error: dict[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    field = _field_of(tuple(error.get("loc", ())))
    if field is not None and any(key in ctx for key, _ in _BOUND_OPS):
        return f"allowed: a number {_bounds_text(*field)}"
    bounds = [f"{op} {ctx[key]}" for key, op in _BOUND_OPS if key in ctx]
    if bounds:
        return "allowed: " + " and ".join(bounds)
    if error["type"] == "too_short":
        return f"allowed: at least {ctx.get('min_length', 1)} item(s)"
    if error["type"] == "too_long":
        return f"allowed: at most {ctx.get('max_length')} item(s)"
    if "expected" in ctx:
        return f"allowed: {ctx['expected']}"
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return error["msg"].removeprefix("Value error, ")


def _format(err: ValidationError, source: str, sections: dict[str, type[BaseModel]] | None = None) -> str:
    lines = []
    errors = err.errors()
    # pydantic adds "too short" for a list whose item failed; the item's own error is the one to read.
    deeper = [e["loc"] for e in errors if e["type"] != "too_short"]
    errors = [e for e in errors if e["type"] != "too_short" or not any(loc[: len(e["loc"])] == e["loc"] for loc in deeper)]
    for e in errors:
        field = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            section = e["loc"][0] if len(e["loc"]) > 1 else None
            known = _known_keys(section, nested=len(e["loc"]) > 2, sections=sections)
            lines.append(f"{source}: unknown key {field!r}; allowed here: {', '.join(known)}")
        elif e["type"] == "value_error":
            lines.append(f"{source}: {field + ': ' if e['loc'] else ''}{e['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"{source}: {field} = {e['input']!r}: {_allowed(e)}")
    return "\n".join(lines)


def _known_keys(section: Any, nested: bool = False, sections: dict[str, type[BaseModel]] | None = None) -> list[str]:
    models = {"uncertainties": Uncertainties, "levers": Levers, "constants": Constants, **(sections or {})}
    if section == "levers" and nested:
        return sorted(Lever.model_fields)
    if section in models:
        return sorted(models[section].model_fields)
    if section == "labs":
        return sorted(LabSpec.model_fields)
    return [*sorted(MarketParams.model_fields), "extends"]


def validate(data: dict[str, Any], source: str = "scenario") -> MarketParams:
    """Validate a scenario dictionary, raising ParamsError with a readable message."""
    try:
        return MarketParams.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_format(err, source)) from None


def _read_toml(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.is_dir():
        raise ParamsError(f"{path}: is a folder; allowed: a scenario file (.toml)")
    if not path.is_file():
        raise ParamsError(f"{path}: scenario file not found")
    if path.resolve() in seen:
        raise ParamsError(f"{path}: 'extends' loops back to itself")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ParamsError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise ParamsError(f"{path}: not a UTF-8 text file") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ParamsError(f"{path}: extends = {parent!r}: allowed: a path to another scenario file")
    base = _read_toml(path.parent / parent, (*seen, path.resolve()))
    return _merge(base, data)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays (such as [[labs]]) replace rather than append."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_scenario(path: str | Path) -> tuple[MarketParams, dict[str, Distribution], dict[str, Any]]:
    """Read, merge and validate a scenario file.

    Returns the point-value parameters (each uncertainty with a distribution at its median), the
    distributions by name, and the remaining study tables (``[design]``, ``outcomes``, ``[calibration]``) unvalidated.
    """
    path = Path(path)
    data = _read_toml(path)
    data.setdefault("name", path.stem)
    study = {key: data.pop(key) for key in ("design", "outcomes", "calibration") if key in data}
    distributions = _pop_distributions(data, source=str(path))
    params = validate(data, source=str(path))
    return params, distributions, study


def _pop_distributions(data: dict[str, Any], source: str) -> dict[str, Distribution]:
    """Replace each uncertainty given as a distribution (a table or a list) by its median."""
    uncertainties = data.get("uncertainties")
    if not isinstance(uncertainties, dict):
        return {}
    distributions = {}
    for name, raw in uncertainties.items():
        if not isinstance(raw, dict | list) or name not in Uncertainties.model_fields:
            continue  # plain values and unknown keys are checked by validate()
        try:
            dist = Distribution.model_validate({"dist": "choice", "values": raw} if isinstance(raw, list) else raw)
        except ValidationError as err:
            raise ParamsError(_format(err, source).replace(f"{source}: ", f"{source}: uncertainties.{name}.")) from None
        bounds = field_bounds(Uncertainties, name)
        outside = [v for v in (dist.values or ()) if not bounds[0] <= v <= bounds[1]]
        if dist.dist in ("uniform", "loguniform", "triangular"):
            outside += [v for v in (dist.low, dist.high) if not bounds[0] <= v <= bounds[1]]
        if outside:
            raise ParamsError(f"{source}: uncertainties.{name} = {outside[0]!r}: allowed: >= {bounds[0]:g} and <= {bounds[1]:g}")
        distributions[name] = dist
        uncertainties[name] = dist.median(bounds)
    return distributions


def load_scenario(path: str | Path) -> MarketParams:
    """Read, merge and validate a scenario file; uncertainties with distributions take their medians."""
    return read_scenario(path)[0]
