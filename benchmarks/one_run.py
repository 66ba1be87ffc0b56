"""Time one default baseline run (median of repeats) and show where the time goes.

.venv/bin/python benchmarks/one_run.py [--repeats 7] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time

from sim import DataMarketModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="also print the top functions by cumulative time")
    args = parser.parse_args()

    DataMarketModel(rng=0).run()  # warm imports and caches
    times = []
    for seed in range(args.repeats):
        started = time.perf_counter()
        model = DataMarketModel(rng=seed).run()
        times.append(time.perf_counter() - started)
    agent_steps = len(model.agents) * model.n_months
    median = statistics.median(times)
    print(f"one baseline run, 2020-01..2040-12 ({model.n_months} months, {len(model.agents)} agents)")
    print(f"  median {median * 1000:.0f} ms over {args.repeats} seeds (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    print(f"  {agent_steps / median:,.0f} agent-steps per second")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        DataMarketModel(rng=0).run()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
