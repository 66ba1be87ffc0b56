"""Policy what-ifs: paired comparisons with common random numbers, and robustness across uncertainties.

A policy is a scenario file that extends the baseline and sets levers. `compare` runs the base and
each policy on the same seeds (common random numbers), so each policy's effect is measured run by
run as a paired difference, with a bootstrap 95% confidence interval. `robustness` runs every
policy on the same Latin-hypercube sample of the uncertainties and the same seeds, and reports each
policy's spread, its regret against the best policy in each sampled world, and how often it meets a
threshold. Both reuse the sweep runner, so they run on processes or Dask, and resume. Their folders
go to the EMA Workbench with `sim.experiments.ema.to_ema`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments import plots
from sim.experiments.analysis import SampleSizeWarning, SweepResults, fan, outcome_values
from sim.experiments.io import output_set, write_parquet
from sim.experiments.study import Design, Study, load_study
from sim.experiments.sweep import run_sweep
from sim.outcomes import CENSORED_BY, OUTCOMES
from sim.params import MarketParams, ParamsError, load_scenario

COMPARE_OUTCOMES = (
    "public_exhaustion_year",
    "data_wall_year",
    "private_share_2030",
    "private_share_2035",
    "synthetic_share_2035",
    "frontier_loss_2035",
    "privacy_incidents_total",
    "hhi_2035",
)
# Fewer pairs than this and a bootstrap interval is too rough to read (BCa needs the tails).
MIN_PAIRS = 10
# The monthly series `compare` draws for each policy against the base (series.png).
COMPARE_SERIES = ("accessible_effective_stock_tokens", "frontier_desired_tokens", "private_share", "synthetic_share")
LOG_SERIES = ("accessible_effective_stock_tokens", "frontier_desired_tokens")


def _named(paths: list[Path]) -> dict[str, MarketParams]:
    """Load each scenario once, keyed by its file's name (`gdpr_consent_for_training` for
    `gdpr_consent_for_training.toml`): the name of its results folder and its row in the tables."""
    named: dict[str, MarketParams] = {}
    for path in map(Path, paths):
        name = path.stem
        if name in named:
            raise ParamsError(f"{path}: two scenario files are both called {name!r}; rename one or copy it")
        named[name] = load_scenario(path)
    return named


def _run_all(studies: dict[str, Study], out: Path, **runner: Any) -> dict[str, SweepResults]:
    results = {}
    for name, study in studies.items():
        run_sweep(study, out / name, **runner)
        results[name] = SweepResults.load(out / name)
    return results


# --- paired comparison ---------------------------------------------------------------------------


def compare(
    base: Path,
    policies: list[Path],
    out: str | Path,
    *,
    runs: int = 30,
    seed: int = 0,
    outcomes: tuple[str, ...] = COMPARE_OUTCOMES,
    **runner: Any,
) -> pd.DataFrame:
    """Run base and policies on the same `runs` seeds; return one row per (policy, outcome) effect."""
    out = Path(out)
    scenarios = _named([Path(base), *map(Path, policies)])
    if runs < MIN_PAIRS:
        warnings.warn(
            f"{runs} paired runs: the 95% intervals are too rough to read; use {MIN_PAIRS} or more",
            SampleSizeWarning,
            stacklevel=2,
        )
    design = Design(kind="monte_carlo", samples=1, replications=runs, seed=seed, common_random_numbers=True)
    studies = {name: Study(params=params, design=design, outcomes=outcomes) for name, params in scenarios.items()}
    results = _run_all(studies, out, **runner)
    base_name, *policy_names = list(studies)
    effects = pd.DataFrame(
        [
            paired_effect(results[base_name].runs, results[name].runs, outcome, seed=seed) | {"policy": name}
            for name in policy_names
            for outcome in outcomes
        ]
    )
    effects.insert(0, "policy", effects.pop("policy"))
    by_scenario = {name: _ok_fans(r, COMPARE_SERIES) for name, r in results.items()}
    fans = {column: {name: scenario_fans[column] for name, scenario_fans in by_scenario.items()} for column in COMPARE_SERIES}
    with output_set(out) as staged:
        write_parquet(effects, staged / "effects.parquet")
        plots.save_figure(plots.compare_fan_figure(fans, base_name, LOG_SERIES), staged / "series.png")
        _write_compare_report(effects, base_name, runs, staged)
    return effects


def _ok_fans(results: SweepResults, columns: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Percentiles of monthly series over a sweep's successful runs, the series read once."""
    series = results.series(list(columns))
    series = series[series["run_id"].isin(results.runs["run_id"])]
    return {column: fan(series, column) for column in columns}


def paired_effect(base: pd.DataFrame, policy: pd.DataFrame, outcome: str, seed: int = 0) -> dict[str, Any]:
    """Mean paired difference (policy - base) over the seeds both ran, with a bootstrap 95% CI.

    A date not reached by the horizon counts as the horizon year. If either run of a pair is
    censored, that pair's difference is a bound, not a value; `censored_pairs` counts them.
    """
    pairs = base.set_index("seed").join(policy.set_index("seed"), how="inner", suffixes=("_base", "_policy"))
    b = outcome_values(pairs.rename(columns=lambda c: c.removesuffix("_base")), outcome)
    p = outcome_values(pairs.rename(columns=lambda c: c.removesuffix("_policy")), outcome)
    diff = (p - b).dropna().to_numpy()
    flag = CENSORED_BY.get(outcome)
    censored = int((pairs[f"{flag}_base"] | pairs[f"{flag}_policy"]).sum()) if flag else 0
    low, high = bootstrap_ci(diff, seed=seed)
    return {
        "outcome": outcome,
        "pairs": len(diff),
        "base_mean": float(b.mean()),
        "policy_mean": float(p.mean()),
        "effect": float(diff.mean()) if len(diff) else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "censored_pairs": censored,
    }


def format_interval(outcome: str, low: float, high: float) -> str:
    """A confidence interval as a reader should see it: no interval when it is undefined or a point."""
    if low != low or high != high:
        return "n/a"
    if low == high:
        return "none (same in every pair)"
    diff = OUTCOMES[outcome].format_difference
    return f"[{diff(low)}, {diff(high)}]"


def bootstrap_ci(values: np.ndarray, seed: int = 0, confidence: float = 0.95) -> tuple[float, float]:
    """A BCa bootstrap interval for the mean; a point when the values do not vary."""
    if len(values) < 2:
        return float("nan"), float("nan")
    if np.ptp(values) == 0:
        return float(values[0]), float(values[0])
    result = stats.bootstrap((values,), np.mean, confidence_level=confidence, n_resamples=2000, method="BCa", rng=seed)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _write_compare_report(effects: pd.DataFrame, base_name: str, runs: int, out: Path) -> None:
    lines = [
        f"# Policy comparison against `{base_name}`",
        "",
        f"Each policy ran on the same {runs} seeds as the base (common random numbers). An effect is the mean",
        "of the per-seed differences (policy - base), with a BCa bootstrap 95% interval. Dates not reached by the",
        "horizon count as the horizon year; pairs with such a date are counted as *censored*, and for them the",
        "difference is a bound. An outcome the runs do not reach (a 2035 value in a run that ends earlier) is n/a.",
        "",
        *(
            [f"> **Warning: too few runs.** {runs} pairs; below {MIN_PAIRS} the intervals are too rough to read.", ""]
            if runs < MIN_PAIRS
            else []
        ),
        "| policy | outcome | base | policy | effect | 95% CI | pairs | censored |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for row in effects.itertuples():
        outcome = OUTCOMES[row.outcome]
        fmt, diff = outcome.format, outcome.format_difference
        lines.append(
            f"| {row.policy} | {outcome.axis_label} | {fmt(row.base_mean)} | {fmt(row.policy_mean)} | "
            f"{diff(row.effect)} | {format_interval(row.outcome, row.ci_low, row.ci_high)} | {row.pairs} | {row.censored_pairs} |"
        )
    plots.save_figure(plots.effects_figure(effects), out / "effects.png")
    lines += ["", "![effects](effects.png)", "", "## Monthly series against the base", ""]
    lines += ["Median and 10-90% / 25-75% bands of each scenario across the same seeds.", "", "![series](series.png)", ""]
    (out / "compare.md").write_text("\n".join(lines))


# --- robustness ------------------------------------------------------------------------------------


def robustness(
    policies: list[Path],
    uncertainties: Path,
    out: str | Path,
    *,
    outcome: str = "data_wall_year",
    maximize: bool = True,
    threshold: float | None = None,
    samples: int = 50,
    seed: int = 0,
    **runner: Any,
) -> pd.DataFrame:
    """Every policy in the same sampled worlds: spread, regret against the best, share meeting `threshold`."""
    out = Path(out)
    distributions = load_study(uncertainties).distributions
    if not distributions:
        raise ParamsError(f"{uncertainties}: has no uncertainty with a distribution to sample")
    design = Design(kind="lhs", samples=samples, replications=1, seed=seed, common_random_numbers=True)
    studies = {
        name: Study(params=params, distributions=distributions, design=design, outcomes=(outcome,))
        for name, params in _named(list(map(Path, policies))).items()
    }
    results = _run_all(studies, out, **runner)
    # One row per sampled world, one column per policy (failed runs leave a gap).
    matrix = pd.DataFrame({name: r.per_design_row(outcome) for name, r in results.items()})
    best = matrix.max(axis=1) if maximize else matrix.min(axis=1)
    regret = (best.to_numpy()[:, None] - matrix).abs()
    table = pd.DataFrame(
        {
            "policy": matrix.columns,
            "worlds": matrix.notna().sum().to_numpy(),
            "mean": matrix.mean().to_numpy(),
            "p10": matrix.quantile(0.1).to_numpy(),
            "p90": matrix.quantile(0.9).to_numpy(),
            "mean_regret": regret.mean().to_numpy(),
            "max_regret": regret.max().to_numpy(),
        }
    )
    if threshold is not None:
        meets = matrix >= threshold if maximize else matrix <= threshold
        table["share_meeting_threshold"] = (meets.sum() / matrix.notna().sum()).to_numpy()
    with output_set(out) as staged:
        write_parquet(table, staged / "robustness.parquet")
        write_parquet(matrix.reset_index(names="world"), staged / "outcome_by_world.parquet")
        plots.save_figure(plots.robustness_figure(matrix, outcome, maximize, threshold), staged / "robustness.png")
        _write_robustness_report(table, outcome, maximize, threshold, samples, uncertainties, staged)
    return table


def _write_robustness_report(table, outcome, maximize, threshold, samples, uncertainties, out: Path) -> None:
    goal = "higher is better" if maximize else "lower is better"
    lines = [
        f"# Robustness of policies: {OUTCOMES[outcome].axis_label} ({goal})",
        "",
        f"Every policy ran in the same {samples} worlds, a Latin-hypercube sample of the distributions in `{uncertainties}`,",
        "with the same seed in each world. Regret is the distance to the best policy in the same world.",
        "A date not reached by the horizon counts as the horizon year.",
        "",
        "| policy | worlds | mean | p10 | p90 | mean regret | max regret |"
        + (" share meeting threshold |" if threshold is not None else ""),
        "|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if threshold is not None else ""),
    ]
    fmt = "{:.2f}" if OUTCOMES[outcome].kind == "date" else "{:.3g}"
    for row in table.itertuples():
        share = f" {row.share_meeting_threshold:.0%} |" if threshold is not None else ""
        cells = " | ".join(fmt.format(v) for v in (row.mean, row.p10, row.p90, row.mean_regret, row.max_regret))
        lines.append(f"| {row.policy} | {row.worlds} | {cells} |{share}")
    if threshold is not None:
        lines += ["", f"Threshold: {outcome} {'>=' if maximize else '<='} {threshold:g}."]
    lines += ["", "![robustness](robustness.png)"]
    (out / "robustness.md").write_text("\n".join(lines) + "\n")
