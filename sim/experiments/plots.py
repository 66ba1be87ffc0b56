"""Charts: one run's data wall and token mix; a sweep's distributions, fans and sensitivity indices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from agents.offers import Source
from sim.experiments.io import atomic_write

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
    wall.plot(
        years,
        frame["high_quality_stock_tokens"],
        color="#4C72B0",
        lw=1.2,
        ls="--",
        label="... of it, the high-quality subset",
    )
    wall.plot(years, frame["frontier_desired_tokens"], color="#C44E52", lw=2, label="Frontier lab's desired dataset (next run)")
    wall.plot(years, frame["frontier_tokens"], color="#C44E52", lw=1, ls="--", label="Frontier lab's deployed model, tokens seen")
    wall.set_yscale("log")
    wall.set_ylabel("tokens")
    for key, label, colour, height in (
        ("high_quality_exhaustion", "high-quality\nexhaustion", "#4C72B0", 0.97),
        ("public_exhaustion", "public exhaustion", "black", 0.97),
        ("data_wall", "data wall", "#8C1C13", 0.80),
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
    mix.set_ylabel("share of training tokens\n(all labs' current models, %)")
    mix.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    mix.set_xlabel("year")
    mix.set_ylim(0, 1)
    mix.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=len(Source), frameon=False)
    mix.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, path: Path) -> None:
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    finally:
        plt.close(fig)


def save_data_wall(frame: pd.DataFrame, summary: dict[str, Any], path: Path) -> None:
    save_figure(data_wall_figure(frame, summary), path)


def date_distribution_figure(runs: pd.DataFrame, outcome: str, label: str) -> plt.Figure:
    """Histogram of a date across runs, with the runs that never reached it as a bar past the horizon."""
    from sim.experiments.analysis import censored_percentiles
    from sim.outcomes import CENSORED_BY

    fig, ax = plt.subplots(figsize=(8, 4))
    censored = runs[CENSORED_BY[outcome]].astype(bool)
    reached = runs.loc[~censored, outcome].astype(float)
    horizon = float(runs["horizon_year"].max())
    low = min(reached.min(), horizon - 1) if len(reached) else horizon - 1
    high = horizon if censored.any() or not len(reached) else reached.max()
    bins = np.arange(np.floor(low * 4) / 4, high + 0.5, 0.25)
    ax.hist(reached, bins=bins, color="#4C72B0", alpha=0.85, label=f"reached ({len(reached)} runs)")
    if censored.any():
        ax.bar(horizon + 0.5, censored.sum(), width=0.5, color="#999999", label=f"after the horizon ({int(censored.sum())} runs)")
    for p, style in zip(censored_percentiles(runs, outcome), (":", "-", ":")):
        if not p.after_horizon:
            ax.axvline(p.value, color="black", ls=style, lw=1.2)
            ax.annotate(
                f"p{round(p.q * 100)} {p.value:.2f}",
                (p.value, 0.97),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                rotation=90,
                va="top",
                ha="right",
            )
    ax.set_xlabel("year")
    ax.set_ylabel("runs")
    ax.set_title(f"{label}: distribution across runs (Kaplan-Meier percentiles)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fan_figure(fans: dict[str, pd.DataFrame], log_scale: tuple[str, ...] = ()) -> plt.Figure:
    """One panel per series: the median across runs, with 25-75% and 10-90% bands."""
    fig, axes = plt.subplots(len(fans), 1, figsize=(9, 2.6 * len(fans)), sharex=True, squeeze=False)
    for ax, (column, fan) in zip(axes[:, 0], fans.items()):
        ax.fill_between(fan["year"], fan["p10"], fan["p90"], color="#4C72B0", alpha=0.2, lw=0, label="10-90%")
        ax.fill_between(fan["year"], fan["p25"], fan["p75"], color="#4C72B0", alpha=0.4, lw=0, label="25-75%")
        ax.plot(fan["year"], fan["p50"], color="#1B3A6B", lw=1.8, label="median")
        ax.set_ylabel(column.replace("_", " "), fontsize=8)
        if column in log_scale:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[-1, 0].set_xlabel("year")
    fig.tight_layout()
    return fig


def sobol_figure(indices: pd.DataFrame, outcome: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(indices) + 1.5))
    y = np.arange(len(indices))
    ax.barh(y - 0.2, indices["S1"], 0.4, xerr=indices["S1_conf"], color="#4C72B0", label="first order S1")
    ax.barh(y + 0.2, indices["ST"], 0.4, xerr=indices["ST_conf"], color="#DD8452", label="total ST")
    ax.set_yticks(y, indices["factor"], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Sobol index (bars: 95% bootstrap interval)")
    ax.set_title(f"Sensitivity of {outcome}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def morris_figure(indices: pd.DataFrame, outcome: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o", color="#4C72B0")
    for _, row in indices.iterrows():
        ax.annotate(row["factor"], (row["mu_star"], row["sigma"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interaction / non-linearity)")
    ax.set_title(f"Morris screening of {outcome}")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def tornado_figure(frame: pd.DataFrame, outcome: str, centre: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(frame) + 1.5))
    y = np.arange(len(frame))
    ax.barh(y, frame["low"] - centre, left=centre, color="#4C72B0", label="factor in its bottom 20%")
    ax.barh(y, frame["high"] - centre, left=centre, color="#DD8452", label="factor in its top 20%")
    ax.set_yticks(y, frame["factor"], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(centre, color="black", lw=0.8)
    ax.set_xlabel(f"mean {outcome}")
    ax.set_title(f"Tornado: {outcome} (centre: mean over all runs)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def effects_figure(effects: pd.DataFrame) -> plt.Figure:
    """A forest plot: each policy's paired effect on each outcome, with its 95% interval."""
    outcomes = list(dict.fromkeys(effects["outcome"]))
    policies = list(dict.fromkeys(effects["policy"]))
    cols = 2
    rows = (len(outcomes) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(11, 1.0 + rows * (0.45 * len(policies) + 1.0)), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes):
        part = effects[effects["outcome"] == outcome].set_index("policy").reindex(policies)
        y = np.arange(len(policies))
        err = np.vstack([part["effect"] - part["ci_low"], part["ci_high"] - part["effect"]]).clip(min=0)
        ax.errorbar(part["effect"], y, xerr=err, fmt="o", color="#4C72B0", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, policies, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"effect on {outcome}", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle("Policy effects against the base (paired, common random numbers; bars: 95% bootstrap CI)", fontsize=10)
    fig.tight_layout()
    return fig
