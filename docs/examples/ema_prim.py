"""Scenario discovery with the EMA Workbench's PRIM on PeakData results.

    .venv/bin/python docs/examples/ema_prim.py [--out results/ema_example] [--samples 40]

Runs the baseline and the opt-in crawling policy in the same Latin-hypercube worlds (the
uncertainties of scenarios/sensitivity.toml), exports them as EMA's (experiments, outcomes), and
asks PRIM which uncertainties explain the worlds where the data wall comes before 2028.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ema_workbench.analysis import prim

from sim.experiments.ema import to_ema
from sim.experiments.policy import robustness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/ema_example", type=Path)
    parser.add_argument("--samples", default=40, type=int)
    args = parser.parse_args()

    policies = [Path("scenarios/baseline.toml"), Path("scenarios/policies/opt_in_crawling.toml")]
    robustness(policies, Path("scenarios/sensitivity.toml"), args.out, outcome="data_wall_year", samples=args.samples)
    experiments, outcomes = to_ema([args.out / "baseline", args.out / "opt_in_crawling"])

    early_wall = outcomes["data_wall_year"] < 2028.0
    print(f"{early_wall.mean():.0%} of {len(early_wall)} runs hit the data wall before 2028")
    uncertainties = [
        c for c in experiments.columns if c not in ("scenario", "policy", "model", "seed") and experiments[c].nunique() > 1
    ]
    box = prim.Prim(experiments[uncertainties], early_wall, mass_min=0.1).find_box()
    # Coverage, density and the box's limits on each uncertainty. (`box.inspect()` would print the same, but the
    # Workbench 3.0 cannot tabulate a categorical limit, such as opt_out_regime's, with pandas 3.)
    print(box.peeling_trajectory.iloc[box._cur_box][["coverage", "density", "mass", "res_dim"]].to_string())
    print(box.box_lims[box._cur_box].to_string())


if __name__ == "__main__":
    main()
