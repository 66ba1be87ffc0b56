"""PeakData in the browser: watch the data wall arrive, move the policy levers, compare a policy.

Start it with ``peakdata viz`` (or ``solara run viz.app``). Each browser session builds its own
model. Step, ▶ and Reset are Mesa's `ModelController`; the charts are Vega-Lite, drawn in the
browser and fed new rows each month (`viz/charts.py`), so a step costs milliseconds, not a
server-side rasterisation. On a narrow screen the charts come first and the settings fold away.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipyvuetify
import solara
import traitlets
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from agents.offers import Source
from sim.experiments.plots import SOURCE_COLOURS
from sim.levers import LEVERS, LeverSpec
from sim.library import runnable
from sim.model import DataMarketModel
from sim.params import MarketParams, ParamsError, load_scenario
from viz import charts
from viz.charts import year_month

v = solara.v  # Vuetify elements, as solara components

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "baseline.toml"
NO_COMPARISON = "nothing"
SEED_MAX = 2**63 - 1
KEEP = "as in the scenario"  # a select left here keeps the scenario file's value
TRILLION = 1e12
PLAY_INTERVAL_MS = 40  # between Steps while playing: about 10 months a second

_BASELINE = MarketParams()


def scenario_choices() -> dict[str, str]:
    """Every runnable scenario and policy file (not study files), baseline first: file -> description."""
    return {entry.file: entry.description for entry in runnable(SCENARIO_DIR)}


def parse_seed(text: Any) -> int:
    """A seed as a person types it: "7", " 7 ", "1_000", "1,000", "1e3" and "7.0" are fine; "abc" and "-1" are not."""
    cleaned = str(text).strip().replace("_", "").replace(",", "")
    try:
        value = int(cleaned)
    except ValueError:
        try:
            number = float(cleaned)
        except ValueError:
            number = math.nan
        value = int(number) if math.isfinite(number) and number == int(number) else None
    if value is None or not 0 <= value <= SEED_MAX:
        raise ParamsError(f"seed = {text!r}: allowed: a whole number from 0 to {SEED_MAX}")
    return value


# --- the controls -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One setting: how it is shown, its default, and how its value becomes flat model overrides."""

    label: str
    default: Any
    overrides: Callable[[Any], dict[str, Any]]
    unit: str = ""
    low: float | None = None  # a slider's range, in the units shown
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def is_slider(self) -> bool:
        return self.step is not None

    def caption(self, value: Any) -> str:
        """The label with the value shown and, for a slider, its range and unit."""
        if not self.is_slider:
            return f"{self.label}: {value}"
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label}: {float(value):g}{unit} (range {self.low:g} to {self.high:g})"


def _slider(
    label: str, name: str, baseline: float, low: float, high: float, step: float, unit: str, scale: float = 1.0, help: str = ""
):
    """A slider over `name`. Left at the baseline's value, it keeps the scenario file's value."""

    def overrides(value: Any) -> dict[str, Any]:
        value = float(value)
        if math.isclose(value, baseline / scale, rel_tol=1e-9, abs_tol=1e-12):
            return {}
        return {name: value * scale}

    return Control(label, baseline / scale, overrides, unit, low, high, step, help=help)


def _select(label: str, name: str, choices: dict[str, Any], help: str = "") -> Control:
    """A select over `name`, with KEEP first: the scenario file's value."""

    def overrides(value: Any) -> dict[str, Any]:
        if value == KEEP:
            return {}
        if value not in choices:
            raise ParamsError(f"{name} = {value!r}: allowed: {', '.join([KEEP, *choices])}")
        return {name: choices[value]}

    return Control(label, KEEP, overrides, choices=(KEEP, *choices), help=help)


_ON_OFF = {"on": True, "off": False}
_u = _BASELINE.uncertainties


def _lever_control(lever: LeverSpec) -> Control | None:
    """A lever's control, from its declaration: a slider for a number with a step, a select for choices."""
    if lever.control_step is not None:
        low = lever.bounds.get("ge", lever.bounds.get("gt", 0.0)) / lever.control_scale
        unit = "T tokens" if lever.control_scale == TRILLION else lever.unit
        return _slider(
            lever.label.removesuffix(", T tokens"),
            lever.name,
            lever.status_quo,
            low,
            lever.control_max,
            lever.control_step,
            unit,
            lever.control_scale,
            help=lever.description,
        )
    if lever.annotation is bool:
        return _select(lever.label, lever.name, _ON_OFF, help=lever.description)
    if lever.choices:
        return _select(lever.label, lever.name, {str(c): c for c in lever.choices}, help=lever.description)
    return None  # no control for this lever in the browser (e.g. a compute cap): scenario files only


LEVER_CONTROLS: dict[str, Control] = {lever.name: c for lever in LEVERS if (c := _lever_control(lever)) is not None}
UNCERTAINTY_CONTROLS: dict[str, Control] = {
    "public_stock_trillion_tokens": _slider(
        "Public text in 2024",
        "public_stock_raw_tokens_2024",
        _u.public_stock_raw_tokens_2024,
        100.0,
        2000.0,
        10.0,
        "T tokens",
        TRILLION,
        help="the indexed web's raw tokens in 2024 (Epoch: 510 T, 95% range 130 to 2,100 T)",
    ),
    "compute_growth_per_year": _slider(
        "Compute growth",
        "compute_growth_per_year",
        _u.compute_growth_per_year,
        1.0,
        10.0,
        0.1,
        "x a year",
        help="how fast the frontier's training compute grows (Epoch: about 4x a year)",
    ),
    "overtraining": _select(
        "Overtraining, every lab",
        "override_k",
        {"Chinchilla (k = 1)": 1.0, "k = 5": 5.0, "k = 10": 10.0, "k = 30": 30.0, "k = 100": 100.0},
        help="k times more data than compute-optimal, for smaller models that are cheaper to serve",
    ),
    "rephrased_value": _slider(
        "Rephrased text",
        "rephrased_value",
        _u.rephrased_value,
        0.0,
        3.0,
        0.1,
        "x web text",
        help="what a token of AI-rephrased text is worth against the web text it rewrites",
    ),
}
CONTROLS: dict[str, Control] = {**LEVER_CONTROLS, **UNCERTAINTY_CONTROLS}


def default_settings() -> dict[str, Any]:
    return {
        "scenario_file": DEFAULT_SCENARIO,
        "compare_with": NO_COMPARISON,
        "seed": "0",
        **{name: control.default for name, control in CONTROLS.items()},
    }


# --- the model the page shows ---------------------------------------------------------------------------


class MarketView(DataMarketModel):
    """The market as the page describes it: a scenario file, a typed seed and the controls, and
    optionally a second run (`compare_with`) on the same seed and controls, stepped in lockstep.

    Input that cannot be run (a seed that is not a whole number, an unknown scenario, control or
    choice) is rejected, not guessed at: the model keeps the message in `input_error`, sets
    `running` to False and does not step, and the page shows the message until a Reset with good
    input.
    """

    def __init__(
        self,
        scenario_file: str = DEFAULT_SCENARIO,
        seed: Any = "0",
        compare_with: str = NO_COMPARISON,
        scenario: Any = None,
        **controls: Any,
    ) -> None:
        # `scenario` is the Mesa run scenario the controller's Reset passes along; the seed field
        # sets the random stream instead, so it is not used.
        comparison = None
        try:
            params, rng, overrides = configure(scenario_file, seed, controls)
            if compare_with != NO_COMPARISON:
                comparison = configure(compare_with, seed, controls)[0]
            error = None
        except ParamsError as err:
            params, rng, overrides, error = MarketParams(), 0, {}, str(err)
        super().__init__(params, rng=rng)
        # Play steps the model in a worker thread while the page reads it: readers take this lock.
        self.lock = threading.RLock()
        self.scenario_file = scenario_file
        self.compare_with = compare_with if comparison is not None else NO_COMPARISON
        self.comparison = DataMarketModel(comparison, rng=rng) if comparison is not None else None
        self.overrides = overrides
        self.input_error = error
        self.network_layout = charts.layout(self.network)  # fixed positions: the nodes stay, the edges change
        if error is not None:
            self.running = False

    def step(self) -> None:
        if self.input_error is None:
            with self.lock:
                super().step()
                if self.comparison is not None and self.comparison.running:
                    self.comparison.step()

    @property
    def span(self) -> tuple[float, float]:
        """First and last month of the run, in decimal years."""
        return self.start_year, self.start_year + (self.n_months - 1) / 12.0

    def runs(self) -> dict[str, DataMarketModel]:
        """The run, and the comparison if there is one, by the name the charts use."""
        runs: dict[str, DataMarketModel] = {_run_name(self.scenario_file): self}
        if self.comparison is not None:
            runs[_run_name(self.compare_with) + " (dashed)"] = self.comparison
        return runs


def _run_name(file: str) -> str:
    return Path(file).stem.replace("_", " ")


def configure(scenario_file: str, seed: Any, controls: dict[str, Any]) -> tuple[MarketParams, int, dict[str, Any]]:
    """The validated parameters, seed and flat overrides for the page's settings; ParamsError if bad."""
    if scenario_file not in scenario_choices():
        raise ParamsError(f"scenario_file = {scenario_file!r}: allowed: {', '.join(scenario_choices())}")
    rng = parse_seed(seed)
    overrides: dict[str, Any] = {}
    for name, value in controls.items():
        if name not in CONTROLS:
            raise ParamsError(f"unknown control {name!r}; allowed: {', '.join(CONTROLS)}")
        overrides.update(CONTROLS[name].overrides(value))
    params = load_scenario(SCENARIO_DIR / scenario_file)
    return (params.with_overrides(**overrides) if overrides else params), rng, overrides


def _series(model: MarketView) -> dict[str, dict[str, list[float]]]:
    """A consistent copy of each run's monthly series (while playing, the model steps in another
    thread), made once a month and shared by every chart."""
    with model.lock:
        cached = getattr(model, "_series_copy", None)
        if cached is None or cached[0] != model.steps_done:
            copy = {
                name: {k: list(vals) for k, vals in run.datacollector.model_vars.items()} for name, run in model.runs().items()
            }
            cached = model._series_copy = (model.steps_done, copy)
        return cached[1]


# --- the chart widget ---------------------------------------------------------------------------------------


class VegaChart(ipyvuetify.VuetifyTemplate):
    """A Vega-Lite chart embedded once, then fed new rows (viz/vega_chart.vue)."""

    template_file = str(Path(__file__).with_name("vega_chart.vue"))
    name = traitlets.Unicode("").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    datasets = traitlets.Unicode("{}").tag(sync=True)  # JSON: {dataset name: [rows]}
    version = traitlets.Int(0).tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)  # what the chart shows, and any note on it, for screen readers


@solara.component
def Chart(name: str, spec: dict, make_data: Callable[[int], dict], version: int) -> solara.Element:
    """A chart fed month by month. The widget is made once with its spec; each step sends, in one
    message with `version`, the new months' rows of the monthly datasets (`charts.MONTHLY`) to append,
    and the small datasets whole. After a Reset (a new spec) or a step back, everything is sent again.
    """
    element = VegaChart.element(name=name, spec=spec)
    sent = solara.use_ref((None, 0))  # (the spec the rows belong to, months already sent)

    def push() -> None:
        same, start = sent.current[0] is spec, sent.current[1]
        start = start if same and start <= version else 0
        datasets = make_data(start)
        append = {k: rows for k, rows in datasets.items() if k in charts.MONTHLY and start > 0}
        replace = {k: rows for k, rows in datasets.items() if k not in append}
        notes = " ".join(note["text"].replace("\n", " ") for note in datasets.get("notes", []))
        widget = solara.get_widget(element)
        with widget.hold_sync():
            widget.description = f"{spec['usermeta']['subtitle']} {notes}".strip()
            widget.version = version
            widget.datasets = json.dumps({"append": append, "replace": replace}, separators=(",", ":"))
        sent.current = (spec, version)

    solara.use_effect(push, [version, spec])
    return element


# --- the page ---------------------------------------------------------------------------------------------------

INTRO = """
**PeakData** simulates the market for the text that large language models are trained on. Six AI labs
train a new model every few months and each wants more data than the last. Public web text is finite and
grows slowly; publishers can close their sites to AI crawlers; brokers sell private text when its owners
consent; labs can pay for licences or have AI rephrase text. Nothing here follows a formula for when the
data runs out: it comes from what each lab decides to buy, rephrase or go without.

- **Public exhaustion** is the month the leading lab wants more text than the public web it may use still holds.
- **The data wall** comes later: the month scarcity starts to cost the leading lab capability. The best
  model it can train from *every* source (public, licensed, private or synthetic, repeated as it pays)
  falls short of what unlimited text would give, by about a month of compute growth.

Press **Step** for one month, **▶** to play, **Reset** to start again with the settings below.
"""

THINGS_TO_TRY = """
**Things to try**
- Press ▶ and watch the red line cross the blue one: that is public exhaustion. Note the month.
- Pick *policies/opt_in_crawling.toml*, set *Compare with* to *baseline.toml* and press Reset: the
  dashed lines are the baseline on the same seed. How much earlier does the wall come?
- Set *Overtraining, every lab* to *k = 100* and Reset: labs that train small models on far more data
  run out years sooner.
- Raise *Privacy strictness* to 1 and watch the private-data market shrink.
- Add a *Data commons* of 100 T tokens: a public dataset released in 2027 pushes the wall back.
"""

SUBTITLE_STYLE = {"font-size": "14px", "font-weight": "500", "margin": "4px 0"}
HOW_TO_READ_STYLE = {"font-size": "13px", "color": "#444"}
DESCRIPTION_STYLE = {"font-size": "13px", "color": "#444", "margin-top": "-8px"}
HOW_TO_READ = {
    "wall": "Log scale: each gridline is ten times the one below. Where the red line rises above the solid blue "
    "line, the lab wants more than the public web can give: **public exhaustion**. The light blue line is the "
    "high-quality part, which runs out first. The vertical lines mark the dates.",
    "mix": "Each band is one source's share of all the tokens in the labs' current models. Green (synthetic) "
    "grows when labs rephrase text; brown and red (private) grow once public text is short. In compare mode "
    "the dashed black lines are the other run's band boundaries.",
    "private": "Private text comes from brokers only with its owners' consent; stricter privacy means less of it. "
    "A broker's price falls to what labs will pay, down to the cost of compliance.",
    "commons": "Publishers close their sites to AI crawlers as scraping grows, the largest first (Longpre et al. "
    "measured 20-33% of the largest sites by April 2024). AI-written text also fills the web.",
    "firms": "Each lab chooses its next model for the profit it will make: revenue from its share of the AI "
    "market, which follows capability, less the cost of serving it (a larger model costs more per token). "
    "From 2024 labs move compute into post-training and reinforcement learning, more so when pretraining "
    "text is short. Post-training reads tasks: a model generates them, and paid people write the ones models do "
    "worst while their wage is worth it. Capability keeps growing with compute even when the loss barely moves.",
    "network": "Each dot is a seller or a lab; a line is data bought, thicker for more tokens. Labs buy from "
    "publishers (licences), brokers and generators, and pool data in the alliance.",
    "leaderboard": "Each lab's current model, most capable first: size, tokens seen, how far it overtrains (k), "
    "its pretraining loss, its capability (log10 FLOP of effective compute), the share of its training compute "
    "spent on post-training, its market share and where its tokens came from.",
}


@solara.component
def RunStatus(model: MarketView, version: int) -> None:
    if model.input_error is not None:
        solara.Error(f"Not started: {model.input_error}. Fix it below and press Reset.", classes=["peakdata-input-error"])
        return
    with model.lock:
        runs = model.runs()
        month = year_month(model.year) if model.steps_done else "not started"
        rows = "".join(
            f"<tr><td>{name}</td><td>{_date_or(run.frontier_exhaustion_year)}</td><td>{_date_or(run.data_wall_year)}</td></tr>"
            for name, run in runs.items()
        )
    applied = ", ".join(f"{k} = {_value(v)}" for k, v in model.overrides.items()) or "none (the scenario as written)"
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<div style='font-size:15px'>Month: <b class='peakdata-month'>{month}</b> "
            f"<span style='color:#666'>({model.steps_done} of {model.n_months} months)</span> · seed "
            f"<span class='peakdata-seed'>{model.seed}</span></div>"
            "<table class='peakdata-dates' style='font-size:14px;margin-top:6px;border-spacing:12px 2px'>"
            "<tr style='text-align:left'><th>run</th><th>public exhaustion</th><th>data wall</th></tr>"
            f"{rows}</table>"
            f"<div style='font-size:13px;color:#555;margin-top:4px'>Settings changed: <span class='peakdata-overrides'>{applied}</span></div>"
        ),
    )


def _date_or(year: float | None) -> str:
    return year_month(year) if year is not None else "not yet"


def _value(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _compact(count: float) -> str:
    """1.75e10 -> "17.5 B", 9.3e12 -> "9.3 T": readable at a glance in a narrow table."""
    for scale, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M")):
        if count >= scale:
            return f"{count / scale:.3g} {suffix}"
    return f"{count:.3g}"


def _mix_bar(tokens_by_source: dict[Source, float]) -> str:
    total = sum(tokens_by_source.values()) or 1.0
    cells = "".join(
        f"<span title='{charts.MIX_LABELS[s]} {tokens_by_source.get(s, 0.0) / total:.0%}' style='display:inline-block;height:12px;"
        f"width:{100 * tokens_by_source.get(s, 0.0) / total:.2f}%;background:{SOURCE_COLOURS[s]}'></span>"
        for s in Source
    )
    return f"<div style='width:100%;min-width:80px;display:flex;border:1px solid #ccc'>{cells}</div>"


@solara.component
def Leaderboard(model: MarketView, version: int) -> None:
    rows = []
    with model.lock:
        for lab in sorted(model.labs, key=lambda lab: -lab.deployed.capability):
            m = lab.deployed
            rows.append(
                f"<tr><td>{lab.name}</td><td>{_compact(m.params)}</td><td>{_compact(m.tokens)}</td>"
                f"<td>{m.k:.1f}</td><td>{m.loss:.3f}</td><td>{m.capability:.1f}</td><td>{m.post_training_share:.0%}</td>"
                f"<td>{lab.market_share:.0%}</td><td>{_mix_bar(m.tokens_by_source)}</td></tr>"
            )
    legend = " ".join(
        f"<span style='white-space:nowrap'><span style='color:{SOURCE_COLOURS[s]}'>■</span>&nbsp;{charts.MIX_LABELS[s]}</span>"
        for s in Source
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            "<div style='overflow-x:auto'><table class='peakdata-leaderboard' style='font-size:13px;border-collapse:separate;"
            "border-spacing:8px 3px;width:100%'>"
            "<tr style='text-align:left'><th>lab</th><th>parameters</th><th>tokens</th><th>k</th>"
            "<th>loss</th><th>capability</th><th>post-training</th><th>market share</th><th style='width:30%'>tokens from</th></tr>"
            + "".join(rows)
            + "</table></div>"
            f"<div style='font-size:12px;margin-top:4px'>{legend}</div>"
        ),
    )


def _events(model: MarketView) -> list[tuple[str, float | None]]:
    events = []
    for run in model.runs().values():
        dashed = "" if run is model else " (dashed)"
        events += [(f"exhaustion{dashed}", run.frontier_exhaustion_year), (f"data wall{dashed}", run.data_wall_year)]
    return events


def _network_rows(model: MarketView) -> dict[str, list]:
    labels = {p.unique_id: f"web: {p.tier.name}" for p in model.publishers}
    labels |= {b.unique_id: f"broker {i + 1}" for i, b in enumerate(model.brokers)}
    labels |= {g.unique_id: f"generator {i + 1}" for i, g in enumerate(model.generators)}
    labels[model.alliance.unique_id] = f"alliance ({len(model.alliance.members)} labs)"
    return charts.network_data(model.network, labels, model.network_layout)


# name -> (spec for the run's span and run names, the datasets for the months from `start` on)
LIVE_CHARTS: dict[str, tuple[Callable[..., dict], Callable[[MarketView, int], dict]]] = {
    "wall": (charts.data_wall, lambda model, start: charts.data_wall_data(_series(model), _events(model), start)),
    "mix": (charts.token_mix, lambda model, start: charts.token_mix_data(_series(model), start)),
    "volume": (charts.private_volume, lambda model, start: charts.private_volume_data(_series(model), start)),
    "price": (charts.private_price, lambda model, start: charts.private_price_data(_series(model), start)),
    "commons": (charts.commons, lambda model, start: charts.commons_data(_series(model), start)),
    "split": (charts.compute_split, lambda model, start: charts.compute_split_data(_series(model), start)),
    "capability": (charts.capability, lambda model, start: charts.capability_data(_series(model), start)),
    "network": (charts.network, lambda model, start: _network_rows(model)),
}


@solara.component
def LiveChart(model: MarketView, name: str, version: int) -> solara.Element:
    """One chart that follows the model month by month (`version`: the months it has run)."""
    make_spec, make_data = LIVE_CHARTS[name]
    spec = solara.use_memo(lambda: make_spec(model.span, list(model.runs())), [model])

    def data(start: int) -> dict:
        with model.lock:
            return make_data(model, start)

    with solara.Column(gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML=spec["usermeta"]["subtitle"], style=SUBTITLE_STYLE)
        Chart(name, spec, data, version)


@solara.component
def Charts(model: MarketView, version: int) -> None:
    """The chart cards: titles and explanations around charts that follow the model."""
    cards = (
        ("The data wall", "wall", ("wall",)),
        ("The token mix", "mix", ("mix",)),
        ("The private-data market", "private", ("volume", "price")),
        ("The commons", "commons", ("commons",)),
        ("The labs as firms", "firms", ("split", "capability")),
        ("The market network", "network", ("network",)),
    )
    with solara.ColumnsResponsive(12, large=6):
        for title, text, names in cards:
            with solara.Card(title, classes=["peakdata-card"]):
                for name in names:
                    LiveChart(model, name, version)
                solara.Markdown(HOW_TO_READ[text], style=HOW_TO_READ_STYLE)
        with solara.Card("Lab leaderboard", classes=["peakdata-card"]):
            Leaderboard(model, version)
            solara.Markdown(HOW_TO_READ["leaderboard"], style=HOW_TO_READ_STYLE)


@solara.component
def Market(model: solara.Reactive[MarketView], settings, play_interval, render_interval, use_threads) -> None:
    """Mesa's Step / ▶ / Reset, and everything that follows the model.

    The one subscriber to Mesa's update counter: each subscriber costs a render of the page per
    step, so the month is handed down as `version` instead.
    """
    update_counter.get()
    version = model.value.steps_done
    with solara.Card("Run the market", classes=["peakdata-status"]):
        ModelController(
            model,
            model_parameters=settings,
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        )
        RunStatus(model.value, version)
    Charts(model.value, version)


@solara.component
def Settings(settings: solara.Reactive[dict]) -> None:
    """Scenario, comparison, seed, levers and uncertainties: each shows its value, range and unit."""
    values = settings.value
    choices = scenario_choices()

    def set_value(name: str) -> Callable[[Any], None]:
        return lambda value: settings.set({**settings.value, name: value})

    solara.Select("Scenario or policy", values=list(choices), value=values["scenario_file"], on_value=set_value("scenario_file"))
    solara.Markdown(f"*{choices.get(values['scenario_file'], '')}*", style=DESCRIPTION_STYLE)
    solara.Select(
        "Compare with (dashed, same seed)",
        values=[NO_COMPARISON, *choices],
        value=values["compare_with"],
        on_value=set_value("compare_with"),
    )
    if values["compare_with"] != NO_COMPARISON:
        solara.Markdown(f"*{choices.get(values['compare_with'], '')}*", style=DESCRIPTION_STYLE)
    solara.InputText("Seed (a whole number)", value=values["seed"], on_value=set_value("seed"))
    solara.Text("the same seed gives the same run; press Enter", style={"font-size": "12px", "color": "#555"})
    for heading, controls in (("Policy levers", LEVER_CONTROLS), ("Uncertainties", UNCERTAINTY_CONTROLS)):
        solara.Markdown(f"**{heading}**")
        for name, control in controls.items():
            if control.is_slider:
                solara.HTML(tag="div", unsafe_innerHTML=control.caption(values[name]), classes=["peakdata-slider-value"])
                solara.SliderFloat(
                    "",
                    value=values[name],
                    min=control.low,
                    max=control.high,
                    step=control.step,
                    on_value=set_value(name),
                    thumb_label=False,
                )
            else:
                solara.Select(control.label, values=list(control.choices), value=values[name], on_value=set_value(name))
            solara.Text(control.help, style={"font-size": "12px", "color": "#555"})
    solara.Markdown(
        "Settings take effect when you press **Reset**. Sliders and choices left at their start keep the scenario's value."
    )


@solara.component
def Library() -> None:
    entries = "".join(
        f"<div style='margin-bottom:8px'><b style='overflow-wrap:anywhere'>{file}</b><br>{text}</div>"
        for file, text in scenario_choices().items()
    )
    solara.HTML(tag="div", unsafe_innerHTML=f"<div class='peakdata-library' style='font-size:13px'>{entries}</div>")


CSS = """
.peakdata-chart { min-height: 120px; }
.v-slider__thumb-label { display: none; }
.peakdata-slider-value { font-size: 14px; white-space: normal; }
@media (min-width: 960px) {
  .peakdata-settings .v-expansion-panel-content { display: block !important; }
  .peakdata-settings .v-expansion-panel-header__icon { display: none; }
}
"""


@solara.component
def Page() -> None:
    """One model per browser session (a module-level model would be shared by every session)."""
    model = solara.use_reactive(solara.use_memo(MarketView, []))
    settings = solara.use_reactive(default_settings())
    # Mesa's controller reads these as reactive values; the page fixes them (one month a step, no threads).
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    solara.Style(CSS)
    solara.Title("PeakData: the market for LLM training data")
    with solara.AppBarTitle():
        solara.Text("PeakData: the market for AI training text")
    with v.Row(no_gutters=False):
        with v.Col(cols=12, md=8, lg=9, class_="order-first order-md-last"):
            with solara.Card("What you are looking at", classes=["peakdata-intro"]):
                solara.Markdown(INTRO)
                with solara.Details("Things to try", expand=False):
                    solara.Markdown(THINGS_TO_TRY)
            Market(model, settings, play_interval, render_interval, use_threads)
        with (
            v.Col(cols=12, md=4, lg=3, class_="order-last order-md-first"),
            v.ExpansionPanels(class_="peakdata-settings", flat=True, multiple=True),
        ):
            with v.ExpansionPanel():
                v.ExpansionPanelHeader(children=["Scenario, policies and settings"])
                with v.ExpansionPanelContent(eager=True):
                    Settings(settings)
            with v.ExpansionPanel():
                v.ExpansionPanelHeader(children=["The scenario library"])
                with v.ExpansionPanelContent(eager=True):
                    Library()


page = Page
