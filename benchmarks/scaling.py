"""How one run's cost grows with the number of publisher domains and of labs.

Part of ``python -m benchmarks``.

Domains are set with the ``n_publishers`` constant; labs are the default six replicated with smaller
budgets (`sim.params.replicated_labs`). Each point is the median over repeats of one full
2020-2040 run. Writes a Markdown table and a log-log plot to benchmarks/results/.
"""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

from sim import DataMarketModel, MarketParams
from sim.params import replicated_labs

RESULTS = Path(__file__).resolve().parent / "results"
DOMAINS = (100, 300, 1_000, 3_000, 10_000)
LABS = (10, 20, 50, 100, 200)


def run_seconds(params: MarketParams, repeats: int) -> float:
    """Median seconds of one full run over `repeats` seeds."""
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        DataMarketModel(params, rng=seed).run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(repeats: int, domains=DOMAINS, labs=LABS) -> dict[str, list[tuple[int, float]]]:
    """Median seconds per run as domains grow (6 labs) and as labs grow (200 domains)."""
    base = MarketParams()
    return {
        "domains": [(n, run_seconds(base.with_overrides(n_publishers=n), repeats)) for n in domains],
        "labs": [(n, run_seconds(base.model_copy(update={"labs": replicated_labs(n)}), repeats)) for n in labs],
    }


def slope(points: list[tuple[int, float]]) -> float:
    """Log-log slope between the two largest sizes: 1 is linear growth, below 1 sublinear."""
    (n0, t0), (n1, t1) = points[-2], points[-1]
    return math.log(t1 / t0) / math.log(n1 / n0)


def markdown(results: dict[str, list[tuple[int, float]]]) -> str:
    lines = ["| scaled | size | ms per run | ms per run per unit | cost x vs smallest |", "|---|---:|---:|---:|---:|"]
    for axis, points in results.items():
        first = points[0][1]
        for n, seconds in points:
            lines.append(f"| {axis} | {n:,} | {seconds * 1e3:.0f} | {seconds * 1e3 / n:.3f} | {seconds / first:.2f} |")
    lines.append("")
    lines += [
        f"Log-log slope between the two largest {axis}: {slope(points):.2f} (1 = linear)." for axis, points in results.items()
    ]
    return "\n".join(lines)


def plot(results: dict[str, list[tuple[int, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (axis, points) in zip(axes, results.items()):
        sizes = [n for n, _ in points]
        ms = [t * 1e3 for _, t in points]
        ax.loglog(sizes, ms, "o-", label="median ms per run")
        ax.loglog(sizes, [ms[0] * n / sizes[0] for n in sizes], "--", color="grey", label="linear from the smallest")
        ax.set_xlabel(f"number of {axis}")
        ax.set_ylabel("ms per 2020-2040 run")
        ax.set_title(f"Cost of one run vs {axis}")
        ax.legend()
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def section(results: dict[str, list[tuple[int, float]]], out: Path, repeats: int) -> str:
    """The scaling benchmark as a Markdown section; also writes scaling.md and scaling.png to `out`."""
    table = markdown(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / "scaling.md").write_text(f"# Cost of one run vs scale (median of {repeats})\n\n{table}\n")
    plot(results, out / "scaling.png")
    return f"## Scaling (median of {repeats} runs per point; plot: scaling.png)\n\n{table}"
