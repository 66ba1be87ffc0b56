"""A sensitivity study from Python: load a study, run it on local processes, read the results.

    .venv/bin/python docs/examples/sweep_api.py [--out results/example_sweep] [--samples 16]

The same study runs from the shell as `peakdata sweep scenarios/sensitivity.toml --out DIR` (Morris
screening). Here it runs as a Sobol design instead, cut down (a base sample of 16, a 2032 horizon) so it
finishes in a few minutes: too small for its indices to be read, as the report says.
"""

from __future__ import annotations

import argparse

from sim import SweepResults, load_study, run_sweep, write_report
from sim.experiments.analysis import censored_percentiles, sobol_indices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="results/example_sweep")
    parser.add_argument("--samples", default=16, type=int, help="Sobol base sample N (runs: N x (factors + 2))")
    args = parser.parse_args()

    study = load_study("scenarios/sensitivity.toml", kind="sobol", samples=args.samples)
    study = study.model_copy(update={"params": study.params.with_overrides(end="2032-12")})
    print(f"{len(study.runs())} runs over {', '.join(study.factors)}")

    # Any concurrent.futures executor works: executor="serial", "process", or dask="local" / "tcp://...".
    outcome = run_sweep(study, args.out, executor="process")
    print(f"{outcome.ran} runs in {outcome.wall_seconds:.0f} s, {outcome.failed} failed")

    results = SweepResults.load(args.out)
    p10, p50, p90 = censored_percentiles(results.runs, "public_exhaustion_year")
    print(
        f"public exhaustion: median {p50.format('public_exhaustion_year')}, 10-90%: {p10.value:.2f}-{p90.format('public_exhaustion_year')}"
    )
    print(sobol_indices(results, "public_exhaustion_year").round(3).to_string(index=False))
    print(f"report: {write_report(args.out)}")


if __name__ == "__main__":
    main()
