"""The outcome registry is the one list of what a run reports, with a label and unit for each."""

import math

from sim import run_summary
from sim.outcomes import CENSORED_BY, OUTCOMES


def test_the_summary_reports_exactly_the_registered_outcomes(baseline_run):
    summary = run_summary(baseline_run)
    assert set(summary) == {"scenario", "seed", "horizon_year", *OUTCOMES, *CENSORED_BY.values()}
    for name, outcome in OUTCOMES.items():
        assert outcome.name == name and outcome.label and outcome.unit and outcome.description
        assert outcome.format(summary[name]) not in ("", "n/a") or math.isnan(summary[name])


def test_values_are_written_by_kind():
    assert OUTCOMES["data_wall_year"].format(2027.4166) == "2027.42"
    assert OUTCOMES["private_share_2030"].format(0.1034) == "10.3%"
    assert OUTCOMES["private_share_2030"].format_difference(-0.0676) == "-6.76 pp"
    assert OUTCOMES["privacy_incidents_total"].format(47) == "47"
    assert OUTCOMES["data_wall_year"].format(float("nan")) == "n/a"
    assert OUTCOMES["frontier_loss_2035"].axis_label == "Frontier loss, 2035 (nats per token)"
