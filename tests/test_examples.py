"""Every runnable example in docs/ runs, and the tutorial notebook executes from top to bottom.

(`docs/examples/data_cooperative.py` is exercised in more depth by tests/test_extending.py.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"


def example(name: str, *args: str) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return result.stdout


def test_every_example_has_a_test():
    tested = {"data_cooperative.py", "ema_prim.py", "feedback_comparison.py", "sweep_api.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


@pytest.mark.slow
def test_the_prim_example_finds_a_box(tmp_path):
    out = example("ema_prim.py", "--out", str(tmp_path), "--samples", "12")
    assert "runs hit the data wall before 2028" in out and "coverage" in out


@pytest.mark.slow
def test_the_sweep_api_example_writes_a_report(tmp_path):
    out = example("sweep_api.py", "--out", str(tmp_path), "--samples", "4")
    assert "public exhaustion: median" in out and (tmp_path / "report" / "report.md").is_file()
    assert "Warning: too small a sample" in (tmp_path / "report" / "report.md").read_text()


@pytest.mark.slow
def test_the_feedback_comparison_example_prints_every_variant():
    out = example("feedback_comparison.py")
    for variant in ("baseline (market on)", "feedbacks off, every lab k=1", "privacy strictness 0.9"):
        assert variant in out


@pytest.mark.slow
def test_the_tutorial_notebook_executes():
    import nbclient
    import nbformat

    notebook = nbformat.read(ROOT / "docs" / "tutorial.ipynb", as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), "commit it without outputs"
    client = nbclient.NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "docs")}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, if any cell fails
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # the run's chart, the fan chart, the effects, the compare series, the calibrated forecasts
    text = "\n".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in outputs)
    assert "Public exhaustion, frontier lab (year)" in text and "coverage" in text
    assert "share of the prior space left" in text and "coverage of the 80% intervals" in text
