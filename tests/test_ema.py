"""PeakData inside the EMA Workbench: its samplers and evaluators run the real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import DataMarketModel, load_scenario, run_summary
from sim.experiments.ema import multiprocessing_evaluator, peakdata_model, run_for_ema
from sim.params import ParamsError

ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("public_exhaustion_year", "private_share_2030", "privacy_incidents_total")


@pytest.fixture
def short(tmp_path: Path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[constants]\nend = "2030-12"\n')
    return path


def _experiments(model, evaluator_cls, **evaluator_kwargs):
    from ema_workbench import perform_experiments

    with evaluator_cls(model, **evaluator_kwargs) as evaluator:
        return perform_experiments(
            model,
            scenarios=3,
            policies=2,
            evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": 11},
            lever_sampling_kwargs={"rng": 12},
        )


@pytest.mark.slow
def test_perform_experiments_runs_peakdata_with_the_workbench_samplers_and_evaluators(short):
    from ema_workbench import SequentialEvaluator

    model = peakdata_model(short, levers=["privacy_strictness", "opt_out_regime"], outcomes=OUTCOMES)
    experiments, outcomes = _experiments(model, SequentialEvaluator)
    assert len(experiments) == 6 and set(outcomes) == set(OUTCOMES)
    assert {"usable_share", "public_stock_raw_tokens_2024", "privacy_strictness", "opt_out_regime"} <= set(experiments)
    # The priors are the study's, truncated to each field's allowed range.
    assert experiments["usable_share"].between(0, 1).all() and (experiments["max_epochs"] >= 1).all()

    # Each outcome is the real model's, run on the sampled values.
    row = experiments.iloc[4]
    values = {name: row[name] for name in ("usable_share", "privacy_strictness", "opt_out_regime", "max_epochs")}
    params = load_scenario(short).with_overrides(**{k: v.item() if hasattr(v, "item") else v for k, v in values.items()})
    params = params.with_overrides(**{p.name: row[p.name].item() for p in model.uncertainties if p.name not in values})
    summary = run_summary(DataMarketModel(params, rng=0).run())
    assert outcomes["private_share_2030"][4] == pytest.approx(summary["private_share_2030"], rel=1e-12)

    # The multiprocessing evaluator (workers from a fork server, not forked) gives the same results.
    parallel_experiments, parallel_outcomes = _experiments(model, multiprocessing_evaluator, n_processes=2)
    pd.testing.assert_frame_equal(
        experiments.drop(columns=["scenario", "policy"]).reset_index(drop=True),
        parallel_experiments.drop(columns=["scenario", "policy"]).reset_index(drop=True),
        check_dtype=False,
    )
    for name in OUTCOMES:
        np.testing.assert_allclose(parallel_outcomes[name], outcomes[name], rtol=1e-12)
    # Stricter privacy means less private data in every world of this design.
    by_policy = pd.DataFrame({"strictness": experiments["privacy_strictness"], "private": outcomes["private_share_2030"]})
    assert by_policy.groupby("strictness")["private"].mean().is_monotonic_decreasing


@pytest.mark.slow
def test_a_replicator_model_reports_the_mean_over_its_seeds(short):
    from ema_workbench import SequentialEvaluator, perform_experiments

    # Licences signed by 2024 differ from seed to seed (opt-outs and suits are drawn).
    model = peakdata_model(short, uncertainties=None, outcomes=("licences_signed_2024",), replications=2)
    with SequentialEvaluator(model) as evaluator:
        _, outcomes = perform_experiments(model, scenarios=1, evaluator=evaluator)
    licences = outcomes["licences_signed_2024"]
    direct = [run_for_ema(str(short), seed, ("licences_signed_2024",))["licences_signed_2024"] for seed in (0, 1)]
    assert direct[0] != direct[1] and licences.shape == (1,) and licences[0] == pytest.approx(np.mean(direct))


def test_the_model_wrapper_refuses_what_it_cannot_run(short):
    with pytest.raises(ParamsError, match=r"compute_cap_flop.*open.*RealParameter"):
        peakdata_model(short, levers=["compute_cap_flop"])
    with pytest.raises(ParamsError, match="happiness"):
        peakdata_model(short, outcomes=("happiness",))
    with pytest.raises(ParamsError, match="lever 'nope'"):
        peakdata_model(short, levers=["nope"])
    from ema_workbench import RealParameter

    model = peakdata_model(short, levers=[RealParameter("compute_cap_flop", 1e26, 1e28)])
    assert "compute_cap_flop" in model.levers
