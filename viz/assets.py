"""Fill Solara's front-end asset cache from the npm registry, for machines with no CDN access.

Solara's server proxies its front-end files (the Vuetify app, RequireJS, Font Awesome, ...) from a CDN
and keeps them in ``SOLARA_ASSETS_PROXY_CACHE_DIR``. The cache is laid out as the CDN's URLs,
``<dir>/<package>@<version>/<file in the package>``, so `npm pack` of each package at the version
the installed Solara asks for, unpacked under that name, serves every file without a CDN.

Run ``python -m viz.assets`` (or ``scripts/solara_assets.sh``); it does nothing when the cache
already holds what this Solara asks for.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# The packages Solara's page and components load through its CDN proxy.
PACKAGES = (
    "@widgetti/solara-vuetify-app",
    "requirejs",
    "font-awesome",
    "@widgetti/vue-grid-layout",
    "mermaid",
    "katex",
    "vega",
    "vega-lite",
    "vega-embed",
)
_FILE_TYPES = {".py", ".vue", ".j2", ".html", ".js"}
_STAMP = ".peakdata-assets.json"


def cache_dir() -> Path:
    """Where Solara looks for cached assets: its own default, under this Python's prefix."""
    configured = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "solara" / "cdn"


def requested_versions(solara_dir: Path | None = None) -> list[str]:
    """``name@version`` for every package in PACKAGES that the installed Solara's source asks for."""
    if solara_dir is None:
        spec = importlib.util.find_spec("solara")  # its location, without the cost of importing it
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("solara is not installed in this Python")
        solara_dir = Path(spec.submodule_search_locations[0])
    names = "|".join(re.escape(name) for name in sorted(PACKAGES, key=len, reverse=True))
    # A version runs up to the "/" that starts the path inside the package ("vega@5/build/...").
    pattern = re.compile(rf"(?<![\w@.-])({names})@([0-9][\w.+-]*)/")
    found: set[str] = set()
    for path in solara_dir.rglob("*"):
        if path.suffix not in _FILE_TYPES or "website" in path.relative_to(solara_dir).parts:
            continue
        for name, version in pattern.findall(path.read_text(encoding="utf-8", errors="ignore")):
            found.add(f"{name}@{version}")
    missing = set(PACKAGES) - {spec.rsplit("@", 1)[0] for spec in found}
    if missing:
        raise RuntimeError(f"the installed Solara names no version of {', '.join(sorted(missing))}; update viz/assets.py")
    return sorted(found)


def is_filled(directory: Path, specs: list[str]) -> bool:
    stamp = directory / _STAMP
    return stamp.is_file() and json.loads(stamp.read_text()) == specs


def fill(directory: Path | None = None, *, quiet: bool = False) -> Path:
    """Unpack each requested package into the cache; a no-op when it is already there."""
    directory = directory or cache_dir()
    specs = requested_versions()
    if is_filled(directory, specs):
        return directory
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm not found: install Node.js and npm (Debian: apt-get install -y npm) to fetch Solara's assets")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [npm, "pack", *specs, "--json", "--pack-destination", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"npm pack failed:\n{result.stderr.strip()}")
        packed = json.loads(result.stdout)
        for spec, info in zip(specs, packed):
            target = directory / spec
            if target.exists():
                shutil.rmtree(target)
            _unpack(Path(tmp) / info["filename"], target)
            if not quiet:
                print(f"solara assets: {spec} -> {target}")
    (directory / _STAMP).write_text(json.dumps(specs))
    return directory


def _unpack(tarball: Path, target: Path) -> None:
    """Extract an npm tarball without its top folder (usually ``package/``)."""
    with tarfile.open(tarball) as archive:
        members = []
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if len(parts) < 2:
                continue
            member.name = str(Path(*parts[1:]))
            members.append(member)
        target.mkdir(parents=True, exist_ok=True)
        archive.extractall(target, members=members, filter="data")


if __name__ == "__main__":
    try:
        if not is_filled(cache_dir(), requested_versions()):
            print(f"solara assets ready in {fill()}")
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
