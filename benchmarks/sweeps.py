"""Sweep throughput, CPU and memory: our runner against `mesa.batch_run` on the same runs.

Part of ``python -m benchmarks``. Every measurement runs in a fresh interpreter, so that its
numbers belong to that sweep alone. The runs are baseline replications (the same parameters,
one seed each), because that is the design both tools can express, and both keep every monthly
series.

CPU and memory come from the kernel's accounting (`getrusage`), not from sampling: the sweep
process's own CPU during the sweep, plus everything its descendants used. Our pool's workers are
children of multiprocessing's fork server, which reaps them; stopping the fork server after the
sweep and reaping it folds their CPU time and peak memory into ours (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time

from benchmarks.timing import ROOT

RUNNERS = ("run_sweep", "batch_run")
ALONE = "runs alone"  # the same runs in a plain loop, no runner: the floor under both


def measure(runner: str, runs: int, workers: int) -> dict:
    """Run one sweep of `runs` baseline runs on `workers` processes, in a fresh interpreter."""
    command = [sys.executable, "-m", "benchmarks.sweeps", runner, str(runs), str(workers)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _sweep_ours(runs: int, workers: int) -> int:
    from sim.experiments.study import Design, Study
    from sim.experiments.sweep import run_sweep

    study = Study(design=Design(kind="monte_carlo", samples=1, replications=runs, seed=1))
    with tempfile.TemporaryDirectory() as folder:
        outcome = run_sweep(study, folder, executor="process", workers=workers, progress=False)
    return outcome.ran - outcome.failed


def _seeds(runs: int) -> list[int]:
    import numpy as np

    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in np.random.SeedSequence(1).spawn(runs)]


def _sweep_batch_run(runs: int, workers: int) -> int:
    import mesa

    from sim.model import DataMarketModel

    rows = mesa.batch_run(
        DataMarketModel,
        {},
        number_processes=workers,
        data_collection_period=1,
        max_steps=10_000,
        display_progress=False,
        rng=_seeds(runs),
    )
    return len({row["RunId"] for row in rows})


def _runs_alone(runs: int, workers: int) -> int:
    """The same runs with no runner at all, one after another in this process: what no runner can beat on one core."""
    from sim.model import DataMarketModel

    assert workers == 1, "runs alone are measured on one core"
    for seed in _seeds(runs):
        DataMarketModel(rng=seed).run()
    return runs


def _cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _child(runner: str, runs: int, workers: int) -> None:
    import multiprocessing.forkserver

    sweep = {"run_sweep": _sweep_ours, "batch_run": _sweep_batch_run, ALONE: _runs_alone}[runner]
    import mesa  # noqa: F401  imported before the clock starts: a sweep should not pay for this interpreter's start
    import pyarrow.parquet  # noqa: F401

    import sim.experiments.study
    import sim.experiments.sweep  # noqa: F401

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    finished = sweep(runs, workers)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    multiprocessing.forkserver._forkserver._stop()  # reap the fork server, and with it our workers' accounting
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = {
        "runner": runner,
        "runs": runs,
        "finished": finished,
        "workers": workers,
        "wall_seconds": wall,
        "cpu_seconds": _cpu_seconds(own) - _cpu_seconds(before) + _cpu_seconds(children),
        "peak_rss_parent_mb": own.ru_maxrss / 1024,
        "peak_rss_worker_mb": children.ru_maxrss / 1024,
    }
    print(json.dumps(measured))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
