"""`peakdata calibrate`: history matching against what has been observed, 2020-2026, and forecasts from what is left.

History matching (Craig et al. 1997; Vernon, Goldstein & Bower 2010; for an individual-based model, Andrianakis et
al. 2015) rules out the parts of the uncertainties' prior space whose runs cannot match the observations, wave by
wave:

1. A space-filling design of points in the space not yet ruled out (the first wave: the whole prior, a Latin
   hypercube over the quantiles of each uncertainty), each run with several seeds through the sweep runner
   (`run_sweep`: resumable, failures isolated, Dask-ready), so that the ensemble's own variance is measured.
2. For each observation, an emulator of the run's output (mean over seeds, on the observation's scale) as a function
   of the point: a Gaussian process (scikit-learn), validated by leave-one-out before it is used.
3. The implausibility of a point for observation j,
   I_j(x) = |z_j - E[f_j(x)]| / sqrt(V_obs + V_discrepancy + V_emulator(x) + V_ensemble),
   and the point is ruled out when the second-largest I_j exceeds the cut-off (3, Pukelsheim's three-sigma rule for
   unimodal distributions; the largest when fewer than three observations are matched).
4. Waves until the space left stops shrinking; then runs of the simulator itself in the final region, to the
   scenario's horizon, give the calibrated forecasts, beside the same number of runs from the prior.

Observations are data (`scenarios/observations.toml`, rendered in docs/calibration.md). `until` keeps only those
up to a year, and scores the forecasts of the later ones (coverage of the 80% and 95% predictive intervals).
"""

from __future__ import annotations

import math
import os
import textwrap
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator
from scipy.stats import qmc

from sim.errors import UserError
from sim.experiments.analysis import SweepResults
from sim.experiments.study import Design, Study, load_study
from sim.experiments.sweep import run_sweep
from sim.metrics import reporters
from sim.outcomes import OUTCOMES, annual_mean, annual_sum
from sim.params import ParamsError, _format, _Strict

# A run whose value is zero or negative, for an observation compared on a log scale, is read as this many decades
# below the observed value: far, but finite, so that it neither breaks the emulator nor passes.
LOG_FLOOR_DECADES = 6.0
# The forecasts' runs take seeds from the study's seed plus this, apart from the waves' (seed + wave number).
FORECAST_SEED_OFFSET = 1000


class CalibrationError(UserError):
    """A calibration that cannot start: a bad observation file or study."""


class Observation(_Strict):
    """One thing measured in the world, that the model reports: its value, its error, its date and its source."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    quantity: str = Field(description="A monthly series (docs/model.md, 'Outputs') or an outcome (sim/outcomes.py)")
    statistic: Literal["annual_mean", "annual_sum", "at", "outcome"]
    year: int = Field(ge=2000, le=2100, description="The calendar year it was observed")
    date: float | None = Field(None, ge=2000.0, le=2101.0, description="For statistic = 'at': the decimal year read")
    value: float
    scale: Literal["linear", "log10"] = "linear"
    error: float = Field(gt=0.0, description="One standard deviation of observation error, on the observation's scale")
    discrepancy: float | None = Field(
        None, ge=0.0, description="One standard deviation of model discrepancy (default: the study's factor x error)"
    )
    source: str = Field(min_length=1)
    tag: Literal["V", "M", "S", "D", "P"] = "V"
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> Observation:
        series = self.statistic != "outcome"
        if series and self.quantity not in reporters():
            raise ValueError(f"quantity = {self.quantity!r} is not a monthly series; allowed: {', '.join(sorted(reporters()))}")
        if not series and self.quantity not in OUTCOMES:
            raise ValueError(f"quantity = {self.quantity!r} is not an outcome; allowed: {', '.join(OUTCOMES)}")
        if self.statistic == "at" and self.date is None:
            raise ValueError("statistic = 'at' needs date = <decimal year>")
        if self.scale == "log10" and not self.value > 0:
            raise ValueError(f"value = {self.value!r}: scale = 'log10' needs value > 0")
        if not math.isfinite(self.value):
            raise ValueError(f"value = {self.value!r}: allowed: a finite number")
        return self

    def discrepancy_sd(self, factor: float) -> float:
        """One standard deviation of model discrepancy: its own, or `factor` times its error (the study's choice)."""
        return self.discrepancy if self.discrepancy is not None else factor * self.error

    @property
    def observed(self) -> float:
        """The value on the observation's scale."""
        return math.log10(self.value) if self.scale == "log10" else self.value

    def on_scale(self, values: np.ndarray) -> np.ndarray:
        """Values of the quantity, as runs report them, on the observation's scale."""
        values = np.asarray(values, dtype=float)
        if self.scale == "linear":
            return values
        floor = self.value * 10.0**-LOG_FLOOR_DECADES
        return np.log10(np.where(values > floor, values, floor))

    def measure(self, summary: dict[str, Any], series: pd.DataFrame | dict[str, list] | None) -> float:
        """The quantity of one run: its outcome, or its monthly series over the year or at the date."""
        if self.statistic == "outcome":
            value = summary.get(self.quantity)
            return float(value) if value is not None else math.nan
        if series is None:
            return math.nan
        if self.statistic == "annual_mean":
            return annual_mean(series, self.quantity, self.year)
        if self.statistic == "annual_sum":
            return annual_sum(series, self.quantity, self.year)
        years = np.asarray(series["year"], dtype=float)
        month = np.flatnonzero((years <= self.date + 1e-9) & (years > self.date - 1.0 / 12.0 - 1e-9))
        return float(np.asarray(series[self.quantity], dtype=float)[month[-1]]) if month.size else math.nan


def load_observations(path: str | Path, until: int | None = None) -> list[Observation]:
    """The observations in a file (``[[observation]]`` tables), up to the calendar year `until` if given."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such observation file") from None
    except tomllib.TOMLDecodeError as err:
        raise CalibrationError(f"{path}: not valid TOML ({err})") from None
    rows = data.get("observation")
    if not isinstance(rows, list) or not rows:
        raise CalibrationError(f"{path}: no [[observation]] tables; allowed: one or more")
    observations = []
    for i, row in enumerate(rows):
        try:
            observations.append(Observation.model_validate(row))
        except ValidationError as err:
            name = row.get("name", i) if isinstance(row, dict) else i
            raise CalibrationError(_format(err, f"{path}: observation {name}")) from None
    names = [o.name for o in observations]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise CalibrationError(f"{path}: observation {duplicate!r} is given twice; allowed: unique names")
    return [o for o in observations if until is None or o.year <= until]


class Settings(_Strict):
    """The `[calibration]` table of a study file."""

    observations: str = Field("observations.toml", description="The observation file, relative to the study file")
    until: int | None = Field(None, ge=2000, le=2100, description="Match only the observations up to this year")
    exclude: tuple[str, ...] = Field((), description="Observations not matched (say why in the study file)")
    points: int = Field(60, ge=8, le=100_000, description="Design points a wave")
    replications: int = Field(3, ge=2, le=1000, description="Seeds a point: the ensemble variance needs two or more")
    max_waves: int = Field(5, ge=1, le=50, description="Waves at most")
    cutoff: float = Field(3.0, gt=0.0, le=100.0, description="Implausibility cut-off")
    discrepancy: float = Field(
        1.0, ge=0.0, le=100.0, description="Model discrepancy, in standard deviations of each observation's error"
    )
    candidates: int = Field(20_000, ge=100, le=10_000_000, description="Points the emulators judge to map the region")
    stop_shrink: float = Field(0.2, ge=0.0, lt=1.0, description="Stop when a wave rules out less than this share of what is left")
    horizon: str = Field("2026-12", pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The last month the waves' runs simulate")
    forecast_points: int = Field(
        40, ge=2, le=100_000, description="Points run to the scenario's end, from the region and the prior"
    )
    seed: int = Field(0, ge=0, le=2**63 - 1)


@dataclass
class Emulator:
    """A Gaussian process for one observation's output over the unit hypercube of the uncertainties, with its
    leave-one-out check (standardised errors of each point predicted from the others)."""

    observation: Observation
    gp: Any
    noise: float  # the fitted nugget, in the output's units squared: the variance of a point's mean over seeds
    ensemble_variance: float  # the variance of one run about its point's mean, pooled over the points
    loo_errors: np.ndarray

    @property
    def loo_within_3(self) -> float:
        """The share of the leave-one-out standardised errors within +-3."""
        return float(np.mean(np.abs(self.loo_errors) <= 3.0))

    @property
    def valid(self) -> bool:
        """At least 95% of the leave-one-out standardised errors within +-3."""
        return self.loo_within_3 >= 0.95

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the emulated output (the variance of the mean function, the nugget taken out)."""
        mean, std = self.gp.predict(unit, return_std=True)
        return mean, np.maximum(std**2 - self.noise, 0.0)


def fit_emulator(observation: Observation, unit: np.ndarray, runs: np.ndarray, seed: int = 0) -> Emulator:
    """An emulator for `observation` from the points `unit` (n x d) and their runs (n x replications, on the
    observation's scale): a GP with a constant times an anisotropic squared-exponential kernel plus a nugget, on the
    points' means, and its leave-one-out check."""
    from scipy.linalg import cho_solve
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    means = runs.mean(axis=1)
    ensemble = float(np.mean(runs.var(axis=1, ddof=1)))
    d = unit.shape[1]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(d, 0.5), (0.02, 50.0)) + WhiteKernel(0.1, (1e-6, 1.0))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(unit, means)
    # Leave-one-out in closed form (Rasmussen & Williams 2006, eq. 5.12), in the GP's normalised units.
    inverse = cho_solve((gp.L_, True), np.eye(len(means)))
    y = gp.y_train_.ravel()
    loo_mean = y - inverse @ y / np.diag(inverse)
    loo_errors = (y - loo_mean) * np.sqrt(np.diag(inverse))
    scale = float(np.atleast_1d(gp._y_train_std)[0]) ** 2
    noise = float(gp.kernel_.k2.noise_level) * scale
    return Emulator(observation, gp, noise, ensemble, loo_errors)


def implausibility(emulators: list[Emulator], unit: np.ndarray, discrepancy: float) -> np.ndarray:
    """Per point (rows) and emulator (columns): |z - E f(x)| / sqrt(V_obs + V_discrepancy + V_emulator + V_ensemble)."""
    out = np.empty((unit.shape[0], len(emulators)))
    for j, emulator in enumerate(emulators):
        o = emulator.observation
        mean, variance = emulator.predict(unit)
        model_discrepancy = o.discrepancy_sd(discrepancy) ** 2
        out[:, j] = np.abs(o.observed - mean) / np.sqrt(o.error**2 + model_discrepancy + variance + emulator.ensemble_variance)
    return out


def ruled_out(scores: np.ndarray, cutoff: float) -> np.ndarray:
    """Points whose second-largest implausibility (the largest, under three observations) exceeds the cut-off."""
    if scores.shape[1] == 0:
        return np.zeros(scores.shape[0], dtype=bool)
    rank = 2 if scores.shape[1] >= 3 else 1
    return np.sort(scores, axis=1)[:, -rank] > cutoff


@dataclass
class Wave:
    """One wave: its points and runs, its emulators, and the space they leave."""

    number: int
    unit: np.ndarray  # its design points
    outputs: dict[str, np.ndarray]  # per observation: points x replications, on the observation's scale
    emulators: list[Emulator]  # the ones that passed their check, used to rule out space
    failed: list[Emulator]  # the ones that did not: not used
    share_left: float  # of the prior space, after this wave
    folder: Path


@dataclass
class Calibration:
    """A finished history match, with its forecasts."""

    study: Study
    settings: Settings
    observations: list[Observation]  # matched
    held_out: list[Observation]  # after `until`: forecast, and scored
    excluded: list[Observation]  # not matched, by the study's choice: shown beside the runs
    waves: list[Wave]
    region: np.ndarray  # points of the final region, from the reference sample (unit hypercube)
    conflicts: list[str]  # observations that no point of the prior matches together with the rest
    forecast: pd.DataFrame  # one row per run: "kind" (prior or calibrated), factors, outcomes, observation values
    folder: Path
    path: Path  # the study file
    forecast_points: dict[str, np.ndarray] = field(default_factory=dict)  # per kind, the points run to the end
    notes: list[str] = field(default_factory=list)

    @property
    def factors(self) -> list[str]:
        return self.study.factors

    @property
    def found_region(self) -> bool:
        return self.region.shape[0] > 0


def load_calibration_study(
    path: str | Path, until: int | None = None
) -> tuple[Study, Settings, list[Observation], list[Observation], list[Observation]]:
    """A study file with a `[calibration]` table: the study, its settings, the observations to match, the held-out
    ones (after `until`, from the option or the file) and the excluded ones (`calibration.exclude`)."""
    from sim.params import read_scenario

    path = Path(path)
    study = load_study(path)
    tables = read_scenario(path)[2]
    try:
        settings = Settings.model_validate(tables.get("calibration", {}))
    except ValidationError as err:
        raise ParamsError(_format(err, str(path)).replace(f"{path}: ", f"{path}: calibration.", 1)) from None
    if until is not None:
        settings = settings.model_copy(update={"until": until})
    if not study.factors:
        raise CalibrationError(f"{path}: no uncertainty has a distribution; allowed: a prior for at least one")
    every = load_observations(path.parent / settings.observations)
    unknown = [name for name in settings.exclude if name not in {o.name for o in every}]
    if unknown:
        raise CalibrationError(
            f"{path}: calibration.exclude: {unknown[0]!r} is not an observation; allowed: {', '.join(o.name for o in every)}"
        )
    excluded = [o for o in every if o.name in settings.exclude]
    every = [o for o in every if o.name not in settings.exclude]
    matched = [o for o in every if settings.until is None or o.year <= settings.until]
    held_out = [o for o in every if settings.until is not None and o.year > settings.until]
    if not matched:
        raise CalibrationError(f"{path}: calibration.until = {settings.until}: no observation up to then; allowed: a later year")
    horizon = int(settings.horizon[:4])
    late = [o for o in matched if o.year > horizon or (o.date or 0) > horizon + 1]
    if late:
        raise CalibrationError(
            f"{path}: calibration.horizon = {settings.horizon!r} ends before observation {late[0].name} ({late[0].year}); "
            "allowed: a horizon at or after the last observation matched"
        )
    return study, settings, matched, held_out, excluded


def _outputs(folder: Path, observations: list[Observation]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A finished sweep's design and, per observation, its runs' values (design rows x replications) on its scale."""
    results = SweepResults.load(folder)
    design, runs = results.design, results.all_runs.set_index("run_id")
    columns = sorted({o.quantity for o in observations if o.statistic != "outcome"})
    series = results.series(columns) if columns else None
    by_run = dict(tuple(series.groupby("run_id"))) if series is not None else {}
    values: dict[str, np.ndarray] = {}
    rows, replications = design["row"].nunique(), design["replication"].nunique()
    for o in observations:
        table = np.full((rows, replications), np.nan)
        for row, rep, run_id in design[["row", "replication", "run_id"]].itertuples(index=False):
            summary = runs.loc[run_id].to_dict() if run_id in runs.index and runs.at[run_id, "status"] == "ok" else None
            if summary is not None:
                table[row, rep] = o.measure(summary, by_run.get(run_id))
        values[o.name] = o.on_scale(table)
    return design, values


def _sweep(study: Study, unit: np.ndarray, folder: Path, settings: Settings, end: str, seed: int, outcomes, **runner) -> None:
    design = Design(kind="points", points=[tuple(map(float, p)) for p in unit], replications=settings.replications, seed=seed)
    wave = study.model_copy(
        update={"design": design, "outcomes": tuple(outcomes), "params": study.params.with_overrides(end=end)}
    )
    run_sweep(Study.model_validate(wave.model_dump()), folder, **runner)


def _training_runs(
    unit: np.ndarray, values: dict[str, np.ndarray], waves: list[Wave], settings: Settings
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A wave's emulators learn from its own runs and from every earlier wave's runs inside the region it samples
    (the points no earlier wave rules out), as Andrianakis et al. (2015) do: more runs where the emulators must be
    accurate, none from the space already ruled out, whose outputs would bend them away from the region."""
    points, tables = [unit], {name: [table] for name, table in values.items()}
    for wave in waves:
        inside = _survives(wave.unit, waves, settings)
        points.append(wave.unit[inside])
        for name in tables:
            tables[name].append(wave.outputs[name][inside])
    return np.vstack(points), {name: np.vstack(parts) for name, parts in tables.items()}


def _spread(candidates: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` of the candidates, spread out: greedy maximin from a random start."""
    if candidates.shape[0] <= n:
        return candidates
    chosen = [int(rng.integers(candidates.shape[0]))]
    distance = np.linalg.norm(candidates - candidates[chosen[0]], axis=1)
    for _ in range(n - 1):
        chosen.append(int(np.argmax(distance)))
        distance = np.minimum(distance, np.linalg.norm(candidates - candidates[chosen[-1]], axis=1))
    return candidates[chosen]


def _refill(region: np.ndarray, waves: list[Wave], settings: Settings, rng: np.random.Generator) -> np.ndarray:
    """More points inside the region than the reference sample holds: its points jittered, kept where no wave rules
    them out."""
    points = region
    for _ in range(20):
        if points.shape[0] >= settings.points:
            break
        parents = points[rng.integers(points.shape[0], size=4 * settings.points)]
        children = np.clip(parents + rng.normal(0.0, 0.03, parents.shape), 0.0, 1.0)
        points = np.vstack([points, children[_survives(children, waves, settings)]])
    return points


def _survives(unit: np.ndarray, waves: list[Wave], settings: Settings) -> np.ndarray:
    keep = np.ones(unit.shape[0], dtype=bool)
    for wave in waves:
        if wave.emulators:
            keep &= ~ruled_out(implausibility(wave.emulators, unit, settings.discrepancy), settings.cutoff)
    return keep


def history_match(
    path: str | Path,
    out: str | Path,
    *,
    until: int | None = None,
    executor: str = "process",
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
    say=print,
) -> Calibration:
    """Match a study's uncertainties to the observations in waves, then run the final region and the prior to the
    scenario's end. Every wave's runs are stored in `out`/wave-N (rerun to resume)."""
    study, settings, observations, held_out, excluded = load_calibration_study(path, until)
    out = Path(out)
    runner = {"executor": executor, "workers": workers, "dask": dask, "progress": progress}
    d = len(study.factors)
    # A scrambled Sobol' sample of the prior space, at least `candidates` points (a power of two keeps its balance).
    reference = qmc.Sobol(d, rng=np.random.default_rng(settings.seed)).random_base2(math.ceil(math.log2(settings.candidates)))
    rng = np.random.default_rng(settings.seed)
    outcomes = sorted({o.quantity for o in observations + held_out + excluded if o.statistic == "outcome"})
    unit = qmc.LatinHypercube(d, rng=rng).random(settings.points)
    waves: list[Wave] = []
    region = reference
    conflicts: list[str] = []
    notes: list[str] = []
    for number in range(1, settings.max_waves + 1):
        folder = out / f"wave-{number}"
        say(f"Wave {number}: {unit.shape[0]} points x {settings.replications} seeds, to {settings.horizon}")
        _sweep(study, unit, folder, settings, settings.horizon, settings.seed + number, outcomes, **runner)
        _, values = _outputs(folder, observations)
        points, training = _training_runs(unit, values, waves, settings)
        emulators, failed = [], []
        for o in observations:
            table = training[o.name]
            usable = ~np.isnan(table).any(axis=1)
            if usable.sum() < 4 or (np.ptp(table[usable]) == 0.0 and np.isclose(table[usable].mean(), o.observed)):
                continue  # nothing to learn: too few runs, or every run gives the observed value
            emulator = fit_emulator(o, points[usable], table[usable], settings.seed)
            (emulators if emulator.valid else failed).append(emulator)
        waves.append(Wave(number, unit, values, emulators, failed, 0.0, folder))
        keep = _survives(reference, waves, settings)
        waves[-1].share_left = float(keep.mean())
        say(
            f"  {len(emulators)} emulators used ({len(failed)} failed leave-one-out); "
            f"{waves[-1].share_left:.2%} of the prior space left"
        )
        region = reference[keep]
        if region.shape[0] == 0:
            conflicts = _conflicts(waves[-1], reference, settings)
            notes.append("No point of the prior space matches every observation: see the conflicts.")
            break
        before = waves[-2].share_left if len(waves) > 1 else 1.0
        if number > 1 and waves[-1].share_left > (1.0 - settings.stop_shrink) * before:
            notes.append(f"Stopped after wave {number}: it ruled out less than {settings.stop_shrink:.0%} of what was left.")
            break
        unit = _spread(_refill(region, waves, settings, rng), settings.points, rng)
    else:
        notes.append(f"Stopped at the most waves allowed ({settings.max_waves}).")
    forecast, points = _forecast(study, settings, region, observations + held_out + excluded, out, rng, outcomes, say, runner)
    return Calibration(
        study, settings, observations, held_out, excluded, waves, region, conflicts, forecast, out, Path(path), points, notes
    )


def _conflicts(wave: Wave, reference: np.ndarray, settings: Settings) -> list[str]:
    """The observations that pull against the rest: those ruled out everywhere on their own, else the ones whose
    removal leaves some of the space."""
    scores = implausibility(wave.emulators, reference, settings.discrepancy)
    alone = [e.observation.name for j, e in enumerate(wave.emulators) if (scores[:, j] > settings.cutoff).all()]
    if alone:
        return alone
    found = []
    for j, emulator in enumerate(wave.emulators):
        rest = np.delete(scores, j, axis=1)
        if (~ruled_out(rest, settings.cutoff)).any():
            found.append(emulator.observation.name)
    return found


def _forecast(
    study, settings, region, observations, out, rng, outcomes, say, runner
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Runs to the scenario's end from the final region and from the prior, with the outcomes and observations; and
    the points run, per kind."""
    from sim.experiments.study import DEFAULT_OUTCOMES

    outcomes = sorted(set(outcomes) | set(DEFAULT_OUTCOMES))
    d = len(study.factors)
    frames = []
    kinds = {"prior": qmc.LatinHypercube(d, rng=rng).random(settings.forecast_points)}
    if region.shape[0]:  # a random draw: the region's points weighted as the prior weights them (maximin would favour its edges)
        kinds["calibrated"] = region[
            np.sort(rng.choice(region.shape[0], min(settings.forecast_points, region.shape[0]), replace=False))
        ]
    for kind, unit in kinds.items():
        folder = out / f"forecast-{kind}"
        say(f"Forecast from the {kind}: {unit.shape[0]} points x {settings.replications} seeds, to {study.params.constants.end}")
        _sweep(
            study, unit, folder, settings, study.params.constants.end, settings.seed + FORECAST_SEED_OFFSET, outcomes, **runner
        )
        design, values = _outputs(folder, observations)
        runs = SweepResults.load(folder).all_runs.set_index("run_id")
        frame = design.join(runs[[c for c in runs.columns if c not in design.columns]], on="run_id")
        for o in observations:
            frame[o.name] = [values[o.name][r, k] for r, k in zip(frame["row"], frame["replication"])]
        frames.append(frame.assign(kind=kind))
    return pd.concat(frames, ignore_index=True), kinds


def predictive_interval(
    calibration: Calibration, observation: Observation, level: float, draws: int = 200
) -> tuple[float, float]:
    """The calibrated runs' predictive interval for an observation: their values plus the observation error and the
    model discrepancy, on the observation's scale."""
    runs = calibration.forecast
    pool = runs[runs["kind"] == ("calibrated" if calibration.found_region else "prior")][observation.name].dropna().to_numpy()
    if pool.size == 0:
        return math.nan, math.nan
    sd = math.hypot(observation.error, observation.discrepancy_sd(calibration.settings.discrepancy))
    rng = np.random.default_rng(calibration.settings.seed)
    noisy = (pool[:, None] + rng.normal(0.0, sd, (pool.size, draws))).ravel()
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(noisy, [tail, 1.0 - tail])
    return float(low), float(high)


def coverage(calibration: Calibration, levels: tuple[float, ...] = (0.8, 0.95)) -> pd.DataFrame:
    """Each held-out observation, its predictive intervals and whether they cover it."""
    rows = []
    for o in calibration.held_out:
        row: dict[str, Any] = {"observation": o.name, "year": o.year, "observed": o.observed, "scale": o.scale}
        for level in levels:
            low, high = predictive_interval(calibration, o, level)
            row[f"low_{level:.0%}"], row[f"high_{level:.0%}"] = low, high
            row[f"in_{level:.0%}"] = bool(low <= o.observed <= high)
        rows.append(row)
    return pd.DataFrame(rows)


# --- the calibrated scenarios ------------------------------------------------------------------


def most_plausible(calibration: Calibration) -> np.ndarray | None:
    """The point of the final region (unit hypercube) whose largest implausibility, over every wave's emulators, is
    the smallest: the one setting of the uncertainties that matches the observations best. None without a region."""
    if not calibration.found_region:
        return None
    emulators = [e for wave in calibration.waves for e in wave.emulators]
    if not emulators:
        return calibration.region[0]
    scores = implausibility(emulators, calibration.region, calibration.settings.discrepancy)
    return calibration.region[int(np.argmin(scores.max(axis=1)))]


def write_calibrated_scenarios(calibration: Calibration, folder: str | Path) -> list[Path]:
    """Two files beside each other in `folder`, both extending the study file, when a region was found:

    - `calibrated.toml`, a scenario: the uncertainties at the most plausible point (`most_plausible`), for one run
      (`peakdata run`, the browser view);
    - `calibrated_region.toml`, a study: the final region's points run for the forecasts, with the same seeds
      (`peakdata sweep` gives the calibrated forecasts' runs again; `peakdata validate` reads its dates).

    Nothing is written, and nothing returned, without a region."""
    from sim.experiments.io import output_set

    point = most_plausible(calibration)
    if point is None:
        return []
    folder = Path(folder)
    study, settings = calibration.study, calibration.settings
    extends = Path(os.path.relpath(calibration.path.resolve(), folder.resolve())).as_posix()
    values = {name: float(column[0]) for name, column in study.values(point[None, :]).items()}
    whence = (
        f"# Written by `peakdata calibrate {calibration.path.name}"
        + (f" --until {settings.until}" if settings.until else "")
        + f"`, from {len(calibration.waves)} waves over {len(calibration.observations)} observations.\n"
    )
    scenario = [
        whence + "# The uncertainties at the most plausible point of the region left (docs/calibration.md, 'History matching').",
        f'extends = "{extends}"',
        'name = "calibrated"',
        f'description = "The baseline at the point of the calibrated region that best matches the observations up to '
        f'{settings.until or max(o.year for o in calibration.observations)}."',
        "",
        "[uncertainties]",
        *(f"{name} = {value!r}" for name, value in values.items()),
    ]
    points = calibration.forecast_points["calibrated"]
    region = [
        whence + "# The calibrated region's points (each uncertainty's prior quantile, in the order of its priors), with the"
        "\n# seeds of the calibrated forecast: `peakdata sweep` runs them again.",
        f'extends = "{extends}"',
        'name = "calibrated_region"',
        f'description = "{len(points)} points of the calibrated region, run to the end: the forecasts conditioned on what has been observed."',
        "",
        "[design]",
        'kind = "points"',
        f"replications = {settings.replications}",
        f"seed = {settings.seed + FORECAST_SEED_OFFSET}",
        "points = [",
        *(f"    [{', '.join(repr(float(v)) for v in p)}]," for p in points),
        "]",
    ]
    with output_set(folder) as staged:
        (staged / "calibrated.toml").write_text("\n".join(scenario) + "\n")
        (staged / "calibrated_region.toml").write_text("\n".join(region) + "\n")
    return [folder / "calibrated.toml", folder / "calibrated_region.toml"]


# --- the report -------------------------------------------------------------------------------

# Epoch's projection of full use of the public stock (Villalobos et al. 2024, §2.5): median 2028, 80% interval 2026-2032.
EPOCH_EXHAUSTION = (2026.0, 2028.0, 2032.0)
HEADLINE_DATES = ("public_exhaustion_year", "high_quality_exhaustion_year", "data_wall_year")


def forecast_table(calibration: Calibration, outcomes: tuple[str, ...] = HEADLINE_DATES) -> pd.DataFrame:
    """Median and 80% interval of each headline outcome, from the prior's runs and the calibrated region's."""
    return date_percentiles(calibration.forecast, outcomes)


def date_percentiles(runs: pd.DataFrame, outcomes: tuple[str, ...] = HEADLINE_DATES) -> pd.DataFrame:
    """Per `kind` of run (prior, calibrated) and outcome: the runs, the 10th, 50th and 90th percentiles. A date a run
    does not reach counts as after its horizon (a censored percentile is written as a bound)."""
    from sim.experiments.analysis import censored_percentiles

    rows = []
    for kind, group in runs.groupby("kind", sort=False):
        for outcome in outcomes:
            if outcome not in group.columns:
                continue
            low, median, high = censored_percentiles(group, outcome)
            rows.append(
                {
                    "outcome": outcome,
                    "from": kind,
                    "runs": len(group),
                    "p10": low.format(outcome),
                    "median": median.format(outcome),
                    "p90": high.format(outcome),
                }
            )
    return pd.DataFrame(rows)


def write_calibration_report(calibration: Calibration) -> Path:
    """`report.md` with its charts and tables in the calibration's folder, written together."""
    from sim.experiments.io import output_set, write_csv, write_parquet

    out = calibration.folder / "report"
    with output_set(out) as staged:
        lines = _report_lines(calibration)
        _pairs_figure(calibration, staged / "region_pairs.png")
        _forecast_figure(calibration, staged / "forecast.png")
        write_csv(_waves_table(calibration), staged / "waves.csv")
        write_csv(_observations_table(calibration), staged / "observations.csv")
        if calibration.found_region:
            write_parquet(pd.DataFrame(calibration.region, columns=calibration.factors), staged / "region.parquet")
        if calibration.held_out:
            write_csv(coverage(calibration), staged / "coverage.csv")
        (staged / "report.md").write_text("\n".join(lines) + "\n")
    return out / "report.md"


def _waves_table(calibration: Calibration) -> pd.DataFrame:
    rows = []
    for wave in calibration.waves:
        for emulator in wave.emulators + wave.failed:
            rows.append(
                {
                    "wave": wave.number,
                    "points": wave.unit.shape[0],
                    "share_left": wave.share_left,
                    "observation": emulator.observation.name,
                    "loo_within_3": emulator.loo_within_3,
                    "used": emulator in wave.emulators,
                }
            )
    return pd.DataFrame(rows)


def _observations_table(calibration: Calibration) -> pd.DataFrame:
    """Each observation beside the runs: the prior's and the calibrated region's 10-90% range, on its scale."""
    runs = calibration.forecast
    rows = []
    for o in calibration.observations + calibration.held_out + calibration.excluded:
        row: dict[str, Any] = {
            "observation": o.name,
            "year": o.year,
            "matched": "yes" if o in calibration.observations else "held out" if o in calibration.held_out else "excluded",
            "scale": o.scale,
            "observed": o.observed,
            "error": o.error,
        }
        for kind in ("prior", "calibrated"):
            values = runs.loc[runs["kind"] == kind, o.name].dropna() if o.name in runs.columns else pd.Series(dtype=float)
            row[f"{kind}_p10"], row[f"{kind}_p90"] = (
                (values.quantile(0.1), values.quantile(0.9)) if len(values) else (math.nan, math.nan)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _report_lines(calibration: Calibration) -> list[str]:
    s, study = calibration.settings, calibration.study
    lines = [
        f"# History matching: {study.params.name}",
        "",
        f"{len(calibration.observations)} observations matched"
        + (f" (up to {s.until}; {len(calibration.held_out)} later ones held out and forecast)" if s.until else "")
        + f", over {len(study.factors)} uncertainties: {', '.join(study.factors)}.",
        f"Each wave: {s.points} points x {s.replications} seeds, to {s.horizon}; cut-off {s.cutoff:g} on the "
        f"{'second-' if len(calibration.observations) >= 3 else ''}largest implausibility; model discrepancy "
        f"{s.discrepancy:g} x each observation's error. Method: docs/calibration.md, 'History matching'.",
        "",
        "## The space left after each wave",
        "",
        "| wave | points | emulators used | failed leave-one-out | share of the prior space left |",
        "|---:|---:|---:|---:|---:|",
    ]
    for wave in calibration.waves:
        failed = ", ".join(e.observation.name for e in wave.failed) or "none"
        lines.append(f"| {wave.number} | {wave.unit.shape[0]} | {len(wave.emulators)} | {failed} | {wave.share_left:.3%} |")
    lines += ["", *[f"- {note}" for note in calibration.notes], ""]
    if calibration.conflicts:
        lines += [
            "## No plausible region",
            "",
            "No point of the prior space matches all the observations together. These pull against the rest: "
            + ", ".join(calibration.conflicts)
            + ". The model cannot produce them with the others at any setting of the uncertainties studied: that is"
            " where it is wrong, or where an observation is not what the model's quantity measures.",
            "",
        ]
    lines += ["## Observations and runs", "", "On each observation's scale (log10 for log quantities).", ""]
    table = _observations_table(calibration)
    lines += [
        "| observation | year | matched | observed | error | prior 10-90% | calibrated 10-90% |",
        "|---|---:|:---:|---:|---:|---|---|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row.observation} | {row.year} | {row.matched} | {row.observed:.3g} | {row.error:.3g} | "
            f"{row.prior_p10:.3g} to {row.prior_p90:.3g} | {row.calibrated_p10:.3g} to {row.calibrated_p90:.3g} |"
        )
    lines += ["", "## Forecasts", "", "![forecast](forecast.png)", ""]
    forecast = forecast_table(calibration)
    lines += ["| outcome | from | 10% | median | 90% |", "|---|---|---:|---:|---:|"]
    lines += [f"| {r['outcome']} | {r['from']} | {r['p10']} | {r['median']} | {r['p90']} |" for r in forecast.to_dict("records")]
    low, median, high = EPOCH_EXHAUSTION
    lines += [
        "",
        f"Epoch's projection of full use of the public stock: median {median:.0f}, 80% interval {low:.0f}-{high:.0f}.",
        "",
    ]
    if calibration.held_out:
        scored = coverage(calibration)
        lines += ["## Out of sample", "", f"Calibrated on observations up to {s.until}; the later ones, forecast:", ""]
        lines += [
            "| observation | year | observed | 80% interval | in | 95% interval | in |",
            "|---|---:|---:|---|:---:|---|:---:|",
        ]
        for row in scored.to_dict("records"):
            lines.append(
                f"| {row['observation']} | {row['year']} | {row['observed']:.3g} | {row['low_80%']:.3g} to {row['high_80%']:.3g} | "
                f"{'yes' if row['in_80%'] else 'no'} | {row['low_95%']:.3g} to {row['high_95%']:.3g} | "
                f"{'yes' if row['in_95%'] else 'no'} |"
            )
        lines += [
            "",
            f"Coverage: {scored['in_80%'].mean():.0%} of {len(scored)} inside the 80% intervals, "
            f"{scored['in_95%'].mean():.0%} inside the 95% intervals.",
            "",
        ]
    if calibration.found_region:
        lines += ["## The final region", "", "![pairs](region_pairs.png)", ""]
    return lines


def _pairs_figure(calibration: Calibration, path: Path) -> None:
    """The final region's points, each pair of uncertainties (in their own units, log axes for log priors), with
    each one's prior (grey) beside the region (blue) on the diagonal."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    from sim.experiments.plots import save_figure

    factors, study = calibration.factors, calibration.study
    d = len(factors)
    fig, axes = plt.subplots(d, d, figsize=(1.9 * d + 1, 1.9 * d + 1), squeeze=False)
    region = calibration.region if calibration.found_region else np.empty((0, d))
    shown = region[np.random.default_rng(0).permutation(region.shape[0])[:2000]]
    grid = np.tile((np.arange(2000) + 0.5)[:, None] / 2000, (1, d))  # the prior, by its quantiles
    priors, inside = study.values(grid), study.values(shown)
    logged = [study.distributions[n].dist in ("loguniform", "lognormal") for n in factors]
    for i in range(d):
        prior = priors[factors[i]]
        edges = np.geomspace(prior.min(), prior.max(), 21) if logged[i] else np.linspace(prior.min(), prior.max(), 21)
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                # shares of points a bin (a bin is a step in log units on log axes)
                ax.hist(
                    prior,
                    bins=edges,
                    weights=np.full(prior.size, 1 / prior.size),
                    histtype="step",
                    color="tab:grey",
                    label="prior",
                )
                ax.hist(
                    inside[factors[i]],
                    bins=edges,
                    weights=np.full(shown.shape[0], 1 / max(shown.shape[0], 1)),
                    color="tab:blue",
                    alpha=0.6,
                    label="region",
                )
                ax.set_yticks([])
            else:
                ax.scatter(inside[factors[j]], inside[factors[i]], s=2, alpha=0.3, color="tab:blue")
                if logged[i]:
                    ax.set_yscale("log")
            if logged[j]:
                ax.set_xscale("log")
            if i == d - 1:
                ax.set_xlabel(factors[j], fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(factors[i], fontsize=7)
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_minor_formatter(NullFormatter())
            # tick labels on the outer panels only
            ax.tick_params(which="both", labelsize=5, labelbottom=i == d - 1, labelleft=j == 0 and i > 0)
    axes[0, 0].legend(fontsize=6, loc="upper right")
    share = calibration.waves[-1].share_left if calibration.waves else 1.0
    fig.suptitle(f"Final region: {share:.2%} of the prior space not ruled out ({region.shape[0]:,} points)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def _forecast_figure(calibration: Calibration, path: Path) -> None:
    """The headline dates from the prior's runs and the calibrated region's, with Epoch's projection marked."""
    import matplotlib.pyplot as plt

    from sim.experiments.plots import save_figure
    from sim.outcomes import OUTCOMES as REGISTRY

    runs = calibration.forecast
    end = float(calibration.study.params.constants.end[:4]) + 1
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for k, outcome in enumerate(HEADLINE_DATES):
        for offset, (kind, colour) in zip((-0.15, 0.15), (("prior", "tab:grey"), ("calibrated", "tab:blue"))):
            values = runs.loc[runs["kind"] == kind, outcome].to_numpy(dtype=float) if outcome in runs.columns else np.array([])
            values = np.where(np.isnan(values), end, values)  # not reached: past the horizon
            if values.size == 0:
                continue
            p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
            ax.plot([p10, p90], [k + offset] * 2, color=colour, linewidth=4, alpha=0.6, label=kind if k == 0 else None)
            ax.plot([p50], [k + offset], "o", color=colour)
    low, median, high = EPOCH_EXHAUSTION
    ax.plot([low, high], [-0.45] * 2, color="tab:red", linewidth=4, alpha=0.6, label="Epoch (public stock)")
    ax.plot([median], [-0.45], "o", color="tab:red")
    labels = [textwrap.fill(REGISTRY[o].label, 22) for o in HEADLINE_DATES]
    ax.set_yticks(range(len(HEADLINE_DATES)), labels, fontsize=8)
    ax.set_xlabel("year (median, 80% interval; past the horizon = not reached)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Forecasts under the prior and the calibrated region", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)


def observations_markdown(observations: list[Observation]) -> str:
    """The observation file as a Markdown table (docs/calibration.md renders it; the tests keep the two in step)."""
    lines = [
        "| observation | quantity | statistic | year | value | scale | error (1 sd) | tag | source |",
        "|---|---|---|---:|---:|---|---:|---|---|",
    ]
    for o in observations:
        when = f"{o.date:.2f}" if o.date is not None else str(o.year)
        source = o.source.replace("|", "/")
        lines.append(
            f"| {o.name} | `{o.quantity}` | {o.statistic} | {when} | {o.value:.3g} | {o.scale} | {o.error:.3g} | {o.tag} | {source} |"
        )
    return "\n".join(lines)
