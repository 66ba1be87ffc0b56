"""Policy comparisons, robustness and the EMA Workbench export, on short real runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.analysis import SampleSizeWarning, SweepResults, outcome_values
from sim.experiments.ema import to_ema
from sim.experiments.policy import bootstrap_ci, compare, format_interval, robustness
from sim.outcomes import OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "scenarios" / "policies"


def short(tmp_path: Path, path: Path, end: str = "2031-12") -> Path:
    """The same scenario, cut at `end` so a test stays quick."""
    copy = tmp_path / f"short_{path.stem}.toml"
    copy.write_text(f'extends = "{path}"\n[constants]\nend = "{end}"\n')
    return copy


@pytest.mark.slow
def test_compare_reports_paired_effects_computed_from_the_runs_with_intervals_that_shrink(tmp_path):
    base = short(tmp_path, ROOT / "scenarios" / "baseline.toml")
    policy = short(tmp_path, POLICIES / "gdpr_consent_for_training.toml")
    with pytest.warns(SampleSizeWarning, match="4 paired runs"):
        small = compare(base, [policy], tmp_path / "small", runs=4, seed=3, workers=2, progress=False)
    large = compare(base, [policy], tmp_path / "large", runs=16, seed=3, workers=2, progress=False)

    # The effect is the mean of per-seed differences read back from the stored runs.
    base_runs = SweepResults.load(tmp_path / "large" / "short_baseline").runs.set_index("seed")
    policy_runs = SweepResults.load(tmp_path / "large" / "short_gdpr_consent_for_training").runs.set_index("seed")
    assert sorted(base_runs.index) == sorted(policy_runs.index)  # common random numbers
    diff = policy_runs["private_share_2030"] - base_runs["private_share_2030"]
    row = large.set_index("outcome").loc["private_share_2030"]
    assert row["effect"] == pytest.approx(diff.mean()) and row["pairs"] == 16
    assert row["ci_low"] <= row["effect"] <= row["ci_high"] and row["ci_high"] < 0  # stricter privacy, less private data

    def relative_width(effects: pd.DataFrame, folder: str) -> float:
        """The interval's width over the spread of the per-seed differences it was computed from."""
        r = effects.set_index("outcome").loc["private_share_2030"]
        runs = [
            SweepResults.load(tmp_path / folder / name).runs.set_index("seed")["private_share_2030"]
            for name in ("short_baseline", "short_gdpr_consent_for_training")
        ]
        return (r["ci_high"] - r["ci_low"]) / (runs[1] - runs[0]).std()

    # At a given spread, four times the pairs give an interval about half as wide (1 / sqrt(n)).
    assert relative_width(large, "large") < 0.75 * relative_width(small, "small")
    report = (tmp_path / "large" / "compare.md").read_text()
    assert (
        OUTCOMES["private_share_2030"].format_difference(row["effect"]) in report
        and (tmp_path / "large" / "effects.png").stat().st_size > 10_000
        and (tmp_path / "large" / "series.png").stat().st_size > 10_000
        and "![series](series.png)" in report
    )
    # Four pairs are too few to read an interval: the report says so; sixteen are not.
    assert "Warning: too few runs" in (tmp_path / "small" / "compare.md").read_text() and "Warning" not in report


def test_an_interval_reads_as_none_when_every_pair_is_equal_and_n_a_when_undefined():
    assert format_interval("data_wall_year", 2.0, 2.0) == "none (same in every pair)"
    assert format_interval("data_wall_year", float("nan"), float("nan")) == "n/a"
    assert format_interval("private_share_2030", -0.1, -0.05) == "[-10.00 pp, -5.00 pp]"


def test_bootstrap_interval_covers_the_mean_and_is_a_point_without_variation():
    values = np.random.default_rng(0).normal(1.0, 0.5, 200)
    low, high = bootstrap_ci(values)
    assert low < values.mean() < high and high - low < 0.3
    assert bootstrap_ci(np.full(10, 2.5)) == (2.5, 2.5)


@pytest.mark.slow
def test_robustness_gives_regret_against_the_best_policy_in_each_world_and_exports_to_prim(tmp_path):
    uncertainties = tmp_path / "worlds.toml"
    uncertainties.write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        '[uncertainties]\nusable_share = { dist = "uniform", low = 0.08, high = 0.4 }\n'
    )
    policies = [short(tmp_path, ROOT / "scenarios" / "baseline.toml"), short(tmp_path, POLICIES / "public_data_commons.toml")]
    table = robustness(
        policies,
        uncertainties,
        tmp_path,
        outcome="public_exhaustion_year",
        threshold=2028.0,
        samples=8,
        workers=2,
        progress=False,
    )
    assert list(table["policy"]) == ["short_baseline", "short_public_data_commons"] and (table["worlds"] == 8).all()
    by_world = pd.read_parquet(tmp_path / "outcome_by_world.parquet").set_index("world")
    regret = by_world.max(axis=1).to_numpy()[:, None] - by_world
    assert table["mean_regret"].to_numpy() == pytest.approx(regret.mean().to_numpy())
    assert (regret.min(axis=1) == 0).all()  # in every world some policy is the best
    # More open data can only delay exhaustion: the commons is never worse in any world.
    assert (by_world["short_public_data_commons"] >= by_world["short_baseline"]).all()
    assert table.set_index("policy").loc["short_public_data_commons", "share_meeting_threshold"] >= 0.0
    assert (tmp_path / "robustness.png").stat().st_size > 10_000 and "![robustness](robustness.png)" in (
        tmp_path / "robustness.md"
    ).read_text()

    experiments, outcomes = to_ema(
        [tmp_path / "short_baseline", tmp_path / "short_public_data_commons"], series=("private_share",)
    )
    assert len(experiments) == 16 and set(experiments["policy"]) == {"short_baseline", "short_public_data_commons"}
    assert {"usable_share", "scenario", "policy", "model", "data_commons_tokens", "data_commons_tokens_year"} <= set(
        experiments.columns
    )
    assert outcomes["public_exhaustion_year"].shape == (16,) and outcomes["private_share"].shape == (16, 144)
    runs = SweepResults.load(tmp_path / "short_baseline").runs
    assert outcomes["public_exhaustion_year"][:8] == pytest.approx(outcome_values(runs, "public_exhaustion_year").to_numpy())

    from ema_workbench.analysis import prim

    late = outcomes["public_exhaustion_year"] >= np.median(outcomes["public_exhaustion_year"])
    box = prim.Prim(experiments[["usable_share"]], late, mass_min=0.1).find_box()
    assert box.coverage > 0 and "usable_share" in box.box_lims[-1].columns


def peakdata(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_compare_and_robustness_refuse_bad_input_cleanly(tmp_path):
    result = peakdata("compare", "scenarios/baseline.toml", "scenarios/policies/nope.toml", "--out", str(tmp_path))
    assert result.returncode == 2 and "nope.toml: scenario file not found" in result.stderr and "Traceback" not in result.stderr
    result = peakdata("robustness", "scenarios/baseline.toml", "--outcome", "happiness", "--out", str(tmp_path))
    assert result.returncode == 2 and "--outcome 'happiness'" in result.stderr and "public_exhaustion_year" in result.stderr


@pytest.mark.slow
def test_the_ema_export_carries_categorical_levers_into_prim_cart_and_feature_scoring(tmp_path):
    uncertainties = tmp_path / "worlds.toml"
    uncertainties.write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n'
        '[uncertainties]\nusable_share = { dist = "uniform", low = 0.08, high = 0.4 }\n'
        'max_epochs = { dist = "uniform", low = 2.0, high = 8.0 }\n'
    )
    policies = [short(tmp_path, ROOT / "scenarios" / "baseline.toml"), short(tmp_path, POLICIES / "opt_in_crawling.toml")]
    robustness(policies, uncertainties, tmp_path, outcome="public_exhaustion_year", samples=10, workers=2, progress=False)
    experiments, outcomes = to_ema([tmp_path / "short_baseline", tmp_path / "short_opt_in_crawling"])
    assert experiments["opt_out_regime"].dtype == "category"
    assert set(experiments["opt_out_regime"]) == {"robots", "opt_in"}

    from ema_workbench.analysis import cart, feature_scoring, prim

    x = experiments[["usable_share", "max_epochs", "opt_out_regime"]]
    early = outcomes["public_exhaustion_year"] <= np.median(outcomes["public_exhaustion_year"])
    box = prim.Prim(x, early, mass_min=0.1).find_box()
    assert 0 < box.coverage <= 1 and isinstance(box.box_lims[-1].loc[0, "opt_out_regime"], set)
    tree = cart.CART(x, early, mass_min=0.1)
    tree.build_tree()
    assert len(tree.boxes) >= 1 and tree.stats
    scores = feature_scoring.get_feature_scores_all(x, {"public_exhaustion_year": outcomes["public_exhaustion_year"]})
    assert set(scores.index) == {"usable_share", "max_epochs", "opt_out_regime"} and scores.notna().all().all()
