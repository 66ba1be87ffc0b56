"""The package's own metadata installs a working tool: `pip install .` with its extras, then real commands.

`requirements.lock` stays the pinned set CI installs; here it is only a constraint (it picks versions,
it adds nothing), so a dependency missing from `pyproject.toml` shows up as a missing module.
"""

import json
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _sh(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with `pip install '.[dask,ema]'` from a copy of the tracked files (the checkout stays clean)."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    files = _sh("git", "ls-files", "-z", cwd=ROOT).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    env = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    _sh(
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--constraint",
        str(ROOT / "requirements.lock"),
        f"{source}[dask,ema]",
        cwd=base,
    )
    return env


def test_pip_check_is_clean(installed):
    _sh(str(installed / "bin" / "python"), "-m", "pip", "check", cwd=installed)


def test_the_installed_tool_runs_a_scenario_and_a_sobol_sweep(installed, tmp_path):
    tool = str(installed / "bin" / "peakdata")
    (tmp_path / "tiny.toml").write_text(
        f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[constants]\nend = "2022-12"\n'
        '[uncertainties]\nusable_share = { dist = "uniform", low = 0.1, high = 0.3 }\n[design]\nkind = "sobol"\nsamples = 2\n'
    )
    _sh(tool, "run", "--out", "baseline", cwd=tmp_path)  # the installed scenario library's baseline.toml
    _sh(tool, "run", "tiny.toml", "--out", "run", cwd=tmp_path)
    assert (tmp_path / "run" / "summary.json").is_file() and (tmp_path / "run" / "data_wall.png").is_file()
    assert json.loads((tmp_path / "baseline" / "summary.json").read_text())["scenario"] == "baseline"
    _sh(tool, "sweep", "tiny.toml", "--out", "sweep", "--workers", "2", cwd=tmp_path)
    assert (tmp_path / "sweep" / "report" / "report.md").is_file()
    _sh(tool, "sweep", "tiny.toml", "--out", "sweep-dask", "--dask", "local", "--workers", "1", "--no-report", cwd=tmp_path)
    _sh(str(installed / "bin" / "python"), "-c", "import sim.experiments.policy, ema_workbench", cwd=tmp_path)


def test_without_the_viz_extra_the_browser_view_says_what_to_install(installed):
    result = subprocess.run([str(installed / "bin" / "peakdata"), "viz"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "pip install 'peakdata[viz]'" in result.stderr
