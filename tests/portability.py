"""Run the same worlds on other SIMD levels and BLAS kernels of this machine, to check portability.

A CPU without AVX-512 (or without AVX2, or an ARM core) runs other NumPy and OpenBLAS kernels, whose
floats differ in the last bits. `reduced_simd_env()` makes this machine run the kernels of the lowest
SIMD level it can. Two commands:

    python -m tests.portability run OUT [worlds|golden]   # write the outputs of those runs to OUT.*
    python -m tests.portability pytest ARGS...            # run pytest at the reduced SIMD level

The first lets a test compare a reduced-SIMD run with a native one (`tests/outputs.py` says how);
`make test` uses the second to run the golden tests again at the reduced level.

The sampled worlds are not the golden cases: every uncertainty drawn across its whole allowed range, with
levers and switches drawn too, so that a decision sitting on last-bit noise anywhere in the model
shows up as a discrete difference.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import DataMarketModel, MarketParams
from sim.params import Constants, Uncertainties, field_bounds
from tests.outputs import outputs

N_WORLDS = 40
END = "2034-12"  # long enough for the data wall and the private market in nearly every world


def sampled_world(index: int) -> tuple[MarketParams, int]:
    """World `index`: uncertainties uniform (log-uniform over wide ranges) in their bounds, levers drawn."""
    rng = np.random.default_rng([20261201, index])
    values: dict[str, Any] = {}
    for name in Uncertainties.model_fields:
        low, high = field_bounds(Uncertainties, name)
        if low > 0 and high / low > 100:
            values[name] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        else:
            values[name] = float(rng.uniform(low, high))
    levers = {
        "privacy_strictness": {"value": float(rng.uniform()), "year": float(rng.integers(2021, 2034))},
        "opt_out_regime": str(rng.choice(["none", "robots", "opt_in"])),
        "licensing_mandate": {"value": bool(rng.integers(2)), "year": float(rng.integers(2021, 2034))},
        "data_commons_tokens": {"value": float(rng.choice([0.0, 1e13, 1e14])), "year": 2027.0},
        "synthetic_labelling": bool(rng.integers(2)),
        "alliance_antitrust": bool(rng.integers(2)),
        "tighten_privacy_after_incidents": bool(rng.integers(2)),
    }
    switches = {name: bool(rng.uniform() < 0.85) for name, f in Constants.model_fields.items() if f.annotation is bool}
    params = MarketParams().with_overrides(
        **values,
        **levers,
        **switches,
        collapse_regime=str(rng.choice(["accumulate", "replace"])),
        end=END,
    )
    return params, int(rng.integers(2**31))


def run_world(index: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    params, seed = sampled_world(index)
    return outputs(DataMarketModel(params, rng=seed).run(), f"world_{index}")


def reduced_simd_env() -> dict[str, str]:
    """The environment for the lowest SIMD level NumPy dispatches to on this CPU, and a plain BLAS kernel.

    Every dispatched feature this CPU has is disabled (on x86-64 that leaves SSE4.2; on ARM, plain
    NEON), and on x86-64 OpenBLAS is told to use its Haswell (AVX2) kernels instead of the ones for
    this CPU.
    """
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f) and f not in __cpu_baseline__]
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(found)}
    if platform.machine() in ("x86_64", "AMD64"):
        env["OPENBLAS_CORETYPE"] = "Haswell"
    return env


def run_elsewhere(out: Path, env: dict[str, str], cases: str = "worlds") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run `cases` ("worlds" or "golden") in a fresh interpreter with `env`; returns their outputs."""
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "tests.portability", "run", str(out), cases], cwd=root, env=env, check=True)
    return pd.read_parquet(out.with_suffix(".parquet")), json.loads(out.with_suffix(".json").read_text())


def write_outputs(out: Path, cases: str) -> None:
    if cases == "golden":
        from tests.make_golden import CASES, run_case

        results = {name: run_case(name) for name in CASES}
    else:
        results = {f"world_{i}": run_world(i) for i in range(N_WORLDS)}
    pd.concat([frame for frame, _ in results.values()], ignore_index=True).to_parquet(out.with_suffix(".parquet"))
    out.with_suffix(".json").write_text(json.dumps({name: record for name, (_, record) in results.items()}))


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and len(argv) in (2, 3):
        write_outputs(Path(argv[1]), argv[2] if len(argv) == 3 else "worlds")
        return 0
    if argv[:1] == ["pytest"]:
        env = reduced_simd_env()
        print(
            f"pytest at a reduced SIMD level: NPY_DISABLE_CPU_FEATURES={env['NPY_DISABLE_CPU_FEATURES']!r}"
            f" OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE', '(native)')}",
            flush=True,
        )
        return subprocess.run([sys.executable, "-m", "pytest", *argv[1:]], env=env).returncode
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
