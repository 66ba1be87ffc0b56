"""The browser view's charts: pure functions from the monthly series to matplotlib figures.

Each function takes the DataCollector's model variables (``{series name: [one value a month]}``,
see sim/metrics.py) and returns a `matplotlib.figure.Figure` built without pyplot, so sessions in
different threads never share pyplot's global state. The x axis always spans the whole run, so a
chart keeps its scale while the months fill in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator, PercentFormatter

from agents.offers import Source
from sim.experiments.plots import SOURCE_COLOURS

Series = Mapping[str, Sequence[float]]

FIGSIZE_INCHES = (7.2, 4.8)
# Fixed margins instead of a layout engine: constrained layout doubled the cost of every redraw.
MARGINS = {"left": 0.13, "right": 0.97, "top": 0.92, "bottom": 0.09}
STOCK_COLOUR = "#4C72B0"
DEMAND_COLOUR = "#C44E52"
NODE_COLOURS = {
    "Publisher": "#4C72B0",
    "DataBroker": "#937860",
    "DataAlliance": "#DD8452",
    "SyntheticGenerator": "#55A868",
    "ClosedLab": "#C44E52",
    "OpenLab": "#8172B3",
}


def _figure(rows: int = 1, height_ratios: Sequence[float] | None = None) -> tuple[Figure, list]:
    fig = Figure(figsize=FIGSIZE_INCHES)
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False, height_ratios=height_ratios, gridspec_kw={"hspace": 0.12})[:, 0]
    fig.subplots_adjust(**MARGINS)
    return fig, list(axes)


def _years_axis(ax, span: tuple[float, float]) -> None:
    """The run's whole span on x, labelled in calendar years."""
    ax.set_xlim(*span)
    first, last = int(np.ceil(span[0])), int(np.floor(span[1]))
    step = 2 if last - first <= 24 else 5
    ax.set_xticks(range(first, last + 1, step))
    ax.grid(alpha=0.3, which="major")


def _log_y(ax) -> None:
    """Log scale labelled "1e14", one tick a decade: mathtext labels (10^14) cost more to draw than the rest."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.0e}".replace("e+", "e")))
    ax.yaxis.set_minor_locator(NullLocator())  # minor ticks were half the lines drawn


def _waiting(ax, series: Series) -> bool:
    """Say so on an empty chart (before the first month); True when there is nothing to draw."""
    if len(series.get("year", ())) == 0:
        ax.text(0.5, 0.5, "press Step or ▶ to run the market", ha="center", va="center", transform=ax.transAxes, color="grey")
        return True
    return False


def data_wall(series: Series, span: tuple[float, float], exhaustion_year: float | None, wall_year: float | None) -> Figure:
    """Frontier demand against the effective public stock it may use, log scale, exhaustion marked."""
    fig, (ax,) = _figure()
    _years_axis(ax, span)
    ax.set_ylabel("tokens (log scale)")
    ax.set_title("The data wall: frontier lab", fontsize=10, loc="left")
    if _waiting(ax, series):
        return fig
    years = series["year"]
    ax.plot(
        years, series["accessible_effective_stock_tokens"], color=STOCK_COLOUR, lw=2, label="effective public stock it may use"
    )
    ax.plot(years, series["frontier_desired_tokens"], color=DEMAND_COLOUR, lw=2, label="desired dataset (next run)")
    ax.plot(years, series["frontier_tokens"], color=DEMAND_COLOUR, lw=1, ls="--", label="deployed model, tokens seen")
    _log_y(ax)
    for year, label, colour, height in (
        (exhaustion_year, "public exhaustion", "black", 0.97),
        (wall_year, "data wall", "#8C1C13", 0.80),
    ):
        if year is not None:
            ax.axvline(year, color=colour, ls=":", lw=1.5)
            ax.annotate(
                f"{label}\n{year:.2f}",
                (year, height),
                xycoords=("data", "axes fraction"),
                xytext=(4, 0),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=8,
            )
    ax.legend(loc="lower right", fontsize=7)
    return fig


def _shares_chart(title: str, ylabel: str, span: tuple[float, float]) -> tuple[Figure, Any]:
    """One panel of shares, 0-100%."""
    fig, (ax,) = _figure()
    _years_axis(ax, span)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10, loc="left")
    return fig, ax


def token_mix(series: Series, span: tuple[float, float]) -> Figure:
    """Shares of the labs' current training tokens by source."""
    fig, ax = _shares_chart("Training-token mix (labs' deployed models)", "share of training tokens", span)
    if _waiting(ax, series):
        return fig
    tokens = np.array([series[f"tokens_{s.value}"] for s in Source], dtype=float)
    totals = tokens.sum(axis=0)
    shares = np.divide(tokens, totals, out=np.zeros_like(tokens), where=totals > 0)
    ax.stackplot(
        series["year"],
        shares,
        labels=[s.value.replace("_", " ") for s in Source],
        colors=[SOURCE_COLOURS[s] for s in Source],
    )
    ax.legend(loc="lower left", fontsize=7, ncol=3, framealpha=0.8)
    return fig


def private_market(series: Series, span: tuple[float, float]) -> Figure:
    """Brokers' price and volume, and the consented share of private text."""
    fig, (price, volume, consent) = _figure(3, height_ratios=(1, 1, 1))
    price.set_title("Private-data market", fontsize=10, loc="left")
    for ax in (price, volume, consent):
        _years_axis(ax, span)
    price.set_ylabel("USD/token", fontsize=8)
    volume.set_ylabel("tokens/month", fontsize=8)
    consent.set_ylabel("consented", fontsize=8)
    consent.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    for ax in (price, volume):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.1e}".replace("e+", "e").replace("e-0", "e-")))
    if _waiting(price, series):
        return fig
    years = series["year"]
    price.plot(years, series["private_price_usd_per_token"], color="#937860", lw=1.5)
    price.set_ylim(bottom=0)
    volume.plot(years, series["broker_volume_tokens"], color="#DD8452", lw=1.5)
    consent.plot(years, series["consented_share"], color="#55A868", lw=1.5)
    consent.set_ylim(bottom=0)
    for ax in (price, volume, consent):
        ax.tick_params(labelsize=7)
    return fig


def commons(series: Series, span: tuple[float, float]) -> Figure:
    """How much of the public web is closed to AI crawlers, licensed away, or written by AI."""
    fig, ax = _shares_chart("The commons", "share of public tokens", span)
    if _waiting(ax, series):
        return fig
    years = series["year"]
    for name, label, colour, style in (
        ("opted_out_share", "opted out (all domains)", "#C44E52", "-"),
        ("opted_out_share_head", "opted out (head domains)", "#C44E52", "--"),
        ("exclusive_share", "licensed exclusively", "#8172B3", "-"),
        ("ai_pollution_share", "written by AI (stock)", "#55A868", "-"),
        ("ai_share_new_text", "written by AI (new text)", "#55A868", ":"),
    ):
        ax.plot(years, series[name], color=colour, ls=style, lw=1.5, label=label)
    ax.legend(loc="upper left", fontsize=7)
    return fig


def market_network(graph: nx.DiGraph, labels: Mapping[int, str]) -> Figure:
    """Sellers on the left, intermediaries in the middle, labs on the right; edge width ~ deal volume.

    Deal edges carry the tokens traded so far; membership (lab -> alliance) and lineage
    (lab -> the generator using its model) edges are drawn dashed and dotted.
    """
    fig = Figure(figsize=FIGSIZE_INCHES)
    ax = fig.subplots()
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.02)
    ax.set_title("Market network (edge width ~ tokens traded so far)", fontsize=10, loc="left")
    ax.set_axis_off()
    position = _network_layout(graph)
    deals = [(u, v, d["tokens"]) for u, v, d in graph.edges(data=True) if d.get("kind") == "deal" and d["tokens"] > 0]
    if deals:
        most = max(tokens for *_, tokens in deals)
        segments = [(position[u], position[v]) for u, v, _ in deals]
        widths = [0.4 + 5.0 * np.sqrt(tokens / most) for *_, tokens in deals]
        ax.add_collection(LineCollection(segments, linewidths=widths, colors="#999999", alpha=0.6, zorder=1))
    for kind, style in (("membership", "--"), ("lineage", ":")):
        segments = [(position[u], position[v]) for u, v, d in graph.edges(data=True) if d.get("kind") == kind]
        if segments:
            ax.add_collection(LineCollection(segments, linewidths=1.2, colors="#DD8452", linestyles=style, zorder=1))
    for node, data in graph.nodes(data=True):
        if node not in position:
            continue
        x, y = position[node]
        ax.scatter([x], [y], s=120, color=NODE_COLOURS.get(data["type"], "grey"), zorder=2, edgecolors="white")
        ax.annotate(
            labels.get(node, data["name"]),
            (x, y),
            xytext=(-7 if x > 0.5 else 7, 0),
            textcoords="offset points",
            ha="right" if x > 0.5 else "left",
            va="center",
            fontsize=7,
        )
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.08, 1.08)
    return fig


def _network_layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """Fixed positions by role, so nodes stay put while the edges change."""
    columns = {
        "Publisher": 0.0,
        "DataBroker": 0.45,
        "DataAlliance": 0.45,
        "SyntheticGenerator": 0.45,
        "ClosedLab": 1.0,
        "OpenLab": 1.0,
    }
    by_column: dict[float, list[int]] = {}
    for node, data in graph.nodes(data=True):
        column = columns.get(data["type"])
        if column is not None:
            by_column.setdefault(column, []).append(node)
    position = {}
    for x, nodes in by_column.items():
        for i, node in enumerate(nodes):
            position[node] = (x, 1.0 - i / max(1, len(nodes) - 1) if len(nodes) > 1 else 0.5)
    return position
