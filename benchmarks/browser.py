"""The browser view's speed in a real browser: Step latency and Play to the data wall, quiet and under load.

    .venv/bin/python -m benchmarks.browser [--steps 40] [--out benchmarks/results]

Serves `peakdata viz`, drives Debian's headless Chromium with Playwright at 1400x1000, and measures:
- Step latency: from the click on Step, in the browser's clock, until every chart has drawn the new
  month (each chart sets `data-version` and `data-drawn-at` when it has drawn), early in the run
  (from 2020-01) and late (from 2032-01), as medians over `--steps` Steps;
- Play: seconds from pressing ▶ on a fresh page until the data wall's date is shown;
then the same again while a 2-worker sweep loads both cores. Targets (issue "A browser view a
journalist can follow"): a Step in 150 ms (stretch 100 ms), 300 ms under load, Play to the wall in 15 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
TARGET_STEP_MS, STRETCH_STEP_MS, TARGET_LOADED_STEP_MS, TARGET_PLAY_SECONDS = 150.0, 100.0, 300.0, 15.0

# The time of each click on Step, in the page's clock.
RECORD_CLICKS = """() => {
  if (window.__clicks) return;
  window.__clicks = [];
  document.addEventListener('click', e => {
    const b = e.target.closest('button');
    if (b && b.innerText.trim().toUpperCase() == 'STEP') window.__clicks.push(performance.now());
  }, true);
}"""


def wait_for_charts(page, version: int, timeout_ms: int = 120_000) -> None:
    """Until every chart of the page (`viz.app.LIVE_CHARTS`) has drawn the model's month `version`."""
    from viz.app import LIVE_CHARTS

    page.wait_for_function(
        "([v, n]) => { const c = [...document.querySelectorAll('.peakdata-chart')];"
        " return c.length == n && c.every(e => e.dataset.version == String(v)); }",
        arg=[version, len(LIVE_CHARTS)],
        timeout=timeout_ms,
    )


def step_latencies(page, steps: int) -> list[float]:
    """Milliseconds from each click on Step (in the browser) until every chart has drawn the new month."""
    page.evaluate(RECORD_CLICKS)
    version = int(page.locator(".peakdata-chart").first.get_attribute("data-version"))
    latencies = []
    for _ in range(steps):
        version += 1
        page.get_by_role("button", name="Step").click()
        wait_for_charts(page, version, timeout_ms=30_000)
        drawn = page.evaluate("Math.max(...[...document.querySelectorAll('.peakdata-chart')].map(e => +e.dataset.drawnAt))")
        latencies.append(drawn - page.evaluate("window.__clicks[window.__clicks.length - 1]"))
    return latencies


# True once the month shown is a date at or after the one given ("not started" is not a date).
MONTH_AT_LEAST = (
    "m => { const t = document.querySelector('.peakdata-month')?.textContent || ''; return /^\\d{4}-\\d{2}$/.test(t) && t >= m; }"
)
WALL_SHOWN = "() => /\\d{4}-\\d{2}/.test(document.querySelector('.peakdata-dates tr:nth-child(2)')?.cells[2].textContent)"


def play_to_wall(page) -> float:
    """Seconds from pressing ▶ until the data wall's date is on the page; then pauses."""
    started = time.monotonic()
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(WALL_SHOWN, timeout=300_000)
    seconds = time.monotonic() - started
    page.get_by_role("button", name="❚❚").click()
    return seconds


@contextlib.contextmanager
def served() -> Iterator[str]:
    """`peakdata viz` on a free port, stopped with its process group at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "viz", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5):
                break
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def sweep_beside() -> Iterator[None]:
    """A 2-worker sweep loading both cores for as long as the block runs."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "sweep",
            "scenarios/sensitivity.toml",
            "--design",
            "sobol",
            "--samples",
            "1024",
            "--workers",
            "2",
            "--no-report",
        ]
        sweep = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", *command, "--out", f"{folder}/sweep"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(5)  # the workers are up and busy
        try:
            yield
        finally:
            os.killpg(sweep.pid, signal.SIGKILL)
            sweep.wait()


def measure(url: str, steps: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(120_000)
        page.goto(url)
        page.get_by_text("Lab leaderboard").wait_for()
        wait_for_charts(page, 0)
        early = step_latencies(page, steps)
        page.reload()
        page.get_by_text("Lab leaderboard").wait_for()
        wait_for_charts(page, 0)
        wall = play_to_wall(page)
        page.get_by_role("button", name="▶").click()
        page.wait_for_function(MONTH_AT_LEAST, arg="2032-01", timeout=300_000)
        page.get_by_role("button", name="❚❚").click()
        time.sleep(1.5)  # a Step under way when Pause was pressed is drawn
        late = step_latencies(page, steps)
        browser.close()
    return {"early_ms": statistics.median(early), "late_ms": statistics.median(late), "play_to_wall_s": wall}


def report(quiet: dict[str, float], loaded: dict[str, float], steps: int) -> str:
    def verdict(value: float, target: float) -> str:
        return "met" if value <= target else "**MISS**"

    rows = [
        ("Step, from 2020-01", quiet["early_ms"], loaded["early_ms"], "ms"),
        ("Step, from 2032-01", quiet["late_ms"], loaded["late_ms"], "ms"),
        ("Play from load to the data wall", quiet["play_to_wall_s"], loaded["play_to_wall_s"], "s"),
    ]
    lines = [
        f"## The browser view (headless Chromium, 1400x1000; medians of {steps} Steps)",
        "",
        "| measure | quiet | beside a 2-worker sweep |",
        "|---|---:|---:|",
        *(
            f"| {name} | {q:.0f} {unit} | {lo:.0f} {unit} |" if unit == "ms" else f"| {name} | {q:.1f} s | {lo:.1f} s |"
            for name, q, lo, unit in rows
        ),
        "",
        "| target | measured | verdict |",
        "|---|---:|---|",
        f"| Step <= {TARGET_STEP_MS:.0f} ms (quiet, late) | {quiet['late_ms']:.0f} ms | {verdict(quiet['late_ms'], TARGET_STEP_MS)} |",
        f"| stretch: Step <= {STRETCH_STEP_MS:.0f} ms (quiet, late) | {quiet['late_ms']:.0f} ms | {verdict(quiet['late_ms'], STRETCH_STEP_MS)} |",
        f"| Step <= {TARGET_LOADED_STEP_MS:.0f} ms beside a sweep (late) | {loaded['late_ms']:.0f} ms | "
        f"{verdict(loaded['late_ms'], TARGET_LOADED_STEP_MS)} |",
        f"| Play to the data wall <= {TARGET_PLAY_SECONDS:.0f} s (quiet) | {quiet['play_to_wall_s']:.1f} s | "
        f"{verdict(quiet['play_to_wall_s'], TARGET_PLAY_SECONDS)} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="Steps per median")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    with served() as url:
        quiet = measure(url, args.steps)
        with sweep_beside():
            loaded = measure(url, args.steps)
    text = report(quiet, loaded, args.steps)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "browser.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
