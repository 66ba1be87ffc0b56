"""The browser view's charts: Vega-Lite specs, drawn in the browser, fed new rows each month.

A chart is a spec, built once per run (its axes span the whole run, so it keeps its scale while the
months fill in), and datasets, rebuilt from the monthly series each step (`sim/metrics.py`). The
browser draws it with the Vega assets Solara serves from its local cache: no server-side
rasterising and no CDN. Dates are year-month everywhere; text is at least 11 px.

In compare mode every series of the second run is drawn dashed beside the first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from agents.offers import Source
from sim.experiments.plots import SOURCE_COLOURS

Series = Mapping[str, Sequence[float]]
Spec = dict[str, Any]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HEIGHT = 260
FONT = 12  # px, as displayed; nothing on a chart is smaller than 11
STOCK_COLOUR = "#4C72B0"
DEMAND_COLOUR = "#C44E52"
CONFIG = {
    "font": "Roboto, Helvetica, Arial, sans-serif",
    "axis": {"labelFontSize": FONT, "titleFontSize": FONT, "titleFontWeight": "normal", "gridOpacity": 0.5},
    # Below the data, one entry a line: a phone's width fits it, where two columns were cut off.
    "legend": {"labelFontSize": FONT, "titleFontSize": FONT, "orient": "bottom", "direction": "vertical", "columns": 1},
    "title": {"fontSize": 14, "anchor": "start", "subtitleFontSize": FONT},
    "text": {"fontSize": FONT},
    "view": {"stroke": None},
}
NODE_COLOURS = {
    "Publisher": "#4C72B0",
    "DataBroker": "#937860",
    "DataAlliance": "#DD8452",
    "SyntheticGenerator": "#55A868",
    "ClosedLab": "#C44E52",
    "OpenLab": "#8172B3",
}


def year_month(year: float) -> str:
    """A decimal year as the month it falls in: 2027.58 -> "2027-08"."""
    months = round(year * 12)
    return f"{months // 12}-{months % 12 + 1:02d}"


def _date(year: float) -> str:
    return f"{year_month(year)}-01"


# --- building blocks -------------------------------------------------------------------------------


def _x(span: tuple[float, float]) -> dict[str, Any]:
    """Time on x over the run's whole span, labelled in years; months in the tooltips."""
    return {
        "field": "date",
        "type": "temporal",
        "title": None,
        "scale": {"domain": [_date(span[0]), _date(span[1])]},
        "axis": {"format": "%Y", "tickCount": 10, "labelFlush": True},
    }


def _base(title: str, subtitle: str, layers: list[Spec], height: int = HEIGHT) -> Spec:
    """A chart over the run's months. Its title and subtitle are kept in `usermeta` for the page to show
    as text, which wraps on a narrow screen, where a chart's own title would be cut off."""
    return {
        "$schema": SCHEMA,
        "usermeta": {"title": title, "subtitle": subtitle},
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": CONFIG,
        "layer": layers,
    }


def _lines(
    span,
    runs: Sequence[str],
    labels: Sequence[str],
    colours: Sequence[str],
    y: dict[str, Any],
    floor: Sequence[float] = (0.0, 1.0),
) -> Spec:
    """Lines of the `series` dataset (long rows: date, run, series, value): colour by series, dashes
    for a second run. Every scale has its domain before the first month (`floor` is always inside
    the y domain), so an empty chart draws its axes and legends instead of failing."""
    y_scale = {"domain": {"unionWith": list(floor)}, **y.pop("scale", {})}
    return {
        "data": {"name": "series"},
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": _x(span),
            "y": {"field": "value", "type": "quantitative", "scale": y_scale, **y},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "sort": list(labels),
                "scale": {"domain": list(labels), "range": list(colours)},
                "legend": {"labelLimit": 400},
            },
            "strokeDash": {
                "field": "run",
                "type": "nominal",
                "title": None,
                "scale": {"domain": list(runs), "range": [[1, 0], [6, 4]]},
                "legend": {"labelLimit": 400} if len(runs) > 1 else None,
            },
            "detail": [{"field": "run"}, {"field": "series"}],
            "tooltip": [
                {"field": "date", "type": "temporal", "format": "%Y-%m", "title": "month"},
                {"field": "run"},
                {"field": "series"},
                {"field": "value", "type": "quantitative", "format": ".3~s"},
            ],
        },
    }


def _events() -> Spec:
    """Vertical rules with a label at the dates the `events` dataset names (exhaustion, the data wall)."""
    return {
        "data": {"name": "events"},
        "layer": [
            {
                "mark": {"type": "rule", "strokeDash": [3, 3], "strokeWidth": 1.5},
                "encoding": {"x": {"field": "date", "type": "temporal"}, "color": {"value": "#333333"}},
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "baseline": "top", "fontSize": FONT},
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "y": {"field": "pixels_down", "type": "quantitative", "scale": None},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def _note() -> Spec:
    """A sentence in the middle of a chart that has nothing to draw yet (the `notes` dataset)."""
    return {
        "data": {"name": "notes"},
        "mark": {"type": "text", "fontSize": 13, "color": "#666666", "lineBreak": "\n"},
        "encoding": {"text": {"field": "text"}, "x": {"value": {"expr": "width / 2"}}, "y": {"value": {"expr": "height / 2"}}},
    }


def _rows(
    runs: Mapping[str, Series], columns: Mapping[str, str], scale: float = 1.0, positive: bool = False, start: int = 0
) -> list[dict[str, Any]]:
    """Long rows (date, run, series, value) for the months from `start` on, month by month, so that the
    rows of later months extend those already sent. `positive` drops values <= 0 (for log scales)."""
    runs_values = [
        (
            run,
            series.get("year", ()),
            {label: np.asarray(series[column], dtype=float) / scale for column, label in columns.items()},
        )
        for run, series in runs.items()
    ]
    rows = []
    for i in range(start, max((len(years) for _, years, _ in runs_values), default=0)):
        for run, years, values in runs_values:
            if i >= len(years):
                continue
            date = _date(years[i])
            for label, column in values.items():
                value = float(column[i])
                if math.isfinite(value) and (value > 0 or not positive):
                    rows.append({"date": date, "run": run, "series": label, "value": value})
    return rows


def _waiting(runs: Mapping[str, Series]) -> list[dict[str, str]]:
    if not any(len(series.get("year", ())) for series in runs.values()):
        return [{"text": "Press Step or ▶ to run the market"}]
    return []


# --- the charts -------------------------------------------------------------------------------------

WALL = {
    "accessible_effective_stock_tokens": "Public text the frontier lab may use",
    "high_quality_stock_tokens": "... of it, high-quality text",
    "frontier_desired_tokens": "Dataset the frontier lab wants",
    "frontier_tokens": "Tokens its current model saw",
}
WALL_COLOURS = (STOCK_COLOUR, "#9BB3DB", DEMAND_COLOUR, "#E8A3A5")


def data_wall(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    decades = [10.0**e for e in range(9, 19)]
    y = {"title": "tokens (log scale)", "scale": {"type": "log"}, "axis": {"format": ".0e", "values": decades}}
    return _base(
        "The data wall",
        "Red: the data the leading lab wants for its next model. Blue: the public text it may still use.",
        [_lines(span, runs, WALL.values(), WALL_COLOURS, y, floor=(1e12, 1e14)), _events(), _note()],
    )


# Datasets whose rows are one per month: a step sends only the new months' rows (see viz/app.py: Chart).
MONTHLY = frozenset({"series", "mix", "compare"})


def data_wall_data(runs: Mapping[str, Series], events: Sequence[tuple[str, float | None]], start: int = 0) -> dict[str, list]:
    """`events`: (label, decimal year or None) for each date to mark, such as "public exhaustion"."""
    rows = _rows(runs, WALL, positive=True, start=start)
    marks = [
        {"date": _date(year), "label": f"{label}: {year_month(year)}", "pixels_down": 4 + 17 * i}
        for i, (label, year) in enumerate(e for e in events if e[1] is not None)
    ]
    return {"series": rows, "events": marks, "notes": _waiting(runs)}


MIX_LABELS = {
    Source.PUBLIC: "public web",
    Source.LICENSED: "licensed",
    Source.OWN_USER: "own users",
    Source.ALLIANCE: "alliance",
    Source.BROKER: "brokers",
    Source.SYNTHETIC: "synthetic",
    Source.MULTIMODAL: "media",
}


def token_mix(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    labels = [MIX_LABELS[s] for s in Source]
    colours = [SOURCE_COLOURS[s] for s in Source]
    y = {"title": "share of training tokens", "axis": {"format": ".0%"}, "scale": {"domain": [0, 1]}}
    area = {
        "data": {"name": "mix"},
        "transform": [{"fold": labels, "as": ["source", "share"]}],
        "mark": {"type": "area"},
        "encoding": {
            "x": _x(span),
            "y": {"field": "share", "type": "quantitative", "stack": "zero", **y},
            "color": {
                "field": "source",
                "type": "nominal",
                "title": None,
                "sort": labels,
                "scale": {"domain": labels, "range": colours},
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                {"field": "date", "type": "temporal", "format": "%Y-%m", "title": "month"},
                {"field": "source"},
                {"field": "share", "type": "quantitative", "format": ".1%"},
            ],
        },
    }
    boundaries = {
        "data": {"name": "compare"},
        "mark": {"type": "line", "strokeDash": [6, 4], "strokeWidth": 1.5, "color": "black"},
        "encoding": {"x": _x(span), "y": {"field": "top", "type": "quantitative"}, "detail": {"field": "source"}},
    }
    return _base(
        "What the labs train on",
        "Share of the tokens in the labs' current models, by where they came from.",
        [area, boundaries, _note()],
    )


def _shares(series: Series) -> np.ndarray:
    tokens = np.array([series[f"tokens_{s.value}"] for s in Source], dtype=float)
    totals = tokens.sum(axis=0)
    return np.divide(tokens, totals, out=np.zeros_like(tokens), where=totals > 0)


def token_mix_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    """The first run as stacked areas; a second run as dashed lines at the same boundaries."""
    names = list(runs)
    rows, compare = [], []
    if names:
        series = runs[names[0]]
        shares = _shares(series)
        for i, year in enumerate(series.get("year", ())[start:], start):
            rows.append({"date": _date(year), **{MIX_LABELS[s]: float(shares[j, i]) for j, s in enumerate(Source)}})
    for name in names[1:]:
        series = runs[name]
        tops = np.cumsum(_shares(series), axis=0)
        for j, s in enumerate(list(Source)[:-1]):
            compare += [
                {"date": _date(y), "source": MIX_LABELS[s], "top": float(tops[j, i])} for i, y in enumerate(series["year"])
            ]
    return {"mix": rows, "compare": compare, "notes": _waiting(runs)}


PRIVATE_VOLUME = {"broker_volume_tokens": "Private text sold by brokers"}
PRIVATE_PRICE = {"private_price_usd_per_token": "Brokers' asking price"}
NOTHING_SOLD = "No private text sold yet:\nlabs buy it when public text runs short"


def _private(title: str, subtitle: str, columns: Mapping[str, str], colour: str, y_title: str, span, runs) -> Spec:
    y = {"title": y_title, "axis": {"format": ",.3~r"}}
    return _base(title, subtitle, [_lines(span, runs, columns.values(), (colour,), y), _note()], height=200)


def private_volume(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    return _private(
        "The private-data market: volume",
        "Brokers license consented private text (enterprise documents, transcripts, opted-in posts).",
        PRIVATE_VOLUME,
        "#DD8452",
        "billion tokens a month",
        span,
        runs,
    )


def private_price(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    return _private(
        "The private-data market: price",
        "Their asking price falls towards the cost of compliance when labs will not pay more.",
        PRIVATE_PRICE,
        "#937860",
        "USD per million tokens",
        span,
        runs,
    )


def _private_notes(runs: Mapping[str, Series]) -> list[dict[str, str]]:
    """How to start, or that nothing has been sold yet; nothing once brokers have sold."""
    sold = any(np.nansum(np.asarray(s.get("broker_volume_tokens", ()), dtype=float)) > 0 for s in runs.values())
    return _waiting(runs) or ([] if sold else [{"text": NOTHING_SOLD}])


def private_volume_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    return {"series": _rows(runs, PRIVATE_VOLUME, 1e9, start=start), "notes": _private_notes(runs)}


def private_price_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    return {"series": _rows(runs, PRIVATE_PRICE, 1e-6, start=start), "notes": _private_notes(runs)}


def private_data(runs: Mapping[str, Series], start: int = 0) -> tuple[dict[str, list], dict[str, list]]:
    """Volume and price; each says so when nothing has been sold yet."""
    return private_volume_data(runs, start), private_price_data(runs, start)


COMMONS = {
    "opted_out_share": "Closed to AI crawlers (all domains)",
    "opted_out_share_head": "Closed to AI crawlers (largest domains)",
    "exclusive_share": "Licensed to one lab only",
    "ai_pollution_share": "Written by AI (all text)",
    "ai_share_new_text": "Written by AI (new text)",
}
COMMONS_COLOURS = ("#C44E52", "#E8A3A5", "#8172B3", "#55A868", "#A6D3A0")


def commons(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    y = {"title": "share of public tokens", "axis": {"format": ".0%"}}
    return _base(
        "The commons: who closes the web, and who writes it",
        "How much public text is closed to AI crawlers, licensed away, or written by AI.",
        [_lines(span, runs, COMMONS.values(), COMMONS_COLOURS, y), _note()],
    )


def commons_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    return {"series": _rows(runs, COMMONS, start=start), "notes": _waiting(runs)}


COMPUTE_SPLIT = {
    "frontier_pretraining_share": "Pretraining share of the frontier's training compute",
    "frontier_annotated_share": "Share of its post-training tasks written by paid people",
    "frontier_task_quality": "Worth of its tasks against all-human ones",
}
CAPABILITY = {"frontier_capability": "Frontier lab's model", "best_capability": "Best model on the market"}


def compute_split(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    y = {"title": "share", "axis": {"format": ".0%"}, "scale": {"domain": [0, 1]}}
    return _base(
        "The labs as firms: where the compute goes",
        "The rest goes to post-training and reinforcement learning, which need no new pretraining text but read"
        " tasks: generated by a model, or written by paid people where they are worth their wage.",
        [_lines(span, runs, COMPUTE_SPLIT.values(), ("#4C72B0", "#DD8452", "#55A868"), y), _note()],
        height=200,
    )


def capability(span: tuple[float, float], runs: Sequence[str]) -> Spec:
    y = {"title": "log10 FLOP of effective compute", "axis": {"format": ".0f"}}
    return _base(
        "The labs as firms: capability",
        "Effective compute: what a compute-optimal run on unlimited text would need, times post-training's gain.",
        [_lines(span, runs, CAPABILITY.values(), ("#C44E52", "#8C8C8C"), y, floor=(22.0, 24.0)), _note()],
        height=200,
    )


def compute_split_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    return {"series": _rows(runs, COMPUTE_SPLIT, start=start), "notes": _waiting(runs)}


def capability_data(runs: Mapping[str, Series], start: int = 0) -> dict[str, list]:
    return {"series": _rows(runs, CAPABILITY, start=start), "notes": _waiting(runs)}


# --- the market network ---------------------------------------------------------------------------------


def network(span: tuple[float, float] = (0, 0), runs: Sequence[str] = (), height: int = 340) -> Spec:
    """Sellers on the left, intermediaries in the middle, labs on the right; line width ~ tokens traded."""
    # Publishers' labels left of them, everyone else's to the right: the columns' labels never meet.
    hidden = {"axis": None, "scale": {"domain": [-0.55, 1.6]}}
    return {
        "$schema": SCHEMA,
        "usermeta": {
            "title": "Who sells data to whom",
            "subtitle": "Web publishers on the left; brokers, the alliance and generators in the middle; labs on the right. "
            "Line width: tokens traded so far. Purple: term licences signed (hover: how many, and their yearly fees). "
            "Dashed: alliance membership.",
        },
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": CONFIG,
        "layer": [
            {
                "data": {"name": "edges"},
                "mark": {"type": "rule", "opacity": 0.7},
                "encoding": {
                    "color": {
                        "field": "contract",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": ["trade", "licence", "membership"], "range": ["#999999", "#8172B3", "#999999"]},
                    },
                    "tooltip": [
                        {"field": "deal", "title": "who with whom"},
                        {"field": "licences", "title": "licences signed"},
                        {"field": "usd_per_year", "title": "their fees, USD a year", "format": ",.3s"},
                    ],
                    "x": {"field": "x", "type": "quantitative", **hidden},
                    "y": {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [-0.08, 1.08]}},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "strokeWidth": {
                        "field": "width",
                        "type": "quantitative",
                        "legend": None,
                        "scale": {"range": [0.5, 7], "domain": {"unionWith": [0, 1]}},
                    },
                    "strokeDash": {"field": "dash", "type": "nominal", "legend": None, "scale": {"range": [[1, 0], [5, 3]]}},
                },
            },
            {
                "data": {"name": "nodes"},
                "mark": {"type": "circle", "size": 160, "opacity": 1, "stroke": "white"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **hidden},
                    "y": {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [-0.08, 1.08]}},
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": list(ROLES.values()), "range": [NODE_COLOURS[k] for k in ROLES]},
                        "legend": None,  # the labels say who each is
                    },
                    "tooltip": [{"field": "label"}, {"field": "role"}],
                },
            },
            {
                "data": {"name": "nodes"},
                "mark": {
                    "type": "text",
                    "fontSize": FONT,
                    "dx": {"expr": "datum.x < 0.25 ? -10 : 10"},
                    "align": {"expr": "datum.x < 0.25 ? 'right' : 'left'"},
                },
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **hidden},
                    "y": {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [-0.08, 1.08]}},
                    "text": {"field": "label"},
                },
            },
        ],
    }


ROLES = {
    "Publisher": "web publishers",
    "DataBroker": "data brokers",
    "DataAlliance": "data alliance",
    "SyntheticGenerator": "synthetic-data generators",
    "ClosedLab": "closed labs",
    "OpenLab": "open labs",
}
COLUMNS = {"Publisher": 0.0, "DataBroker": 0.5, "DataAlliance": 0.5, "SyntheticGenerator": 0.5, "ClosedLab": 1.0, "OpenLab": 1.0}


def layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """Fixed positions by role, so nodes stay put while the edges change."""
    by_column: dict[float, list[int]] = {}
    for node, data in graph.nodes(data=True):
        column = COLUMNS.get(data["type"])
        if column is not None:
            by_column.setdefault(column, []).append(node)
    position = {}
    for x, nodes in by_column.items():
        for i, node in enumerate(nodes):
            position[node] = (x, 1.0 - i / (len(nodes) - 1) if len(nodes) > 1 else 0.5)
    return position


def network_data(graph: nx.DiGraph, labels: Mapping[int, str], position: Mapping[int, tuple[float, float]]) -> dict[str, list]:
    nodes = [
        {
            "x": position[n][0],
            "y": position[n][1],
            "label": labels.get(n, d["name"]),
            "role": ROLES[d["type"]],
        }
        for n, d in graph.nodes(data=True)
        if n in position
    ]
    edges = []
    for u, v, d in graph.edges(data=True):
        if u not in position or v not in position:
            continue
        kind, licences = d.get("kind"), int(d.get("licences", 0))
        if kind == "deal" and (d.get("tokens", 0) > 0 or licences):
            edges.append({"width": float(np.sqrt(d["tokens"])), "dash": "deal", "contract": "licence" if licences else "trade"})
        elif kind == "membership":
            edges.append({"width": 0.0, "dash": "membership", "contract": "membership"})
        else:
            continue
        seller, buyer = labels.get(u, graph.nodes[u]["name"]), labels.get(v, graph.nodes[v]["name"])
        edges[-1] |= {
            "x": position[u][0],
            "y": position[u][1],
            "x2": position[v][0],
            "y2": position[v][1],
            "deal": f"{seller} → {buyer}",
            "licences": licences,
            "usd_per_year": float(d.get("usd_per_year", 0.0)),
        }
    return {"nodes": nodes, "edges": edges}
