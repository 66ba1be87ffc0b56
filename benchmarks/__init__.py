"""Benchmarks for PeakData (DESIGN.md §9). Run them all with ``.venv/bin/python -m benchmarks``."""
