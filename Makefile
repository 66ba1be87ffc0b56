# The two commands: `make run` (the baseline scenario) and `make test` (every test, slow ones too).
.PHONY: run test lint setup bench

setup:
	@bash scripts/bootstrap.sh

run: setup
	.venv/bin/peakdata run scenarios/baseline.toml --seed 0 --out results/baseline

test: setup  # every test natively, then the golden tests again at the lowest SIMD level (tests/portability.py)
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q
	.venv/bin/python -m tests.portability pytest -q tests/test_equivalence.py

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

bench: setup  # every benchmark, ~20 minutes on 2 cores; report in benchmarks/results/ (docs/performance.md)
	.venv/bin/python -m benchmarks
