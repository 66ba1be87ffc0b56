"""Bad input, as a new user would type it, in every command: exit code 2, a message, nothing written.

Each case is a command line (and the files it reads). The test asserts what the README promises:

- exit code 2 and no Python traceback;
- a message on stderr that contains the fragments the case lists (the field or option, the value,
  what is allowed);
- not one file created, changed or removed anywhere under the working folder, which holds every
  input and every default output folder.

`CASES` is the table; `test_the_table_covers_every_command_and_class` keeps its size honest. The
hypothesis fuzz at the end draws scenario files, study files and option values at random.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.params import Constants, LabSpec, Uncertainties, field_bounds

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline.toml"
HEADER = f'extends = "{BASE}"\n'
SHORT = HEADER + '[constants]\nend = "2021-06"\n'  # for the inputs that are valid: a run of 18 months
UNWRITABLE = Path("/sys/peakdata-cannot-write-here")  # EPERM for every user, root included


@dataclass(frozen=True)
class Case:
    name: str
    command: str  # the first word of args
    kind: str  # the class of mistake, for the count in the note
    args: tuple[str, ...]
    expect: tuple[str, ...]  # fragments of the message
    files: dict[str, str] = field(default_factory=dict)  # name -> text, written into the working folder
    setup: Callable[[Path], None] | None = None


def scenario(body: str, header: str = HEADER) -> dict[str, str]:
    return {"s.toml": header + body}


def run_case(name: str, body: str, expect: tuple[str, ...], kind: str = "scenario values") -> Case:
    return Case(name, "run", kind, ("run", "s.toml", "--out", "out"), expect, scenario(body))


# --- the table --------------------------------------------------------------------------------------


def _uncertainty_cases() -> list[Case]:
    cases = []
    for name in Uncertainties.model_fields:
        low, high = field_bounds(Uncertainties, name)
        below = low - max(1.0, abs(low))
        cases.append(run_case(f"{name} below its range", f"[uncertainties]\n{name} = {below!r}\n", (name, ">=")))
        if high < 1e6:  # the shares, rates and multipliers; the token counts' ceilings are generous on purpose
            cases.append(run_case(f"{name} above its range", f"[uncertainties]\n{name} = {high * 2 + 1!r}\n", (name, "<")))
        cases.append(run_case(f"{name} quoted", f'[uncertainties]\n{name} = "{low}"\n', (name, "not a number"), "types"))
    for name in ("usable_share", "max_epochs", "compute_growth_per_year"):
        cases.append(run_case(f"{name} nan", f"[uncertainties]\n{name} = nan\n", (name, "nan", "allowed")))
        cases.append(run_case(f"{name} inf", f"[uncertainties]\n{name} = inf\n", (name, "inf", "allowed")))
    return cases


def _constant_cases() -> list[Case]:
    bad = {
        "n_publishers": "3",
        "n_brokers": "-1",
        "n_generators": "101",
        "publisher_size_tail": "0.1",
        "collapse_threshold": "1.0",
        "data_wall_fill": "0.0",
        "usd_per_flop_2024": "0.0",
        "market_temperature": "0.0",
        "price_adjustment_speed": "3.0",
        "override_k": "0.0",
        "n_publishers ": "2.5",
    }
    cases = [run_case(f"constants.{k.strip()} = {v}", f"[constants]\n{k.strip()} = {v}\n", (k.strip(),)) for k, v in bad.items()]
    dates = {
        "start as a number": ("start = 2020", ("start",)),
        "start month 13": ('start = "2020-13"', ("start", "2020-13")),
        "start in year 1000": ('start = "1000-01"', ("start", "1000-01", "2000-01")),
        "start in 9990": ('start = "9990-01"\nend = "9990-12"', ("9990-01", "2100-12")),
        "end past 2100": ('end = "2150-01"', ("end", "2150-01", "2100-12")),
        "end before start": ('start = "2021-01"\nend = "2020-06"', ("before start",)),
        "override_k_from_year nan": ("override_k = 5.0\noverride_k_from_year = nan", ("override_k_from_year", "nan")),
        "override_k_from_year past the end": (
            "override_k = 5.0\noverride_k_from_year = 2045.0",
            ("override_k_from_year", "never"),
        ),
        "switch as 1": ("exclusive_deals = 1", ("exclusive_deals", "true or false")),
        "switch as text": ('ai_pollution = "no"', ("ai_pollution", "true or false")),
        "collapse regime unknown": ('collapse_regime = "sometimes"', ("collapse_regime", "sometimes")),
        "unknown constant": ("n_publisher = 10", ("unknown key", "n_publishers")),
    }
    cases += [
        run_case(
            name,
            f"[constants]\n{body}\n",
            expect,
            "dates" if "year" in name or "start" in name or "end" in name else "scenario values",
        )
        for name, (body, expect) in dates.items()
    ]
    return cases


def _lever_cases() -> list[Case]:
    bodies = {
        "privacy_strictness above 1": ("privacy_strictness = 1.5", ("privacy_strictness", "1.5")),
        "privacy_strictness quoted": ('privacy_strictness = "0.9"', ("privacy_strictness", "not a number")),
        "opt_out_regime unknown": ('opt_out_regime = "maybe"', ("opt_out_regime", "maybe")),
        "licensing_mandate as text": ('licensing_mandate = "yes"', ("licensing_mandate", "true or false")),
        "data_commons_tokens negative": ("data_commons_tokens = -5.0", ("data_commons_tokens", ">=")),
        "synthetic_labelling as 1": ("synthetic_labelling = 1", ("synthetic_labelling", "true or false")),
        "alliance_antitrust as a list": ("alliance_antitrust = [true]", ("alliance_antitrust", "[True]")),
        "compute_cap_flop zero": ("compute_cap_flop = 0.0", ("compute_cap_flop", "> 0")),
        "compute_cap_flop nan": ("compute_cap_flop = nan", ("compute_cap_flop", "nan")),
        "tighten_privacy as text": ('tighten_privacy_after_incidents = "on"', ("tighten_privacy_after_incidents",)),
        "lever year nan": (
            "privacy_strictness = { value = 0.9, year = nan }",
            ("privacy_strictness.year", "nan", "2000 to 2100"),
        ),
        "lever year inf": ("privacy_strictness = { value = 0.9, year = inf }", ("privacy_strictness.year", "inf")),
        "lever year 1850": ("licensing_mandate = { value = true, year = 1850 }", ("licensing_mandate.year", "1850")),
        "lever year past the horizon": ("licensing_mandate = { value = true, year = 2050 }", ("licensing_mandate.year", "never")),
        "lever year quoted": ('licensing_mandate = { value = true, year = "2030" }', ("licensing_mandate.year", "not a number")),
        "lever table with an unknown key": ("privacy_strictness = { value = 0.9, yaer = 2021 }", ("yaer", "before, value, year")),
        "lever table without value": ("privacy_strictness = { year = 2021 }", ("privacy_strictness", "value")),
        "lever before out of range": (
            "privacy_strictness = { value = 0.9, year = 2021, before = 7.0 }",
            ("privacy_strictness.before", "7.0"),
        ),
        "unknown lever": ("carbon_tax = 5.0", ("unknown key", "carbon_tax")),
    }
    return [
        run_case(name, f"[levers]\n{body}\n", expect, "dates" if "year" in name else "levers")
        for name, (body, expect) in bodies.items()
    ]


LAB = 'name = "A"\nkind = "open"\ncompute_share = 1.0\ncadence_months = 12\n'


def _lab_cases() -> list[Case]:
    bad = {
        "name": ('""', "at least 1 character"),
        "kind": ('"public"', "'open' or 'closed'"),
        "compute_share": ("0.0", "> 0"),
        "cadence_months": ("0", ">= 1"),
        "strategy": ('"greedy"', "greedy"),
        "k": ("0.0", ">= 0.05"),
        "demand_r": ("-1.0", ">= 0"),
        "demand_h": ("1.0", "> 1"),
    }
    cases = []
    for key, (value, fragment) in bad.items():
        lines = [line for line in LAB.splitlines() if not line.startswith(f"{key} =")]
        body = "[[labs]]\n" + "\n".join([*lines, f"{key} = {value}"]) + "\n"
        cases.append(run_case(f"lab {key} = {value}", body, (f"labs.0.{key}", fragment), "labs"))
    cases += [
        run_case(
            "a removed lab setting",
            "[[labs]]\n" + LAB + "data_budget_share = 0.25\n",
            ("data_budget_share = 0.25", "no longer a setting", "remove the line"),
            "labs",
        ),
        run_case(
            "a removed uncertainty",
            "[uncertainties]\ncopyright_risk_usd_per_token = 2e-5\n",
            ("copyright_risk_usd_per_token = 2e-05", "no longer a setting", "settlement_usd_per_token"),
            "uncertainties",
        ),
        run_case(
            "a plateau that is now a choice",
            "[uncertainties]\nai_text_share_max = 0.5\n",
            ("ai_text_share_max = 0.5", "no longer a setting", "ai_writing_cost_elasticity"),
            "uncertainties",
        ),
        run_case("two labs with one name", f"[[labs]]\n{LAB}[[labs]]\n{LAB}", ("'A'", "different name"), "labs"),
        run_case("no labs", "labs = []\n", ("labs", "at least 1"), "labs"),
        run_case(
            "lab without a kind", '[[labs]]\nname = "A"\ncompute_share = 1.0\ncadence_months = 12\n', ("labs.0.kind",), "labs"
        ),
        run_case("lab with an unknown key", f"[[labs]]\n{LAB}colour = 3\n", ("unknown key", "colour"), "labs"),
        run_case("labs as a table", "[labs]\nname = 3\n", ("labs",), "labs"),
    ]
    return cases


def _file_cases() -> list[Case]:
    kind = "scenario files"
    return [
        Case("scenario missing", "run", kind, ("run", "nope.toml", "--out", "out"), ("nope.toml", "not found")),
        Case(
            "scenario is a folder",
            "run",
            kind,
            ("run", "folder", "--out", "out"),
            ("folder", "is a folder"),
            setup=lambda d: (d / "folder").mkdir(),
        ),
        Case(
            "scenario not TOML",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("not valid TOML",),
            {"s.toml": "[uncertainties\n"},
        ),
        Case(
            "scenario not UTF-8",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("UTF-8",),
            setup=lambda d: (d / "s.toml").write_bytes(b"\xff\xfe\x00bad"),
        ),
        Case(
            "extends a missing file",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("missing.toml", "not found"),
            {"s.toml": 'extends = "missing.toml"\n'},
        ),
        Case("extends loops", "run", kind, ("run", "s.toml", "--out", "out"), ("loops",), {"s.toml": 'extends = "s.toml"\n'}),
        Case(
            "extends a number", "run", kind, ("run", "s.toml", "--out", "out"), ("extends", "a path"), {"s.toml": "extends = 3\n"}
        ),
        Case(
            "unknown section",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("unknown key", "policies"),
            scenario("[policies]\nx = 1\n"),
        ),
        Case(
            "uncertainties not a table",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("uncertainties",),
            {"s.toml": "uncertainties = 3\n"},
        ),
        Case(
            "name as a number",
            "run",
            kind,
            ("run", "s.toml", "--out", "out"),
            ("name",),
            scenario("", header=f'extends = "{BASE}"\nname = 5\n'),
        ),
    ]


def _make_file(path: str) -> Callable[[Path], None]:
    return lambda d: (d / path).write_text("x")


def _make_folder(path: str) -> Callable[[Path], None]:
    return lambda d: (d / path).mkdir(parents=True)


def _out_cases(
    command: str, args: tuple[str, ...], option: str = "--out", setup: Callable[[Path], None] | None = None
) -> list[Case]:
    """The filesystem mistakes every command that writes can meet, for one command."""
    kind = "filesystem"

    def then(extra: Callable[[Path], None]) -> Callable[[Path], None]:
        return lambda d: (setup(d) if setup else None, extra(d))

    return [
        Case(
            f"{command}: {option} is a file",
            command,
            kind,
            (*args, option, "taken"),
            (option, "not a folder"),
            setup=then(_make_file("taken")),
        ),
        Case(
            f"{command}: {option} under a file",
            command,
            kind,
            (*args, option, "taken/out"),
            (option, "taken/out"),
            setup=then(_make_file("taken")),
        ),
        Case(
            f"{command}: {option} not writable",
            command,
            kind,
            (*args, option, str(UNWRITABLE)),
            (option, str(UNWRITABLE), "cannot write"),
            setup=setup,
        ),
        Case(f"{command}: {option} name too long", command, kind, (*args, option, "n" * 300), (option, "too long"), setup=setup),
    ]


def _sweep_folder(d: Path) -> None:
    """A finished two-run sweep in `d/sweep`, copied from the one built once per session."""
    shutil.copytree(SWEEP_TEMPLATE, d / "sweep")


STUDY_HEADER = SHORT + '[design]\nkind = "monte_carlo"\nsamples = 2\n'
STUDY = {"study.toml": STUDY_HEADER + '[uncertainties]\nusable_share = { dist = "uniform", low = 0.1, high = 0.3 }\n'}


def study_case(name: str, body: str, expect: tuple[str, ...], top: str = "") -> Case:
    files = {"study.toml": top + STUDY_HEADER + body}
    return Case(name, "sweep", "study files", ("sweep", "study.toml", "--out", "out", "--executor", "serial"), expect, files)


def _sweep_cases() -> list[Case]:
    sweep = ("sweep", "study.toml", "--executor", "serial")
    u = "[uncertainties]\n"
    cases = [
        study_case(
            "unknown distribution", u + 'usable_share = { dist = "beta", low = 0.1, high = 0.3 }\n', ("usable_share", "beta")
        ),
        study_case("low above high", u + 'usable_share = { dist = "uniform", low = 0.3, high = 0.1 }\n', ("low < high",)),
        study_case(
            "loguniform from zero", u + 'max_consented_share = { dist = "loguniform", low = 0.0, high = 0.1 }\n', ("low > 0",)
        ),
        study_case("triangular without mode", u + 'usable_share = { dist = "triangular", low = 0.1, high = 0.3 }\n', ("mode",)),
        study_case("empty choice", u + "usable_share = []\n", ("usable_share", "at least 1")),
        study_case(
            "credibility of 100",
            u + 'usable_share = { dist = "normal", low = 0.1, high = 0.3, credibility = 100 }\n',
            ("credibility",),
        ),
        study_case(
            "distribution outside the field",
            u + 'usable_share = { dist = "uniform", low = 0.1, high = 3.0 }\n',
            ("usable_share", "3.0", "<= 1"),
        ),
        study_case("choice outside the field", u + "usable_share = [0.2, 5.0]\n", ("usable_share", "5.0")),
        study_case("distribution key unknown", u + 'usable_share = { dist = "uniform", low = 0.1, hi = 0.3 }\n', ("hi",)),
        study_case(
            "distribution bound inf", u + 'usable_share = { dist = "uniform", low = 0.1, high = inf }\n', ("high = inf", "finite")
        ),
        study_case(
            "normal from -inf", u + 'usable_share = { dist = "normal", low = -inf, high = 0.3 }\n', ("low = -inf", "finite")
        ),
        study_case("choice of nan", u + "usable_share = [0.2, nan]\n", ("values[1] = nan", "finite")),
        study_case("outcome unknown", "", ("happiness", "not an outcome"), top='outcomes = ["happiness"]\n'),
        Case(
            "design kind unknown",
            "sweep",
            "study files",
            ("sweep", "s.toml", "--out", "out"),
            ("design.kind", "random"),
            scenario('[design]\nkind = "random"\n'),
        ),
        Case(
            "design samples zero",
            "sweep",
            "study files",
            ("sweep", "s.toml", "--out", "out"),
            ("design.samples", ">= 1"),
            scenario("[design]\nsamples = 0\n"),
        ),
        Case(
            "design key unknown",
            "sweep",
            "study files",
            ("sweep", "s.toml", "--out", "out"),
            ("unknown key", "sampels"),
            scenario("[design]\nsampels = 4\n"),
        ),
        Case(
            "sobol without distributions",
            "sweep",
            "study files",
            ("sweep", "s.toml", "--out", "out"),
            ("sobol", "distribution"),
            scenario('[design]\nkind = "sobol"\n'),
        ),
        Case("sweep: --samples 0", "sweep", "options", (*sweep, "--out", "out", "--samples", "0"), ("--samples", "0"), STUDY),
        Case(
            "sweep: --replications -1",
            "sweep",
            "options",
            (*sweep, "--out", "out", "--replications", "-1"),
            ("--replications",),
            STUDY,
        ),
        Case(
            "sweep: --workers 0",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--workers", "0"),
            ("--workers",),
            STUDY,
        ),
        Case(
            "sweep: --design unknown",
            "sweep",
            "options",
            (*sweep, "--out", "out", "--design", "bogus"),
            ("--design", "bogus"),
            STUDY,
        ),
        Case(
            "sweep: --executor unknown",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--executor", "gpu"),
            ("--executor", "gpu"),
            STUDY,
        ),
        Case("sweep: --seed text", "sweep", "options", (*sweep, "--out", "out", "--seed", "abc"), ("--seed", "abc"), STUDY),
        Case("sweep: no --out", "sweep", "options", sweep, ("--out",), STUDY),
        Case(
            "sweep: --dask not an address",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--dask", "somewhere"),
            ("--dask", "somewhere", "tcp://HOST:PORT"),
            STUDY,
        ),
        Case(
            "sweep: --dask without a port",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--dask", "tcp://"),
            ("--dask", "tcp://"),
            STUDY,
        ),
        Case(
            "sweep: --dask port out of range",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--dask", "tcp://127.0.0.1:99999"),
            ("--dask", "99999", "1-65535"),
            STUDY,
        ),
        Case(
            "sweep: --dask nobody there",
            "sweep",
            "options",
            ("sweep", "study.toml", "--out", "out", "--dask", f"tcp://127.0.0.1:{_free_port()}"),
            ("--dask", "could not connect"),
            STUDY,
        ),
        Case(
            "sweep: folder of another sweep",
            "sweep",
            "sweep store",
            (*sweep, "--out", "sweep"),
            ("different sweep",),
            {"study.toml": STUDY["study.toml"].replace("0.3", "0.25")},
            _sweep_folder,
        ),
        Case(
            "sweep: folder holding other files",
            "sweep",
            "sweep store",
            (*sweep, "--out", "other"),
            ("not empty", "no sweep manifest"),
            STUDY,
            lambda d: (_make_folder("other")(d), _make_file("other/x")(d)),
        ),
        Case(
            "sweep: resume with a garbage part",
            "sweep",
            "sweep store",
            (*sweep, "--out", "sweep"),
            ("part-00000.parquet", "damaged", "Move"),
            STUDY,
            lambda d: (_sweep_folder(d), _garbage(d / "sweep/summary/part-00000.parquet")),
        ),
        Case(
            "sweep: resume with a garbage series part",
            "sweep",
            "sweep store",
            (*sweep, "--out", "sweep"),
            ("timeseries/part-00000.parquet", "damaged"),
            STUDY,
            lambda d: (_sweep_folder(d), _garbage(d / "sweep/timeseries/part-00000.parquet")),
        ),
        Case(
            "sweep: resume with a manifest cut short",
            "sweep",
            "sweep store",
            (*sweep, "--out", "sweep"),
            ("manifest.json", "damaged", "Delete it"),
            STUDY,
            lambda d: (_sweep_folder(d), _truncate(d / "sweep/manifest.json")),
        ),
        Case(
            "sweep: resume with a manifest of the wrong shape",
            "sweep",
            "sweep store",
            (*sweep, "--out", "sweep"),
            ("manifest.json", "config_hash"),
            STUDY,
            lambda d: (_sweep_folder(d), (d / "sweep/manifest.json").write_text("[1, 2]")),
        ),
    ]
    cases += _out_cases(
        "sweep",
        ("sweep", "study.toml", "--executor", "serial"),
        setup=lambda d: (d / "study.toml").write_text(STUDY["study.toml"]),
    )
    return cases


def _garbage(path: Path) -> None:
    path.write_bytes(b"PAR1 this is not a parquet file PAR1")


def _truncate(path: Path) -> None:
    text = path.read_text()
    path.write_text(text[: len(text) // 2])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _report_cases() -> list[Case]:
    kind = "sweep store"
    cases = [
        Case("report: folder missing", "report", kind, ("report", "nothing"), ("nothing", "no manifest.json")),
        Case("report: folder is a file", "report", kind, ("report", "taken"), ("taken", "is a file"), setup=_make_file("taken")),
        Case(
            "report: not a sweep folder",
            "report",
            kind,
            ("report", "plain"),
            ("plain", "no manifest.json"),
            setup=_make_folder("plain"),
        ),
        Case(
            "report: manifest cut short",
            "report",
            kind,
            ("report", "sweep"),
            ("manifest.json", "damaged"),
            setup=lambda d: (_sweep_folder(d), _truncate(d / "sweep/manifest.json")),
        ),
        Case(
            "report: manifest not UTF-8",
            "report",
            kind,
            ("report", "sweep"),
            ("manifest.json", "damaged"),
            setup=lambda d: (_sweep_folder(d), (d / "sweep/manifest.json").write_bytes(b"\xff\xfe")),
        ),
        Case(
            "report: garbage summary part",
            "report",
            kind,
            ("report", "sweep"),
            ("summary/part-00000.parquet", "damaged", "Move"),
            setup=lambda d: (_sweep_folder(d), _garbage(d / "sweep/summary/part-00000.parquet")),
        ),
        Case(
            "report: garbage series part",
            "report",
            kind,
            ("report", "sweep"),
            ("timeseries/part-00000.parquet", "damaged"),
            setup=lambda d: (_sweep_folder(d), _garbage(d / "sweep/timeseries/part-00000.parquet")),
        ),
        Case(
            "report: garbage design",
            "report",
            kind,
            ("report", "sweep"),
            ("design.parquet", "damaged"),
            setup=lambda d: (_sweep_folder(d), _garbage(d / "sweep/design.parquet")),
        ),
        Case(
            "report: empty summary part",
            "report",
            kind,
            ("report", "sweep"),
            ("part-00000.parquet", "damaged"),
            setup=lambda d: (_sweep_folder(d), (d / "sweep/summary/part-00000.parquet").write_bytes(b"")),
        ),
        Case(
            "report: no finished runs",
            "report",
            kind,
            ("report", "sweep"),
            ("no finished runs",),
            setup=lambda d: (_sweep_folder(d), shutil.rmtree(d / "sweep/summary")),
        ),
        Case(
            "report: a folder where report.md goes",
            "report",
            "filesystem",
            ("report", "sweep"),
            ("report.md", "folder"),
            setup=lambda d: (_sweep_folder(d), (d / "sweep/report/report.md").mkdir(parents=True)),
        ),
    ]
    cases += _out_cases("report", ("report", "sweep"), setup=_sweep_folder)
    return cases


POLICY = {"p.toml": SHORT + "[levers]\nlicensing_mandate = true\n", "b.toml": SHORT}


def _policy_cases() -> list[Case]:
    compare = ("compare", "b.toml", "p.toml", "--runs", "2")
    robust = ("robustness", "b.toml", "p.toml", "--samples", "2")
    opt = "options"
    cases = [
        Case(
            "compare: base missing",
            "compare",
            "scenario files",
            ("compare", "nope.toml", "p.toml"),
            ("nope.toml", "not found"),
            POLICY,
        ),
        Case(
            "compare: a policy missing",
            "compare",
            "scenario files",
            ("compare", "b.toml", "nope.toml"),
            ("nope.toml", "not found"),
            POLICY,
        ),
        Case(
            "compare: a policy invalid",
            "compare",
            "scenario values",
            ("compare", "b.toml", "bad.toml"),
            ("usable_share",),
            {**POLICY, "bad.toml": HEADER + "[uncertainties]\nusable_share = 7.0\n"},
        ),
        Case("compare: no policy", "compare", opt, ("compare", "b.toml"), ("Missing argument", "POLICY"), POLICY),
        Case("compare: --runs 1", "compare", opt, ("compare", "b.toml", "p.toml", "--runs", "1"), ("--runs", "1"), POLICY),
        Case(
            "compare: --runs text", "compare", opt, ("compare", "b.toml", "p.toml", "--runs", "many"), ("--runs", "many"), POLICY
        ),
        Case("compare: --seed negative", "compare", opt, (*compare, "--seed", "-1"), ("--seed",), POLICY),
        Case("compare: --workers 0", "compare", opt, (*compare, "--workers", "0"), ("--workers",), POLICY),
        Case("compare: --dask bad", "compare", opt, (*compare, "--dask", "here"), ("--dask", "here"), POLICY),
        Case(
            "compare: two policies with one name",
            "compare",
            "scenario files",
            ("compare", "b.toml", "p.toml", "p.toml"),
            ("p",),
            POLICY,
        ),
        Case(
            "robustness: --threshold nan",
            "robustness",
            opt,
            (*robust, "--threshold", "nan", "--uncertainties", "study.toml"),
            ("--threshold", "nan", "finite"),
            {**POLICY, **STUDY},
        ),
        Case(
            "robustness: --threshold inf",
            "robustness",
            opt,
            (*robust, "--threshold", "inf", "--uncertainties", "study.toml"),
            ("--threshold", "inf"),
            {**POLICY, **STUDY},
        ),
        Case(
            "robustness: --outcome unknown",
            "robustness",
            opt,
            (*robust, "--outcome", "joy"),
            ("--outcome", "joy", "allowed"),
            POLICY,
        ),
        Case(
            "robustness: --samples 1", "robustness", opt, ("robustness", "b.toml", "--samples", "1"), ("--samples", "1"), POLICY
        ),
        Case(
            "robustness: --uncertainties missing",
            "robustness",
            "scenario files",
            (*robust, "--uncertainties", "nope.toml"),
            ("nope.toml", "not found"),
            POLICY,
        ),
        Case(
            "robustness: --uncertainties without distributions",
            "robustness",
            "study files",
            (*robust, "--uncertainties", "b.toml"),
            ("b.toml", "no uncertainty"),
            POLICY,
        ),
        Case(
            "robustness: a policy missing",
            "robustness",
            "scenario files",
            ("robustness", "nope.toml"),
            ("nope.toml", "not found"),
            POLICY,
        ),
        Case("robustness: --dask bad", "robustness", opt, (*robust, "--dask", "tcp://h"), ("--dask",), POLICY),
        Case("validate: --workers 0", "validate", opt, ("validate", "--quick", "--workers", "0"), ("--workers",)),
        Case("validate: --dask bad", "validate", opt, ("validate", "--quick", "--dask", "x:y"), ("--dask", "x:y")),
        Case("validate: unknown option", "validate", opt, ("validate", "--fast"), ("--fast",)),
        Case("viz: --port 80", "viz", opt, ("viz", "--port", "80"), ("--port", "80", "1024")),
        Case("viz: --port 70000", "viz", opt, ("viz", "--port", "70000"), ("--port", "70000")),
        Case("viz: --port text", "viz", opt, ("viz", "--port", "http"), ("--port", "http")),
        Case("viz: port in use", "viz", opt, ("viz", "--port", "{busy_port}"), ("--port", "already in use")),
        Case("unknown command", "peakdata", opt, ("simulate",), ("simulate",)),
        Case("list: a folder that is not there", "list", opt, ("list", "nowhere"), ("nowhere", "not a folder")),
        Case(
            "run: --seed negative", "run", opt, ("run", "s.toml", "--seed", "-4", "--out", "out"), ("--seed", "-4"), scenario("")
        ),
        Case(
            "run: --seed too large",
            "run",
            opt,
            ("run", "s.toml", "--seed", str(2**64), "--out", "out"),
            ("--seed",),
            scenario(""),
        ),
        Case("run: --seed text", "run", opt, ("run", "s.toml", "--seed", "x", "--out", "out"), ("--seed", "x"), scenario("")),
        Case("run: unknown option", "run", opt, ("run", "s.toml", "--output", "out"), ("--output",), scenario("")),
    ]
    cases += _out_cases("run", ("run", "s.toml"), setup=lambda d: (d / "s.toml").write_text(SHORT))
    cases += _out_cases("compare", compare, setup=lambda d: [(d / k).write_text(v) for k, v in POLICY.items()])
    cases += _out_cases(
        "robustness",
        (*robust, "--uncertainties", "study.toml"),
        setup=lambda d: [(d / k).write_text(v) for k, v in {**POLICY, **STUDY}.items()],
    )
    cases += _out_cases("validate", ("validate", "--quick"))
    cases += _out_cases("validate", ("validate", "--quick"), option="--docs")
    cases.append(
        Case(
            "run: a folder where summary.json goes",
            "run",
            "filesystem",
            ("run", "s.toml", "--out", "out"),
            ("summary.json", "nothing was changed"),
            scenario(""),
            _make_folder("out/summary.json"),
        )
    )
    return cases


def _calibrate_cases() -> list[Case]:
    """`peakdata calibrate`: the study's [calibration] table and the observation file."""
    obs = (
        '[[observation]]\nname = "spend"\nquantity = "paid_data_spend_usd_2024"\nstatistic = "outcome"\nyear = 2024\n'
        'value = 1e9\nscale = "log10"\nerror = 0.25\nsource = "a deal tally"\n'
    )
    study = HEADER + '[uncertainties]\nsuit_hazard_per_year = { dist = "loguniform", low = 0.002, high = 0.05 }\n[calibration]\n'
    args = ("calibrate", "study.toml", "--out", "out", "--executor", "serial")

    def case(name: str, body: str, expect: tuple[str, ...], observations: str = obs, extra: tuple[str, ...] = ()) -> Case:
        files = {"study.toml": study + 'observations = "obs.toml"\n' + body, "obs.toml": observations}
        return Case(name, "calibrate", "calibration files", args + extra, expect, files)

    return [
        case("calibration points too few", "points = 2\n", ("calibration.points", "2", ">= 8")),
        case("one replication", "replications = 1\n", ("calibration.replications", ">= 2")),
        case("calibration key unknown", "waves = 3\n", ("waves",)),
        case("horizon before the observations", 'horizon = "2023-12"\n', ("calibration.horizon", "2023-12", "spend")),
        case("until before every observation", "until = 2010\n", ("until", "2010", "no observation")),
        case("exclude unknown", 'exclude = ["nothing"]\n', ("calibration.exclude", "nothing")),
        Case(
            "observation file missing",
            "calibrate",
            "calibration files",
            args,
            ("missing.toml", "no such observation file"),
            {"study.toml": study + 'observations = "missing.toml"\n'},
        ),
        case(
            "observation quantity unknown",
            "",
            ("observation spend", "happiness", "not an outcome"),
            obs.replace("paid_data_spend_usd_2024", "happiness"),
        ),
        case(
            "observation on a log scale at zero",
            "",
            ("observation spend", "value > 0"),
            obs.replace("value = 1e9", "value = 0.0"),
        ),
        case(
            "observation error negative",
            "",
            ("observation spend", "error", "-1", "> 0"),
            obs.replace("error = 0.25", "error = -1"),
        ),
        case(
            "observation at a date without one",
            "",
            ("statistic = 'at' needs date",),
            obs.replace(
                'quantity = "paid_data_spend_usd_2024"\nstatistic = "outcome"', 'quantity = "private_share"\nstatistic = "at"'
            ),
        ),
        case("observation file without observations", "", ("no [[observation]] tables",), "# nothing\n"),
        case("until before 2000", "", ("--until", "1990"), extra=("--until", "1990")),
        Case(
            "no prior to calibrate",
            "calibrate",
            "calibration files",
            args,
            ("no uncertainty has a distribution",),
            {"study.toml": HEADER + '[calibration]\nobservations = "obs.toml"\n', "obs.toml": obs},
        ),
    ]


CASES: list[Case] = [
    *_uncertainty_cases(),
    *_constant_cases(),
    *_lever_cases(),
    *_lab_cases(),
    *_file_cases(),
    *_sweep_cases(),
    *_report_cases(),
    *_policy_cases(),
    *_calibrate_cases(),
]
SWEEP_TEMPLATE: Path  # set by the fixture below


# --- running a case -----------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder`, with a hash of each file's bytes."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        seen[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return seen


def invoke(args: list[str], cwd: Path):
    runner = CliRunner()
    with contextlib.chdir(cwd):
        return runner.invoke(app, args, catch_exceptions=True)


@pytest.fixture(scope="module", autouse=True)
def sweep_template(tmp_path_factory):
    global SWEEP_TEMPLATE
    folder = tmp_path_factory.mktemp("template")
    (folder / "study.toml").write_text(STUDY["study.toml"])
    result = invoke(["sweep", "study.toml", "--out", "sweep", "--executor", "serial", "--no-report"], folder)
    assert result.exit_code == 0, result.output
    SWEEP_TEMPLATE = folder / "sweep"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_exits_2_with_a_message_and_changes_nothing(case: Case, tmp_path):
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    if case.setup:
        case.setup(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args = [a.replace("{busy_port}", str(busy.getsockname()[1])) for a in case.args]
        before = snapshot(tmp_path)
        result = invoke(args, tmp_path)
    output = result.stdout + result.stderr
    assert result.exit_code == 2, f"exit {result.exit_code}: {output}\n{result.exception!r}"
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in case.expect:
        assert fragment in output, f"{fragment!r} not in: {output}"
    assert snapshot(tmp_path) == before


def test_the_table_covers_every_command_and_class():
    by_command = Counter(c.command for c in CASES)
    assert len({c.name for c in CASES}) == len(CASES) >= 120
    assert set(by_command) >= {"run", "sweep", "report", "compare", "robustness", "validate", "viz", "calibrate"}
    print("bad-input cases by command:", dict(by_command), "by class:", dict(Counter(c.kind for c in CASES)))


def test_messages_reach_a_real_terminal_without_a_traceback(tmp_path):
    """The installed entry point, not the test runner: the same message, exit 2."""
    (tmp_path / "s.toml").write_text(HEADER + '[uncertainties]\nusable_share = "0.2"\n')
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "s.toml", "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "usable_share" in result.stderr and "not a number" in result.stderr
    assert not (tmp_path / "out").exists()


# --- fuzz ------------------------------------------------------------------------------------------


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan" if value != value else ("inf" if value == float("inf") else "-inf" if value == -float("inf") else repr(value))
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"


scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**40), 2**40),
    st.booleans(),
    st.sampled_from(["", "0.2", "2030", "robots", "opt_in", "2020-01", "2101-01", "1999-12", "yes", "inf"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.sampled_from(["value", "year", "before", "x"]), scalars, max_size=3),
)
LEVER_NAMES = [
    "privacy_strictness",
    "opt_out_regime",
    "licensing_mandate",
    "data_commons_tokens",
    "synthetic_labelling",
    "alliance_antitrust",
    "compute_cap_flop",
    "tighten_privacy_after_incidents",
]


@st.composite
def scenario_files(draw) -> str:
    sections = {
        "uncertainties": st.sampled_from(list(Uncertainties.model_fields)),
        "constants": st.sampled_from([n for n in Constants.model_fields if n not in ("n_publishers",)]),
        "levers": st.sampled_from(LEVER_NAMES),
    }
    lines = [f'extends = "{BASE}"']
    if draw(st.booleans()):
        lines.append(f"name = {toml_value(draw(scalars))}")
    constants = {"end": "2021-06"}
    for section, names in sections.items():
        table = draw(st.dictionaries(names, values, max_size=3))
        if section == "constants":
            table = {**constants, **table}
        if table:
            lines.append(f"[{section}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
    for _ in range(draw(st.integers(0, 2))):
        lab = draw(st.dictionaries(st.sampled_from(list(LabSpec.model_fields)), values, max_size=5))
        lines.append("[[labs]]")
        lines += [
            f"{k} = {toml_value(v)}"
            for k, v in {**{"name": "L", "kind": "open", "compute_share": 0.5, "cadence_months": 12}, **lab}.items()
        ]
    return "\n".join(lines) + "\n"


def _assert_clean(result, out: Path, files: tuple[str, ...]) -> None:
    output = result.stdout + result.stderr
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 2), f"exit {result.exit_code}: {output}\n{result.exception!r}"
    assert "Traceback" not in output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        assert not out.exists(), output
    else:
        assert all((out / name).exists() for name in files)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@pytest.mark.slow
@FUZZ
@given(text=scenario_files())
def test_any_scenario_file_runs_or_is_refused_cleanly(text):
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (folder / "s.toml").write_text(text)
        result = invoke(["run", "s.toml", "--out", "out"], folder)
        _assert_clean(result, folder / "out", ("timeseries.parquet", "summary.json", "data_wall.png"))


distributions = st.one_of(
    st.lists(st.floats(allow_nan=True), max_size=3),
    st.fixed_dictionaries(
        {"dist": st.sampled_from(["uniform", "loguniform", "normal", "lognormal", "triangular", "choice", "beta"])},
        optional={
            "low": st.one_of(st.floats(-1, 2), st.just(float("nan"))),
            "high": st.one_of(st.floats(-1, 2), st.just(float("nan"))),
            "mode": st.floats(-1, 2),
            "credibility": st.floats(-10, 110),
            "values": st.lists(st.floats(0, 1), max_size=3),
        },
    ),
)


@st.composite
def study_files(draw) -> str:
    design = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "kind": st.sampled_from(["grid", "monte_carlo", "lhs", "sobol", "morris", "random"]),
                "samples": st.integers(-1, 3),
                "levels": st.integers(0, 4),
                "replications": st.integers(-1, 2),
                "seed": st.integers(-5, 2**64),
                "common_random_numbers": st.one_of(st.booleans(), st.integers(0, 1)),
                "second_order": st.booleans(),
            },
        )
    )
    names = ["usable_share", "max_epochs", "synthetic_quality", "public_growth_per_year"]
    uncertainties = draw(st.dictionaries(st.sampled_from(names), distributions, max_size=3))
    outcomes = draw(st.one_of(st.none(), st.lists(st.sampled_from(["data_wall_year", "private_share_2030", "joy"]), max_size=2)))
    lines = [f'extends = "{BASE}"']
    if outcomes is not None:
        lines.append(f"outcomes = {toml_value(outcomes)}")
    lines += ["[constants]", 'end = "2021-03"', "[design]", *(f"{k} = {toml_value(v)}" for k, v in design.items())]
    if uncertainties:
        lines += ["[uncertainties]", *(f"{k} = {toml_value(v)}" for k, v in uncertainties.items())]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@FUZZ
@given(text=study_files())
def test_any_study_file_sweeps_or_is_refused_cleanly(text):
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (folder / "study.toml").write_text(text)
        result = invoke(["sweep", "study.toml", "--out", "out", "--executor", "serial", "--no-report"], folder)
        _assert_clean(result, folder / "out", ("manifest.json", "design.parquet"))


option_values = st.sampled_from(
    ["-1", "0", "1", "2", "nan", "inf", "-inf", "abc", "", "1e3", "2.5", "99999999999999999999", "2030", "tcp://x", "local"]
)


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(["run", "sweep", "compare", "robustness", "report"]))
    options = {
        "run": ["--seed", "--out"],
        "sweep": ["--samples", "--replications", "--seed", "--design", "--workers", "--dask", "--out"],
        "compare": ["--runs", "--seed", "--workers", "--dask", "--out"],
        "robustness": ["--threshold", "--samples", "--outcome", "--seed", "--dask", "--out"],
        "report": ["--out"],
    }[command]
    positional = {
        "run": ["s.toml"],
        "sweep": ["study.toml", "--executor", "serial", "--no-report"],
        "compare": ["b.toml", "p.toml"],
        "robustness": ["b.toml", "p.toml", "--uncertainties", "study.toml"],
        "report": ["sweep"],
    }[command]
    args = [command, *positional]
    for option in draw(st.lists(st.sampled_from(options), max_size=3, unique=True)):
        args += [option, draw(option_values)]
    if "--out" not in args and command != "report":
        args += ["--out", "out"]
    return args


@pytest.mark.slow
@FUZZ
@given(args=command_lines())
def test_any_option_values_run_or_are_refused_cleanly(args):
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name, text in {**POLICY, **STUDY, "s.toml": SHORT}.items():
            (folder / name).write_text(text)
        _sweep_folder(folder)
        before = snapshot(folder)
        result = invoke(args, folder)
        output = result.stdout + result.stderr
        event(f"exit {result.exit_code}")
        assert result.exit_code in (0, 2), f"{args}: exit {result.exit_code}: {output}\n{result.exception!r}"
        assert "Traceback" not in output
        if result.exit_code == 2:
            assert snapshot(folder) == before, args
