"""Run a study's runs on any `concurrent.futures.Executor`, store them as they finish, and resume.

One code path serves a laptop and a cluster: the runs go to a serial executor, a local process
pool, or a Dask cluster through `Client.get_executor()`. The parent process keeps only a bounded
window of runs in flight and a small buffer of finished ones, which it flushes to numbered Parquet
parts (`summary/part-00000.parquet`, `timeseries/part-00000.parquet`), so memory stays flat however
many runs a sweep has. A run that raises is recorded with its error and traceback; a worker process
that dies is replaced, and the run that killed it is isolated and recorded. Ctrl-C or a crash loses
at most the unflushed buffer, and rerunning the same sweep into the same folder skips every run
already stored.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from tqdm.auto import tqdm

from sim.errors import UserError
from sim.experiments.io import read_manifest, read_parts, write_json, write_parquet
from sim.metrics import run_summary, timeseries
from sim.model import DataMarketModel
from sim.params import MarketParams

if TYPE_CHECKING:  # the study module pulls in scipy's samplers, which a worker never needs
    from sim.experiments.study import Study

PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "SALib", "dask", "distributed", "networkx")
ROOT = Path(__file__).resolve().parent.parent.parent


class SweepFolderError(UserError):
    """The output folder holds something other than this sweep."""


class ExecutorError(UserError):
    """The runs cannot be started where they were sent: a Dask scheduler out of reach, or workers that cannot start."""


# --- one run, in a worker ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunTask:
    """What a worker needs for one run."""

    run_id: str
    seed: int
    factors: dict[str, float]
    params: MarketParams
    keep_series: bool = True
    model_cls: type[DataMarketModel] = DataMarketModel


@dataclass
class RunResult:
    run_id: str
    seed: int
    factors: dict[str, float]
    status: str  # "ok" or "failed"
    seconds: float
    summary: dict[str, Any] = field(default_factory=dict)
    series: pd.DataFrame | None = None
    error: str = ""
    traceback: str = ""


def execute(task: RunTask) -> RunResult:
    """Run one model to the end. Never raises for a failure inside the run: it is recorded."""
    started = time.perf_counter()
    try:
        # Validated afresh even without factors: attributes of a pydantic model that arrived by pickle
        # read three times slower (its __dict__ loses CPython's shared keys), which costs 2% of a run.
        params = task.params.with_overrides(**task.factors)
        model = task.model_cls(params, rng=task.seed).run()
        series = timeseries(model) if task.keep_series else None
        if series is not None:
            series.insert(0, "run_id", task.run_id)
        return RunResult(task.run_id, task.seed, task.factors, "ok", time.perf_counter() - started, run_summary(model), series)
    except Exception as err:  # any failure of a run is data, not a reason to stop the sweep
        return _failed(task, err, seconds=time.perf_counter() - started)


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group; only the parent should handle it, so that it can
    # save what has finished and shut the pool down cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- executors ---------------------------------------------------------------------------------


class SerialExecutor(Executor):
    """Runs each task at once, in this process: for debugging and for the equality tests."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # delivered through the future, as a pool would
            future.set_exception(err)
        return future


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes, checked to start: a pool whose workers cannot start raises ExecutorError."""
    # forkserver: workers start from a clean, single-threaded server, not from a copy of a parent
    # that may run threads (the progress bar, Dask); the preload makes starting one cheap.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.experiments.sweep"])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_sigint)
    try:
        pool.submit(os.getpid).result()
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        main = getattr(sys.modules.get("__main__"), "__file__", None)
        raise ExecutorError(
            "the sweep's worker processes could not start, so no run was made. Each worker imports the script that "
            f"started the sweep{f' ({main})' if main else ''}: if that script calls run_sweep at its top level, put the "
            "call under `if __name__ == '__main__':` (see 'Safe importing of main module' in Python's multiprocessing "
            "docs), or use executor='serial'."
        ) from None
    return pool


@contextlib.contextmanager
def open_executor(kind: str = "process", workers: int | None = None, dask: str | None = None) -> Iterator[Executor]:
    """An executor by name: "serial", "process" (one worker per core by default) or "dask".

    With `dask="local"` a `LocalCluster` of `workers` single-threaded processes is started; any
    other value is the address of a running scheduler (``tcp://host:8786``).
    """
    workers = workers or os.cpu_count() or 1
    if dask:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(f"--dask {dask}: Dask is not installed; install it with: pip install 'peakdata[dask]'") from None

        with contextlib.ExitStack() as stack:
            if dask == "local":
                cluster = stack.enter_context(
                    LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
                )
                client = stack.enter_context(Client(cluster))
            else:
                try:
                    client = stack.enter_context(Client(dask, timeout="10s"))
                except (OSError, TimeoutError, ValueError, TypeError) as err:
                    raise ExecutorError(
                        f"--dask {dask}: could not connect to a Dask scheduler there ({type(err).__name__}: {err}); "
                        "allowed: 'local', or the address of a running scheduler such as tcp://127.0.0.1:8786"
                    ) from None
            yield client.get_executor(pure=False)
        return
    executor = SerialExecutor() if kind == "serial" else process_pool(workers)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


# --- storage -----------------------------------------------------------------------------------


class ParquetStore:
    """A sweep's folder: `manifest.json`, `design.parquet`, and Parquet parts written as runs finish.

    A part is written whole or not at all (write to a temporary file, then rename), and a
    time-series part is kept only if its summary part exists, so the set of stored runs is always
    the set of run ids in `summary/`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.summary_dir = self.folder / "summary"
        self.series_dir = self.folder / "timeseries"
        self._buffer: list[RunResult] = []
        self._next_part = 0

    def open(self, study: Study) -> set[str]:
        """Check the folder belongs to this study, tidy half-finished parts, return stored run ids."""
        manifest = self.read_manifest()
        if manifest is None and (self.folder / "summary").is_dir():
            self._check_design(study)  # a manifest deleted after damage: the stored design vouches for the runs
        elif manifest is not None and manifest.get("config_hash") != study.config_hash():
            raise SweepFolderError(
                f"{self.folder} holds a different sweep ({manifest.get('scenario')!r}, config {manifest.get('config_hash')}); "
                f"this one is config {study.config_hash()}. Use another --out folder."
            )
        elif manifest is None and self.folder.exists() and any(self.folder.iterdir()):
            raise SweepFolderError(f"{self.folder} is not empty and holds no sweep manifest. Use another --out folder.")
        for stale in self.folder.glob("**/.*.tmp"):
            stale.unlink()
        summary_parts = {p.name for p in self.summary_dir.glob("part-*.parquet")}
        for orphan in self.series_dir.glob("part-*.parquet"):
            if orphan.name not in summary_parts:
                orphan.unlink()  # the process died between the two writes; those runs will be redone
        self._next_part = 1 + max((int(p[5:10]) for p in summary_parts), default=-1)
        if not summary_parts:
            return set()
        read_parts(self.series_dir, ["run_id"])  # a damaged series part is reported now, not when the report reads it
        return set(read_parts(self.summary_dir, ["run_id"])["run_id"])

    def _check_design(self, study: Study) -> None:
        path = self.folder / "design.parquet"
        columns = ["run_id", "seed"]
        try:
            stored = pd.read_parquet(path, columns=columns)
        except (OSError, ValueError, KeyError):
            stored = None
        if stored is None or not stored.equals(study.runs()[columns]):
            raise SweepFolderError(
                f"{self.folder} has stored runs but no manifest, and its design.parquet does not match this study's runs; "
                "they cannot be trusted to belong to it. Use another --out folder."
            )

    def add(self, result: RunResult) -> None:
        self._buffer.append(result)

    def __len__(self) -> int:
        return len(self._buffer)

    def flush(self) -> None:
        if not self._buffer:
            return
        name = f"part-{self._next_part:05d}.parquet"
        series = [r.series for r in self._buffer if r.series is not None]
        if series:
            write_parquet(pd.concat(series, ignore_index=True), self.series_dir / name)
        write_parquet(pd.DataFrame([_summary_row(r) for r in self._buffer]), self.summary_dir / name)
        self._next_part += 1
        self._buffer.clear()

    def read_manifest(self) -> dict[str, Any] | None:
        return read_manifest(self.folder)


def _summary_row(result: RunResult) -> dict[str, Any]:
    row = {"run_id": result.run_id, "seed": result.seed, "status": result.status, "seconds": result.seconds}
    row.update(result.factors)
    row.update({k: v for k, v in result.summary.items() if k != "seed"})
    row["error"], row["traceback"] = result.error, result.traceback
    return row


# --- the sweep ---------------------------------------------------------------------------------


@dataclass
class SweepOutcome:
    folder: Path
    planned: int
    already_done: int
    ran: int
    failed: int
    wall_seconds: float
    run_seconds: float
    interrupted: bool = False

    @property
    def runs_per_second(self) -> float:
        return self.ran / self.wall_seconds if self.wall_seconds > 0 else float("nan")


def run_sweep(
    study: Study,
    out: str | Path,
    *,
    executor: str | Executor = "process",
    workers: int | None = None,
    dask: str | None = None,
    model_cls: type[DataMarketModel] = DataMarketModel,
    flush_every: int = 100,
    flush_seconds: float = 30.0,
    progress: bool = True,
) -> SweepOutcome:
    """Run every run of `study` not already stored in `out`, storing results as they finish.

    `executor` is "serial", "process" (default; `workers` processes, one per core by default), or
    any `concurrent.futures.Executor` you manage yourself; `dask="local"` or a scheduler address
    runs on Dask instead. A process pool that breaks because a worker died is replaced.
    """
    workers = workers or os.cpu_count() or 1
    if isinstance(executor, Executor):
        label, opened = type(executor).__name__, contextlib.nullcontext(executor)
    else:
        label = f"dask {dask}" if dask else executor
        opened = open_executor(executor, workers, dask)
    restartable = executor == "process" and not dask
    with opened as pool:
        return _run(study, Path(out), pool, label, restartable, workers, model_cls, flush_every, flush_seconds, progress)


def _run(
    study: Study,
    out: Path,
    executor: Executor,
    label: str,
    restartable: bool,
    workers: int,
    model_cls: type[DataMarketModel],
    flush_every: int,
    flush_seconds: float,
    progress: bool,
) -> SweepOutcome:
    store = ParquetStore(out)
    done = store.open(study)
    design = study.runs()
    todo = design.drop_duplicates("run_id")
    todo = todo[~todo["run_id"].isin(done)]
    tasks = [
        RunTask(row.run_id, int(row.seed), study.run_factors(todo, i), study.params, study.design.timeseries, model_cls)
        for i, row in enumerate(todo.itertuples(index=False))
    ]
    planned = design["run_id"].nunique()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    manifest = store.read_manifest() or _new_manifest(study, design)
    write_parquet(design, store.folder / "design.parquet")
    manifest["status"] = "running"
    write_json(manifest, store.folder / "manifest.json")

    bar = tqdm(
        total=planned, initial=planned - len(tasks), unit="run", desc=study.params.name, disable=not progress, smoothing=0.05
    )
    clock = time.perf_counter()
    last_flush = clock
    ran = failed = 0
    run_seconds = 0.0
    interrupted = False
    window = 4 * workers
    replacement: Executor | None = None
    pending = iter(tasks)
    in_flight: dict[Future, RunTask] = {}
    try:
        while True:
            for task in pending:
                in_flight[executor.submit(execute, task)] = task
                if len(in_flight) >= window:
                    break
            if not in_flight:
                break
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            results: list[RunResult] = []
            for future in finished:
                task = in_flight.pop(future)
                try:
                    results.append(future.result())
                except BrokenProcessPool:
                    if not restartable:
                        raise
                    # Every run in flight is lost with the pool; find the culprit by rerunning each alone.
                    lost = [task, *in_flight.values()]
                    in_flight.clear()
                    executor.shutdown(wait=False, cancel_futures=True)
                    results.extend(_isolate(lost))
                    executor = replacement = process_pool(workers)
                    break
                except Exception as err:  # e.g. Dask's KilledWorker: record and go on
                    results.append(_failed(task, err))
            for result in results:
                store.add(result)
                ran += 1
                failed += result.status != "ok"
                run_seconds += result.seconds
            bar.update(len(results))
            bar.set_postfix(failed=failed, refresh=False)
            now = time.perf_counter()
            if len(store) >= flush_every or now - last_flush >= flush_seconds:
                store.flush()
                last_flush = now
    except KeyboardInterrupt:
        interrupted = True
        executor.shutdown(wait=False, cancel_futures=True)
    finally:
        if replacement is not None:
            replacement.shutdown(wait=not interrupted, cancel_futures=True)
        store.flush()
        bar.close()
        wall = time.perf_counter() - clock
        manifest["status"] = "interrupted" if interrupted else "complete"
        manifest["sessions"].append(
            {
                "started": started_at,
                "wall_seconds": round(wall, 3),
                "runs": ran,
                "failed": failed,
                "run_seconds": round(run_seconds, 3),
                "executor": label,
                "workers": workers,
            }
        )
        write_json(manifest, store.folder / "manifest.json")
    outcome = SweepOutcome(store.folder, planned, planned - len(tasks), ran, failed, wall, run_seconds, interrupted)
    if interrupted:
        raise SweepInterrupted(outcome)
    return outcome


class SweepInterrupted(KeyboardInterrupt):
    def __init__(self, outcome: SweepOutcome) -> None:
        super().__init__(f"interrupted after {outcome.ran} runs")
        self.outcome = outcome


def _failed(task: RunTask, err: BaseException, message: str | None = None, seconds: float = 0.0) -> RunResult:
    return RunResult(
        task.run_id,
        task.seed,
        task.factors,
        "failed",
        seconds,
        error=message or f"{type(err).__name__}: {err}",
        traceback="".join(traceback.format_exception(err)),
    )


def _isolate(tasks: list[RunTask]) -> list[RunResult]:
    """Rerun each task alone in a fresh one-worker pool: the one whose pool dies again is recorded."""
    results = []
    for task in tasks:
        with process_pool(1) as pool:
            try:
                results.append(pool.submit(execute, task).result())
            except BrokenProcessPool as err:
                results.append(_failed(task, err, "worker process died during this run (killed or crashed)"))
    return results


def _new_manifest(study: Study, design: pd.DataFrame) -> dict[str, Any]:
    return {
        "scenario": study.params.name,
        "config_hash": study.config_hash(),
        "config": study.model_dump(),
        "runs_planned": int(design["run_id"].nunique()),
        "design_rows": int(design["row"].nunique()),
        "replications": study.design.replications,
        "root_seed": study.design.seed,
        "common_random_numbers": study.design.crn,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"python": platform.python_version(), **{name: _version(name) for name in PACKAGES}},
        "git": _git_commit(),
        "platform": {"system": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "sessions": [],
    }


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit() -> dict[str, Any] | None:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
