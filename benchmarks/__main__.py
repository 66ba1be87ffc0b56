"""Every benchmark, as one Markdown report (DESIGN.md §9).

    .venv/bin/python -m benchmarks                      # one run, profile, scaling
    .venv/bin/python -m benchmarks --quick              # fewer repeats, smaller scaling sizes
    .venv/bin/python -m benchmarks --baseline DIR       # also time another source tree, interleaved

DIR is a checkout of another version, e.g. ``git archive 12cb37c | tar -x -C /tmp/before``. The report
is printed and written to benchmarks/results/report.md. The machine may be shared: every number is
a median, and comparisons interleave the two versions so that load hits both alike.

To add a benchmark, write a function returning a Markdown section and list it in `sections`.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
from pathlib import Path

from benchmarks import scaling
from benchmarks.timing import ROOT, interleaved, time_runs
from sim import DataMarketModel


def one_run(repeats: int) -> str:
    """Median time of one default 2020-2040 run, agent-steps and domain-steps per second."""
    times = time_runs(ROOT, repeats)
    model = DataMarketModel(rng=0)
    agents, domains, months = len(model.agents), model.web.human_tokens.size, model.n_months
    median = statistics.median(times)
    return "\n".join(
        [
            f"## One default run (2020-01..2040-12, {months} months), {repeats} seeds",
            "",
            "| median ms | min ms | max ms | agents | agent-steps/s | domain-steps/s |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {median * 1e3:.1f} | {min(times) * 1e3:.1f} | {max(times) * 1e3:.1f} | {agents} "
            f"| {agents * months / median:,.0f} | {domains * months / median:,.0f} |",
        ]
    )


def versus(baseline: Path, rounds: int, runs: int) -> str:
    """This tree against another one, interleaved round by round."""
    times = interleaved({"baseline": baseline, "this tree": ROOT}, rounds, runs)
    before, after = (statistics.median(times[name]) for name in ("baseline", "this tree"))
    return "\n".join(
        [
            f"## Against {baseline} (interleaved, {rounds} rounds x {runs} seeds each)",
            "",
            "| version | median ms per run |",
            "|---|---:|",
            f"| baseline | {before * 1e3:.1f} |",
            f"| this tree | {after * 1e3:.1f} |",
            "",
            f"Speed-up: **{before / after:.2f}x**.",
        ]
    )


def profile(top: int) -> str:
    """Where one default run spends its time: the top functions by cumulative time."""
    DataMarketModel(rng=0).run()  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    DataMarketModel(rng=0).run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = sorted(stats.stats.items(), key=lambda item: item[1][3], reverse=True)
    lines = [
        f"## Profile of one default run (cProfile, {total * 1e3:.0f} ms with profiling overhead)",
        "",
        "| function | calls | cumulative % | own % |",
        "|---|---:|---:|---:|",
    ]
    shown = 0
    for (path, line, name), (_, calls, own, cumulative, _) in rows:
        if "site-packages" in path or path.startswith("~") or "benchmarks" in path:
            continue  # Mesa's stepping machinery and built-ins: the project's functions tell the story
        where = os.path.relpath(path, ROOT)
        lines.append(f"| `{where}:{line}({name})` | {calls} | {100 * cumulative / total:.1f} | {100 * own / total:.1f} |")
        shown += 1
        if shown == top:
            break
    return "\n".join(lines)


def sections(args: argparse.Namespace) -> list[str]:
    quick = args.quick
    found = [one_run(5 if quick else 15)]
    if args.baseline:
        found.append(versus(args.baseline, 2 if quick else 5, 3))
    found.append(profile(15))
    if quick:
        results = scaling.measure(1, domains=(100, 1_000, 10_000), labs=(10, 50, 200))
        found.append(f"## Scaling (quick: one run per point)\n\n{scaling.markdown(results)}")
    else:
        found.append(scaling.section(3))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes, for a smoke test")
    parser.add_argument("--baseline", type=Path, help="another source tree to time against, interleaved")
    args = parser.parse_args()
    report = "# PeakData benchmarks\n\n" + "\n\n".join(sections(args)) + "\n"
    print(report)
    scaling.RESULTS.mkdir(parents=True, exist_ok=True)
    (scaling.RESULTS / "report.md").write_text(report)


if __name__ == "__main__":
    main()
