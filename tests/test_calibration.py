"""History matching (`peakdata calibrate`): observations as data, emulators checked by leave-one-out, implausibility,
waves, the report, and the out-of-sample score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments import calibration as cal

ROOT = Path(__file__).resolve().parent.parent
OBSERVATIONS = ROOT / "scenarios" / "observations.toml"
STUDY = ROOT / "scenarios" / "calibration.toml"


def test_the_observation_file_holds_dated_sourced_observations_the_model_reports():
    observations = cal.load_observations(OBSERVATIONS)
    assert len(observations) >= 20
    assert all(2020 <= o.year <= 2026 and o.source and o.error > 0 for o in observations)
    assert len({o.name for o in observations}) == len(observations)
    # every kind of quantity is there: datasets, consent, AI text, licences, compute, revenue
    quantities = {o.quantity for o in observations}
    assert {"frontier_tokens", "opted_out_share_head", "ai_share_new_text", "paid_data_spend_usd_2024"} <= quantities
    assert [o.name for o in cal.load_observations(OBSERVATIONS, until=2023)] == [o.name for o in observations if o.year <= 2023]


def test_an_observation_reads_a_run_as_a_yearly_mean_a_yearly_sum_a_month_or_an_outcome():
    series = {"year": [2024 + m / 12 for m in range(24)], "private_share": [float(m) for m in range(24)]}
    make = dict(quantity="private_share", year=2024, value=1.0, error=0.1, source="test")
    assert cal.Observation(name="a", statistic="annual_mean", **make).measure({}, series) == pytest.approx(5.5)
    assert cal.Observation(name="b", statistic="annual_sum", **make).measure({}, series) == pytest.approx(66.0)
    # the month that holds the date: 2024.30 is April 2024, the fourth month (value 3)
    assert cal.Observation(name="c", statistic="at", date=2024.30, **make).measure({}, series) == 3.0
    outcome = cal.Observation(name="d", quantity="hhi_2025", statistic="outcome", year=2025, value=1.0, error=1.0, source="t")
    assert outcome.measure({"hhi_2025": 2500.0}, None) == 2500.0
    logged = cal.Observation(name="e", statistic="at", date=2024.3, scale="log10", **{**make, "value": 100.0})
    assert logged.observed == 2.0
    # a run at zero on a log scale is far below, not minus infinity
    assert logged.on_scale(np.array([0.0, 1000.0])).tolist() == [2.0 - cal.LOG_FLOOR_DECADES, 3.0]


def test_an_emulator_learns_a_smooth_output_passes_leave_one_out_and_measures_the_seeds_spread():
    rng = np.random.default_rng(0)
    unit = rng.random((40, 2))
    truth = np.sin(3 * unit[:, 0]) + unit[:, 1] ** 2
    runs = truth[:, None] + rng.normal(0.0, 0.05, (40, 3))  # three seeds a point
    o = cal.Observation(name="x", quantity="hhi", statistic="annual_mean", year=2024, value=1.0, error=0.1, source="t")
    emulator = cal.fit_emulator(o, unit, runs)
    assert emulator.valid
    assert emulator.ensemble_variance == pytest.approx(0.05**2, rel=0.3)
    fresh = rng.random((200, 2))
    mean, variance = emulator.predict(fresh)
    assert np.sqrt(np.mean((mean - (np.sin(3 * fresh[:, 0]) + fresh[:, 1] ** 2)) ** 2)) < 0.05
    assert (variance >= 0).all()


def test_a_point_is_ruled_out_by_its_second_largest_implausibility_or_its_largest_under_three():
    scores = np.array([[5.0, 1.0, 1.0], [5.0, 4.0, 1.0], [1.0, 1.0, 1.0]])
    assert cal.ruled_out(scores, 3.0).tolist() == [False, True, False]  # one bad fit alone is tolerated
    assert cal.ruled_out(scores[:, :2], 3.0).tolist() == [True, True, False]  # with two: the largest decides


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The shipped study at a reduced size that still runs every wave: calibrated on 2020-2024, forecast 2025-2026."""
    folder = tmp_path_factory.mktemp("calibration")
    study = folder / "study.toml"
    study.write_text(
        f'extends = "{STUDY}"\nname = "calibration-small"\n[calibration]\nobservations = "{OBSERVATIONS}"\n'
        "points = 10\nreplications = 2\nmax_waves = 2\ncandidates = 1024\nforecast_points = 4\n"
    )
    result = CliRunner().invoke(app, ["calibrate", str(study), "--out", str(folder / "out"), "--until", "2024"])
    assert result.exit_code == 0, result.output
    return folder / "out", result.output


@pytest.mark.slow
def test_a_small_calibration_runs_its_waves_and_writes_its_report(small):
    out, output = small
    assert (out / "wave-1" / "manifest.json").exists() and (out / "forecast-prior" / "manifest.json").exists()
    report = (out / "report" / "report.md").read_text()
    for section in ("The space left after each wave", "Observations and runs", "Forecasts", "Out of sample"):
        assert section in report
    waves = pd.read_csv(out / "report" / "waves.csv")
    assert waves["loo_within_3"].between(0, 1).all() and waves["share_left"].between(0, 1).all()
    assert waves.groupby("wave")["share_left"].first().is_monotonic_decreasing  # the region never grows back
    assert (waves.groupby("wave")["points"].first() == 10).all()  # a wave's own design, not the runs its emulators saw
    coverage = pd.read_csv(out / "report" / "coverage.csv")
    assert set(coverage["year"]) <= {2025, 2026} and len(coverage) >= 5
    assert (coverage["low_80%"] <= coverage["high_80%"]).all() and (coverage["low_95%"] <= coverage["low_80%"]).all()
    assert "Out of sample" in output
    # no region: said, with the observations in conflict named; else the region's points are kept
    if "No plausible region" in report:
        assert "pull against the rest" in report
    else:
        assert len(pd.read_parquet(out / "report" / "region.parquet")) > 0


@pytest.mark.slow
def test_a_calibration_writes_a_runnable_scenario_at_its_best_point_and_a_study_that_reruns_its_region(small):
    from sim.experiments.study import load_study
    from sim.params import load_scenario

    out, output = small
    if "No plausible region" in (out / "report" / "report.md").read_text():
        assert not (out / "scenarios").exists()  # nothing to run without a region
        return
    prior = load_study(out.parent / "study.toml")
    best = load_scenario(out / "scenarios" / "calibrated.toml")
    for name in prior.factors:  # a point of the priors' support, in the scenario's own values
        value = getattr(best.uncertainties, name)
        low, high = (prior.distributions[name].ppf(np.array([q]), (0.0, np.inf))[0] for q in (0.0, 1.0))
        assert low <= value <= high, name
    # the region study runs exactly the calibrated forecast's runs: the same points and seeds, so the same run ids
    region = load_study(out / "scenarios" / "calibrated_region.toml")
    forecast = pd.read_parquet(out / "forecast-calibrated" / "design.parquet")
    assert sorted(region.runs()["run_id"]) == sorted(forecast["run_id"])
    assert "calibrated.toml" in output.replace("\n", "")


@pytest.mark.slow
def test_a_calibration_resumes_its_stored_runs(small, tmp_path):
    out, _ = small
    stored = {p: p.stat().st_mtime for p in out.glob("wave-1/summary/*.parquet")}
    assert stored
    study = next(out.parent.glob("study.toml"))
    result = CliRunner().invoke(app, ["calibrate", str(study), "--out", str(out), "--until", "2024"])
    assert result.exit_code == 0, result.output
    assert {p: p.stat().st_mtime for p in out.glob("wave-1/summary/*.parquet")} == stored  # nothing run again


@pytest.mark.slow
def test_a_calibration_that_no_point_can_match_says_so_and_names_the_observations(tmp_path):
    observations = tmp_path / "obs.toml"
    impossible = (
        '[[observation]]\nname = "{name}"\nquantity = "frontier_tokens"\nstatistic = "annual_mean"\nyear = {year}\n'
        'value = 1e20\nscale = "log10"\nerror = 0.1\nsource = "impossible"\n'
    )
    observations.write_text(impossible.format(name="huge_2023", year=2023) + impossible.format(name="huge_2024", year=2024))
    study = tmp_path / "study.toml"
    study.write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[constants]\nend = "2026-12"\n'
        '[uncertainties]\ncompute_growth_per_year = { dist = "lognormal", low = 3.7, high = 5.2 }\n'
        '[calibration]\nobservations = "obs.toml"\npoints = 8\nreplications = 2\nmax_waves = 2\ncandidates = 256\n'
        "forecast_points = 2\n"
    )
    result = CliRunner().invoke(app, ["calibrate", str(study), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 0, result.output
    assert "No plausible region" in result.output and "huge_2023" in result.output and "huge_2024" in result.output
    report = (tmp_path / "out" / "report" / "report.md").read_text()
    assert "pull against the rest" in report and "0.000%" in report
    assert not (tmp_path / "out" / "scenarios").exists()  # no region: no calibrated scenario


def test_docs_render_the_observation_file_as_it_stands():
    docs = (ROOT / "docs" / "calibration.md").read_text()
    table = docs.split("by sim.experiments.calibration.observations_markdown -->\n", 1)[1].split("\n<!-- end of", 1)[0]
    assert table == cal.observations_markdown(cal.load_observations(OBSERVATIONS))
