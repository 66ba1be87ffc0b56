"""Portable results: the same worlds give the same outputs on another CPU, within `tests.outputs.RTOL`.

Another CPU is stood in for by this one at its lowest SIMD level and with OpenBLAS's Haswell kernels
(`tests/portability.py`), on 40 worlds drawn across every uncertainty's whole range. A decision that
flips on last-bit noise shows up here as a date, a count or a deal that differs.
"""

import json
import subprocess
import sys

import pytest

from tests.outputs import differences
from tests.portability import N_WORLDS, reduced_simd_env, run_elsewhere, run_world


@pytest.mark.slow
def test_sampled_worlds_agree_across_simd_levels_and_blas_kernels(tmp_path):
    frames, records = run_elsewhere(tmp_path / "reduced", reduced_simd_env())
    records = json.loads(json.dumps(records))
    for i in range(N_WORLDS):
        frame, record = run_world(i)
        name = f"world_{i}"
        other = frames[frames["case"] == name].reset_index(drop=True)
        problems = differences(other, frame, records[name], json.loads(json.dumps(record)))
        assert not problems, f"{name}:\n" + "\n".join(problems[:10])


def test_the_reduced_level_really_turns_kernels_off():
    env = reduced_simd_env()
    disabled = env["NPY_DISABLE_CPU_FEATURES"].split()
    code = "from numpy._core._multiarray_umath import __cpu_features__ as f; import sys; print(' '.join(k for k in sys.argv[1:] if f[k]))"
    still_on = subprocess.run([sys.executable, "-c", code, *disabled], env=env, capture_output=True, text=True, check=True)
    assert still_on.stdout.split() == []
