"""Timing helpers shared by the benchmarks: medians over repeats, runs in a clean subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs `runs` default models with seeds 0.. in the source tree given as argv[1]; prints their CPU times.
# A run is one thread: its CPU time is its wall time on an idle machine, and is not stretched when a shared machine
# gives the process fewer turns (`benchmarks/__main__.py` compares runs by it).
_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from sim import DataMarketModel
DataMarketModel(rng=0).run()  # warm imports and caches
times = []
for seed in range(int(sys.argv[2])):
    started = time.process_time()
    DataMarketModel(rng=seed).run()
    times.append(time.process_time() - started)
print(json.dumps(times))
"""


# Mesa's smallest example, the yardstick of issue 24: the Boltzmann wealth model (100 agents on a 10x10 grid) for as
# many steps as a default run has months, timed in the same process as ours, seed by seed, so that load hits both.
_AGAINST_REFERENCE = """
import json, sys, time, warnings
warnings.simplefilter("ignore")  # Mesa's experimental data recorder announces itself
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth
from sim import DataMarketModel

def reference(seed):
    model = BoltzmannWealth(BoltzmannScenario(rng=seed))
    for _ in range(DataMarketModel(rng=0).n_months):
        model.step()

def ours(seed):
    DataMarketModel(rng=seed).run()

reference(0), ours(0)  # warm imports and caches
times = {"ours": [], "reference": []}
for seed in range(int(sys.argv[1])):
    for name, run in (("reference", reference), ("ours", ours)):
        started = time.process_time()
        run(seed)
        times[name].append(time.process_time() - started)
print(json.dumps(times))
"""


def time_against_reference(runs: int) -> dict[str, list[float]]:
    """CPU seconds per default run ("ours") and per Boltzmann wealth run of as many steps ("reference"), alternating
    seed by seed in one fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _AGAINST_REFERENCE, str(runs)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def time_command(command: list[str], repeats: int) -> list[float]:
    """Wall seconds of a whole command (a fresh process each time, imports included), `repeats` times."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def time_runs(tree: Path, runs: int) -> list[float]:
    """CPU seconds per default run, for `runs` seeds, with the code of source tree `tree`."""
    out = subprocess.run([sys.executable, "-c", _WORKER, str(tree), str(runs)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def interleaved(trees: dict[str, Path], rounds: int, runs: int) -> dict[str, list[float]]:
    """Per tree, the CPU seconds of every run, alternating trees round by round so load hits both alike."""
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            times[name].extend(time_runs(tree, runs))
    return times
