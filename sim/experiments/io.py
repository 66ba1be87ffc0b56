"""Writing results: every file appears whole or not at all, and a set of files together or not at all."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UserError

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_json(data: dict[str, Any], path: Path) -> None:
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n"))


@contextmanager
def output_set(folder: str | Path) -> Iterator[Path]:
    """Stage a set of files, then move them into `folder` together.

    Write every file of the set under the yielded staging folder (subfolders allowed). When the block
    ends without an error, each file replaces its namesake in `folder`; if any move fails, the moves
    already made are undone. Either way `folder` holds the old set or the new one, never a mix; on an
    error, folders this call created are removed again.
    """
    folder = Path(folder)
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".staging-"))
        try:
            yield staging
            _move_into_place(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        for path in created:  # deepest first; only folders left empty
            with contextlib.suppress(OSError):
                path.rmdir()
        raise


def _move_into_place(staging: Path, folder: Path) -> None:
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    targets = [(src, folder / src.relative_to(staging)) for src in files]
    for _, dst in targets:
        if dst.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a result file", str(dst))
    backup = Path(tempfile.mkdtemp(dir=staging, prefix=".old-"))
    saved: list[tuple[Path, Path]] = []
    moved: list[Path] = []
    try:
        for src, dst in targets:
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(src, 0o666 & ~_UMASK)
            if dst.exists():
                old = backup / src.relative_to(staging)
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, old)
                saved.append((old, dst))
            os.replace(src, dst)
            moved.append(dst)
    except BaseException:
        for dst in moved:
            dst.unlink(missing_ok=True)
        for old, dst in saved:
            os.replace(old, dst)
        raise


# --- reading a sweep's folder back ------------------------------------------------------------------


class DamagedStoreError(UserError):
    """A file of a sweep's folder that cannot be read: the message names it and says how to recover."""


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A sweep folder's manifest, None if there is none; a damaged one raises DamagedStoreError."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or "config_hash" not in manifest or "config" not in manifest:
            raise ValueError("it lacks config_hash or config")
    except (ValueError, UnicodeDecodeError) as err:
        raise DamagedStoreError(
            f"{path}: damaged sweep manifest ({_reason(err)}). Delete it and rerun the same `peakdata sweep` command: "
            "the stored runs are kept when the folder's design.parquet matches the study."
        ) from None
    return manifest


def read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """One Parquet part of a sweep; a damaged one raises DamagedStoreError with what to do."""
    try:
        return pd.read_parquet(path, columns=columns)
    except (OSError, ValueError, KeyError) as err:  # pyarrow's ArrowInvalid is a ValueError
        if path.parent.name not in ("summary", "timeseries"):
            raise DamagedStoreError(
                f"{path}: damaged sweep file ({_reason(err)}). Delete it and rerun the same `peakdata sweep` command, "
                "which writes it afresh and keeps every stored run."
            ) from None
        folder = path.parent.parent
        pair = " and ".join(
            str(folder / sub / path.name) for sub in ("summary", "timeseries") if (folder / sub / path.name).exists()
        )
        raise DamagedStoreError(
            f"{path}: damaged sweep file ({_reason(err)}). Move {pair} out of {folder} and rerun the same "
            "`peakdata sweep` command: the runs in that part are run again, and every other stored run is kept."
        ) from None


def read_parts(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Every part-*.parquet in `folder`, in order, as one frame (empty if there are none)."""
    parts = sorted(Path(folder).glob("part-*.parquet"))
    frames = [read_part(p, columns) for p in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _reason(err: BaseException) -> str:
    return str(err).splitlines()[0][:200] if str(err) else type(err).__name__
