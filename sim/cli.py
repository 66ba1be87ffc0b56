"""The `peakdata` command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sim.params import ParamsError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.toml"
VIZ_HOST = "127.0.0.1"

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=__doc__)
console = Console()
errors = Console(stderr=True)


@app.callback()
def main() -> None:
    """PeakData: an agent-based market for LLM training data."""


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file")] = DEFAULT_SCENARIO,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="Root seed; the same seed gives the same output")] = 0,
    out: Annotated[Path, typer.Option(help="Folder for the results")] = Path("results/run"),
) -> None:
    """Run one scenario: print the summary, write the series, the summary and the data-wall chart."""
    from sim.io import write_csv, write_json, write_parquet
    from sim.metrics import run_summary, timeseries
    from sim.model import DataMarketModel
    from sim.plots import save_data_wall

    try:
        params = load_scenario(scenario)
    except ParamsError as err:
        raise _fail(str(err)) from None
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out}: exists and is not a folder")

    started = time.perf_counter()
    with console.status(f"Running {params.name} (seed {seed}), {params.constants.start} to {params.constants.end}..."):
        model = DataMarketModel(params, rng=seed).run()
    elapsed = time.perf_counter() - started
    frame = timeseries(model)
    summary = run_summary(model)
    summary["run_seconds"] = round(elapsed, 3)

    import pandas as pd

    write_parquet(frame, out / "timeseries.parquet")
    write_csv(frame, out / "timeseries.csv")
    write_parquet(pd.DataFrame([summary]), out / "summary.parquet")
    write_json(summary, out / "summary.json")
    save_data_wall(frame, summary, out / "data_wall.png")
    console.print(_summary_table(summary))
    console.print(f"Wrote {out}/timeseries.parquet, timeseries.csv, summary.parquet, summary.json, data_wall.png")


@app.command()
def viz(
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port to serve on, on 127.0.0.1")] = 8765,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="Open a browser tab")] = False,
) -> None:
    """Serve the browser view (viz/app.py) on http://127.0.0.1:PORT until Ctrl-C."""
    from viz.assets import fill

    with socket.socket() as probe:
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
    }
    command = [sys.executable, "-m", "solara", "run", "viz.app", "--host", VIZ_HOST, "--port", str(port), "--production"]
    command.append("--open" if open_browser else "--no-open")
    console.print(f"PeakData browser view: http://{VIZ_HOST}:{port}  (Ctrl-C stops it)")
    try:
        code = subprocess.call(command, env=env, cwd=ROOT)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)


def _summary_table(summary: dict) -> Table:
    table = Table(title=f"PeakData run summary: {summary['scenario']} (seed {summary['seed']}, {summary['run_seconds']:.2f} s)")
    table.add_column("outcome")
    table.add_column("value", justify="right")
    horizon = summary["horizon_year"]
    for key, label in (
        ("public_exhaustion", "Public exhaustion year (frontier lab)"),
        ("data_wall", "Data-wall year (frontier lab)"),
    ):
        value = f"> {horizon:.2f} (censored)" if summary[f"{key}_censored"] else f"{summary[f'{key}_year']:.2f}"
        table.add_row(label, value)
    rows = [
        ("First lab to exhaust public data", "first_lab_exhaustion_year", "{:.2f}"),
        ("Dataset at exhaustion (tokens)", "exhaustion_dataset_tokens", "{:.2e}"),
        ("Compute at exhaustion (FLOP)", "exhaustion_compute_flop", "{:.2e}"),
        ("Private share of training tokens, 2030", "private_share_2030", "{:.1%}"),
        ("Private share of training tokens, 2035", "private_share_2035", "{:.1%}"),
        ("Synthetic share of training tokens, 2030", "synthetic_share_2030", "{:.1%}"),
        ("Synthetic share of training tokens, 2035", "synthetic_share_2035", "{:.1%}"),
        ("Opted-out share of public tokens, 2030", "opted_out_share_2030", "{:.1%}"),
        ("Opted-out share of public tokens, 2035", "opted_out_share_2035", "{:.1%}"),
        ("Private token price, 2030 (USD/token)", "private_price_usd_per_token_2030", "{:.2e}"),
        ("Privacy incidents, total", "privacy_incidents_total", "{:d}"),
        ("Frontier loss, 2035", "frontier_loss_2035", "{:.3f}"),
    ]
    for label, key, fmt in rows:
        value = summary[key]
        table.add_row(label, "n/a (not reached)" if value != value else fmt.format(value))
    return table


if __name__ == "__main__":
    app()
