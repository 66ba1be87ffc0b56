"""The `peakdata` command line."""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from sim.errors import UserError


class ExecutorOption(StrEnum):
    serial = "serial"
    process = "process"


class DesignKindOption(StrEnum):
    grid = "grid"
    monte_carlo = "monte_carlo"
    lhs = "lhs"
    sobol = "sobol"
    morris = "morris"


ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.toml"
VIZ_HOST = "127.0.0.1"

console = Console()
errors = Console(stderr=True)

_RUNNER_HELP = "Worker processes (default: one per core)"
_JSON_HELP = "Print the result as JSON on stdout (progress and messages go to stderr)"


def _print_json(data) -> None:
    """JSON on stdout, for scripts: NaN (a date not reached, an undefined value) is written as null."""
    import json

    def clean(value):
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if hasattr(value, "item"):  # a numpy scalar
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    sys.stdout.write(json.dumps(clean(data), indent=2, default=str) + "\n")


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


class _Commands(TyperGroup):
    """Every command ends a user's mistake with a message and exit code 2, never a traceback."""

    def invoke(self, ctx):
        args = [*ctx._protected_args, *ctx.args]
        try:
            return super().invoke(ctx)
        except typer.BadParameter as err:
            value = _value_given(args, err.param.opts if err.param is not None else [])
            if value is not None:
                err.message = f"{value!r} is not allowed: {err.message}"
            raise
        except OSError as err:  # a file or folder that cannot be read or written
            where = f"{err.filename}: " if err.filename else ""
            raise _fail(f"{where}{err.strerror or err}") from None
        except UserError as err:  # messages written for the person at the terminal
            raise _fail(str(err)) from None


def _value_given(args: list[str], opts: list[str]) -> str | None:
    """What the user typed for an option (``--seed -4`` or ``--seed=-4``), to quote it back."""
    for i, arg in enumerate(args):
        if arg in opts and i + 1 < len(args):
            return args[i + 1]
        for opt in opts:
            if arg.startswith(f"{opt}="):
                return arg.split("=", 1)[1]
    return None


# Plain Click help (no Rich panels): no type placeholder on flags, and "[design]" in a help text stays as written.
app = typer.Typer(
    cls=_Commands, add_completion=False, rich_markup_mode=None, no_args_is_help=True, pretty_exceptions_enable=False
)


def _print_version(value: bool) -> None:
    if value:
        import importlib.metadata

        console.print(f"peakdata {importlib.metadata.version('peakdata')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit")
    ] = False,
) -> None:
    """PeakData: an agent-based market for LLM training data.

    Start with `peakdata run` (the baseline scenario) and `peakdata list` (every scenario and policy).
    """


@app.command(name="list")
def list_command(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="Where to look", show_default="scenarios/")] = ROOT
    / "scenarios",
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON")] = False,
) -> None:
    """The scenarios, policies and study files in the library, with their descriptions."""
    from sim.library import library

    if not folder.is_dir():
        raise _fail(f"{folder}: not a folder; allowed: a folder of scenario files")
    rows = [{"file": e.file, "kind": e.kind, "description": e.description} for e in library(folder)]
    if as_json:
        return _print_json(rows)
    table = Table(
        title=f"Scenario files in {folder}",
        caption="study: a sweep design, run with peakdata sweep; calibration: run with peakdata calibrate",
    )
    for column in ("file", "kind", "description"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row.values())
    console.print(table)


def _check_out(out: Path, option: str = "--out") -> None:
    """Fail now, before any work, if `out` cannot hold results; leave nothing behind."""
    created: list[Path] = []
    try:
        if out.exists() and not out.is_dir():
            raise _fail(f"{option} {out}: exists and is not a folder; allowed: a folder, new or existing")
        created = [p for p in (out, *out.parents) if not p.exists()]
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise _fail(
            f"{option} {out}: cannot write results there ({err.strerror or err}); allowed: a folder you can write to"
        ) from None
    finally:
        for path in created:
            with contextlib.suppress(OSError):
                path.rmdir()


@contextlib.contextmanager
def _writing(out: Path, option: str = "--out") -> Iterator[Path]:
    """Stage a set of result files and move them into `out` together (see `sim.experiments.io.output_set`)."""
    from sim.experiments.io import output_set

    try:
        with output_set(out) as staged:
            yield staged
    except OSError as err:
        where = err.filename or out
        raise _fail(f"{option} {out}: could not write {where} ({err.strerror or err}); nothing was changed") from None


@app.command()
def run(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO", help="Scenario TOML file", show_default="scenarios/baseline.toml")
    ] = DEFAULT_SCENARIO,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root seed; the same seed gives the same output")] = 0,
    out: Annotated[Path | None, typer.Option(help="Folder for the results", show_default="results/<scenario file name>")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Run one scenario: print the summary, write the series, the summary and the data-wall chart."""
    from sim.experiments.io import write_csv, write_json, write_parquet
    from sim.experiments.plots import save_data_wall
    from sim.metrics import run_summary, timeseries
    from sim.model import DataMarketModel
    from sim.params import load_scenario

    params = load_scenario(scenario)
    out = out or Path("results") / scenario.stem
    _check_out(out)

    say = errors if as_json else console
    started = time.perf_counter()
    with say.status(f"Running {params.name} (seed {seed}), {params.constants.start} to {params.constants.end}..."):
        model = DataMarketModel(params, rng=seed).run()
    elapsed = time.perf_counter() - started
    frame = timeseries(model)
    summary = run_summary(model)
    summary["run_seconds"] = round(elapsed, 3)

    import pandas as pd

    with _writing(out, "--out") as staged:
        write_parquet(frame, staged / "timeseries.parquet")
        write_csv(frame, staged / "timeseries.csv")
        write_parquet(pd.DataFrame([summary]), staged / "summary.parquet")
        write_json(summary, staged / "summary.json")
        save_data_wall(frame, summary, staged / "data_wall.png")
    if as_json:
        _print_json(summary)
    else:
        console.print(_summary_table(summary))
    say.print(f"Wrote {out}/timeseries.parquet, timeseries.csv, summary.parquet, summary.json, data_wall.png")


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(metavar="STUDY", help="Scenario TOML file with distributions and a [design] table")],
    out: Annotated[Path, typer.Option(help="Folder for the results; rerun into the same folder to resume")],
    design: Annotated[DesignKindOption | None, typer.Option(help="Override design.kind")] = None,
    samples: Annotated[int | None, typer.Option(min=1, help="Override design.samples")] = None,
    replications: Annotated[int | None, typer.Option(min=1, help="Override design.replications")] = None,
    seed: Annotated[int | None, typer.Option(min=0, max=2**63 - 1, help="Override design.seed")] = None,
    executor: Annotated[ExecutorOption, typer.Option(help="Where runs execute")] = ExecutorOption.process,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help="Worker processes (default: one per core)")] = None,
    dask: Annotated[
        str | None, typer.Option(help="Run on Dask: 'local' starts a LocalCluster, or a scheduler address tcp://HOST:PORT")
    ] = None,
    report: Annotated[bool, typer.Option(help="Write the report (peakdata report) when the sweep ends")] = True,
) -> None:
    """Run a study's design (grid, Monte Carlo, LHS, Sobol, Morris) and store every run as Parquet."""
    from sim.experiments.study import load_study
    from sim.experiments.sweep import SweepInterrupted, run_sweep

    overrides = {"kind": design.value if design else None, "samples": samples, "replications": replications, "seed": seed}
    study = load_study(scenario, **overrides)
    _check_dask(dask)
    _check_out(out)
    runs = study.runs()["run_id"].nunique()
    where = f"Dask ({dask})" if dask else executor.value
    console.print(f"Sweep [bold]{study.params.name}[/]: {study.design.kind}, {runs} runs, on {where} -> {out}")
    try:
        outcome = run_sweep(study, out, executor=executor.value, workers=workers, dask=dask)
    except SweepInterrupted as stop:
        errors.print(
            f"Interrupted: {stop.outcome.already_done + stop.outcome.ran} of {stop.outcome.planned} runs are stored in {out}. "
            "Run the same command again to resume.",
            soft_wrap=True,
        )
        raise typer.Exit(code=130) from None
    console.print(
        f"{outcome.ran} runs in {outcome.wall_seconds:.1f} s ({outcome.runs_per_second:.2f} runs/s), "
        f"{outcome.failed} failed; {outcome.already_done} were already stored."
    )
    if report:
        _write_report(out)


@app.command(name="report")
def report_command(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="A sweep folder written by peakdata sweep")],
    out: Annotated[Path | None, typer.Option(help="Where to write report.md and the charts (default: FOLDER/report)")] = None,
) -> None:
    """Summarise a sweep: outcome percentiles (censoring-aware), fan charts, Sobol/Morris indices, tornado charts."""
    _write_report(folder, out)


def _write_report(folder: Path, out: Path | None = None) -> None:
    from sim.experiments.analysis import SweepResults
    from sim.experiments.report import write_report

    results = SweepResults.load(folder)
    _check_out(out or results.folder / "report")
    with console.status("Writing the report..."), _warning_on_terminal():
        path = write_report(results, out)
    console.print(f"Wrote {path} and its charts")


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(metavar="BASE", help="The base scenario (e.g. scenarios/baseline.toml)")],
    policies: Annotated[
        list[Path], typer.Argument(metavar="POLICY", help="One or more policy scenarios to compare with the base")
    ],
    runs: Annotated[int, typer.Option(min=2, max=100_000, help="Paired runs (seeds) per scenario")] = 30,
    out: Annotated[Path, typer.Option(help="Folder for the runs and the report")] = Path("results/compare"),
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root of the common seeds")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help=_RUNNER_HELP)] = None,
    dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT to run on Dask")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Paired comparison with common random numbers: each policy's effect with a bootstrap 95% CI.

    The runs go to OUT/<file name> (one folder per scenario file); OUT/compare.md, effects.png and
    series.png hold the report."""
    from sim.experiments.policy import compare as run_compare
    from sim.experiments.policy import format_interval
    from sim.outcomes import OUTCOMES

    _check_out(out)
    effects = _policy_command(lambda: run_compare(base, policies, out, runs=runs, seed=seed, workers=workers, dask=dask), dask)
    if as_json:
        _print_json(effects.to_dict(orient="records"))
        errors.print(f"Wrote {out}/compare.md, effects.png, series.png and effects.parquet")
        return
    for policy, part in effects.groupby("policy", sort=False):
        table = Table(
            title=f"{policy} against {base.stem} ({runs} paired runs)", box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False
        )
        table.add_column("outcome", overflow="fold")
        for column in ("effect", "95% CI"):
            table.add_column(column, justify="right", no_wrap=True)
        for row in part.itertuples():
            effect = OUTCOMES[row.outcome].format_difference(row.effect)
            table.add_row(OUTCOMES[row.outcome].axis_label, effect, format_interval(row.outcome, row.ci_low, row.ci_high))
        console.print(table)
    console.print(f"Wrote {out}/compare.md, effects.png, series.png and effects.parquet")


@app.command()
def robustness(
    policies: Annotated[
        list[Path], typer.Argument(metavar="POLICY", help="Policy scenarios (include the baseline to compare against it)")
    ],
    uncertainties: Annotated[
        Path,
        typer.Option(help="A study file whose distributions define the worlds", show_default="scenarios/sensitivity.toml"),
    ] = ROOT / "scenarios" / "sensitivity.toml",
    outcome: Annotated[str, typer.Option(help="The outcome to judge policies by")] = "data_wall_year",
    minimize: Annotated[bool, typer.Option("--minimize", help="Lower is better (default: higher is better)")] = False,
    threshold: Annotated[float | None, typer.Option(help="Report the share of worlds meeting this value")] = None,
    samples: Annotated[int, typer.Option(min=2, max=1_000_000, help="Worlds (Latin hypercube)")] = 50,
    out: Annotated[Path, typer.Option(help="Folder for the runs and the report")] = Path("results/robustness"),
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root of the common seeds")] = 0,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help=_RUNNER_HELP)] = None,
    dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT to run on Dask")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Every policy in the same sampled worlds: mean, 10th-90th percentiles, regret, share meeting a threshold."""
    from sim.experiments.policy import robustness as run_robustness
    from sim.outcomes import OUTCOMES

    if outcome not in OUTCOMES:
        raise _fail(f"--outcome {outcome!r}: allowed: {', '.join(OUTCOMES)}")
    if threshold is not None and not math.isfinite(threshold):
        raise _fail(f"--threshold {threshold}: allowed: a finite number in the outcome's units (a year for a date)")
    _check_out(out)
    table = _policy_command(
        lambda: run_robustness(
            policies,
            uncertainties,
            out,
            outcome=outcome,
            maximize=not minimize,
            threshold=threshold,
            samples=samples,
            seed=seed,
            workers=workers,
            dask=dask,
        ),
        dask,
    )
    if as_json:
        _print_json(table.to_dict(orient="records"))
        errors.print(f"Wrote {out}/robustness.md, robustness.png and robustness.parquet")
        return
    fmt = "{:.2f}" if OUTCOMES[outcome].kind == "date" else "{:.3g}"
    goal = "lower" if minimize else "higher"
    title = f"{OUTCOMES[outcome].axis_label}, {goal} is better, over {samples} worlds"
    if threshold is not None:
        title += f"; 'meets': share of worlds {'<=' if minimize else '>='} {threshold:g}"
    shown = Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    shown.add_column("policy", overflow="fold", min_width=min(28, max(map(len, table["policy"]))))
    title += "; regret: mean and worst distance to the best policy in each world"
    headers = {"mean": "mean", "p10": "p10", "p90": "p90", "mean_regret": "regret", "max_regret": "worst"}
    if threshold is not None:
        headers["share_meeting_threshold"] = "meets"
    for header in headers.values():
        shown.add_column(header, justify="right")
    for row in table.to_dict(orient="records"):
        cells = [fmt.format(row[c]) for c in headers if c != "share_meeting_threshold"]
        if threshold is not None:
            cells.append(f"{row['share_meeting_threshold']:.0%}")
        shown.add_row(row["policy"], *cells)
    console.print(title, soft_wrap=False)
    console.print(shown)
    console.print(f"Wrote {out}/robustness.md, robustness.png and robustness.parquet")


@app.command()
def validate(
    out: Annotated[Path, typer.Option(help="Folder for the validation sweeps (rerun to resume)")] = Path("results/validation"),
    docs: Annotated[Path, typer.Option(help="Where validation.md and img/validation/ are written")] = Path("docs"),
    quick: Annotated[bool, typer.Option(help="Fewer runs and bands widened 2x: the CI version")] = False,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help=_RUNNER_HELP)] = None,
    dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT to run on Dask")] = None,
    as_json: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Recompute the seed's claims from Monte Carlo sweeps and write docs/validation.md with its figures."""
    from sim.experiments.validation import QUICK, Size
    from sim.experiments.validation import validate as run_validation

    _check_out(out)
    _check_out(docs, "--docs")
    checks = _policy_command(lambda: run_validation(out, docs, QUICK if quick else Size(), workers=workers, dask=dask), dask)
    if as_json:
        _print_json(
            [
                {"section": c.section, "check": c.quantity, "ours": c.ours, "published": c.target}
                | {"band_low": c.low, "band_high": c.high, "met": c.met, "source": c.source, "quick": quick}
                for c in checks
            ]
        )
        errors.print(f"{sum(c.met for c in checks)} of {len(checks)} met. Wrote {docs / 'validation.md'}")
        return
    table = Table(title="Validation against the seed")
    for column in ("check", "ours", "published", "band applied", "verdict"):
        table.add_column(column)
    for check in checks:
        verdict = "met" if check.met else "[bold red]MISS[/]"
        table.add_row(check.quantity, check.fmt.format(check.ours), check.target, check.applied, verdict)
    console.print(table)
    if quick:
        console.print(
            f"Quick check: fewer runs, and every band widened {QUICK.band_scale:g}x ('band applied'): a 'met' here is "
            "against the widened band, not the published one. Run without --quick for the published bands."
        )
    console.print(f"{sum(c.met for c in checks)} of {len(checks)} met. Wrote {docs / 'validation.md'}")


@app.command()
def calibrate(
    study: Annotated[Path, typer.Argument(metavar="STUDY", help="Study file with priors and a [calibration] table")],
    out: Annotated[Path, typer.Option(help="Folder for the waves' runs and the report; rerun into it to resume")],
    until: Annotated[
        int | None, typer.Option(min=2000, max=2100, help="Match only observations up to this year; forecast and score the rest")
    ] = None,
    executor: Annotated[ExecutorOption, typer.Option(help="Where runs execute")] = ExecutorOption.process,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help=_RUNNER_HELP)] = None,
    dask: Annotated[str | None, typer.Option(help="'local' or tcp://HOST:PORT to run on Dask")] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="Where calibrated.toml (one run at the best point) and calibrated_region.toml go [default: OUT/scenarios]"
        ),
    ] = None,
) -> None:
    """History matching: rule out, in waves, the uncertainties the 2020-2026 observations cannot have come from, then
    forecast from the region left beside the prior."""
    from sim.experiments.calibration import (
        coverage,
        forecast_table,
        history_match,
        load_calibration_study,
        write_calibrated_scenarios,
        write_calibration_report,
    )

    load_calibration_study(study, until)  # every mistake in the files is named before any run
    _check_dask(dask)
    _check_out(out)
    if scenarios is not None:
        _check_out(scenarios, "--scenarios")
    calibration = _policy_command(
        lambda: history_match(study, out, until=until, executor=executor.value, workers=workers, dask=dask, say=console.print),
        dask,
    )
    report = write_calibration_report(calibration)
    table = Table(title="Forecasts: prior and calibrated")
    columns = ("outcome", "from", "p10", "median", "p90")
    for column in columns:
        table.add_column(column)
    for row in forecast_table(calibration).to_dict("records"):
        table.add_row(*(str(row[column]) for column in columns))
    console.print(table)
    if calibration.conflicts:
        console.print(f"[bold red]No plausible region.[/] Observations in conflict: {', '.join(calibration.conflicts)}")
    if calibration.held_out:
        scored = coverage(calibration)
        console.print(
            f"Out of sample: {scored['in_80%'].mean():.0%} of {len(scored)} later observations inside the 80% intervals, "
            f"{scored['in_95%'].mean():.0%} inside the 95% intervals."
        )
    written = write_calibrated_scenarios(calibration, scenarios if scenarios is not None else out / "scenarios")
    console.print(f"Wrote {report}" + "".join(f", {path}" for path in written))


def _check_dask(dask: str | None) -> None:
    import re

    address = re.fullmatch(r"(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})", dask or "")
    if dask is not None and dask != "local" and (address is None or not 0 < int(address.group(3)) < 65536):
        raise _fail(
            f"--dask {dask!r}: allowed: 'local' or a scheduler address tcp://HOST:PORT (port 1-65535), e.g. tcp://127.0.0.1:8786"
        )


def _policy_command(action, dask: str | None):
    from sim.experiments.sweep import SweepInterrupted

    _check_dask(dask)
    try:
        with _warning_on_terminal():
            return action()
    except SweepInterrupted:
        errors.print("Interrupted. Run the same command again to resume.")
        raise typer.Exit(code=130) from None


@contextlib.contextmanager
def _warning_on_terminal() -> Iterator[None]:
    """Print the statistics' warnings (too small a sample) on stderr as they come, not as Python's tracebacks."""
    import warnings

    from sim.experiments.analysis import SampleSizeWarning

    def show(message, category, filename, lineno, file=None, line=None):
        errors.print(f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", SampleSizeWarning)
        previous, warnings.showwarning = warnings.showwarning, show
        try:
            yield
        finally:
            warnings.showwarning = previous


@app.command()
def viz(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port to serve on, on 127.0.0.1")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open a browser tab")] = False,
) -> None:
    """Serve the browser view (viz/app.py) on http://127.0.0.1:PORT until Ctrl-C."""
    import importlib.util

    if importlib.util.find_spec("solara") is None:
        raise _fail("peakdata viz needs the browser view's packages; install them with: pip install 'peakdata[viz]'")
    from viz.assets import fill

    with socket.socket() as probe:
        # As the server will: SO_REUSEADDR, so that a port left in TIME_WAIT by a server just stopped counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((VIZ_HOST, port))
        except OSError:
            raise _fail(f"--port {port}: already in use on {VIZ_HOST}; allowed: a free port from 1024 to 65535") from None
    try:
        # Solara serves its front-end files from this cache: these machines cannot reach its CDN.
        cache = fill(quiet=True)
    except RuntimeError as err:
        raise _fail(f"Solara's front-end assets: {err}") from None
    env = {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no phoning home from an offline machine
        "SOLARA_THEME_SHOW_BANNER": "False",  # Solara's corner banner sits over the charts
    }
    command = [sys.executable, "-m", "solara", "run", "viz.app", "--host", VIZ_HOST, "--port", str(port), "--production"]
    command.append("--open" if open_browser else "--no-open")
    console.print(f"PeakData browser view: http://{VIZ_HOST}:{port}  (Ctrl-C stops it)")
    raise typer.Exit(_serve_until_stopped(command, env))


class _Stop(Exception):
    """A signal asked `peakdata viz` to stop."""


def _serve_until_stopped(command: list[str], env: dict[str, str]) -> int:
    """Run the server in its own process group until it ends or SIGINT, SIGTERM or SIGHUP arrives.

    Then stop the whole group (SIGTERM, SIGKILL after 10 s), so that no Solara process outlives this
    one or keeps the port.
    """

    def stop(signum, frame):
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    child = None
    try:
        child = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
        return child.wait()
    except _Stop:
        return 0
    finally:
        if child is not None:
            _stop_group(child)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_group(child: subprocess.Popen) -> None:
    for sig, wait_seconds in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=wait_seconds)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)  # anything the server started that outlived it


def _summary_table(summary: dict) -> Table:
    from sim.outcomes import OUTCOMES

    table = Table(title=f"PeakData run summary: {summary['scenario']} (seed {summary['seed']}, {summary['run_seconds']:.2f} s)")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    horizon = summary["horizon_year"]
    for name, outcome in OUTCOMES.items():
        if outcome.censored_by and summary[outcome.censored_by]:
            value = f"> {horizon:.2f} (censored)"
        elif outcome.kind == "date" and summary[name] != summary[name]:
            value = "n/a (not reached)"
        else:
            value = outcome.format(summary[name])
        table.add_row(outcome.axis_label, value)
    return table


if __name__ == "__main__":
    app()
