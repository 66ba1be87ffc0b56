"""The browser view: a SolaraViz page (viz/app.py), its charts, and Solara's offline asset cache."""

# `agents` and `sim` import each other and only resolve when `sim` comes first.
import sim  # noqa: F401
