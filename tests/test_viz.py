"""The browser view in-process: the page's controls drive the model, without a browser."""

import json

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets

from sim.library import runnable
from sim.params import ParamsError
from viz import charts
from viz.app import CONTROLS, LEVER_CONTROLS, MarketView, Page, VegaChart, parse_seed, scenario_choices
from viz.assets import PACKAGES, requested_versions


@pytest.fixture
def page():
    """The page as `solara run` shows it (inside the app layout)."""
    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc
    rc.close()


def status(rc) -> str:
    texts = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "peakdata-month" in w.unsafe_innerHTML]
    return texts[0] if texts else ""


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def chart_widgets(rc) -> dict[str, VegaChart]:
    return {w.name: w for w in rc.find(VegaChart).widgets}


def sent(widget: VegaChart) -> dict:
    return json.loads(widget.datasets)


def choose(rc, label: str, value) -> None:
    rc.find(v.Select, label=label).widget.v_model = value


def type_into(rc, label: str, text: str) -> None:
    """Type and press Enter: InputText hands its value over on Enter or when focus leaves."""
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", {})


SEED = "Seed (a whole number)"


def _walk(widget, seen: set) -> list:
    """A widget and everything inside it (children, and Vuetify's slots)."""
    if id(widget) in seen:
        return []
    seen.add(id(widget))
    found = [widget]
    inside = list(getattr(widget, "children", None) or [])
    inside += [slot.get("children") for slot in getattr(widget, "v_slots", None) or []]
    for child in inside:
        for item in child if isinstance(child, list | tuple) else [child]:
            if isinstance(item, ipywidgets.Widget):
                found += _walk(item, seen)
    return found


def page_text(rc) -> str:
    """Every piece of text on the page: children strings, HTML, Markdown, labels."""
    parts = []
    for widget in _walk(rc.container, set()):
        for trait in ("children", "unsafe_innerHTML", "value", "label", "template"):
            value = getattr(widget, trait, None)
            value = getattr(value, "template", value)  # Markdown: a template widget holding the HTML
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list | tuple):
                parts += [child for child in value if isinstance(child, str)]
    return " ".join(parts)


def test_the_page_explains_itself_and_shows_every_chart_and_setting(page):
    assert "not started" in status(page) and "baseline" in status(page)
    text = page_text(page)
    for words in ("What you are looking at", "Public exhaustion", "The data wall", "Things to try", "How", "Log scale"):
        assert words in text, words
    assert set(chart_widgets(page)) == {"wall", "mix", "volume", "price", "commons", "split", "capability", "network"}
    for label in ("Scenario or policy", "Compare with (dashed, same seed)", "Opt-out regime", "Overtraining, every lab"):
        assert len(page.find(v.Select, label=label).widgets) == 1, label
    for control in CONTROLS.values():
        if control.is_slider:
            assert control.caption(control.default) in text, control.label
    # No framework defaults a reader has no use for.
    for leftover in ("Use Threads", "Play Interval", "Render Interval", "Page 0", "Time:"):
        assert leftover not in text, leftover


def test_the_picker_lists_every_runnable_scenario_and_policy_and_no_study():
    files = list(scenario_choices())
    assert files[0] == "baseline.toml" and len([f for f in files if f.startswith("policies/")]) == 11
    assert "sensitivity.toml" not in files and not any(f.startswith("validation/") for f in files)
    assert files == [e.file for e in runnable()] and all(scenario_choices().values())


def test_the_view_runs_the_calibrated_scenario_at_its_calibrated_values():
    from sim.params import load_scenario
    from viz.app import SCENARIO_DIR

    view = MarketView(scenario_file="calibrated/calibrated.toml", seed="0")
    assert view.input_error is None
    calibrated = load_scenario(SCENARIO_DIR / "calibrated" / "calibrated.toml")
    assert view.params.uncertainties == calibrated.uncertainties != load_scenario(SCENARIO_DIR / "baseline.toml").uncertainties
    view.step()
    assert view.steps_done == 1


def test_step_sends_only_the_new_months_and_every_chart_follows(page):
    click(page, "Step")
    first = {name: sent(w) for name, w in chart_widgets(page).items()}
    assert all(w.version == 1 for w in chart_widgets(page).values())
    assert len(first["wall"]["replace"]["series"]) == 4  # one month, four lines
    click(page, "Step")
    second = sent(chart_widgets(page)["wall"])
    assert "2020-02" in status(page) and "(2 of 252 months)" in status(page)
    assert len(second["append"]["series"]) == 4 and second["append"]["series"][0]["date"] == "2020-02-01"
    assert "notes" in second["replace"]  # small datasets are sent whole


def test_reset_rebuilds_the_model_with_a_moved_slider_and_resends_everything(page):
    click(page, "Step")
    page.find(v.Slider).widgets[0].v_model = 0.9  # privacy strictness, the first lever
    click(page, "Reset")
    assert "not started" in status(page) and "privacy_strictness = 0.9" in status(page)
    click(page, "Step")
    assert "2020-01" in status(page) and "series" in sent(chart_widgets(page)["wall"])["replace"]


def test_compare_mode_runs_the_second_scenario_on_the_same_seed_in_the_same_charts(page):
    choose(page, "Scenario or policy", "policies/opt_in_crawling.toml")
    choose(page, "Compare with (dashed, same seed)", "baseline.toml")
    click(page, "Reset")
    for _ in range(3):
        click(page, "Step")
    assert "opt in crawling" in status(page) and "baseline (dashed)" in status(page)
    rows = sent(chart_widgets(page)["commons"])["append"]["series"]
    assert {r["run"] for r in rows} == {"opt in crawling", "baseline (dashed)"}
    model = MarketView(scenario_file="policies/opt_in_crawling.toml", compare_with="baseline.toml", seed="5")
    assert model.comparison.seed == model.seed == 5


def test_a_typed_seed_is_used_and_garbage_is_rejected_clearly(page):
    type_into(page, SEED, " 1_234 ")
    click(page, "Reset")
    assert "peakdata-seed'>1234<" in status(page)

    type_into(page, SEED, "twelve")
    click(page, "Reset")
    alerts = " ".join(str(a.children) for a in page.find(v.Alert).widgets)
    assert "seed = 'twelve'" in alerts and "whole number" in alerts
    type_into(page, SEED, "7")
    click(page, "Reset")
    assert not page.find(v.Alert).widgets and "peakdata-seed'>7<" in status(page)


@pytest.mark.parametrize(
    ("text", "seed"),
    [("0", 0), ("7", 7), (" 42 ", 42), ("1_000", 1000), ("1,000", 1000), ("1e3", 1000), ("7.0", 7), (str(2**63 - 1), 2**63 - 1)],
)
def test_seeds_are_read_as_people_type_them(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.5", "nan", "inf", str(2**63), "0x10"])
def test_bad_seeds_name_the_field_and_the_allowed_range(text):
    with pytest.raises(ParamsError, match=r"seed = .*allowed: a whole number from 0 to 9223372036854775807"):
        parse_seed(text)


def test_controls_override_the_scenario_only_when_moved():
    model = MarketView(seed="3", privacy_strictness=0.5, opt_out_regime="as in the scenario", overtraining="k = 5")
    assert model.overrides == {"override_k": 5.0}
    model = MarketView(seed="3", public_stock_trillion_tokens=1000.0, licensing_mandate="on")
    assert model.params.uncertainties.public_stock_raw_tokens_2024 == pytest.approx(1e15)
    assert model.params.levers.licensing_mandate.value is True
    assert model.input_error is None and model.seed == 3


def test_every_slider_shows_its_value_range_and_unit():
    assert LEVER_CONTROLS["privacy_strictness"].caption(0.9) == "Privacy strictness: 0.9 (range 0 to 1)"
    assert CONTROLS["data_commons_tokens"].caption(50.0) == "Data commons: 50 T tokens (range 0 to 200)"
    assert CONTROLS["compute_growth_per_year"].caption(4.5) == "Compute growth: 4.5 x a year (range 1 to 10)"


def test_unknown_choices_are_rejected_not_guessed():
    model = MarketView(opt_out_regime="maybe")
    assert "opt_out_regime = 'maybe'" in model.input_error and not model.running
    assert "scenario_file = 'nope.toml'" in MarketView(scenario_file="nope.toml").input_error
    assert "scenario_file = 'sensitivity.toml'" in MarketView(scenario_file="sensitivity.toml").input_error


def _font_sizes(spec) -> list[float]:
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if "fontsize" in key.lower() and isinstance(value, int | float):
                found.append(value)
            found += _font_sizes(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _font_sizes(value)
    return found


def test_charts_span_the_whole_run_in_year_months_with_legible_text_and_legends_below():
    model = MarketView(seed="1")
    for _ in range(model.n_months):
        model.step()
    span, runs = model.span, list(model.runs())
    for make in (charts.data_wall, charts.token_mix, charts.private_volume, charts.private_price, charts.commons, charts.network):
        spec = make(span, runs)
        assert min(_font_sizes(spec)) >= 11, make.__name__
        assert spec["width"] == "container" and spec["config"]["legend"]["orient"] == "bottom"
    wall = charts.data_wall(span, runs)["layer"][0]["encoding"]["x"]
    assert wall["scale"]["domain"] == ["2020-01-01", "2040-12-01"] and wall["axis"]["format"] == "%Y"
    series = {name: run.datacollector.model_vars for name, run in model.runs().items()}
    events = charts.data_wall_data(series, [("exhaustion", model.frontier_exhaustion_year)])["events"]
    assert events[0]["label"] == f"exhaustion: {charts.year_month(model.frontier_exhaustion_year)}"
    assert charts.year_month(2027.58) == "2027-08"


def test_an_empty_private_market_says_what_is_missing():
    model = MarketView(seed="0")
    model.step()
    series = {name: run.datacollector.model_vars for name, run in model.runs().items()}
    volume, _ = charts.private_data(series)
    assert "No private text sold yet" in volume["notes"][0]["text"]
    empty = {column: [] for column in ("year", "broker_volume_tokens", "private_price_usd_per_token")}
    assert "Press Step" in charts.private_data({"baseline": empty})[0]["notes"][0]["text"]


def test_the_asset_list_names_every_package_at_the_version_solara_asks_for():
    specs = requested_versions()
    assert {spec.rsplit("@", 1)[0] for spec in specs} == set(PACKAGES)
    assert "requirejs@2.3.6" in specs  # what solara.html.j2 loads first


def test_the_market_network_shows_who_signed_licences_with_whom_and_for_how_much():
    from sim import DataMarketModel

    model = DataMarketModel(rng=0, end="2024-12").run()
    position = charts.layout(model.network)
    data = charts.network_data(model.network, {}, position)
    licences = [edge for edge in data["edges"] if edge["contract"] == "licence"]
    assert licences and all(edge["licences"] > 0 and edge["usd_per_year"] > 0 and " → " in edge["deal"] for edge in licences)
    assert sum(edge["licences"] for edge in licences) == len(model.contracts)  # every licence signed, on some edge
    spec = charts.network()
    assert {t["field"] for t in spec["layer"][0]["encoding"]["tooltip"]} == {"deal", "licences", "usd_per_year"}
