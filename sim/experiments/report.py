"""`peakdata report DIR`: a sweep's Markdown summary and charts, every number computed from the runs."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from sim.experiments import plots
from sim.experiments.analysis import (
    INDEX_NAMES,
    RANKING_INDEX,
    ResultsError,
    SampleSizeWarning,
    SweepResults,
    factor_ranking,
    fan,
    morris_indices,
    morris_warnings,
    outcome_values,
    outside_unit_interval,
    readable_outcome_table,
    sobol_indices,
    sobol_warnings,
    tornado,
)
from sim.experiments.io import output_set
from sim.outcomes import CENSORED_BY, OUTCOMES

FAN_SERIES = (
    "frontier_desired_tokens",
    "accessible_effective_stock_tokens",
    "private_share",
    "synthetic_share",
    "opted_out_share",
)
LOG_SERIES = ("frontier_desired_tokens", "accessible_effective_stock_tokens")
# Sensitivity indices by design: name, how to compute them, when not to trust them, their chart and
# the table's columns.
INDICES = {
    "sobol": ("Sobol", sobol_indices, sobol_warnings, plots.sobol_figure, ("S1", "S1_conf", "ST", "ST_conf")),
    "morris": ("Morris", morris_indices, morris_warnings, plots.morris_figure, ("mu_star", "mu_star_conf", "sigma")),
}


def write_report(folder: str | Path | SweepResults, out: str | Path | None = None) -> Path:
    """Write `report.md` and its PNGs into `out` (default: `folder/report`) and return the Markdown path.

    The files are staged and moved into `out` together: a failure leaves the previous report whole.
    Sensitivity indices from too small a sample are marked in the report and raise a
    `SampleSizeWarning` (the CLI prints it).
    """
    results = folder if isinstance(folder, SweepResults) else SweepResults.load(folder)
    out = Path(out) if out else results.folder / "report"
    with output_set(out) as staged:
        _write(results, staged)
    return out / "report.md"


def _write(results: SweepResults, out: Path) -> None:
    runs, study = results.runs, results.study
    lines = [
        f"# Sweep report: {study.params.name}",
        "",
        f"Design: **{study.design.kind}**, {results.manifest['design_rows']} design points x "
        f"{study.design.replications} replication(s), root seed {study.design.seed}, "
        f"common random numbers {'on' if study.design.crn else 'off'}.",
        f"Runs: {len(results.all_runs)} stored of {results.manifest['runs_planned']} planned; "
        f"**{len(runs)} ok, {len(results.failures)} failed**. Status: {results.manifest['status']}.",
        "",
    ]
    if study.factors:
        lines += ["Uncertain inputs: " + ", ".join(f"`{name}` ({_describe(d)})" for name, d in study.distributions.items()), ""]
    if runs.empty:
        raise ResultsError(f"{results.folder}: every stored run failed; see summary/ for their errors")

    lines += ["## Outcomes", "", _outcome_markdown(runs, list(study.outcomes)), ""]
    lines += [
        "Dates not reached by the horizon are censored; percentiles use the Kaplan-Meier estimate, so a",
        "percentile past the share of runs that reached the date reads *after horizon*.",
        "",
    ]

    for outcome in (o for o in study.outcomes if o in CENSORED_BY):
        name = f"distribution_{outcome}.png"
        plots.save_figure(plots.date_distribution_figure(runs, outcome, OUTCOMES[outcome].label), out / name)
        lines += [f"![{outcome}]({name})", ""]

    if study.design.timeseries:
        series = results.series(list(FAN_SERIES))
        series = series[series["run_id"].isin(runs["run_id"])]
        plots.save_figure(plots.fan_figure({c: fan(series, c) for c in FAN_SERIES}, LOG_SERIES), out / "fan_chart.png")
        lines += ["## Monthly series across runs", "", "![fan chart](fan_chart.png)", ""]

    if study.factors:
        lines += _sensitivity(results, runs, out)
    if len(results.failures):
        lines += ["## Failed runs", "", "| run_id | seed | error |", "|---|---|---|"]
        lines += [f"| {r.run_id} | {r.seed} | {r.error.splitlines()[0][:200]} |" for r in results.failures.itertuples()]
        lines += ["", "Full tracebacks are in the `traceback` column of `summary/`.", ""]
    sessions = results.manifest["sessions"]
    ran, wall = sum(s["runs"] for s in sessions), sum(s["wall_seconds"] for s in sessions)
    lines += [
        "## Provenance",
        "",
        f"Git commit {(results.manifest.get('git') or {}).get('commit', 'unknown')}; Mesa {results.manifest['versions']['mesa']}; "
        f"{len(sessions)} session(s), {ran} runs in {wall:.1f} s wall ({ran / wall if wall else float('nan'):.2f} runs/s).",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))


def _sensitivity(results: SweepResults, runs: pd.DataFrame, out: Path) -> list[str]:
    study = results.study
    lines = ["## Sensitivity", ""]
    if any(o in CENSORED_BY for o in study.outcomes):
        lines += ["For sensitivity, a date not reached counts as the horizon year.", ""]
    computed: dict[str, pd.DataFrame] = {}  # each outcome's indices, for the ranking across outcomes
    doubtful: list[str] = []
    per_outcome: list[str] = []
    for outcome in study.outcomes:
        values = outcome_values(runs, outcome)
        if values.isna().all():
            per_outcome += [f"`{outcome}` is not measured: no run reaches it (the runs end before it).", ""]
            continue
        if values.nunique() <= 1:
            per_outcome += [f"`{outcome}` does not vary across runs; no sensitivity to report.", ""]
            continue
        per_outcome += [f"### {OUTCOMES[outcome].axis_label}", ""]
        if study.design.kind in INDICES:
            name, compute, check, figure, columns = INDICES[study.design.kind]
            try:
                indices = compute(results, outcome)
            except ResultsError as err:
                per_outcome += [f"{name} indices not computed: {err}.", ""]
            else:
                indices = indices.sort_values(RANKING_INDEX[study.design.kind], ascending=False, kind="stable")
                computed[outcome] = indices
                doubts = check(indices, study.design.samples)
                if doubts:
                    doubtful.append(outcome)
                    message = f"{name} indices of {outcome} are not reliable: {'; '.join(doubts)}. Run more samples."
                    warnings.warn(message, SampleSizeWarning, stacklevel=2)
                    per_outcome += [f"> **Warning: too small a sample.** {message[0].upper()}{message[1:]}", ""]
                png = f"{study.design.kind}_{outcome}.png"
                plots.save_figure(figure(indices, outcome, unreliable=bool(doubts)), out / png)
                per_outcome += [_table(indices, columns), "", f"![{name} {outcome}]({png})", ""]
        if study.design.kind != "morris" and len(runs) >= 10:
            swings = tornado(runs, study.factors, outcome)
            centre = float(outcome_values(runs, outcome).mean())
            plots.save_figure(plots.tornado_figure(swings, outcome, centre), out / f"tornado_{outcome}.png")
            per_outcome += [f"![Tornado {outcome}](tornado_{outcome}.png)", ""]
            for flag, meaning in (
                ("negligible", "Negligible (hatched; below 1% of the mean, or 0.1 year for a date)"),
                ("within_noise", "Within noise (hatched; within two standard errors of zero, more runs would tell)"),
            ):
                factors = swings.loc[swings[flag], "factor"].tolist()
                if factors:
                    per_outcome += [f"{meaning}: {', '.join(f'`{f}`' for f in factors)}.", ""]
    if computed:
        lines += _ranking(computed, doubtful, study.design.kind, out)
    return lines + per_outcome


def _ranking(computed: dict[str, pd.DataFrame], doubtful: list[str], kind: str, out: Path) -> list[str]:
    """The factors ranked on every outcome at once: a table of ranks and a heat map of the index."""
    index = RANKING_INDEX[kind]
    ranks, share = factor_ranking(computed, index)
    lines = [
        "### Ranking across outcomes",
        "",
        f"Each factor's rank on each outcome by {INDEX_NAMES[index]} (1: the most influential), the rows ordered by the",
        "index as a share of each outcome's largest, averaged over the outcomes.",
    ]
    if doubtful:
        lines.append("An outcome marked † failed its sample-size check: read its ranks as provisional.")
    header = [OUTCOMES[o].label + (" †" if o in doubtful else "") for o in ranks.columns]
    plots.save_figure(plots.ranking_figure(ranks, share, index, header, bool(doubtful)), out / "ranking.png")
    lines += ["", "| factor | " + " | ".join(header) + " | mean share of the largest |"]
    lines += ["|---|" + "---:|" * (len(header) + 1)]
    for factor, row in ranks.iterrows():
        lines.append(f"| {factor} | " + " | ".join(str(r) for r in row) + f" | {share.loc[factor].mean():.2f} |")
    return [*lines, "", "![Ranking across outcomes](ranking.png)", ""]


def _describe(dist) -> str:
    if dist.dist == "choice":
        return "one of " + ", ".join(f"{v:g}" for v in dist.values)
    bounds = f"central {dist.credibility:g}% interval" if dist.dist in ("normal", "lognormal") else "from"
    mode = f", mode {dist.mode:g}" if dist.mode is not None else ""
    return f"{dist.dist}, {bounds} {dist.low:g} to {dist.high:g}{mode}"


def _outcome_markdown(runs: pd.DataFrame, outcomes: list[str]) -> str:
    table = readable_outcome_table(runs, outcomes)
    lines = ["| outcome | runs | p10 | median | p90 | censored |", "|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {label} | {' | '.join(map(str, row))} |" for label, row in zip(table.index, table.itertuples(index=False))]
    return "\n".join(lines)


def _table(frame: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """Indices as a Markdown table; a Sobol index outside [0, 1] is marked, as it can only be sampling error."""
    flagged = outside_unit_interval(frame) if "S1" in frame else pd.Series(False, index=frame.index)
    lines = ["| factor | " + " | ".join(columns) + " | note |", "|---|" + "---:|" * len(columns) + "---|"]
    for (_, row), flag in zip(frame.iterrows(), flagged, strict=True):
        note = "outside [0, 1]: sampling error" if flag else ""
        lines.append("| " + row["factor"] + " | " + " | ".join(f"{row[c]:.3g}" for c in columns) + f" | {note} |")
    return "\n".join(lines)
