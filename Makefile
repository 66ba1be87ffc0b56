# The two commands: `make run` (the baseline scenario) and `make test` (every test, slow ones too).
.PHONY: run test lint setup

setup:
	@bash scripts/bootstrap.sh

run: setup
	.venv/bin/peakdata run scenarios/baseline.toml --seed 0 --out results/baseline

test: setup
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
