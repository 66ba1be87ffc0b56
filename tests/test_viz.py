"""The browser view in-process: the page's controls drive the model, without a browser."""

import ipyvuetify as v
import ipywidgets
import pytest
import solara
import solara.widgets

from sim.params import ParamsError
from viz import charts
from viz.app import COMPONENTS, MODEL_PARAMS, MarketView, Page, parse_seed, scenario_files
from viz.assets import PACKAGES, requested_versions


@pytest.fixture
def page():
    """The page as `solara run` shows it (inside the app layout, which draws the sidebar)."""
    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    yield rc
    rc.close()


def status(rc) -> str:
    texts = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets if "peakdata-month" in w.unsafe_innerHTML]
    return texts[0] if texts else ""


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def type_into(rc, label: str, text: str) -> None:
    """Type and press Enter: InputText hands its value over on Enter or when focus leaves."""
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", {})


def test_the_page_shows_every_component_and_control(page):
    assert "not started" in status(page)
    assert "baseline.toml" in status(page)
    assert len(page.find(v.Btn, children=["Step"]).widgets) == 1
    assert len(page.find(v.Btn, children=["Reset"]).widgets) == 1
    assert len(page.find(ipywidgets.Image).widgets) == 5  # data wall, mix, market, network, commons
    assert "Lab leaderboard" in str(page.find(v.CardTitle).widgets)
    labels = {w.label for kind in (v.Slider, v.Select, v.TextField) for w in page.find(kind).widgets}
    assert {options["label"] for options in MODEL_PARAMS.values()} <= labels


def test_step_advances_a_month_and_redraws_the_charts(page):
    before = [w.value for w in page.find(ipywidgets.Image).widgets]
    click(page, "Step")
    click(page, "Step")
    assert "2020-02" in status(page) and "(2 of 252)" in status(page)
    after = [w.value for w in page.find(ipywidgets.Image).widgets]
    assert all(a != b for a, b in zip(after, before))


def test_reset_rebuilds_the_model_with_a_moved_slider(page):
    click(page, "Step")
    page.find(v.Slider, label="Privacy strictness").widget.v_model = 0.9
    click(page, "Reset")
    assert "not started" in status(page)
    assert "privacy_strictness = 0.9" in status(page)
    click(page, "Step")
    assert "2020-01" in status(page)


def test_a_typed_seed_is_used_and_garbage_is_rejected_clearly(page):
    type_into(page, "Seed (a whole number)", " 1_234 ")
    click(page, "Reset")
    assert "seed <span class='peakdata-seed'>1234</span>" in status(page)

    type_into(page, "Seed (a whole number)", "twelve")
    click(page, "Reset")
    alerts = " ".join(str(a.children) for a in page.find(v.Alert).widgets)
    assert "seed = 'twelve'" in alerts and "whole number" in alerts
    assert page.find(v.Btn, children=["Step"]).widget.disabled is False  # SolaraViz re-enables it on Reset...
    click(page, "Step")
    assert status(page) == ""  # ...but the rejected model never runs
    assert page.find(v.Btn, children=["Step"]).widget.disabled

    type_into(page, "Seed (a whole number)", "7")
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
    model = MarketView(seed="3", privacy_strictness=0.5, opt_out_regime="scenario", overtraining="k = 5")
    assert model.overrides == {"override_k": 5.0}
    model = MarketView(seed="3", public_stock_trillion_tokens=1000.0, licensing_mandate="on")
    assert model.params.uncertainties.public_stock_raw_tokens_2024 == pytest.approx(1e15)
    assert model.params.levers.licensing_mandate.value is True
    assert model.input_error is None and model.seed == 3


def test_unknown_choices_are_rejected_not_guessed():
    model = MarketView(opt_out_regime="maybe")
    assert "opt_out_regime = 'maybe'" in model.input_error and not model.running
    assert "scenario_file = 'nope.toml'" in MarketView(scenario_file="nope.toml").input_error


def test_every_component_draws_a_whole_run_with_years_on_the_x_axis():
    model = MarketView(seed="1")
    for _ in range(model.n_months):
        model.step()
    series = model.datacollector.model_vars
    wall = charts.data_wall(series, model.span, model.frontier_exhaustion_year, model.data_wall_year)
    ax = wall.axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlim() == pytest.approx(model.span)
    assert min(ax.get_xticks()) >= 2020 and max(ax.get_xticks()) <= 2041
    assert any("public exhaustion" in t.get_text() for t in ax.texts)
    assert len(COMPONENTS) == 7 and "baseline.toml" in scenario_files()


def test_the_asset_list_names_every_package_at_the_version_solara_asks_for():
    specs = requested_versions()
    assert {spec.rsplit("@", 1)[0] for spec in specs} == set(PACKAGES)
    assert "requirejs@2.3.6" in specs  # what solara.html.j2 loads first
