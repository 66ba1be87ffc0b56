"""The browser view in a real headless Chromium: `peakdata viz` served, then used as a person would."""

import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download is not reachable here
README_SCREENSHOT = ROOT / "docs" / "img" / "viz.png"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """`peakdata viz` on a free port, in its own process group so that stopping it stops Solara too."""
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"peakdata-viz-{port}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "viz", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"peakdata viz did not start (exit {process.poll()}):\n{log.read()[-3000:]}")
        time.sleep(0.5)
    yield url
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Console:
    """Everything the page reports as an error: console errors, uncaught exceptions, failed loads."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("requestfailed", lambda request: self.errors.append(f"failed: {request.url}"))
        page.on("response", lambda response: response.status >= 400 and self.errors.append(f"{response.status}: {response.url}"))


def _status(page) -> str:
    return page.locator(".peakdata-status").inner_text()


def _month(page) -> str:
    return page.locator(".peakdata-month").inner_text()


def _wait_for_month(page, month: str, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(
        "m => { const t = document.querySelector('.peakdata-month')?.textContent || ''; return /^\\d{4}-\\d{2}$/.test(t) && t >= m; }",
        arg=month,
        timeout=timeout_ms,
    )


def _month_number(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 12 + int(month)


def _field(page, label: str):
    return page.locator(".v-input", has=page.get_by_text(label, exact=True))


# Notes the time of the last change anywhere in the page, so a test can wait until it has settled.
WATCH_CHANGES = """() => {
  window.__lastChange = performance.now();
  new MutationObserver(() => { window.__lastChange = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def _wait_until_settled(page, quiet_ms: int = 1_000, timeout_ms: int = 120_000) -> None:
    """Wait until nothing in the page has changed for `quiet_ms`: the server has answered every input.

    A control sends its new value to the server, which re-renders the sidebar; a click on Reset while
    that is under way lands on a button about to be replaced. On a busy machine the answer is late,
    so the test waits for it (bounded) instead of clicking again.
    """
    if not page.evaluate("window.__lastChange !== undefined"):
        page.evaluate(WATCH_CHANGES)
    page.wait_for_function(f"() => performance.now() - window.__lastChange > {quiet_ms}", timeout=timeout_ms)


def _reset(page, condition: str, timeout_ms: int = 120_000) -> None:
    """Press Reset once the page has settled, and wait until `condition` (JavaScript) holds. No second try."""
    _wait_until_settled(page)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(condition, timeout=timeout_ms)


def _type_seed(page, text: str) -> None:
    seed = _field(page, "Seed (a whole number)").locator("input")
    seed.fill(text)
    seed.press("Enter")


# Records, in the page, when the month in the status card changes: one entry a rendered Step.
RECORD_MONTHS = """() => {
  window.__months = [];
  const note = () => {
    const el = document.querySelector('.peakdata-month');
    const text = el && el.textContent;
    if (text && text !== window.__lastMonth) { window.__lastMonth = text; window.__months.push([performance.now(), text]); }
  };
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_a_person_can_run_the_market_and_move_the_levers(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    page.set_default_timeout(120_000)  # every wait is on page state; this bounds it on a busy machine
    console = Console(page)
    page.goto(server)

    # Loads with every component.
    page.get_by_text("Lab leaderboard").wait_for(timeout=120_000)
    assert "not started" in _status(page)
    images = page.locator(".vue-grid-item img")
    images.nth(4).wait_for()
    assert images.count() == 5  # data wall, token mix, private market, network, commons
    assert page.locator(".peakdata-leaderboard tr").count() == 1 + 6  # header and six labs
    for label in (
        "Scenario",
        "Seed (a whole number)",
        "Privacy strictness",
        "Opt-out regime",
        "Rephrased text, value vs web",
    ):
        assert _field(page, label).count() == 1, label

    # Step advances the time, and the charts redraw.
    first_chart = images.nth(0).get_attribute("src")
    page.get_by_role("button", name="Step").click()
    _wait_for_month(page, "2020-01")
    page.get_by_role("button", name="Step").click()
    _wait_for_month(page, "2020-02")
    assert "(2 of 252)" in _status(page)
    page.wait_for_function("src => document.querySelector('.vue-grid-item img').src !== src", arg=first_chart)

    # Play runs; Pause stops. The months seen while playing time each rendered Step.
    page.evaluate(RECORD_MONTHS)
    page.get_by_role("button", name="▶").click()
    _wait_for_month(page, "2022-01", timeout_ms=300_000)
    page.get_by_role("button", name="❚❚").click()
    _wait_until_settled(page, quiet_ms=1_500)  # a Step already under way finishes and is drawn
    paused_at = _month(page)
    time.sleep(2.0)
    assert _month(page) == paused_at, "the model kept running after Pause"
    seen = [(ms, _month_number(text)) for ms, text in page.evaluate("window.__months") if text[0].isdigit()]
    updates = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(seen)]
    assert len(updates) >= 5
    ms_per_month = (seen[-1][0] - seen[0][0]) / (seen[-1][1] - seen[0][1])
    report = (
        f"browser, Play at 100 ms: {len(updates)} redraws over {seen[-1][1] - seen[0][1]} months; "
        f"median {statistics.median(ms for ms, _ in updates):.0f} ms between redraws, "
        f"median {statistics.median(n for _, n in updates):.0f} months a redraw, {ms_per_month:.0f} ms a month overall"
    )
    (tmp_path / "step_timing.txt").write_text(report + "\n")
    print("\n" + report)

    # A moved slider and Reset rebuild the model with the new value.
    thumb = _field(page, "Privacy strictness").locator("[role=slider]")
    thumb.focus()
    for _ in range(8):  # 0.5 -> 0.9 in steps of 0.05
        thumb.press("ArrowRight")
    _reset(page, "() => document.querySelector('.peakdata-overrides')?.textContent.includes('privacy_strictness = 0.9')")
    assert "not started" in _status(page)

    # A typed seed is used; garbage is refused with a message naming the field.
    _type_seed(page, " 1_234 ")
    _reset(page, "() => document.querySelector('.peakdata-seed')?.textContent === '1234'")
    _type_seed(page, "twelve")
    _reset(page, "() => !!document.querySelector('.peakdata-input-error')")
    alert = page.locator(".peakdata-input-error")
    assert "seed = 'twelve'" in alert.inner_text() and "whole number" in alert.inner_text()

    # A new session starts from the defaults (its own model); run it on past the data wall for the
    # picture (to the 2030s when the README's screenshot is being remade).
    page.reload()
    page.get_by_text("Lab leaderboard").wait_for(timeout=120_000)
    assert "none (the scenario as written)" in _status(page) and "seed 0" in _status(page)
    page.get_by_role("button", name="▶").click()
    _wait_for_month(page, "2032-01" if os.environ.get("PEAKDATA_UPDATE_SCREENSHOT") else "2027-09", timeout_ms=400_000)
    page.get_by_role("button", name="❚❚").click()
    _wait_until_settled(page, quiet_ms=1_500)
    page.screenshot(path=tmp_path / "viz.png")
    results = ROOT / "results" / "viz"
    results.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "viz.png", results / "viz.png")
    if os.environ.get("PEAKDATA_UPDATE_SCREENSHOT"):
        shutil.copy(tmp_path / "viz.png", README_SCREENSHOT)

    # Through all of that, the browser reported no error.
    assert console.errors == []
    page.close()
