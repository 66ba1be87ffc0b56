"""Every policy lever changes the mechanism it names from its effective year, and nothing before.

Each test runs the same seed with and without the policy. Before the effective year the two
markets must be identical month by month (the lever cannot act early, not even through the
random stream); from that year the series the lever works on must move in the stated direction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import DataMarketModel, timeseries

YEAR = 2026.0
END = "2028-12"


def paired(seed: int, **lever) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = timeseries(DataMarketModel(rng=seed, end=END).run())
    policy = timeseries(DataMarketModel(rng=seed, end=END, **lever).run())
    return base, policy


def numeric(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.select_dtypes("number")


def assert_identical_before(base: pd.DataFrame, policy: pd.DataFrame, year: float) -> None:
    before = base["year"] < year - 1e-9
    pd.testing.assert_frame_equal(numeric(base[before]), numeric(policy[before]))


def after(frame: pd.DataFrame, column: str, year: float = YEAR) -> np.ndarray:
    return frame.loc[frame["year"] >= year - 1e-9, column].to_numpy()


@pytest.mark.slow
def test_privacy_strictness_cuts_consented_private_supply_from_its_year():
    base, policy = paired(21, privacy_strictness={"value": 0.95, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    assert (after(policy, "consented_share") < after(base, "consented_share")).all()
    assert after(policy, "private_share").mean() < after(base, "private_share").mean()


@pytest.mark.slow
def test_opt_in_regime_closes_the_crawl_to_sites_that_did_not_opt_in_from_its_year():
    base, policy = paired(22, opt_out_regime={"value": "opt_in", "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    assert (after(policy, "opted_out_share") > after(base, "opted_out_share") + 0.05).all()
    assert (after(policy, "accessible_effective_stock_tokens") < after(base, "accessible_effective_stock_tokens")).all()


@pytest.mark.slow
def test_no_opt_out_regime_reopens_the_crawl_from_its_year():
    base, policy = paired(23, opt_out_regime={"value": "none", "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    assert (after(policy, "accessible_effective_stock_tokens") > after(base, "accessible_effective_stock_tokens")).all()


@pytest.mark.slow
def test_licensing_mandate_takes_copyrighted_text_out_of_the_free_crawl_from_its_year():
    base, policy = paired(24, licensing_mandate={"value": True, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    assert (after(policy, "accessible_effective_stock_tokens") < after(base, "accessible_effective_stock_tokens")).all()


@pytest.mark.slow
def test_a_public_data_commons_adds_open_text_from_its_year():
    base, policy = paired(25, data_commons_tokens={"value": 5e13, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    gain = after(policy, "accessible_effective_stock_tokens") - after(base, "accessible_effective_stock_tokens")
    assert (gain > 5e13 * 0.5).all()


@pytest.mark.slow
def test_synthetic_labelling_stops_unlabelled_ai_text_passing_as_human_from_its_year():
    base, policy = paired(26, synthetic_labelling={"value": True, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    # Labelled AI text is filtered out, so the effective public stock is smaller than with pollution.
    assert (after(policy, "accessible_effective_stock_tokens") < after(base, "accessible_effective_stock_tokens")).all()


@pytest.mark.slow
def test_alliance_antitrust_opens_the_alliance_to_closed_rivals_from_its_year():
    base, policy = paired(27, alliance_antitrust={"value": True, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    # Whether a rival then joins is its own decision (the pool's value against the fee); the lever opens the door.
    models = {}
    for on in (False, True):
        model = DataMarketModel(rng=27, end="2026-06", alliance_antitrust={"value": on, "year": YEAR})
        model.run()
        models[on] = model
    for on, model in models.items():
        founder = model.lab_by_id[model.alliance.founder]
        rival = next(lab for lab in model.lab_list if lab.kind == "closed" and lab is not founder)
        rival.market_share = founder.market_share  # a rival as large as the founder
        assert model.alliance.admits(rival) is on


@pytest.mark.slow
def test_a_compute_cap_limits_frontier_training_runs_from_its_year():
    cap = 3e26
    base, policy = paired(28, compute_cap_flop={"value": cap, "year": YEAR})
    assert_identical_before(base, policy, YEAR)
    assert base["frontier_compute_flop"].max() > cap  # the cap binds in this window
    # Models trained after the cap stay under it; models trained before it may still be deployed.
    late = policy["year"] >= YEAR + 1.0
    assert (policy.loc[late, "frontier_compute_flop"] <= cap * (1 + 1e-9)).all()


@pytest.mark.slow
def test_privacy_backlash_tightens_after_incidents_only_once_in_force():
    # Brokers choose their safeguards, and price their text, against the fines they expect: under any fines they
    # sell little and safely, and incidents are rare. With no fines at all (strictness 0), risky text sells.
    risky = {"incidents_per_trillion_tokens": 3.0, "privacy_strictness": 0.0, "end": "2033-12"}
    base = timeseries(DataMarketModel(rng=29, **risky).run())
    policy = timeseries(DataMarketModel(rng=29, tighten_privacy_after_incidents={"value": True, "year": YEAR}, **risky).run())
    assert_identical_before(base, policy, YEAR)
    assert base["privacy_incidents_total"].iloc[-1] >= 3  # enough incidents to trigger it
    assert (base["privacy_strictness"] == 0.0).all()
    assert after(policy, "privacy_strictness").max() > 0.0


def test_the_docs_lever_table_is_the_one_the_declarations_give():
    from pathlib import Path

    from sim.levers import lever_table

    text = (Path(__file__).resolve().parent.parent / "docs" / "policies.md").read_text()
    start = text.index("<!-- lever table")
    table = text[text.index("\n", start) + 1 : text.index("<!-- end of lever table -->")].strip()
    assert table == lever_table()


def test_each_lever_is_declared_once_and_everything_derives_from_it():
    from agents.regulator import Policy
    from sim.levers import LEVERS
    from sim.params import Levers
    from viz.app import CONTROLS

    names = [lever.name for lever in LEVERS]
    assert list(Levers.model_fields) == names
    assert [f for f in Policy.__dataclass_fields__] == names
    assert {name for name in CONTROLS if name in names} == {lever.name for lever in LEVERS if lever.control_step or lever.choices}
