"""PeakData in the browser: watch the data wall arrive, and move the policy levers.

Start it with ``peakdata viz`` (or ``solara run viz/app.py``). Each browser session builds its own
model; Reset rebuilds it from the scenario picker, the seed and the controls in the sidebar.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from agents.offers import Source
from sim.experiments.plots import SOURCE_COLOURS
from sim.levers import LEVERS, LeverSpec
from sim.model import DataMarketModel
from sim.outcomes import OUTCOMES
from sim.params import MarketParams, ParamsError, load_scenario
from viz import charts

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = "baseline.toml"
SEED_MAX = 2**63 - 1
KEEP = "scenario"  # a select left here keeps the scenario file's value
TRILLION = 1e12
PNG_DPI = 80

_BASELINE = MarketParams()


def scenario_files() -> list[str]:
    """The scenario files the picker offers, baseline first."""
    names = sorted(path.name for path in SCENARIO_DIR.glob("*.toml"))
    return sorted(names, key=lambda name: name != DEFAULT_SCENARIO)


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


@dataclass(frozen=True)
class Control:
    """One sidebar control: the SolaraViz input, and how its value becomes flat model overrides."""

    widget: dict[str, Any]
    overrides: Callable[[Any], dict[str, Any]]


def _slider(label: str, name: str, baseline: float, low: float, high: float, step: float, unit: float = 1.0) -> Control:
    """A float slider over `name`. Left at the baseline value, it keeps the scenario file's value."""

    def overrides(value: Any) -> dict[str, Any]:
        value = float(value)
        if math.isclose(value, baseline / unit, rel_tol=1e-9, abs_tol=1e-12):
            return {}
        return {name: value * unit}

    widget = {"type": "SliderFloat", "label": label, "value": baseline / unit, "min": low, "max": high, "step": step}
    return Control(widget, overrides)


def _select(label: str, name: str, choices: dict[str, Any]) -> Control:
    """A select over `name`, with KEEP first: the scenario file's value."""

    def overrides(value: Any) -> dict[str, Any]:
        if value == KEEP:
            return {}
        if value not in choices:
            raise ParamsError(f"{name} = {value!r}: allowed: {', '.join([KEEP, *choices])}")
        return {name: choices[value]}

    return Control({"type": "Select", "label": label, "value": KEEP, "values": [KEEP, *choices]}, overrides)


_ON_OFF = {"on": True, "off": False}
_u = _BASELINE.uncertainties


def _lever_control(lever: LeverSpec) -> Control | None:
    """A lever's control, from its declaration: a slider for a number with a step, a select for choices."""
    if lever.control_step is not None:
        low = lever.bounds.get("ge", lever.bounds.get("gt", 0.0)) / lever.control_scale
        return _slider(lever.label, lever.name, lever.status_quo, low, lever.control_max, lever.control_step, lever.control_scale)
    if lever.annotation is bool:
        return _select(lever.label, lever.name, _ON_OFF)
    if lever.choices:
        return _select(lever.label, lever.name, {str(c): c for c in lever.choices})
    return None  # no control for this lever in the browser (e.g. a compute cap): scenario files only


# Levers first, then uncertainties (EMA Workbench's split, as in the scenario files).
CONTROLS: dict[str, Control] = {
    **{lever.name: control for lever in LEVERS if (control := _lever_control(lever)) is not None},
    "public_stock_trillion_tokens": _slider(
        "Public stock 2024, T",
        "public_stock_raw_tokens_2024",
        _u.public_stock_raw_tokens_2024,
        100.0,
        2000.0,
        10.0,
        TRILLION,
    ),
    "compute_growth_per_year": _slider(
        "Compute growth, x/yr", "compute_growth_per_year", _u.compute_growth_per_year, 1.0, 10.0, 0.1
    ),
    "overtraining": _select(
        "Overtraining k, all labs",
        "override_k",
        {"Chinchilla (k = 1)": 1.0, "k = 5": 5.0, "k = 10": 10.0, "k = 30": 30.0, "k = 100": 100.0},
    ),
    "rephrased_value": _slider("Rephrased text, value vs web", "rephrased_value", _u.rephrased_value, 0.0, 3.0, 0.1),
}

MODEL_PARAMS: dict[str, Any] = {
    "scenario_file": {"type": "Select", "label": "Scenario", "value": DEFAULT_SCENARIO, "values": scenario_files()},
    "seed": {"type": "InputText", "label": "Seed (a whole number)", "value": "0"},
    **{name: control.widget for name, control in CONTROLS.items()},
}


class MarketView(DataMarketModel):
    """The market as the sidebar describes it: a scenario file, a typed seed and the controls.

    Input that cannot be run (a seed that is not a whole number, an unknown scenario, control or
    choice) is rejected, not guessed at: the model keeps the message in `input_error`, sets
    `running` to False and does not step, and the page shows the message until a Reset with good
    input. (SolaraViz's Reset has no way to refuse, and an exception there would replace the page
    with a traceback.)
    """

    def __init__(self, scenario_file: str = DEFAULT_SCENARIO, seed: Any = "0", scenario: Any = None, **controls: Any) -> None:
        # `scenario` is the Mesa run scenario SolaraViz's Reset passes along; the seed field sets the
        # random stream instead, so it is not used.
        try:
            params, rng, overrides = configure(scenario_file, seed, controls)
            error = None
        except ParamsError as err:
            params, rng, overrides, error = MarketParams(), 0, {}, str(err)
        super().__init__(params, rng=rng)
        # Play steps the model in a worker thread while the page reads it: readers take this lock.
        self.lock = threading.RLock()
        self.scenario_file = scenario_file
        self.overrides = overrides
        self.input_error = error
        if error is not None:
            self.running = False

    def step(self) -> None:
        if self.input_error is None:
            with self.lock:
                super().step()

    @property
    def span(self) -> tuple[float, float]:
        """First and last month of the run, in decimal years."""
        return self.start_year, self.start_year + (self.n_months - 1) / 12.0


def configure(scenario_file: str, seed: Any, controls: dict[str, Any]) -> tuple[MarketParams, int, dict[str, Any]]:
    """The validated parameters, seed and flat overrides for the sidebar's values; ParamsError if bad."""
    if scenario_file not in scenario_files():
        raise ParamsError(f"scenario_file = {scenario_file!r}: allowed: {', '.join(scenario_files())}")
    rng = parse_seed(seed)
    overrides: dict[str, Any] = {}
    for name, value in controls.items():
        if name not in CONTROLS:
            raise ParamsError(f"unknown control {name!r}; allowed: {', '.join(CONTROLS)}")
        overrides.update(CONTROLS[name].overrides(value))
    params = load_scenario(SCENARIO_DIR / scenario_file)
    return (params.with_overrides(**overrides) if overrides else params), rng, overrides


def _month_label(year: float) -> str:
    months = round(year * 12)
    return f"{months // 12}-{months % 12 + 1:02d}"


def _format_override(name: str, value: Any) -> str:
    return f"{name} = {value:.3g}" if isinstance(value, float) else f"{name} = {value}"


# --- components: each re-renders when the model steps (update_counter) -----------------------


def _series(model: MarketView) -> dict[str, list[float]]:
    """A consistent copy of the monthly series: while playing, the model steps in another thread."""
    with model.lock:
        return {name: list(values) for name, values in model.datacollector.model_vars.items()}


def _figure(make: Callable[[], Any], model: MarketView) -> solara.Element:
    """A matplotlib figure rebuilt only when the model or its month changes."""
    key = [model, model.steps_done]
    figure = solara.use_memo(make, key)
    return solara.FigureMatplotlib(figure, dependencies=key, format="png", dpi=PNG_DPI)


@solara.component
def RunStatus(model: MarketView) -> None:
    update_counter.get()
    with solara.Card("Run", classes=["peakdata-status"]):
        if model.input_error is not None:
            solara.Error(
                f"Not started: {model.input_error}. Fix it in the sidebar and press Reset.",
                classes=["peakdata-input-error"],
            )
            return
        with model.lock:
            exhaustion, wall, done = model.frontier_exhaustion_year, model.data_wall_year, model.steps_done
            month = f"{_month_label(model.year)}" if done else "not started"
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"Last month simulated: <b class='peakdata-month'>{month}</b> ({done} of {model.n_months}) · "
                f"{model.scenario_file}, seed <span class='peakdata-seed'>{model.seed}</span><br>"
                f"{OUTCOMES['public_exhaustion_year'].label}: "
                f"<b>{OUTCOMES['public_exhaustion_year'].format(exhaustion) if exhaustion else 'not yet'}</b> · "
                f"{OUTCOMES['data_wall_year'].label}: <b>{OUTCOMES['data_wall_year'].format(wall) if wall else 'not yet'}</b><br>"
                "Controls applied: <span class='peakdata-overrides'>"
                + (", ".join(_format_override(k, v) for k, v in model.overrides.items()) or "none (the scenario as written)")
                + "</span>"
            ),
        )


@solara.component
def DataWall(model: MarketView) -> None:
    update_counter.get()
    with model.lock:
        exhaustion, wall = model.frontier_exhaustion_year, model.data_wall_year
    _figure(lambda: charts.data_wall(_series(model), model.span, exhaustion, wall), model)


@solara.component
def TokenMix(model: MarketView) -> None:
    update_counter.get()
    _figure(lambda: charts.token_mix(_series(model), model.span), model)


@solara.component
def PrivateMarket(model: MarketView) -> None:
    update_counter.get()
    _figure(lambda: charts.private_market(_series(model), model.span), model)


@solara.component
def Commons(model: MarketView) -> None:
    update_counter.get()
    _figure(lambda: charts.commons(_series(model), model.span), model)


@solara.component
def MarketNetwork(model: MarketView) -> None:
    update_counter.get()
    labels = {p.unique_id: f"web: {p.tier.name}" for p in model.publishers}
    labels |= {b.unique_id: f"broker {i + 1}" for i, b in enumerate(model.brokers)}
    labels |= {g.unique_id: f"generator {i + 1}" for i, g in enumerate(model.generators)}
    labels[model.alliance.unique_id] = f"alliance ({len(model.alliance.members)})"
    with model.lock:
        graph = model.network.copy()
    _figure(lambda: charts.market_network(graph, labels), model)


def _compact(count: float) -> str:
    """1.75e10 -> "17.5 B", 9.3e12 -> "9.3 T": readable at a glance in a narrow table."""
    for scale, suffix in ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M")):
        if count >= scale:
            return f"{count / scale:.3g} {suffix}"
    return f"{count:.3g}"


def _mix_bar(tokens_by_source: dict[Source, float]) -> str:
    total = sum(tokens_by_source.values()) or 1.0
    cells = "".join(
        f"<span title='{s.value} {tokens_by_source.get(s, 0.0) / total:.0%}' style='display:inline-block;height:10px;"
        f"width:{100 * tokens_by_source.get(s, 0.0) / total:.2f}%;background:{SOURCE_COLOURS[s]}'></span>"
        for s in Source
    )
    return f"<div style='width:130px;display:flex;border:1px solid #ccc'>{cells}</div>"


@solara.component
def Leaderboard(model: MarketView) -> None:
    update_counter.get()
    rows = []
    with model.lock:
        for lab in sorted(model.labs, key=lambda lab: lab.deployed.loss):
            m = lab.deployed
            rows.append(
                f"<tr><td>{lab.name}</td><td>{lab.kind}</td><td>{_compact(m.params)}</td><td>{_compact(m.tokens)}</td>"
                f"<td>{m.k:.1f}</td><td>{m.loss:.3f}</td><td>{lab.market_share:.0%}</td><td>{_mix_bar(m.tokens_by_source)}</td></tr>"
            )
    legend = " ".join(f"<span style='color:{SOURCE_COLOURS[s]}'>■</span>&nbsp;{s.value.replace('_', ' ')}" for s in Source)
    with solara.Card("Lab leaderboard (deployed models, best loss first)"):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<table class='peakdata-leaderboard' style='font-size:12px;border-collapse:separate;border-spacing:6px 2px;width:100%'>"
                "<tr style='text-align:left'><th>lab</th><th>kind</th><th>params</th><th>tokens</th><th>k</th>"
                "<th>loss</th><th>share</th><th>source mix</th></tr>" + "".join(rows) + "</table>"
                f"<div style='font-size:11px;margin-top:4px'>{legend}</div>"
            ),
        )


COMPONENTS = [RunStatus, DataWall, TokenMix, PrivateMarket, MarketNetwork, Leaderboard, Commons]


@solara.component
def Page() -> None:
    """One model per browser session (a module-level model would be shared by every session)."""
    model = solara.use_memo(MarketView, [])
    SolaraViz(
        model,
        components=[(component, 0) for component in COMPONENTS],
        model_params=MODEL_PARAMS,
        name="PeakData: the market for LLM training data",
        play_interval=100,
    )


page = Page
