"""The benchmark command runs from a clean tree and its verdicts come from the numbers it measured."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = (
    "## Targets",
    "## One default run",
    "## Whole commands",
    "## Profile",
    "## Scaling",
    "## Sweep throughput",
    "## Memory",
    "## The sensitivity study",
)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("bench")
    command = [sys.executable, "-m", "benchmarks", "--quick", "--sweep-runs", "6", "--memory-runs", "6", "12", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
    return (out / "report.md").read_text(), json.loads((out / "measured.json").read_text())


@pytest.mark.slow
def test_quick_benchmark_writes_every_section_and_a_verdict_per_target(quick_report):
    report, _ = quick_report
    for heading in SECTIONS:
        assert heading in report
    targets = report.split("## Targets")[1].split("\n## ")[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    assert len(rows) == 10
    assert all(re.search(r"\| (met|\*\*missed\*\*|not measured) \|$", row) for row in rows)
    assert "not measured" in rows[1]  # the quick run skips the 10,000-run sweep
    assert sum("whole process" in row for row in rows) == 2
    assert "at 2 trajectories, not the shipped 40 | not measured |" in rows[-1]  # quick: too small to judge, and says so


@pytest.mark.slow
def test_benchmark_verdicts_use_the_measured_numbers(quick_report):
    report, measured = quick_report
    ratio = measured["run_seconds"] / measured["reference_seconds"]
    assert 0 < measured["reference_seconds"] < measured["run_seconds"] * 100
    assert f"| One default run against Mesa's Boltzmann example, same process | {ratio:.2f}x" in report
    verdict = "met" if ratio <= 0.75 else "**missed**"
    assert re.search(rf"\| One default run against Mesa's Boltzmann example[^|]*\|[^|]*\| {re.escape(verdict)} \|", report)
    for name, limit in (("peakdata run", 0.8), ("peakdata --help", 0.3)):
        seconds = measured["command_seconds"][name]
        verdict = "met" if seconds <= limit else "**missed**"
        assert re.search(rf"\| `{re.escape(name)}`, whole process \| {seconds:.2f} s[^|]*\| {re.escape(verdict)} \|", report)
    # What stands under the missed targets is computed too: imports alone take less than the whole command, and no
    # runner can beat batch_run by more than batch_run's wall time over that of the same runs alone.
    floor = measured["command_seconds"]["imports of peakdata run"]
    assert 0 < floor < measured["command_seconds"]["peakdata run"]
    assert f"its imports and numba's start alone {floor:.2f} s" in report
    batch, alone = measured["throughput"]["batch_run/1"], measured["throughput"]["runs alone/1"]
    assert alone["finished"] == alone["runs"] == 6
    assert f"no runner could pass {batch['wall_seconds'] / alone['wall_seconds']:.2f}x at 1" in report

    rate = {key: m["runs"] / m["wall_seconds"] for key, m in measured["throughput"].items()}
    efficiency = rate["run_sweep/2"] / (2 * rate["run_sweep/1"])
    assert f"{efficiency:.0%} on 6 runs" in report
    for key, m in measured["throughput"].items():
        runner, workers = key.split("/")
        assert m["finished"] == m["runs"] == 6 and m["runner"] == runner and m["workers"] == int(workers)
        assert m["cpu_seconds"] > 0 and m["peak_rss_parent_mb"] > 0
    # The kernel's accounting must see our pool's workers: a sweep's CPU covers at least the runs.
    ours = measured["throughput"]["run_sweep/2"]
    assert ours["cpu_seconds"] >= 0.8 * ours["runs"] * measured["run_seconds"]
    assert ours["peak_rss_worker_mb"] > 50
    # The sensitivity study as a user runs it: 2 trajectories of 13 points, each outcome's check read from its report.
    study = measured["sensitivity"]
    assert study["runs"] == 2 * 13 and study["outcomes"] >= 1 and len(study["flagged"]) == study["outcomes"]
    assert f"{study['runs']} runs in {study['wall_seconds']:.0f} s" in report
