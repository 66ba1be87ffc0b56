"""The EMA Workbench, both ways.

- `to_ema(folders)`: stored sweeps (`peakdata sweep`, `compare`, `robustness`) as the Workbench's
  `(experiments, outcomes)` pair, for PRIM, CART and feature scoring.
- `peakdata_model(...)`: PeakData as a Workbench `Model`, so that `perform_experiments` runs it with
  the Workbench's own samplers and evaluators (`SequentialEvaluator`, or `multiprocessing_evaluator`:
  the Workbench's `MultiprocessingEvaluator` with its workers started safely).

Conventions shared by both: a date a run does not reach by its horizon counts as the horizon year,
and a lever with a set of choices is categorical (a `CategoricalParameter`), not a number.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments.analysis import SweepResults, outcome_values
from sim.experiments.study import load_study
from sim.levers import LEVER_BY_NAME
from sim.outcomes import OUTCOMES
from sim.params import ALWAYS, Distribution, Levers, ParamsError, Uncertainties, field_bounds, load_scenario

ROOT = Path(__file__).resolve().parents[2]
# What a Workbench model reports unless told otherwise: the headline outcomes of `compare`.
EMA_OUTCOMES = (
    "public_exhaustion_year",
    "data_wall_year",
    "private_share_2030",
    "synthetic_share_2035",
    "paid_data_spend_usd_2030",
    "frontier_loss_2035",
    "privacy_incidents_total",
)


# --- the Workbench runs PeakData ----------------------------------------------------------------------


def run_for_ema(scenario: str, seed: int = 0, outcomes: Sequence[str] = EMA_OUTCOMES, **values: Any) -> dict[str, float]:
    """One PeakData run as the Workbench calls a model function: values by name in, outcomes by name out.

    `values` are uncertainties and levers, applied to `scenario` as `MarketParams.with_overrides`
    does (a lever keeps the scenario's effective year). A date not reached counts as the horizon.
    """
    from sim.metrics import run_summary
    from sim.model import DataMarketModel

    params = load_scenario(scenario).with_overrides(**{k: _plain(v) for k, v in values.items()})
    summary = run_summary(DataMarketModel(params, rng=int(seed)).run())
    row = pd.DataFrame([summary])
    return {name: float(outcome_values(row, name).iat[0]) for name in outcomes}


def peakdata_model(
    scenario: str | Path = ROOT / "scenarios" / "baseline.toml",
    uncertainties: str | Path | None = ROOT / "scenarios" / "sensitivity.toml",
    levers: Sequence[Any] = (),
    outcomes: Sequence[str] = EMA_OUTCOMES,
    replications: int = 1,
    name: str = "peakdata",
):
    """PeakData as an EMA Workbench model.

    - `scenario`: the scenario every experiment starts from.
    - `uncertainties`: a study file whose `[uncertainties]` become the model's uncertainties, each with
      its prior (a `RealParameter.from_dist`, truncated to the field's allowed range, so the Workbench's
      samplers draw from the same beliefs as `peakdata sweep`); None for none.
    - `levers`: lever names, or the Workbench's own parameters. A named lever with choices becomes a
      `BooleanParameter` or `CategoricalParameter`; a numeric one a `RealParameter` over its allowed
      range, which must be closed (otherwise pass a `RealParameter` with the range you want).
    - `outcomes`: names from the outcome registry, as `ScalarOutcome`s.
    - `replications`: seeds 0..n-1. One gives a `Model` run on seed 0; more a `ReplicatorModel`,
      whose outcomes are each the mean over the seeds.
    """
    from ema_workbench import Constant, Model, ReplicatorModel, ScalarOutcome

    if not isinstance(replications, int) or replications < 1:
        raise ParamsError(f"replications = {replications!r}: allowed: a whole number >= 1")
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        raise ParamsError(f"outcomes {unknown}: not in the outcome registry; allowed: {', '.join(OUTCOMES)}")
    load_scenario(scenario)  # a bad file fails here, not in every worker
    model = (Model if replications == 1 else ReplicatorModel)(name, function=run_for_ema)
    if uncertainties is not None:
        distributions = load_study(uncertainties).distributions
        model.uncertainties = [_uncertainty(n, d) for n, d in distributions.items()]
    model.levers = [_lever(lever) for lever in levers]
    model.constants = [Constant("scenario", str(Path(scenario).resolve())), Constant("outcomes", tuple(outcomes))]
    if replications == 1:
        model.constants = [*model.constants, Constant("seed", 0)]
    else:
        model.replications = [{"seed": seed} for seed in range(replications)]
    # With replications, the Workbench hands each outcome over as a list, one value per seed: report the mean.
    model.outcomes = [ScalarOutcome(o, kind=ScalarOutcome.INFO, function=np.mean if replications > 1 else None) for o in outcomes]
    return model


def multiprocessing_evaluator(msis, n_processes: int | None = None, start_method: str = "forkserver", **kwargs):
    """The Workbench's `MultiprocessingEvaluator`, whose worker processes start with `start_method`.

    The Workbench starts its pool with the process's default start method, `fork` on Linux before
    Python 3.14, after it has started a thread of its own (the log reader): forking a process with
    threads can deadlock the child, and Python warns about it. This evaluator starts the pool's workers
    with a fork server (or `spawn`) instead; the results are the same. Use it as the Workbench's own:
    ``with multiprocessing_evaluator(model, n_processes=2) as evaluator: perform_experiments(...)``.
    """
    from ema_workbench import MultiprocessingEvaluator

    if start_method not in ("forkserver", "spawn"):
        raise ParamsError(f"start_method = {start_method!r}: allowed: 'forkserver' or 'spawn' (safe with threads)")

    class SafeStartEvaluator(MultiprocessingEvaluator):
        def initialize(self):
            # The Workbench builds its queue and pool from the default context: switch it while they are made.
            previous = multiprocessing.get_start_method(allow_none=True)
            multiprocessing.set_start_method(start_method, force=True)
            try:
                return super().initialize()
            finally:
                multiprocessing.set_start_method(previous, force=True)

    return SafeStartEvaluator(msis, n_processes=n_processes, **kwargs)


def _uncertainty(name: str, dist: Distribution):
    from ema_workbench import CategoricalParameter, RealParameter

    if dist.dist == "choice":
        return CategoricalParameter(name, list(dist.values))
    # Truncated to the field's range, as a sweep's samples are (sim/experiments/study.py).
    return RealParameter.from_dist(name, _Prior(dist, field_bounds(Uncertainties, name))())


class _Prior(stats.rv_continuous):
    """A study's distribution, truncated to the field's allowed range, as a scipy distribution."""

    def __init__(self, dist: Distribution, bounds: tuple[float, float]):
        low, high = dist.ppf(np.array([0.0]), bounds)[0], dist.ppf(np.array([1.0 - 1e-12]), bounds)[0]
        super().__init__(a=low, b=high, name="peakdata_prior")
        self.dist_spec, self.bounds = dist, bounds

    def _updated_ctor_param(self):  # what scipy passes to __init__ when it freezes or copies the distribution
        return {"dist": self.dist_spec, "bounds": self.bounds}

    def _ppf(self, q):
        return self.dist_spec.ppf(q, self.bounds)

    def _cdf(self, x):
        frozen = self.dist_spec._frozen()
        low, high = frozen.cdf(self.bounds[0]), frozen.cdf(self.bounds[1])
        return np.clip((frozen.cdf(x) - low) / (high - low), 0.0, 1.0)


def _lever(lever: Any):
    from ema_workbench import BooleanParameter, CategoricalParameter, RealParameter
    from ema_workbench.em_framework.parameters import Parameter

    if isinstance(lever, Parameter):
        return lever
    spec = LEVER_BY_NAME.get(lever)
    if spec is None:
        raise ParamsError(f"lever {lever!r}: allowed: {', '.join(LEVER_BY_NAME)} (or an ema_workbench parameter)")
    if spec.annotation is bool:
        return BooleanParameter(spec.name)
    if spec.choices:
        return CategoricalParameter(spec.name, list(spec.choices))
    low = spec.bounds.get("ge", spec.bounds.get("gt"))
    high = spec.bounds.get("le", spec.bounds.get("lt"))
    if low is None or high is None or not np.isfinite([low, high]).all():
        raise ParamsError(
            f"lever {lever!r}: its allowed range ({spec.describe_range()}) is open; pass "
            f"RealParameter({lever!r}, low, high) with the range to explore"
        )
    return RealParameter(spec.name, low, high)


def _plain(value: Any) -> Any:
    """A Workbench value as the scenario schema takes it (numpy scalars to Python ones)."""
    return value.item() if hasattr(value, "item") else value


# --- stored sweeps for the Workbench's analyses -----------------------------------------------------------


def to_ema(folders: list[str | Path], series: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Sweep folders as the EMA Workbench's `(experiments, outcomes)` pair, ready for PRIM or CART.

    `experiments` has one row per successful run: the sampled uncertainties, each lever's value
    (and its effective year as `<lever>_year` when it has one), `scenario` (the design row),
    `policy` (the folder's name: for `compare` and `robustness`, the policy file's name), `model`
    and `seed`. `outcomes` maps each scalar outcome, with
    censored dates at the horizon, to an array aligned with the rows, and each requested monthly
    series to an array of shape (runs, months).
    """
    experiments, outcomes = [], {}
    for folder in folders:
        results = SweepResults.load(folder)
        runs = results.runs
        design = results.design.drop_duplicates("run_id").set_index("run_id")
        frame = runs[["run_id", "seed", *results.factors]].copy()
        frame["scenario"] = frame["run_id"].map(design["row"]).to_numpy()
        levers = results.study.params.levers
        for name in Levers.model_fields:
            lever = getattr(levers, name)
            frame[name] = lever.value
            if lever.year != ALWAYS:
                frame[f"{name}_year"] = lever.year
        frame["policy"] = results.folder.name
        frame["model"] = "peakdata"
        experiments.append(frame)
        for outcome in results.outcomes:
            outcomes.setdefault(outcome, []).append(outcome_values(runs, outcome).to_numpy())
        if series:
            monthly = results.series(list(series)).set_index(["run_id", "month"])
            for column in series:
                wide = monthly[column].unstack("month").reindex(runs["run_id"])
                outcomes.setdefault(column, []).append(wide.to_numpy())
    table = pd.concat(experiments, ignore_index=True).drop(columns="run_id")
    # Levers with a set of choices are categorical, as the Workbench's CategoricalParameter: PRIM, CART and
    # feature scoring then treat them as categories rather than as numbers.
    choices = [name for name, lever in LEVER_BY_NAME.items() if lever.choices and lever.annotation is not bool]
    for column in ("policy", "model", *choices):
        table[column] = table[column].astype("category")
    return table, {name: np.concatenate(parts) for name, parts in outcomes.items()}
