"""Result files: a set of files lands together or not at all (`sim.experiments.io.output_set`)."""

import os

import pytest

from sim.experiments import io


def _write_set(folder, text: str) -> None:
    with io.output_set(folder) as staged:
        for name in ("a.txt", "b.txt", "sub/c.txt"):
            (staged / name).parent.mkdir(parents=True, exist_ok=True)
            (staged / name).write_text(f"{text} {name}")


def _contents(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_set_replaces_the_old_one_whole(tmp_path):
    _write_set(tmp_path / "out", "old")
    _write_set(tmp_path / "out", "new")
    assert _contents(tmp_path / "out") == {"a.txt": "new a.txt", "b.txt": "new b.txt", "sub/c.txt": "new sub/c.txt"}


def test_a_failure_while_writing_leaves_the_old_set_and_no_staging(tmp_path):
    _write_set(tmp_path / "out", "old")
    with pytest.raises(RuntimeError), io.output_set(tmp_path / "out") as staged:
        (staged / "a.txt").write_text("half")
        raise RuntimeError("the chart failed")
    assert _contents(tmp_path / "out") == {"a.txt": "old a.txt", "b.txt": "old b.txt", "sub/c.txt": "old sub/c.txt"}
    assert not list((tmp_path / "out").glob(".staging-*"))


def test_a_move_that_fails_halfway_is_undone(tmp_path, monkeypatch):
    """The filesystem refuses the third move (say, the disk is full): the two made are rolled back."""
    _write_set(tmp_path / "out", "old")
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 5:  # a.txt: old aside, new in; b.txt: old aside, new in; c.txt: old aside -> fails
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(io.os, "replace", replace)
    with pytest.raises(OSError):
        _write_set(tmp_path / "out", "new")
    monkeypatch.undo()
    assert _contents(tmp_path / "out") == {"a.txt": "old a.txt", "b.txt": "old b.txt", "sub/c.txt": "old sub/c.txt"}


def test_a_failed_first_set_leaves_no_folder_behind(tmp_path):
    with pytest.raises(RuntimeError), io.output_set(tmp_path / "new" / "out"):
        raise RuntimeError("stop")
    assert not (tmp_path / "new").exists()
