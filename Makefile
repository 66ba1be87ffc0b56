# The two commands: `make run` (the baseline scenario) and `make test` (every test, slow ones too).
.PHONY: run test lint setup test-setup bench

setup:  # .venv with the pinned Python packages; needs only Python >= 3.12 and the registries
	@bash scripts/bootstrap.sh

test-setup: setup  # what only the tests need: Debian's chromium and npm (apt-get), Solara's front-end files (npm)
	@bash scripts/system_packages.sh
	@bash scripts/solara_assets.sh

run: setup
	.venv/bin/peakdata run scenarios/baseline.toml --seed 0 --out results/baseline

# Every test natively, then the golden tests again at the lowest SIMD level (tests/portability.py) and with the
# compiled kernels run as plain Python (NUMBA_DISABLE_JIT=1, sim/compiled.py).
# The suite fails if it changed a tracked file or left a new untracked one (tests/conftest.py).
test: test-setup
	.venv/bin/ruff check .
	HYPOTHESIS_PROFILE=ci .venv/bin/python -m pytest -q
	.venv/bin/python -m tests.portability pytest -q tests/test_equivalence.py
	NUMBA_DISABLE_JIT=1 .venv/bin/python -m pytest -q tests/test_equivalence.py

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup  # every benchmark (its 10,000-run sweep ~1 hour on 2 cores); report in benchmarks/results/ (docs/performance.md)
	.venv/bin/python -m benchmarks
