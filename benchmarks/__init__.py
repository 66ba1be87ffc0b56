"""Benchmarks for PeakData (docs/performance.md). Run them all with ``.venv/bin/python -m benchmarks``."""
