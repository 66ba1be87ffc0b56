"""Timing helpers shared by the benchmarks: medians over repeats, runs in a clean subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs `runs` default models with seeds 0.. in the source tree given as argv[1]; prints their times.
_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sim import DataMarketModel
DataMarketModel(rng=0).run()  # warm imports and caches
times = []
for seed in range(int(sys.argv[2])):
    started = time.perf_counter()
    DataMarketModel(rng=seed).run()
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def time_runs(tree: Path, runs: int) -> list[float]:
    """Seconds per default run, for `runs` seeds, with the code of source tree `tree`."""
    out = subprocess.run([sys.executable, "-c", _WORKER, str(tree), str(runs)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def interleaved(trees: dict[str, Path], rounds: int, runs: int) -> dict[str, list[float]]:
    """Per tree, the seconds of every run, alternating trees round by round so load hits both alike."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            times[name].extend(time_runs(tree, runs))
    return times
