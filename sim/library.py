"""The scenario library: every scenario file under a folder, with its kind and its description.

A *study* (it, or a file it extends, has a `[design]` table) is run by `peakdata sweep`; a *calibration* (a
`[calibration]` table) by `peakdata calibrate`; *observations* (`[[observation]]` tables) are what a calibration
matches; a *policy* sits in `policies/` and extends the baseline; anything else is a *scenario*. `peakdata list` and
the browser view's picker both read the library from here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent / "scenarios"
Kind = Literal["scenario", "policy", "study", "calibration", "observations", "unreadable"]


@dataclass(frozen=True)
class Entry:
    file: str  # relative to the library folder, e.g. "policies/opt_in_crawling.toml"
    kind: Kind
    description: str


def library(folder: Path = ROOT) -> list[Entry]:
    """Every `*.toml` under `folder`, sorted by path."""
    entries = []
    for path in sorted(folder.rglob("*.toml")):
        relative = path.relative_to(folder).as_posix()
        data = _read(path)
        if data is None:
            entries.append(Entry(relative, "unreadable", "not valid TOML"))
            continue
        kind: Kind
        if "observation" in data:
            kind = "observations"
        elif "calibration" in data:
            kind = "calibration"
        elif _has_design(path, data):
            kind = "study"
        else:
            kind = "policy" if path.parent.name == "policies" else "scenario"
        entries.append(Entry(relative, kind, str(data.get("description", ""))))
    return entries


def runnable(folder: Path = ROOT) -> list[Entry]:
    """The scenarios and policies one run can show (no study files), the baseline first."""
    entries = [e for e in library(folder) if e.kind in ("scenario", "policy")]
    return sorted(entries, key=lambda e: (e.file != "baseline.toml", e.kind != "scenario", e.file))


def _read(path: Path) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def _has_design(path: Path, data: dict) -> bool:
    """Whether a file, or one it extends, has a [design] table."""
    seen: set[Path] = set()
    while "design" not in data and isinstance(data.get("extends"), str) and path not in seen:
        seen.add(path)
        path = (path.parent / data["extends"]).resolve()
        data = _read(path)
        if data is None:
            return False
    return "design" in data
