import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

from sim import DataMarketModel, MarketParams

ROOT = Path(__file__).resolve().parent.parent

# `make test` (and so CI) runs the property tests derandomized: the same examples on every run, so that a
# result depends on the commit and not on the draw. Run pytest directly to explore new examples each time.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def baseline_run() -> DataMarketModel:
    """One full baseline run, shared by the tests that only read its output."""
    return DataMarketModel(rng=42).run()


def short_params(**overrides) -> MarketParams:
    """The baseline to 2030, with overrides, for tests that need several runs."""
    return MarketParams().with_overrides(**{"end": "2030-12", **overrides})


# --- checks on the whole session ------------------------------------------------------------------
# 1. The suite leaves the checkout as it found it. Tests write to tmp_path or results/ (ignored), never
#    over a tracked file: the docs' images change only by scripts/docs_images.sh. The checkout is
#    compared before and after the session, so a developer with uncommitted work can still run the tests.
# 2. No process pool forks a process that runs threads (the child can deadlock; Python 3.14 stops doing
#    it by default): every pool the project starts uses a fork server or spawn. Python only warns, and
#    an "error" filter on that warning is swallowed inside os.fork, so the warnings are counted here.


_BEFORE = pytest.StashKey[dict[str, str] | None]()
_UNSAFE_FORKS: list[str] = []


def _checkout_state() -> dict[str, str] | None:
    """Each modified, deleted or untracked (not ignored) file with a hash of its content; None outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--modified", "--deleted", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    state = {}
    for name in sorted(set(listed.decode().split("\0")) - {""}):
        path = ROOT / name
        state[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "deleted"
    return state


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = _checkout_state()


def pytest_warning_recorded(warning_message, when, nodeid, location) -> None:
    if "is multi-threaded, use of fork()" in str(warning_message.message):
        _UNSAFE_FORKS.append(nodeid or "(collection)")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    problems = []
    before, after = session.config.stash.get(_BEFORE, None), _checkout_state()
    if before is not None and after is not None and after != before:
        changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
        problems.append("the tests changed the checkout (write to tmp_path or results/ instead): " + ", ".join(changed))
    if _UNSAFE_FORKS:
        tests = ", ".join(sorted(set(_UNSAFE_FORKS)))
        problems.append(f"a process with threads was forked (use a fork server or spawn) in: {tests}")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for problem in problems:
        if reporter is not None:
            reporter.write_line("\nFAILED " + problem, red=True, bold=True)
    if problems:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
