"""Reading a sweep back, and the statistics a report needs.

Dates that a run did not reach by its horizon are right-censored (the year is NaN and the
`*_censored` flag is set). Their distribution is the Kaplan-Meier estimate (`scipy.stats.ecdf`),
so a percentile beyond the share of runs that reached the date is reported as "after the horizon"
rather than dropped or faked. Sensitivity indices need one number per run, so there a censored
date counts as the horizon; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import UserError
from sim.experiments.io import read_manifest, read_part, read_parts
from sim.experiments.study import Study
from sim.outcomes import CENSORED_BY, OUTCOMES


class ResultsError(UserError):
    """A folder that does not hold a readable sweep."""


@dataclass
class SweepResults:
    """A finished (or partly finished) sweep folder, read lazily."""

    folder: Path

    @classmethod
    def load(cls, folder: str | Path) -> SweepResults:
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ResultsError(f"{folder}: is a file, not a sweep folder")
        if not (folder / "manifest.json").is_file():
            raise ResultsError(f"{folder}: no manifest.json here; is it a sweep folder (peakdata sweep ... --out {folder})?")
        if not list((folder / "summary").glob("part-*.parquet")):
            raise ResultsError(f"{folder}: the sweep has no finished runs yet")
        results = cls(folder)
        results.manifest  # noqa: B018 - read now, so that a damaged manifest is reported before any work
        return results

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return read_manifest(self.folder)

    @cached_property
    def all_runs(self) -> pd.DataFrame:
        """Every stored run, failed ones included, in design order."""
        runs = read_parts(self.folder / "summary")
        order = self.design.drop_duplicates("run_id")[["run_id"]].reset_index(names="order")
        return runs.merge(order, on="run_id", how="left").sort_values("order").drop(columns="order").reset_index(drop=True)

    @property
    def runs(self) -> pd.DataFrame:
        return self.all_runs[self.all_runs["status"] == "ok"].reset_index(drop=True)

    @property
    def failures(self) -> pd.DataFrame:
        return self.all_runs[self.all_runs["status"] != "ok"].reset_index(drop=True)

    @cached_property
    def design(self) -> pd.DataFrame:
        return read_part(self.folder / "design.parquet")

    @cached_property
    def study(self) -> Study:
        return Study.model_validate(self.manifest["config"])

    @property
    def factors(self) -> list[str]:
        return self.study.factors

    @property
    def outcomes(self) -> list[str]:
        return list(self.study.outcomes)

    def series(self, columns: list[str]) -> pd.DataFrame:
        """Chosen monthly series of every stored run (read column by column, so memory stays small)."""
        folder = self.folder / "timeseries"
        if not list(folder.glob("part-*.parquet")):
            raise ResultsError(f"{self.folder}: the sweep stored no time series (design.timeseries = false)")
        return read_parts(folder, ["run_id", "month", "year", *columns])

    def per_design_row(self, outcome: str) -> pd.Series:
        """The outcome averaged over replications, one value per design row (censored dates at the horizon)."""
        values = outcome_values(self.all_runs, outcome)
        by_run = pd.Series(values.to_numpy(), index=self.all_runs["run_id"])
        design = self.design.assign(value=self.design["run_id"].map(by_run))
        return design.groupby("row")["value"].mean()


def outcome_values(runs: pd.DataFrame, outcome: str) -> pd.Series:
    """An outcome with censored dates set to the run's horizon (for statistics that need numbers)."""
    values = runs[outcome].astype(float)
    flag = CENSORED_BY.get(outcome)
    if flag is not None:
        values = values.where(~runs[flag].astype(bool), runs["horizon_year"])
    return values


@dataclass(frozen=True)
class Percentile:
    q: float
    value: float  # NaN when the percentile lies beyond the horizon
    after_horizon: bool

    def format(self, outcome: str) -> str:
        if self.after_horizon:
            return "after horizon"
        return OUTCOMES[outcome].format(self.value)


def censored_percentiles(runs: pd.DataFrame, outcome: str, qs: tuple[float, ...] = (0.1, 0.5, 0.9)) -> list[Percentile]:
    """Percentiles of an outcome, respecting right-censoring for dates (Kaplan-Meier)."""
    values = runs[outcome].astype(float)
    flag = CENSORED_BY.get(outcome)
    if flag is None:
        finite = values.dropna().to_numpy()
        if not len(finite):
            return [Percentile(q, float("nan"), False) for q in qs]
        return [Percentile(q, float(np.quantile(finite, q)), False) for q in qs]
    censored = runs[flag].astype(bool).to_numpy()
    times = np.where(censored, runs["horizon_year"].astype(float), values)
    if censored.all():
        return [Percentile(q, float("nan"), True) for q in qs]
    cdf = stats.ecdf(stats.CensoredData.right_censored(times, censored)).cdf
    result = []
    for q in qs:
        reached = np.nonzero(cdf.probabilities >= q - 1e-12)[0]
        result.append(
            Percentile(q, float(cdf.quantiles[reached[0]]), False) if len(reached) else Percentile(q, float("nan"), True)
        )
    return result


def outcome_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Per outcome: runs, median and 10th-90th percentiles, and the share censored (dates only)."""
    rows = []
    for outcome in outcomes:
        p10, p50, p90 = censored_percentiles(runs, outcome)
        flag = CENSORED_BY.get(outcome)
        rows.append(
            {
                "outcome": outcome,
                "runs": int(runs[outcome].notna().sum() + (runs[flag].sum() if flag else 0)),
                "p10": p10,
                "median": p50,
                "p90": p90,
                "censored_share": float(runs[flag].mean()) if flag else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def readable_outcome_table(runs: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """`outcome_table` as a reader sees it: labels with units, values formatted, "after horizon" for censored."""
    table = outcome_table(runs, outcomes)
    return pd.DataFrame(
        {
            "runs": table["runs"].to_numpy(),
            **{q: [p.format(o) for p, o in zip(table[q], table["outcome"])] for q in ("p10", "median", "p90")},
            "censored": ["" if c != c else f"{c:.0%}" for c in table["censored_share"]],
        },
        index=pd.Index([OUTCOMES[o].axis_label for o in table["outcome"]], name="outcome"),
    )


def sobol_indices(results: SweepResults, outcome: str) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap intervals (SALib, Saltelli/Jansen)."""
    from SALib.analyze import sobol

    y = results.per_design_row(outcome)
    if y.isna().any():
        raise ResultsError(f"Sobol indices for {outcome} need every design row; {int(y.isna().sum())} rows have no result")
    problem = results.study.salib_problem()
    second = results.study.design.second_order
    indices = sobol.analyze(problem, y.to_numpy(), calc_second_order=second, seed=results.study.design.seed)
    frame = indices.to_df()[:2] if second else indices.to_df()
    total, first = frame
    return pd.DataFrame(
        {
            "factor": problem["names"],
            "S1": first["S1"].to_numpy(),
            "S1_conf": first["S1_conf"].to_numpy(),
            "ST": total["ST"].to_numpy(),
            "ST_conf": total["ST_conf"].to_numpy(),
        }
    )


def morris_indices(results: SweepResults, outcome: str) -> pd.DataFrame:
    """Morris elementary effects: mu* (with a 95% bootstrap interval) and sigma, in outcome units per unit quantile."""
    from SALib.analyze import morris

    y = results.per_design_row(outcome)
    if y.isna().any():
        raise ResultsError(f"Morris indices for {outcome} need every design row; {int(y.isna().sum())} rows have no result")
    study = results.study
    x = study.unit_samples()
    indices = morris.analyze(study.salib_problem(), x, y.to_numpy(), num_levels=study.design.levels, seed=study.design.seed)
    return pd.DataFrame(
        {
            "factor": study.factors,
            "mu_star": indices["mu_star"],
            "mu_star_conf": indices["mu_star_conf"],
            "sigma": indices["sigma"],
        }
    )


# When sensitivity indices are too uncertain to read (docs/sweeps.md, "Reading the indices"). Below
# these sizes SALib's own bootstrap intervals are unreliable; above them, the intervals decide.
SOBOL_MIN_BASE = 64  # Saltelli base sample N
MORRIS_MIN_TRAJECTORIES = 10  # r, the usual minimum for screening
SOBOL_MAX_HALF_WIDTH = 0.1  # widest 95% half-width of S1 or ST that still ranks factors
MORRIS_MAX_RELATIVE_CONF = 0.5  # mu* interval over mu*, for the factors that matter (mu* >= 10% of the largest)


class SampleSizeWarning(UserWarning):
    """Sensitivity indices from too small a sample, or with intervals too wide to read."""


def sobol_warnings(indices: pd.DataFrame, base_samples: int) -> list[str]:
    """Why these Sobol indices should not be read as results; empty when they can be."""
    found = []
    if base_samples < SOBOL_MIN_BASE:
        found.append(f"base sample N = {base_samples} is below {SOBOL_MIN_BASE}")
    widest = float(indices[["S1_conf", "ST_conf"]].max().max())
    if widest > SOBOL_MAX_HALF_WIDTH:
        found.append(f"95% intervals up to ±{widest:.2f}, wider than ±{SOBOL_MAX_HALF_WIDTH:g}")
    outside = indices.loc[outside_unit_interval(indices), "factor"].tolist()
    if outside:
        found.append(f"indices outside [0, 1] (sampling error) for {', '.join(outside)}")
    return found


def outside_unit_interval(indices: pd.DataFrame) -> pd.Series:
    """Factors with a Sobol index below 0 or above 1: impossible values, so sampling error."""
    values = indices[["S1", "ST"]]
    return ((values < 0) | (values > 1)).any(axis=1)


def morris_warnings(indices: pd.DataFrame, trajectories: int) -> list[str]:
    """Why these Morris screening results should not be read as results; empty when they can be."""
    found = []
    if trajectories < MORRIS_MIN_TRAJECTORIES:
        found.append(f"{trajectories} trajectories, below {MORRIS_MIN_TRAJECTORIES}")
    largest = float(indices["mu_star"].max())
    matters = indices[indices["mu_star"] >= 0.1 * largest] if largest > 0 else indices.iloc[0:0]
    loose = matters.loc[matters["mu_star_conf"] > MORRIS_MAX_RELATIVE_CONF * matters["mu_star"], "factor"].tolist()
    if loose:
        found.append(f"mu* intervals wider than {MORRIS_MAX_RELATIVE_CONF:.0%} of mu* for {', '.join(loose)}")
    return found


# The index that ranks the factors of each design: the total effect (Sobol), mu* (Morris).
RANKING_INDEX = {"sobol": "ST", "morris": "mu_star"}
INDEX_NAMES = {"ST": "the total Sobol index ST", "mu_star": "Morris' mu*"}


def factor_ranking(indices: dict[str, pd.DataFrame], index: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the factors on every outcome at once, from each outcome's sensitivity indices.

    Returns the ranks (1 = the factor with the largest `index` on that outcome; equal values share a
    rank) and the index as a share of the outcome's largest, so that outcomes in different units can
    be read side by side. Rows are ordered by that share averaged over the outcomes, most influential
    first; columns are the outcomes, in the order given.
    """
    share = pd.DataFrame(
        {outcome: (f.set_index("factor")[index] / max(f[index].max(), 1e-300)).clip(lower=0.0) for outcome, f in indices.items()}
    )
    share = share.loc[share.mean(axis=1).sort_values(ascending=False, kind="stable").index]
    ranks = share.round(6).rank(ascending=False, method="min").astype(int)  # no rank flips on last-bit noise
    return ranks, share


# A tornado swing is negligible below this share of the mean (or, for a date, this many years).
NEGLIGIBLE_RELATIVE = 0.01
NEGLIGIBLE_YEARS = 0.1


def tornado(runs: pd.DataFrame, factors: list[str], outcome: str, share: float = 0.2) -> pd.DataFrame:
    """How the outcome's mean moves between the runs with each factor in its bottom and top `share`.

    Read from the sampled runs themselves (Monte Carlo, LHS or Sobol), not from one-at-a-time
    reruns, so it shows each factor's effect averaged over the others. `low` and `high` are the
    means; `low_change` and `high_change` their distance from the mean over all runs, relative to
    it (years for a date). `negligible` marks a swing too small to matter, `within_noise` one within
    two standard errors of zero (more runs would tell).
    """
    y = outcome_values(runs, outcome)
    centre = float(y.mean())
    is_date = OUTCOMES[outcome].kind == "date"
    rows = []
    for factor in factors:
        low_cut, high_cut = runs[factor].quantile([share, 1 - share])
        low, high = y[runs[factor] <= low_cut], y[runs[factor] >= high_cut]
        noise = float(np.sqrt(low.var() / max(len(low), 1) + high.var() / max(len(high), 1)))
        rows.append({"factor": factor, "low": float(low.mean()), "high": float(high.mean()), "noise": noise})
    frame = pd.DataFrame(rows)
    scale = 1.0 if is_date or centre == 0 else abs(centre)
    frame["low_change"] = (frame["low"] - centre) / scale
    frame["high_change"] = (frame["high"] - centre) / scale
    frame["swing"] = (frame["high"] - frame["low"]).abs()
    floor = NEGLIGIBLE_YEARS if is_date else NEGLIGIBLE_RELATIVE * abs(centre)
    frame["negligible"] = frame["swing"] < floor
    frame["within_noise"] = ~frame["negligible"] & (frame["swing"] < 2 * frame["noise"].fillna(np.inf))
    return frame.sort_values("swing", ascending=False).reset_index(drop=True)


def fan(series: pd.DataFrame, column: str, qs: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)) -> pd.DataFrame:
    """Percentiles of a monthly series across runs, one row per month."""
    grouped = series.groupby("month")
    frame = grouped[column].quantile(list(qs)).unstack()
    frame.columns = [f"p{round(q * 100)}" for q in qs]
    frame.insert(0, "year", grouped["year"].first())
    return frame.reset_index()
