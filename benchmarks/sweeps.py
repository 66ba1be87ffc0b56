"""Sweep throughput and memory: our runner at 1 and 2 workers against `mesa.batch_run` on the same runs.

    .venv/bin/python -m benchmarks.sweeps [--runs 40] [--memory-runs 200 2000] [--repeats 3]

Every measurement runs in a fresh subprocess, so peak memory (ru_maxrss of the parent and of its
largest child) belongs to that sweep alone. The runs are baseline replications (the same
parameters, one seed each), because that is the design both tools can express; both keep every
monthly series.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _child_ours(runs: int, workers: int, executor: str) -> dict:
    from sim.study import Design, Study
    from sim.sweep import run_sweep

    study = Study(design=Design(kind="monte_carlo", samples=1, replications=runs, seed=1))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = run_sweep(study, folder, executor=executor, workers=workers, progress=False)
        wall = time.perf_counter() - started
    return {"wall": wall, "run_seconds": outcome.run_seconds, "failed": outcome.failed}


def _child_batch_run(runs: int, workers: int) -> dict:
    import mesa
    import numpy as np

    from sim import DataMarketModel

    seeds = [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(1).spawn(runs)]
    started = time.perf_counter()
    rows = mesa.batch_run(
        DataMarketModel,
        {},
        number_processes=workers,
        data_collection_period=1,
        max_steps=10_000,
        display_progress=False,
        rng=seeds,
    )
    wall = time.perf_counter() - started
    return {"wall": wall, "rows": len(rows)}


def _measure(kind: str, runs: int, workers: int) -> dict:
    """Run one measurement in a fresh interpreter and add its peak memory."""
    command = [sys.executable, "-m", "benchmarks.sweeps", "--child", kind, "--runs", str(runs), "--workers", str(workers)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _child_main(kind: str, runs: int, workers: int) -> None:
    if kind == "batch_run":
        measured = _child_batch_run(runs, workers)
    else:
        measured = _child_ours(runs, workers, "serial" if kind == "serial" else "process")
    measured["peak_rss_parent_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    measured["peak_rss_child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(measured))


def one_run_seconds(repeats: int) -> float:
    from sim import DataMarketModel

    DataMarketModel(rng=0).run()
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        DataMarketModel(rng=seed).run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40, help="runs per throughput measurement")
    parser.add_argument("--memory-runs", type=int, nargs="*", default=[200, 2000], help="sweep sizes for the memory check")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of each throughput measurement (median reported)")
    parser.add_argument("--child", choices=["serial", "process", "batch_run"], help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(args.child, args.runs, args.workers)
        return

    single = one_run_seconds(7)
    print(f"One baseline run: median {single * 1000:.0f} ms\n")
    print(f"Throughput, {args.runs} full baseline runs with monthly series, median of {args.repeats}:\n")
    print("| runner | workers | wall s | runs/s | CPU in runs / (runs x one run) | peak RSS parent MB | peak RSS worker MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rates = {}
    for kind, workers in (("process", 1), ("process", 2), ("batch_run", 1), ("batch_run", 2)):
        samples = [_measure(kind, args.runs, workers) for _ in range(args.repeats)]
        wall = statistics.median(s["wall"] for s in samples)
        rates[kind, workers] = args.runs / wall
        overhead = (
            f"{statistics.median(s['run_seconds'] for s in samples) / (args.runs * single):.2f}"
            if "run_seconds" in samples[0]
            else "n/a"
        )
        name = "peakdata run_sweep" if kind == "process" else "mesa.batch_run"
        print(
            f"| {name} | {workers} | {wall:.1f} | {rates[kind, workers]:.2f} | {overhead} | "
            f"{max(s['peak_rss_parent_mb'] for s in samples):.0f} | {max(s['peak_rss_child_mb'] for s in samples):.0f} |"
        )
    for kind in ("process", "batch_run"):
        print(f"\nparallel efficiency at 2 workers ({kind}): {rates[kind, 2] / (2 * rates[kind, 1]):.0%}")
    print(f"run_sweep vs batch_run at 2 workers: {rates['process', 2] / rates['batch_run', 2]:.2f}x the runs/s")

    if args.memory_runs:
        print("\nMemory against sweep size (2 workers, full runs with monthly series):\n")
        print("| runner | runs | wall s | peak RSS parent MB | peak RSS worker MB |")
        print("|---|---:|---:|---:|---:|")
        for runs in args.memory_runs:
            for kind in ("process", "batch_run"):
                m = _measure(kind, runs, 2)
                name = "peakdata run_sweep" if kind == "process" else "mesa.batch_run"
                print(f"| {name} | {runs} | {m['wall']:.0f} | {m['peak_rss_parent_mb']:.0f} | {m['peak_rss_child_mb']:.0f} |")


if __name__ == "__main__":
    main()
