"""Compiled kernels: `kernel` is numba's `njit`, with its cache inside the virtual environment (docs/performance.md).

The firm's searches (`sim.firm`) weigh a model's capability and profit tens of thousands of times a run, one float at
a time, where Python's dispatch costs about twenty times the arithmetic. The functions they call are written in the
part of Python that numba compiles and decorated with `kernel`; the Python around them builds the objects.

- The compiled code is cached in `.venv/numba-cache`, so a process loads it (about 1 ms a function, after numba's own
  start of ~0.4 s) rather than compiling it again (several seconds, the first time after a change).
- `NUMBA_DISABLE_JIT=1` runs the very same functions as plain Python: the fallback. `tests/test_equivalence.py` checks
  that it gives the goldens' outputs within their tolerance (compiled maths may differ in the last bits of a float,
  and no decision turns on those: `firm.TIE_SHARE`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(sys.prefix) / "numba-cache"))

import numba  # after its cache directory is set

kernel = numba.njit(cache=True)
# A kernel that takes another kernel as an argument (a search and its objective) is inlined into its caller, where
# the objective is known when it compiles: passed as a value, numba could not cache the caller.
inlined_kernel = numba.njit(cache=True, inline="always")
