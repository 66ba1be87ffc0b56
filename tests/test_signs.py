"""Every uncertainty and lever moves every headline outcome the way docs/model.md says it should.

The expected signs are written from economics in `sim/experiments/signs.py`; this runs each factor's
move on 20 paired seeds (the same seeds on both sides) and asserts each `+`, `-` and `0`.
"""

from pathlib import Path

import pytest

from sim import DataMarketModel
from sim.experiments.signs import SIGN_OUTCOMES, SIGNS, measure, sign_table
from sim.levers import LEVERS
from sim.params import Uncertainties

ROOT = Path(__file__).resolve().parent.parent


def test_every_uncertainty_and_lever_has_a_sign_on_every_headline_outcome():
    factors = {s.factor for s in SIGNS}
    assert factors == set(Uncertainties.model_fields) | {lever.name for lever in LEVERS}
    for sign in SIGNS:
        assert len(sign.expected()) == len(SIGN_OUTCOMES) and set(sign.expected().values()) <= set("+-0?"), sign.factor


def test_the_docs_sign_table_is_the_one_the_declarations_give():
    text = (ROOT / "docs" / "model.md").read_text()
    start = text.index("<!-- sign table")
    table = text[text.index("\n", start) + 1 : text.index("<!-- end of sign table -->")].strip()
    assert table == sign_table()


@pytest.mark.slow
def test_each_factor_moves_the_outcomes_the_way_the_table_says():
    effects = measure(seeds=20, workers=2)
    wrong = effects[effects["agrees"] == False]  # noqa: E712 (None means not judged)
    why = {s.factor: s.why for s in SIGNS}
    assert wrong.empty, "\n".join(
        f"{r.factor} -> {r.outcome}: expected {r.expected}, measured {r.effect:+.3g} (se {r.stderr:.2g}); table says: {why[r.factor]}"
        for r in wrong.itertuples()
    )


@pytest.mark.slow
def test_more_private_text_growth_delays_the_wall_once_privacy_incidents_are_off():
    # The table's `?` for private_growth_per_year on the data wall rests on two channels: more private text
    # delays the wall, and the incidents its use brings hasten it. Without incidents, only the first is left.
    for seed in range(3):
        low, high = (
            DataMarketModel(rng=seed, end="2040-12", private_growth_per_year=g, incidents_per_trillion_tokens=0.0)
            .run()
            .data_wall_year
            for g in (0.05, 0.2)
        )
        assert low is not None and (high or 2041.0) > low, (seed, low, high)
