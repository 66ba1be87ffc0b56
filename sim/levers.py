"""The policy levers, each declared once: name, type, allowed range, status quo, unit, description and
where its mechanism acts.

Everything else is derived from `LEVERS`: the scenario schema's `[levers]` table and its checks
(`sim/params.py`), the regulator's `Policy` in force each month (`agents/regulator.py`), the browser
view's controls (`viz/app.py`) and the lever table in `docs/policies.md` (`lever_table()`, kept in step
by a test). A new lever is one entry here plus its mechanism, which reads `model.policy.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

OptOutRegime = Literal["none", "robots", "opt_in"]


@dataclass(frozen=True)
class LeverSpec:
    """One policy lever."""

    name: str
    annotation: Any  # float, bool or a Literal of choices
    status_quo: Any  # what holds before a policy's effective year, and in the baseline
    label: str  # for a control or a chart
    description: str  # what the lever does
    acts_in: str  # where its mechanism lives
    unit: str = ""
    bounds: dict[str, float] = field(default_factory=dict)  # pydantic constraints: ge, gt, le, lt
    control_scale: float = 1.0  # the browser control shows value / scale (e.g. trillions of tokens)
    control_step: float | None = None  # a slider's step, in control units; None: no slider
    control_max: float | None = None  # a slider's top, in control units

    @property
    def choices(self) -> tuple[Any, ...]:
        """The allowed values of a lever with a fixed set of them (empty for a number)."""
        if self.annotation is bool:
            return (False, True)
        return tuple(getattr(self.annotation, "__args__", ()))

    def describe_range(self) -> str:
        if self.choices:
            return " / ".join(f"`{c}`" if isinstance(c, str) else ("on" if c else "off") for c in self.choices)
        ops = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
        return " and ".join(f"{ops[k]} {v:g}" for k, v in self.bounds.items()) + (f" {self.unit}" if self.unit else "")

    def describe(self, value: Any) -> str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, str):
            return f"`{value}`"
        return "none" if value == float("inf") else f"{value:g}"


LEVERS: tuple[LeverSpec, ...] = (
    LeverSpec(
        "privacy_strictness",
        float,
        0.5,
        "Privacy strictness",
        "less consentable private text, higher compliance cost, larger fines",
        "`agents/broker.py`, `agents/lab.py`, `agents/alliance.py`",
        bounds={"ge": 0.0, "le": 1.0},
        control_step=0.05,
        control_max=1.0,
    ),
    LeverSpec(
        "opt_out_regime",
        OptOutRegime,
        "robots",
        "Opt-out regime",
        "whether crawlers honour robots.txt opt-outs, or need an opt-in",
        "`agents/web.py: Web.crawlable`",
    ),
    LeverSpec(
        "code_of_practice",
        bool,
        False,
        "Code of practice on crawling",
        "labs that sign honour every robots.txt opt-out (the EU GPAI code, 2025); others honour robots_compliance of them",
        "`sim/model.py: robots_compliance`",
    ),
    LeverSpec(
        "licensing_mandate",
        bool,
        False,
        "Licensing mandate",
        "copyrighted tiers (books, news) leave the free crawl; only licences reach them",
        "`agents/web.py: Web.crawlable`",
    ),
    LeverSpec(
        "data_commons_tokens",
        float,
        0.0,
        "Data commons, T tokens",
        "an open, never-opted-out publisher of that size appears in the year",
        "`agents/regulator.py`",
        unit="tokens",
        bounds={"ge": 0.0, "le": 1e16},
        control_scale=1e12,
        control_step=5.0,
        control_max=200.0,
    ),
    LeverSpec(
        "synthetic_labelling",
        bool,
        False,
        "Synthetic labelling",
        "labelled AI text is filtered out instead of passing as human at reduced value",
        "`agents/web.py`, `agents/publisher.py`",
    ),
    LeverSpec(
        "alliance_antitrust",
        bool,
        False,
        "Alliance antitrust",
        "the data alliance must admit closed rivals",
        "`agents/alliance.py: admits`",
    ),
    LeverSpec(
        "compute_cap_flop",
        float,
        float("inf"),
        "Compute cap, FLOP",
        "no training run above the cap",
        "`agents/lab.py: compute_budget_flop`",
        unit="FLOP",
        bounds={"gt": 0.0},
    ),
    LeverSpec(
        "tighten_privacy_after_incidents",
        bool,
        False,
        "Tighten privacy after incidents",
        "the regulator raises strictness by 0.1 after 3 incidents within 12 months",
        "`agents/regulator.py: react_to_incidents`",
    ),
)
LEVER_BY_NAME: dict[str, LeverSpec] = {lever.name: lever for lever in LEVERS}
STATUS_QUO: dict[str, Any] = {lever.name: lever.status_quo for lever in LEVERS}


def declare(lever: LeverSpec) -> None:
    """Add a lever from outside this module (an extension's own), before the schema is built from `LEVERS`.

    The scenario schema and the regulator's `Policy` are built when `sim.params` is first imported, so
    an extension declares its levers first (see docs/extending.md). A lever of the model itself is an
    entry in `LEVERS` above instead.
    """
    import sys

    global LEVERS
    if "sim.params" in sys.modules:
        raise RuntimeError(f"declare({lever.name!r}) must run before sim.params is imported: the schema is already built")
    if lever.name in LEVER_BY_NAME:
        raise ValueError(f"a lever named {lever.name!r} is already declared")
    LEVERS = (*LEVERS, lever)
    LEVER_BY_NAME[lever.name] = lever
    STATUS_QUO[lever.name] = lever.status_quo


def lever_table() -> str:
    """The lever table of `docs/policies.md`, in Markdown."""
    lines = ["| lever | allowed | mechanism (where it acts) | status quo |", "|---|---|---|---|"]
    for lever in LEVERS:
        lines.append(
            f"| `{lever.name}` | {lever.describe_range()} | {lever.description} ({lever.acts_in}) | {lever.describe(lever.status_quo)} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(lever_table())
