"""Charts: one run's data wall and token mix; a sweep's distributions, fans and sensitivity indices."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib

# Files, not windows: draw off-screen, unless a Jupyter kernel has chosen its inline backend.
if "inline" not in os.environ.get("MPLBACKEND", ""):
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
    Source.MULTIMODAL: "#8C8C8C",
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


def _series_axis(ax: plt.Axes, column: str, log_scale: bool) -> None:
    """Label an axis with a monthly series' label and unit from the registry; shares in %."""
    from sim.metrics import MONTHLY_SERIES

    series = MONTHLY_SERIES[column]
    ax.set_ylabel(f"{series.label}\n({'%' if series.unit == 'share' else series.unit})", fontsize=8)
    if series.unit == "share":
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if log_scale:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)


def _fan(ax: plt.Axes, fan: pd.DataFrame, colour: str, label: str = "", line: str | None = None) -> None:
    """The median across runs with its 25-75% and 10-90% bands (labelled "<label>, 10-90%", ...)."""
    prefix = f"{label}, " if label else ""
    ax.fill_between(fan["year"], fan["p10"], fan["p90"], color=colour, alpha=0.2, lw=0, label=f"{prefix}10-90%")
    ax.fill_between(fan["year"], fan["p25"], fan["p75"], color=colour, alpha=0.4, lw=0, label=f"{prefix}25-75%")
    ax.plot(fan["year"], fan["p50"], color=line or colour, lw=1.8, label=f"{prefix}median")


def fan_figure(fans: dict[str, pd.DataFrame], log_scale: tuple[str, ...] = ()) -> plt.Figure:
    """One panel per series: the median across runs, with 25-75% and 10-90% bands."""
    fig, axes = plt.subplots(len(fans), 1, figsize=(9, 2.6 * len(fans)), sharex=True, squeeze=False, layout="constrained")
    for ax, (column, fan) in zip(axes[:, 0], fans.items()):
        _fan(ax, fan, "#4C72B0", line="#1B3A6B")
        _series_axis(ax, column, column in log_scale)
    axes[0, 0].legend(fontsize=8, loc="upper left")
    axes[-1, 0].set_xlabel("year")
    fig.suptitle("Monthly series across runs: median and percentile bands", fontsize=10)
    return fig


def compare_fan_figure(fans: dict[str, dict[str, pd.DataFrame]], base: str, log_scale: tuple[str, ...] = ()) -> plt.Figure:
    """Each key monthly series: the base scenario's fan beside each policy's, on the same seeds.

    `fans` maps a series to {scenario: fan}; the base is drawn grey, each policy in its own colour.
    """
    scenarios = list(next(iter(fans.values())))
    colours = dict(zip(scenarios, ["#7F7F7F", "#C44E52", "#4C72B0", "#55A868", "#8172B3", "#DD8452", "#937860", "#DA8BC3"]))
    fig, axes = plt.subplots(len(fans), 1, figsize=(9, 2.6 * len(fans) + 0.8), sharex=True, squeeze=False, layout="constrained")
    for ax, (column, by_scenario) in zip(axes[:, 0], fans.items()):
        for scenario, fan in by_scenario.items():
            _fan(ax, fan, colours.get(scenario, "black"), scenario)
        _series_axis(ax, column, column in log_scale)
    axes[-1, 0].set_xlabel("year")
    handles = [plt.Line2D([], [], color=colours.get(s, "black"), lw=2, label=s) for s in scenarios]
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(scenarios), 4), fontsize=8, frameon=False)
    fig.suptitle(f"Policies against {base}: median (line) and 10-90% / 25-75% bands across the same seeds", fontsize=10)
    return fig


def _title_for(outcome: str) -> str:
    from sim.outcomes import OUTCOMES

    return OUTCOMES[outcome].label if outcome in OUTCOMES else outcome


def sobol_figure(indices: pd.DataFrame, outcome: str, unreliable: bool = False) -> plt.Figure:
    """First-order and total indices with their intervals; an index outside [0, 1] is marked."""
    from sim.experiments.analysis import outside_unit_interval

    fig, ax = plt.subplots(figsize=(8, 0.5 * len(indices) + 1.8), layout="constrained")
    y = np.arange(len(indices))
    ax.barh(y - 0.2, indices["S1"], 0.4, xerr=indices["S1_conf"], color="#4C72B0", label="first order S1")
    ax.barh(y + 0.2, indices["ST"], 0.4, xerr=indices["ST_conf"], color="#DD8452", label="total ST")
    flagged = outside_unit_interval(indices).to_numpy()
    labels = [f"{f} (outside [0, 1])" if flag else f for f, flag in zip(indices["factor"], flagged)]
    ax.set_yticks(y, labels, fontsize=8)
    for tick, flag in zip(ax.get_yticklabels(), flagged):
        if flag:
            tick.set_color("#C00000")
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.axvspan(0, 1, color="#EEEEEE", zorder=-1, label="possible values [0, 1]")
    ax.set_xlabel("Sobol index, share of the outcome's variance (bars: 95% bootstrap interval)")
    title = f"Sensitivity of {_title_for(outcome)}"
    if unreliable:
        title += "\nWARNING: sample too small, intervals too wide to rank factors"
    ax.set_title(title, fontsize=10, color="#C00000" if unreliable else "black")
    fig.legend(fontsize=8, loc="outside lower center", ncol=3, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    return fig


def morris_figure(indices: pd.DataFrame, outcome: str, unreliable: bool = False) -> plt.Figure:
    """mu* with its 95% interval as bars, in the order given (the report's: largest first), and sigma beside it."""
    from sim.outcomes import OUTCOMES

    unit = OUTCOMES[outcome].unit if outcome in OUTCOMES else "outcome units"
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(indices) + 1.8), layout="constrained")
    y = np.arange(len(indices))
    ax.barh(
        y,
        indices["mu_star"],
        0.6,
        xerr=indices["mu_star_conf"],
        color="#4C72B0",
        label="mu*: mean absolute effect (95% interval)",
    )
    ax.plot(indices["sigma"], y, "D", color="#DD8452", markersize=5, label="sigma: interactions or non-linearity")
    ax.set_yticks(y, indices["factor"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"elementary effect of a factor moved across its prior ({unit} per unit quantile)")
    title = f"Morris screening of {_title_for(outcome)}"
    if unreliable:
        title += "\nWARNING: too few trajectories or intervals too wide"
    ax.set_title(title, fontsize=10, color="#C00000" if unreliable else "black")
    fig.legend(fontsize=8, loc="outside lower center", ncol=2, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    return fig


def ranking_figure(ranks: pd.DataFrame, share: pd.DataFrame, index: str, labels: list[str], provisional: bool) -> plt.Figure:
    """Factors (rows, most influential first) against outcomes: colour is the index as a share of the outcome's
    largest, the number is the factor's rank on that outcome. `labels` name the outcomes (columns)."""
    from sim.experiments.analysis import INDEX_NAMES

    fig, ax = plt.subplots(figsize=(1.3 * len(share.columns) + 4.0, 0.42 * len(share) + 2.4), layout="constrained")
    image = ax.imshow(share.to_numpy(), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for (row, column), rank in np.ndenumerate(ranks.to_numpy()):
        dark = share.iat[row, column] > 0.6
        ax.text(column, row, str(rank), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(np.arange(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(share)), share.index, fontsize=8)
    fig.colorbar(image, ax=ax, label=f"{INDEX_NAMES[index]} as a share of the outcome's largest")
    title = "Which uncertainties matter: rank of each factor on each outcome (1 = most influential)"
    if provisional:
        title += "\n† failed its sample-size check: provisional"
    ax.set_title(title, fontsize=10)
    return fig


def tornado_figure(frame: pd.DataFrame, outcome: str, centre: float) -> plt.Figure:
    """Each factor's swing on a relative scale (years for a date); swings that are negligible, or within two
    standard errors of zero, are hatched and grey."""
    from sim.experiments.analysis import NEGLIGIBLE_RELATIVE, NEGLIGIBLE_YEARS
    from sim.outcomes import OUTCOMES

    is_date = OUTCOMES[outcome].kind == "date"
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(frame) + 2.0), layout="constrained")
    y = np.arange(len(frame))
    faint = (frame["negligible"] | frame["within_noise"]).to_numpy()
    for column, colour, label in (
        ("low_change", "#4C72B0", "factor in its bottom 20%"),
        ("high_change", "#DD8452", "factor in its top 20%"),
    ):
        colours = ["#CCCCCC" if f else colour for f in faint]
        bars = ax.barh(y, frame[column], color=colours, label=label)
        for bar, f in zip(bars, faint):
            if f:
                bar.set_hatch("///")
    labels = [
        f"{f} (negligible)" if n else (f"{f} (within noise)" if w else f)
        for f, n, w in zip(frame["factor"], frame["negligible"], frame["within_noise"])
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    floor = NEGLIGIBLE_YEARS if is_date else NEGLIGIBLE_RELATIVE
    ax.axvspan(-floor, floor, color="#EEEEEE", zorder=-1, label="negligible")
    # Never stretch a tiny swing to the full width: the axis spans at least five times the negligible band.
    reach = max(float(np.nanmax(np.abs(frame[["low_change", "high_change"]].to_numpy()), initial=0.0)) * 1.15, 5 * floor)
    ax.set_xlim(-reach, reach)
    label = OUTCOMES[outcome]
    fmt = label.format(centre)
    if is_date:
        ax.set_xlabel(f"change in the mean {label.label.lower()} (years)\nfrom the mean over all runs, {fmt}")
    else:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel(f"change in the mean, relative to the mean over all runs\n({fmt}, {label.unit})")
    ax.set_title(f"Tornado: {label.label}", fontsize=10)
    fig.legend(fontsize=8, loc="outside lower center", ncol=3, frameon=False)
    ax.grid(alpha=0.3, axis="x")
    return fig


def effects_figure(effects: pd.DataFrame) -> plt.Figure:
    """A forest plot: each policy's paired effect on each outcome, with its 95% interval."""
    from sim.outcomes import OUTCOMES

    outcomes = list(dict.fromkeys(effects["outcome"]))
    policies = list(dict.fromkeys(effects["policy"]))
    cols = 2
    rows = (len(outcomes) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows, cols, figsize=(11, 1.2 + rows * (0.45 * len(policies) + 1.3)), squeeze=False, layout="constrained"
    )
    for ax, outcome in zip(axes.flat, outcomes):
        part = effects[effects["outcome"] == outcome].set_index("policy").reindex(policies)
        y = np.arange(len(policies))
        err = np.vstack([part["effect"] - part["ci_low"], part["ci_high"] - part["effect"]]).clip(min=0)
        registered = OUTCOMES[outcome]
        scale = 100.0 if registered.kind == "share" else 1.0
        ax.errorbar(part["effect"] * scale, y, xerr=err * scale, fmt="o", color="#4C72B0", capsize=3)
        if part["effect"].isna().all():
            ax.text(0.5, 0.5, "n/a: the runs end before this outcome", transform=ax.transAxes, ha="center", fontsize=9)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, policies, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(registered.label, fontsize=9)
        ax.set_xlabel("effect (percentage points)" if registered.kind == "share" else f"effect ({registered.unit})", fontsize=8)
        ax.grid(alpha=0.3, axis="x")
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle("Policy effects against the base (paired seeds; bars: 95% bootstrap interval)", fontsize=10)
    return fig


def robustness_figure(matrix: pd.DataFrame, outcome: str, maximize: bool, threshold: float | None) -> plt.Figure:
    """Each policy across the sampled worlds: its regret, the outcome's spread and, given a threshold,
    the share of worlds that meet it."""
    from sim.outcomes import OUTCOMES

    registered = OUTCOMES[outcome]
    best = matrix.max(axis=1) if maximize else matrix.min(axis=1)
    regret = (best.to_numpy()[:, None] - matrix).abs()
    policies = list(matrix.columns)
    panels = 3 if threshold is not None else 2
    fig, axes = plt.subplots(
        1, panels, figsize=(4.2 * panels + 1, 0.55 * len(policies) + 2.4), sharey=True, layout="constrained", squeeze=False
    )
    regret_ax, spread_ax = axes[0, 0], axes[0, 1]
    y = np.arange(len(policies))
    for ax, data in ((regret_ax, regret), (spread_ax, matrix)):
        ax.boxplot([data[p].dropna() for p in policies], positions=y, orientation="horizontal", widths=0.5)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        ax.grid(alpha=0.3, axis="x")
    regret_ax.set_yticks(y, policies, fontsize=8)
    regret_ax.invert_yaxis()
    regret_ax.set_xlabel(f"distance to the best policy\nin the same world ({registered.unit})")
    regret_ax.set_title("Regret (lower is better)", fontsize=10)
    spread_ax.set_xlabel(registered.axis_label)
    spread_ax.set_title(f"Outcome ({'higher' if maximize else 'lower'} is better)", fontsize=10)
    if threshold is not None:
        spread_ax.axvline(threshold, color="#C00000", ls="--", lw=1.2, label=f"threshold {threshold:g}")
        spread_ax.legend(fontsize=8, loc="lower right")
        meets = (matrix >= threshold) if maximize else (matrix <= threshold)
        share = (meets.sum() / matrix.notna().sum()).reindex(policies)
        share_ax = axes[0, 2]
        share_ax.barh(y, share, color="#55A868", height=0.5)
        for i, value in enumerate(share):
            share_ax.annotate(f"{value:.0%}", (value, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        share_ax.set_xlim(0, 1.15)
        share_ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        share_ax.set_xlabel("share of worlds")
        share_ax.set_title(f"Worlds meeting {'>=' if maximize else '<='} {threshold:g}", fontsize=10)
        share_ax.grid(alpha=0.3, axis="x")
    fig.suptitle(f"Robustness of policies: {registered.label}, over {len(matrix)} sampled worlds", fontsize=11)
    return fig
