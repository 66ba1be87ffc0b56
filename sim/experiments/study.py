"""A study: a scenario, distributions over its uncertainties, a design and the outcomes to analyse.

The design turns the distributions into runs. Every design first draws points in the unit
hypercube (one column per uncertainty) and maps them through each distribution's quantile
function, so Monte Carlo, Latin hypercube, Sobol and Morris treat every distribution alike.
Each run gets a seed from ``numpy.random.SeedSequence.spawn`` and a stable id derived from its
parameter values and seed, which is what lets an interrupted sweep resume.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator
from scipy.stats import qmc

from sim.outcomes import OUTCOMES
from sim.params import Distribution, MarketParams, ParamsError, Uncertainties, _format, _Strict, field_bounds, read_scenario

DesignKind = Literal["grid", "monte_carlo", "lhs", "sobol", "morris", "points"]
DEFAULT_OUTCOMES = (
    "public_exhaustion_year",
    "data_wall_year",
    "exhaustion_dataset_tokens",
    "exhaustion_compute_flop",
    "private_share_2030",
    "private_share_2035",
    "synthetic_share_2035",
    "frontier_loss_2035",
)


class Design(_Strict):
    """How to sample the uncertainties, and how many times to run each point."""

    kind: DesignKind = "monte_carlo"
    samples: int = Field(
        64, ge=1, le=1_000_000, description="Points (Monte Carlo, LHS), base sample N (Sobol), trajectories (Morris)"
    )
    levels: int = Field(4, ge=2, le=1000, description="Levels per uncertainty (grid, Morris)")
    replications: int = Field(1, ge=1, le=100_000, description="Seeds per design point")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root of every seed in the study")
    common_random_numbers: bool | None = Field(
        None, description="Reuse the replication seeds at every point; default: yes for grid, Sobol and Morris"
    )
    second_order: bool = Field(False, description="Sobol: also estimate second-order indices")
    points: tuple[tuple[float, ...], ...] | None = Field(
        None,
        description="Points (kind = 'points'): one row per point, each uncertainty's quantile in [0, 1], in the study's order",
    )
    timeseries: bool = Field(True, description="Store the monthly series of every run")

    @property
    def crn(self) -> bool:
        if self.common_random_numbers is not None:
            return self.common_random_numbers
        return self.kind not in ("monte_carlo", "lhs")


class Study(_Strict):
    """Everything a sweep needs; `runs()` expands it into one row per run."""

    params: MarketParams = MarketParams()
    distributions: dict[str, Distribution] = Field(default_factory=dict)
    design: Design = Design()
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES

    @model_validator(mode="after")
    def _check(self) -> Study:
        unknown = [name for name in self.distributions if name not in Uncertainties.model_fields]
        if unknown:
            raise ValueError(f"distributions.{unknown[0]}: not an uncertainty; allowed: {', '.join(Uncertainties.model_fields)}")
        bad = [name for name in self.outcomes if name not in OUTCOMES]
        if bad:
            raise ValueError(f"outcomes: {bad[0]!r} is not an outcome; allowed: {', '.join(OUTCOMES)}")
        if self.design.kind in ("sobol", "morris") and not self.distributions:
            raise ValueError(f"design.kind = {self.design.kind!r} needs at least one uncertainty with a distribution")
        if self.design.kind == "points":
            points = self.design.points
            if not points:
                raise ValueError("design.kind = 'points' needs design.points = [[...], ...]")
            for i, point in enumerate(points):
                if len(point) != len(self.factors):
                    raise ValueError(
                        f"design.points[{i}]: {len(point)} values; allowed: one per uncertainty ({len(self.factors)})"
                    )
                if not all(0.0 <= q <= 1.0 for q in point):
                    raise ValueError(f"design.points[{i}] = {list(point)}: allowed: quantiles >= 0 and <= 1")
        return self

    @property
    def factors(self) -> list[str]:
        return list(self.distributions)

    def config_hash(self) -> str:
        """A fingerprint of everything that determines the results."""
        text = json.dumps(self.model_dump(), sort_keys=True, default=str)  # json.dumps, unlike pydantic, keeps inf
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def unit_samples(self) -> np.ndarray:
        """Design points in the unit hypercube, one column per factor, before the distributions."""
        design, d = self.design, len(self.factors)
        if d == 0:
            return np.empty((1, 0))
        if design.kind == "monte_carlo":
            return np.random.default_rng(design.seed).random((design.samples, d))
        if design.kind == "lhs":
            return qmc.LatinHypercube(d, rng=np.random.default_rng(design.seed)).random(design.samples)
        if design.kind == "points":
            return np.array(design.points, dtype=float)
        if design.kind == "grid":
            levels = [_grid_levels(self.distributions[name], design.levels) for name in self.factors]
            return np.array(list(itertools.product(*levels)), dtype=float)
        from SALib.sample import morris, sobol

        problem = self.salib_problem()
        if design.kind == "sobol":
            return sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=design.seed)
        return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)

    def salib_problem(self) -> dict[str, Any]:
        """SALib's problem, in the unit hypercube: the distributions are applied afterwards."""
        return {"num_vars": len(self.factors), "names": self.factors, "bounds": [[0.0, 1.0]] * len(self.factors)}

    def values(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        """Each factor's values at points of the unit hypercube (rows; one column per factor, in the study's order)."""
        return {
            name: self.distributions[name].ppf(np.clip(unit[:, j], 1e-12, 1 - 1e-12), field_bounds(Uncertainties, name))
            for j, name in enumerate(self.factors)
        }

    def runs(self) -> pd.DataFrame:
        """One row per run: design row, replication, seed, run id and the value of each factor."""
        unit = self.unit_samples()
        if self.design.kind == "morris":
            # Morris levels include 0 and 1; use the middle of each equal-probability bin instead,
            # so unbounded distributions stay finite.
            unit = (unit * (self.design.levels - 1) + 0.5) / self.design.levels
        values = self.values(unit)
        n_rows, reps = unit.shape[0], self.design.replications
        root = np.random.SeedSequence(self.design.seed)
        children = root.spawn(reps if self.design.crn else n_rows * reps)
        states = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
        rows = np.repeat(np.arange(n_rows), reps)
        replication = np.tile(np.arange(reps), n_rows)
        seeds = [states[r] for r in replication] if self.design.crn else states
        table = pd.DataFrame({"row": rows, "replication": replication, "seed": np.array(seeds, dtype=np.int64)})
        for name, column in values.items():
            table[name] = column[rows]
        table.insert(0, "run_id", [run_id(self.run_factors(table, i), s) for i, s in enumerate(seeds)])
        return table

    def run_factors(self, table: pd.DataFrame, i: int) -> dict[str, float]:
        return {name: float(table[name].iat[i]) for name in self.factors}


def _grid_levels(dist: Distribution, levels: int) -> np.ndarray:
    if dist.dist == "choice":
        return (np.arange(len(dist.values)) + 0.5) / len(dist.values)
    return (np.arange(levels) + 0.5) / levels


def run_id(factors: dict[str, float], seed: int) -> str:
    """A stable id for one run: the same parameter values and seed always give the same id."""
    text = json.dumps({"factors": {k: repr(float(v)) for k, v in sorted(factors.items())}, "seed": int(seed)})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_study(path: str | Path, **design_overrides: Any) -> Study:
    """Read a scenario file with its distributions, `[design]` and `outcomes` into a Study."""
    params, distributions, tables = read_scenario(path)
    design = {**tables.get("design", {}), **{k: v for k, v in design_overrides.items() if v is not None}}
    data = {"params": params, "distributions": distributions, "design": design}
    if "outcomes" in tables:
        data["outcomes"] = tables["outcomes"]
    try:
        return Study.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_format(err, str(path), sections={"design": Design})) from None
