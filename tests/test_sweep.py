"""Sweeps: designs, identical results on every executor, resume, failures, bad input, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import DataMarketModel
from sim.experiments.analysis import SweepResults, censored_percentiles, tornado
from sim.experiments.study import Design, Study, load_study
from sim.experiments.sweep import SweepFolderError, run_sweep
from sim.outcomes import OUTCOMES
from sim.params import Distribution, ParamsError

ROOT = Path(__file__).resolve().parent.parent
SHORT = {"end": "2023-12"}  # a short horizon keeps each run at a few tens of milliseconds


def short_study(kind: str = "lhs", samples: int = 4, replications: int = 2, **design) -> Study:
    study = load_study(ROOT / "scenarios" / "sensitivity.toml", kind=kind, samples=samples, replications=replications, **design)
    return study.model_copy(update={"params": study.params.with_overrides(**SHORT)})


def stored(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    summary = pd.read_parquet(folder / "summary").drop(columns="seconds").sort_values("run_id").reset_index(drop=True)
    series = pd.read_parquet(folder / "timeseries").sort_values(["run_id", "month"]).reset_index(drop=True)
    return summary, series


# --- designs -----------------------------------------------------------------------------------


def test_designs_have_the_documented_number_of_rows():
    d = len(short_study().factors)
    assert len(short_study("monte_carlo", 10, 1).runs()) == 10
    assert len(short_study("lhs", 10, 3).runs()) == 30
    assert len(short_study("sobol", 8, 1).runs()) == 8 * (d + 2)
    assert len(short_study("sobol", 8, 1, second_order=True).runs()) == 8 * (2 * d + 2)
    assert len(short_study("morris", 5, 1).runs()) == 5 * (d + 1)
    assert len(short_study("grid", 1, 1, levels=2).runs()) == 2**d


def test_latin_hypercube_puts_one_sample_in_each_probability_bin():
    study = short_study("lhs", 20, 1)
    runs = study.runs()
    for name in study.factors:
        dist = study.distributions[name]
        # Map values back to probabilities: each of the 20 equal bins holds exactly one sample.
        u = dist._frozen().cdf(runs[name].to_numpy())
        assert sorted(np.floor(u * 20).astype(int)) == list(range(20))


def test_run_ids_are_stable_and_seeds_follow_common_random_numbers():
    crn = short_study("grid", 1, 3, levels=2)
    first, again = crn.runs(), crn.runs()
    pd.testing.assert_frame_equal(first, again)
    assert first["run_id"].is_unique
    # Common random numbers: every design point reuses the same three seeds.
    assert first.groupby("row")["seed"].apply(tuple).nunique() == 1
    independent = short_study("monte_carlo", 5, 3).runs()
    assert independent["seed"].is_unique
    other_seed = short_study("monte_carlo", 5, 3, seed=1).runs()
    assert set(other_seed["run_id"]).isdisjoint(independent["run_id"])


def test_distributions_match_their_stated_percentiles_and_stay_in_range():
    lognormal = Distribution(dist="lognormal", low=1e14, high=1e15)
    assert lognormal.ppf(np.array([0.05, 0.95])) == pytest.approx([1e14, 1e15], rel=1e-9)
    wide = Distribution(dist="normal", low=0.0, high=2.0)
    values = wide.ppf(np.linspace(0.001, 0.999, 500), bounds=(0.01, 1.0))
    assert values.min() >= 0.01 and values.max() <= 1.0
    assert Distribution(dist="choice", values=(1, 5, 100)).ppf(np.array([0.1, 0.5, 0.9])).tolist() == [1, 5, 100]


# --- execution ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_serial_process_and_dask_local_cluster_give_identical_results(tmp_path):
    study = short_study("lhs", 3, 2)
    run_sweep(study, tmp_path / "serial", executor="serial", progress=False)
    run_sweep(study, tmp_path / "process", executor="process", workers=2, progress=False)
    run_sweep(study, tmp_path / "dask", dask="local", workers=2, progress=False)
    summary, series = stored(tmp_path / "serial")
    assert len(summary) == 6 and (summary["status"] == "ok").all()
    assert len(series) == 6 * 48
    for other in ("process", "dask"):
        other_summary, other_series = stored(tmp_path / other)
        pd.testing.assert_frame_equal(summary, other_summary)
        pd.testing.assert_frame_equal(series, other_series)


def test_manifest_records_config_seeds_versions_and_timings(tmp_path):
    study = short_study("monte_carlo", 2, 1)
    outcome = run_sweep(study, tmp_path, executor="serial", progress=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["config_hash"] == study.config_hash()
    assert manifest["config"]["design"]["kind"] == "monte_carlo" and manifest["root_seed"] == 2026
    assert manifest["versions"]["mesa"].startswith("3.") and manifest["versions"]["SALib"]
    assert manifest["platform"]["cpus"] >= 1 and manifest["git"] is not None
    assert manifest["sessions"][0]["runs"] == outcome.ran == 2
    design = pd.read_parquet(tmp_path / "design.parquet")
    assert list(design.columns[:4]) == ["run_id", "row", "replication", "seed"]


def test_rerunning_a_finished_sweep_repeats_nothing(tmp_path):
    study = short_study("monte_carlo", 3, 1)
    run_sweep(study, tmp_path, executor="serial", progress=False)
    again = run_sweep(study, tmp_path, executor="serial", progress=False)
    assert again.ran == 0 and again.already_done == 3
    assert len(pd.read_parquet(tmp_path / "summary")) == 3


_KILLABLE_SWEEP = """
import sys
sys.path.insert(0, {tests!r})
from test_sweep import short_study
from sim.experiments.sweep import run_sweep
if __name__ == "__main__":
    run_sweep(short_study("lhs", 8, 2), sys.argv[1], executor="process", workers=2, flush_every=2, progress=False)
"""


@pytest.mark.slow
def test_a_sweep_killed_halfway_resumes_to_the_same_table_without_duplicates_or_gaps(tmp_path):
    study = short_study("lhs", 8, 2)  # 16 runs
    reference = tmp_path / "reference"
    run_sweep(study, reference, executor="serial", progress=False)

    folder = tmp_path / "killed"
    script = tmp_path / "sweep_then_die.py"
    script.write_text(_KILLABLE_SWEEP.format(tests=str(Path(__file__).parent)))
    process = subprocess.Popen([sys.executable, str(script), str(folder)], cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list((folder / "summary").glob("part-*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the whole process group: parent and workers, no clean-up
    process.wait()
    partial = len(pd.read_parquet(folder / "summary"))
    assert 0 < partial < 16, "the kill should land mid-sweep"

    resumed = run_sweep(study, folder, executor="serial", progress=False)
    assert resumed.already_done == partial and resumed.ran == 16 - partial
    summary, series = stored(folder)
    assert summary["run_id"].is_unique and len(summary) == 16
    assert not series.duplicated(["run_id", "month"]).any()
    expected_summary, expected_series = stored(reference)
    pd.testing.assert_frame_equal(summary, expected_summary)
    pd.testing.assert_frame_equal(series, expected_series)


@pytest.mark.slow
def test_ctrl_c_leaves_a_resumable_folder_and_says_how_to_resume(tmp_path):
    scenario = tmp_path / "long.toml"
    scenario.write_text(f'extends = "{ROOT / "scenarios" / "sensitivity.toml"}"\n[design]\nkind = "monte_carlo"\nsamples = 400\n')
    folder = tmp_path / "out"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(scenario), "--out", str(folder), "--workers", "2"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (folder / "design.parquet").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Run the same command again to resume" in stderr and "Traceback" not in stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not list(folder.glob("**/.*.tmp"))


class FlakyModel(DataMarketModel):
    """A real model whose runs fail part way through for one seed in three."""

    def step(self) -> None:
        if self.seed % 3 == 0 and self.year >= 2021.5:
            raise RuntimeError(f"synthetic failure in {self.year:.2f}")
        super().step()


class CrashingModel(DataMarketModel):
    """A real model that kills its worker process outright for one seed in three."""

    def step(self) -> None:
        if self.seed % 3 == 0 and self.year >= 2021.5:
            os._exit(17)
        super().step()


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, executor):
    study = short_study("monte_carlo", 9, 1)
    outcome = run_sweep(study, tmp_path, executor=executor, workers=2, model_cls=FlakyModel, progress=False)
    results = SweepResults.load(tmp_path)
    expected_failures = int((study.runs()["seed"] % 3 == 0).sum())
    assert 0 < expected_failures < 9
    assert outcome.failed == expected_failures and len(results.runs) == 9 - expected_failures
    failure = results.failures.iloc[0]
    assert failure["error"].startswith("RuntimeError: synthetic failure in 2021.")
    assert "test_sweep.py" in failure["traceback"] and "in step" in failure["traceback"]


@pytest.mark.slow
def test_a_worker_that_dies_is_replaced_and_only_its_run_is_recorded_as_failed(tmp_path):
    study = short_study("monte_carlo", 9, 1)
    outcome = run_sweep(study, tmp_path, executor="process", workers=2, model_cls=CrashingModel, progress=False)
    results = SweepResults.load(tmp_path)
    culprits = set(study.runs().loc[study.runs()["seed"] % 3 == 0, "run_id"])
    assert set(results.failures["run_id"]) == culprits and outcome.failed == len(culprits)
    assert results.failures["error"].str.contains("worker process died").all()
    assert len(results.runs) == 9 - len(culprits)


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    run_sweep(short_study("monte_carlo", 2, 1), tmp_path, executor="serial", progress=False)
    with pytest.raises(SweepFolderError, match="holds a different sweep"):
        run_sweep(short_study("monte_carlo", 3, 1), tmp_path, executor="serial", progress=False)


# --- bad input ---------------------------------------------------------------------------------


def _sweep_cli(tmp_path: Path, text: str, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "study.toml"
    path.write_text(textwrap.dedent(text).replace("{base}", str(ROOT / "scenarios" / "baseline.toml")))
    command = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(tmp_path / "out"), *extra]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'extends = "{base}"\n[uncertainties]\nusable_share = { dist = "gamma", low = 0.1, high = 0.3 }\n',
            ["uncertainties.usable_share.dist", "gamma", "'uniform'"],
        ),
        (
            'extends = "{base}"\n[uncertainties]\nusable_share = { dist = "uniform", low = 0.3, high = 0.1 }\n',
            ["uncertainties.usable_share", "needs low < high"],
        ),
        (
            'extends = "{base}"\n[uncertainties]\nusable_share = { dist = "uniform", low = 0.1, high = 3 }\n',
            ["uncertainties.usable_share = 3", "<= 1"],
        ),
        ('extends = "{base}"\n[design]\nkind = "factorial"\n', ["design.kind", "factorial", "'grid'"]),
        ('extends = "{base}"\n[design]\nsamples = 0\n', ["design.samples = 0", ">= 1"]),
        ('extends = "{base}"\n[design]\nsample = 10\n', ["unknown key", "design.sample", "samples"]),
        ('extends = "{base}"\noutcomes = ["exhaustion_date"]\n', ["outcomes", "exhaustion_date", "public_exhaustion_year"]),
        ('extends = "{base}"\n[design]\nkind = "sobol"\n', ["sobol", "needs at least one uncertainty with a distribution"]),
    ],
)
def test_bad_study_files_fail_with_a_clear_message_and_write_nothing(tmp_path, text, expected):
    result = _sweep_cli(tmp_path, text)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_dask_address_is_refused_before_anything_runs(tmp_path):
    result = _sweep_cli(tmp_path, 'extends = "{base}"\n', "--dask", "my-cluster")
    assert result.returncode == 2 and "--dask 'my-cluster'" in result.stderr and "tcp://" in result.stderr
    assert not (tmp_path / "out").exists()


def test_shipped_study_files_load_and_expand():
    from sim.library import library

    for entry in library(ROOT / "scenarios"):
        if entry.kind == "observations":  # not a scenario: what a calibration matches (tests/test_calibration.py)
            continue
        path = ROOT / "scenarios" / entry.file
        study = load_study(path)
        assert len(study.runs()) >= 1, path


# --- analysis and report ------------------------------------------------------------------------


def test_censored_percentiles_report_dates_past_the_horizon_as_such():
    runs = pd.DataFrame(
        {
            "public_exhaustion_year": [2026.0, 2027.0, 2028.0, np.nan, np.nan],
            "public_exhaustion_censored": [False, False, False, True, True],
            "horizon_year": 2040.9,
        }
    )
    p10, p50, p90 = censored_percentiles(runs, "public_exhaustion_year")
    assert (p10.value, p50.value) == (2026.0, 2028.0)
    assert p90.after_horizon and np.isnan(p90.value)


@pytest.mark.slow
def test_sobol_sweep_report_from_the_command_line(tmp_path):
    study = tmp_path / "sobol.toml"
    study.write_text(
        f'extends = "{ROOT / "scenarios" / "sensitivity.toml"}"\n[constants]\nend = "2029-12"\n'
        '[design]\nkind = "sobol"\nsamples = 8\n'
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(study), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = (out / "report" / "report.md").read_text()
    results = SweepResults.load(out)
    median = censored_percentiles(results.runs, "public_exhaustion_year")[1]
    assert f"| {OUTCOMES['public_exhaustion_year'].axis_label} | {len(results.runs)} |" in report
    assert median.format("public_exhaustion_year") in report
    for png in ("fan_chart.png", "distribution_public_exhaustion_year.png", "sobol_public_exhaustion_year.png"):
        assert (out / "report" / png).read_bytes().startswith(b"\x89PNG"), png
    assert "| factor | S1 | S1_conf | ST | ST_conf | note |" in report
    # A base sample of 8 is too small: the terminal and the report both say so.
    assert "warning: Sobol indices of public_exhaustion_year are not reliable: base sample N = 8 is below 64" in " ".join(
        result.stderr.split()
    )
    assert "> **Warning: too small a sample.** Sobol indices of public_exhaustion_year are not reliable" in report
    assert "central 95% interval 1.3e+14 to 2.1e+15" in report  # the prior as the study gives it


def test_report_on_a_folder_that_is_not_a_sweep_fails_cleanly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "report", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2 and "no manifest.json" in result.stderr and "Traceback" not in result.stderr


def test_design_defaults_are_documented_choices():
    assert Design().crn is False and Design(kind="sobol").crn is True
    with pytest.raises(ParamsError):
        load_study(ROOT / "scenarios" / "missing.toml")


@pytest.mark.slow
def test_a_sweep_whose_workers_cannot_start_stops_at_once_with_one_message(tmp_path):
    """A driver script without the __main__ guard: every worker re-runs it and dies while starting."""
    script = tmp_path / "drive.py"
    script.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from sim import load_study, run_sweep\n"
        f"study = load_study({str(ROOT / 'scenarios' / 'sensitivity.toml')!r}, samples=1)\n"
        f"run_sweep(study, {str(tmp_path / 'out')!r}, workers=2, progress=False)\n"
    )
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("sim.experiments.sweep.ExecutorError") and "__name__ == '__main__'" in last
    assert result.stderr.count("could not start") == 1
    assert "worker process died" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 20


def test_the_report_describes_priors_with_the_credibility_the_study_gives():
    from sim.experiments.report import _describe

    assert (
        _describe(Distribution(dist="lognormal", low=0.1, high=0.4, credibility=95))
        == "lognormal, central 95% interval 0.1 to 0.4"
    )
    assert "central 90% interval" in _describe(Distribution(dist="normal", low=1.0, high=2.0))
    assert _describe(Distribution(dist="uniform", low=1.0, high=2.0)) == "uniform, from 1 to 2"


def test_index_checks_flag_small_samples_wide_intervals_and_impossible_values():
    from sim.experiments.analysis import morris_warnings, outside_unit_interval, sobol_warnings

    good = pd.DataFrame(
        {"factor": ["a", "b"], "S1": [0.6, 0.2], "S1_conf": [0.05, 0.04], "ST": [0.7, 0.3], "ST_conf": [0.06, 0.05]}
    )
    assert sobol_warnings(good, 512) == []
    bad = good.assign(S1=[1.12, -0.1], S1_conf=[0.9, 0.05])
    found = " ".join(sobol_warnings(bad, 4))
    assert "N = 4 is below 64" in found and "±0.90" in found and "outside [0, 1]" in found and "a, b" in found
    assert outside_unit_interval(bad).tolist() == [True, True]

    screening = pd.DataFrame({"factor": ["a", "b", "c"], "mu_star": [1.0, 0.5, 0.01], "mu_star_conf": [0.1, 0.4, 0.05]})
    assert morris_warnings(screening, 20) == ["mu* intervals wider than 50% of mu* for b"]  # c is too small to matter
    assert "4 trajectories, below 10" in morris_warnings(screening, 4)[0]


def test_the_tornado_is_relative_and_marks_negligible_swings():
    rng = np.random.default_rng(0)
    strong, weak = rng.uniform(size=400), rng.uniform(size=400)
    loss = 1.83 + 0.2 * strong + 0.0005 * weak + rng.normal(0, 0.001, 400)  # weak moves the loss by 0.03%
    runs = pd.DataFrame({"strong": strong, "weak": weak, "frontier_loss_2035": loss})
    swings = tornado(runs, ["strong", "weak"], "frontier_loss_2035").set_index("factor")
    assert swings.loc["strong", "high_change"] == pytest.approx((swings.loc["strong", "high"] - loss.mean()) / loss.mean())
    assert not swings.loc["strong", ["negligible", "within_noise"]].any() and swings.loc["weak", "negligible"]
    from sim.experiments.plots import tornado_figure

    figure = tornado_figure(swings.reset_index(), "frontier_loss_2035", float(loss.mean()))
    low, high = figure.axes[0].get_xlim()
    assert high >= 0.05 and low <= -0.05  # never stretched: at least five times the 1% negligible band


def test_the_ranking_orders_factors_by_their_share_of_each_outcome_s_largest_index():
    from sim.experiments.analysis import factor_ranking

    # Outcomes in different units: "a" dominates the first, "b" the second; "c" is second on both.
    first = pd.DataFrame({"factor": ["a", "b", "c"], "mu_star": [10.0, 1.0, 5.0]})
    second = pd.DataFrame({"factor": ["a", "b", "c"], "mu_star": [0.0, 0.02, 0.015]})
    ranks, share = factor_ranking({"date": first, "share": second}, "mu_star")
    assert ranks.to_dict("index") == {"c": {"date": 2, "share": 2}, "b": {"date": 3, "share": 1}, "a": {"date": 1, "share": 3}}
    assert list(share.index) == ["c", "b", "a"]  # mean shares 0.625, 0.55, 0.5
    np.testing.assert_allclose(share.loc["c"], [0.5, 0.75])
    # Values equal but for the last bits share a rank, so no rank flips on a CPU's rounding.
    tied = pd.DataFrame({"factor": ["a", "b"], "mu_star": [0.3, 0.1 + 0.2]})
    assert factor_ranking({"date": tied}, "mu_star")[0]["date"].tolist() == [1, 1]


@pytest.mark.slow
def test_the_shipped_sensitivity_study_ranks_its_factors(tmp_path):
    from sim import write_report
    from sim.experiments.analysis import SampleSizeWarning

    study = load_study(ROOT / "scenarios" / "sensitivity.toml", samples=4)
    assert study.design.kind == "morris" and len(study.runs()) == 4 * (len(study.factors) + 1)
    study = study.model_copy(update={"params": study.params.with_overrides(end="2030-12")})
    run_sweep(study, tmp_path, executor="process", workers=2, progress=False)
    with pytest.warns(SampleSizeWarning, match="4 trajectories, below 10"):
        report = write_report(tmp_path).read_text()
    ranking = report.split("### Ranking across outcomes", 1)[1].split("###", 1)[0]
    table = [[cell.strip() for cell in line.strip("|").split("|")] for line in ranking.splitlines() if line.startswith("| ")]
    header, rows = table[0], table[1:]  # the rule below the header does not start with "| "
    assert sorted(r[0] for r in rows) == sorted(study.factors)
    assert "Public exhaustion, frontier lab †" in header  # too few trajectories: provisional, and marked so
    shares = [float(r[-1]) for r in rows]
    assert shares == sorted(shares, reverse=True)
    # The stock of text moves the exhaustion date more than anything else but its usable share or repetition.
    column = header.index("Public exhaustion, frontier lab †")
    assert {r[0]: int(r[column]) for r in rows}["public_stock_raw_tokens_2024"] <= 3
    per_outcome = report.split("### Public exhaustion, frontier lab (year)", 1)[1].split("###", 1)[0]
    mu_star = [
        float(line.split(" | ")[1]) for line in per_outcome.splitlines() if line.startswith("| ") and "mu_star" not in line
    ]
    assert mu_star == sorted(mu_star, reverse=True)  # each outcome's table, largest effect first
    assert (tmp_path / "report" / "ranking.png").read_bytes().startswith(b"\x89PNG")
