"""`peakdata run` end to end, and its handling of bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def peakdata(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_run_prints_a_summary_and_writes_series_summary_and_chart(tmp_path):
    result = peakdata("run", "--seed", "3", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Public exhaustion, frontier lab (year)" in result.stdout
    frame = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(frame) == 252 and (frame["seed"] == 3).all()
    assert len(pd.read_csv(tmp_path / "timeseries.csv")) == 252
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["scenario"] == "baseline"
    assert pd.read_parquet(tmp_path / "summary.parquet").shape[0] == 1
    png = (tmp_path / "data_wall.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert not list(tmp_path.glob(".*.tmp"))


def _scenario(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('extends = "{base}"\n[uncertainties]\nusable_share = 1.5\n', ["uncertainties.usable_share", "1.5", ">= 0.01 and <= 1"]),
        ('extends = "{base}"\n[levers]\nopt_out_regime = "maybe"\n', ["opt_out_regime", "maybe", "'none', 'robots' or 'opt_in'"]),
        ('extends = "{base}"\n[constants]\nn_publisher = 10\n', ["unknown key", "constants.n_publisher", "n_publishers"]),
        ("[uncertainties\nusable_share = 0.2\n", ["not valid TOML"]),
        ('extends = "missing.toml"\n', ["missing.toml", "not found"]),
    ],
)
def test_bad_scenarios_fail_with_a_clear_message_and_write_nothing(tmp_path, text, expected):
    scenario = _scenario(tmp_path, text.replace("{base}", str(ROOT / "scenarios" / "baseline.toml")))
    out = tmp_path / "out"
    result = peakdata("run", str(scenario), "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in expected:
        assert fragment in result.stderr
    assert not out.exists()


def test_a_missing_scenario_file_is_named(tmp_path):
    result = peakdata("run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "nope.toml" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_seed_is_rejected_before_anything_runs(tmp_path):
    result = peakdata("run", "--seed", "-4", "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "--seed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_failed_run_leaves_earlier_results_intact(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text('{"kept": true}')
    scenario = _scenario(tmp_path, "[uncertainties]\nmax_epochs = 0\n")
    result = peakdata("run", str(scenario), "--out", str(out))
    assert result.returncode == 2 and "max_epochs" in result.stderr
    assert json.loads((out / "summary.json").read_text()) == {"kept": True}


def test_version_and_list_fit_python_command_line_habits(monkeypatch):
    from importlib.metadata import version

    from typer.testing import CliRunner

    from sim import cli
    from sim.cli import app

    monkeypatch.setattr(cli.console, "width", 200)  # a wide terminal, so that no cell is folded

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"peakdata {version('peakdata')}"
    listing = CliRunner().invoke(app, ["list"])
    assert listing.exit_code == 0
    assert "policies/opt_in_crawling.toml" in listing.stdout and "AI crawling requires the publisher's opt-in" in listing.stdout
    assert "sensitivity.toml" in listing.stdout and "study: a sweep design, run with peakdata sweep" in listing.stdout
    listed = {row["file"]: row for row in json.loads(CliRunner().invoke(app, ["list", "--json"]).stdout)}
    assert listed["sensitivity.toml"]["kind"] == "study" and listed["policies/no_opt_out.toml"]["kind"] == "policy"
    assert listed["baseline.toml"]["kind"] == "scenario" and all(row["description"] for row in listed.values())


def test_help_is_plain_click_help_with_every_word_kept():
    for command in ([], ["run"], ["sweep"], ["compare"], ["robustness"], ["validate"], ["report"], ["list"], ["viz"]):
        result = subprocess.run(
            [sys.executable, "-m", "sim.cli", *command, "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            env={**os.environ, "COLUMNS": "80"},
        )
        assert result.returncode == 0, result.stderr
        assert "<bool>" not in result.stdout and max(map(len, result.stdout.splitlines())) <= 80, command
    assert "a [design] table" in " ".join(peakdata_help("sweep").split())
    assert "/work" not in peakdata_help("robustness") and "scenarios/sensitivity.toml" in peakdata_help("robustness")


def test_help_imports_neither_the_model_nor_its_numerical_stack():
    """`peakdata --help` answers at once (issue 24: <= 0.3 s): the CLI loads the model's modules only in the command that
    runs it."""
    probe = "import sys, sim.cli; print(sorted(m for m in ('numpy', 'pydantic', 'pandas', 'mesa', 'numba', 'sim.params') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"


def peakdata_help(command: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", command, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60
    ).stdout


def test_run_json_prints_the_summary_for_scripts(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[constants]\nend = "2025-12"\n')
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "--json", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # only JSON on stdout; messages go to stderr
    stored = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["seed"] == 0 and summary["public_exhaustion_censored"] is True
    assert summary["public_exhaustion_year"] is None  # not reached: null, not NaN
    assert summary["high_quality_exhaustion_year"] == stored["high_quality_exhaustion_year"]
    assert "Wrote" in result.stderr
