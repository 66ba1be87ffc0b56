"""The data-wall chart: frontier demand against the accessible stock, and the token mix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from agents.offers import Source
from sim.io import atomic_write

SOURCE_COLOURS = {
    Source.PUBLIC: "#4C72B0",
    Source.LICENSED: "#8172B3",
    Source.OWN_USER: "#C44E52",
    Source.ALLIANCE: "#DD8452",
    Source.BROKER: "#937860",
    Source.SYNTHETIC: "#55A868",
}


def data_wall_figure(frame: pd.DataFrame, summary: dict[str, Any]) -> plt.Figure:
    """Two panels: demand against stock on a log scale with the exhaustion marked; the token mix."""
    fig, (wall, mix) = plt.subplots(2, 1, figsize=(9, 8), sharex=True, height_ratios=[3, 2])
    years = frame["year"]
    wall.plot(
        years,
        frame["accessible_effective_stock_tokens"],
        color="#4C72B0",
        lw=2,
        label="Effective public stock accessible to the frontier lab",
    )
    wall.plot(years, frame["frontier_desired_tokens"], color="#C44E52", lw=2, label="Frontier lab's desired dataset (next run)")
    wall.plot(years, frame["frontier_tokens"], color="#C44E52", lw=1, ls="--", label="Frontier lab's deployed model, tokens seen")
    wall.set_yscale("log")
    wall.set_ylabel("tokens")
    for key, label, colour, height in (
        ("public_exhaustion", "public exhaustion", "black", 0.97),
        ("data_wall", "data wall", "#8C1C13", 0.82),
    ):
        if not summary[f"{key}_censored"]:
            year = summary[f"{key}_year"]
            wall.axvline(year, color=colour, ls=":", lw=1.5)
            wall.annotate(
                f"{label}\n{year:.2f}",
                (year, height),
                xycoords=("data", "axes fraction"),
                ha="left",
                va="top",
                fontsize=9,
                xytext=(4, 0),
                textcoords="offset points",
            )
    title = f"PeakData: {summary['scenario']} (seed {summary['seed']})"
    wall.set_title(title)
    wall.legend(loc="lower right", fontsize=8)
    wall.grid(alpha=0.3, which="both")

    tokens = pd.DataFrame({s.value: frame[f"tokens_{s.value}"] for s in Source})
    shares = tokens.div(tokens.sum(axis=1), axis=0).fillna(0.0)
    mix.stackplot(
        years,
        *(shares[s.value] for s in Source),
        labels=[s.value.replace("_", " ") for s in Source],
        colors=[SOURCE_COLOURS[s] for s in Source],
    )
    mix.set_ylabel("share of training tokens\n(labs' current models)")
    mix.set_xlabel("year")
    mix.set_ylim(0, 1)
    mix.legend(loc="upper left", fontsize=8, ncol=3)
    mix.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save_data_wall(frame: pd.DataFrame, summary: dict[str, Any], path: Path) -> None:
    fig = data_wall_figure(frame, summary)
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)
