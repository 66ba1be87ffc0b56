"""`peakdata validate`: the seed's headline claims, recomputed from Monte Carlo sweeps of the agents.

Seven checks, each against a published figure with its source (docs/calibration.md):
1. Epoch's replication (feedbacks off, compute-optimal labs, Epoch's priors): exhaustion percentiles,
   dataset and compute at the crossing.
2. Overtraining 5x from 2025, and 100x.
3. Profit-maximising overtraining under Epoch's three App. F demand regimes, read at 5e25 FLOP.
4. A back-test of the frontier dataset size, 2020-2026, against real models.
5. The market of 2024-2026: the synthetic share, paid data spend and deal sizes.
6. The consent shock (Longpre et al. 2024) in the baseline, mean and median of runs, and the AI-written share
   of new web text (Graphite 2025).
7. The baseline market against the replication: the move in exhaustion date and private uptake, and
   which mechanism moves them (paired runs, switching mechanisms on one at a time).
Every number in the report is computed here from the stored runs; a miss is marked as a miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments import plots
from sim.experiments.analysis import SweepResults, censored_percentiles, fan
from sim.experiments.calibration import EPOCH_EXHAUSTION, date_percentiles
from sim.experiments.io import output_set
from sim.experiments.policy import paired_effect
from sim.experiments.study import Design, Study, load_study
from sim.experiments.sweep import run_sweep
from sim.params import LabSpec, load_scenario

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIOS = ROOT / "scenarios"

# Real models with published token counts (tokens, decimal release date, source).
REAL_MODELS = (
    ("GPT-3", 2020.49, 3.74e11, "Brown et al. 2020 (as plotted in Epoch's projections.py)"),
    ("FLAN 137B", 2021.66, 1.87e12, "Wei et al. 2021 (Epoch projections.py)"),
    ("Chinchilla", 2022.24, 1.4e12, "Hoffmann et al. 2022"),
    ("PaLM", 2022.26, 5.85e11, "Chowdhery et al. 2022 (Epoch projections.py)"),
    ("Llama 2", 2023.55, 2.0e12, "Touvron et al. 2023"),
    ("Falcon-180B", 2023.75, 2.625e12, "TII 2023 (Epoch projections.py)"),
    ("DBRX", 2024.27, 1.2e13, "Databricks 2024 (Epoch projections.py)"),
    ("Llama 3", 2024.30, 1.5e13, "Meta 2024; Villalobos fn. 24"),
    ("DeepSeek-V3", 2024.99, 1.48e13, "DeepSeek-AI 2024, technical report"),
    ("Llama 4 Scout", 2025.26, 4.0e13, "Meta 2025 model card (~40T tokens)"),
    ("Qwen3", 2025.33, 3.6e13, "Qwen team 2025, technical report (36T tokens)"),
)


@dataclass(frozen=True)
class Check:
    """One comparison with a published figure."""

    section: str
    quantity: str
    ours: float
    target: str
    low: float
    high: float
    source: str
    fmt: str = "{:.2f}"

    @property
    def met(self) -> bool:
        return bool(self.low <= self.ours <= self.high)

    @property
    def applied(self) -> str:
        """The band the verdict was taken against (wider than the published one in the quick check)."""
        return f"{self.fmt.format(self.low)} to {self.fmt.format(self.high)}"

    def row(self) -> str:
        verdict = "met" if self.met else "**MISS**"
        return f"| {self.quantity} | {self.fmt.format(self.ours)} | {self.target} | {self.applied} | {verdict} | {self.source} |"


@dataclass(frozen=True)
class Size:
    """How many runs each part of the validation uses. `quick` is the CI version, with wider bands."""

    replication: int = 400
    variant: int = 200
    regime: int = 8
    baseline: int = 40
    paired: int = 20
    calibrated: int | None = None  # calibrated points (and prior points) run, one seed each; None: every point, its seeds
    band_scale: float = 1.0  # widen every band by this factor (the quick check is noisier)


QUICK = Size(replication=80, variant=40, regime=2, baseline=8, paired=6, calibrated=8, band_scale=2.0)


def _band(centre: float, half_width: float, scale: float) -> tuple[float, float]:
    return centre - half_width * scale, centre + half_width * scale


def _sweep(study: Study, out: Path, name: str, **runner: Any) -> SweepResults:
    run_sweep(study, out / name, **runner)
    return SweepResults.load(out / name)


def validate(out: str | Path, docs: str | Path, size: Size = Size(), **runner: Any) -> list[Check]:
    """Run every check, write `docs/validation.md` and its figures, and return the checks.

    The report and its figures are staged and moved into `docs` together, when every check is done.
    """
    with output_set(docs) as staged:
        return _validate(Path(out), staged, size, **runner)


def _validate(out: Path, docs: Path, size: Size, **runner: Any) -> list[Check]:
    figures = docs / "img" / "validation"
    s = size.band_scale
    checks: list[Check] = []

    # 1. Replication ------------------------------------------------------------------------------
    replication = _sweep(load_study(SCENARIOS / "epoch_replication.toml", samples=size.replication), out, "replication", **runner)
    p10, p50, p90 = (p.value for p in censored_percentiles(replication.runs, "public_exhaustion_year"))
    dataset = float(replication.runs["exhaustion_dataset_tokens"].median())
    compute = float(replication.runs["exhaustion_compute_flop"].median())
    epoch = "Villalobos et al. 2024, §2.5 / Fig. 1 (80% CI)"
    checks += [
        Check("replication", "median exhaustion year", p50, "2028 ± 0.5", *_band(2028.0, 0.5, s), epoch),
        Check("replication", "10th percentile", p10, "2026 ± 0.75", *_band(2026.0, 0.75, s), epoch),
        Check("replication", "90th percentile", p90, "2032 ± 1", *_band(2032.0, 1.0, s), epoch),
        Check(
            "replication", "dataset at crossing (tokens)", dataset, "4e14, within 2x", 4e14 / 2**s, 4e14 * 2**s, epoch, "{:.2e}"
        ),
        Check("replication", "compute at crossing (FLOP)", compute, "5e28, within 3x", 5e28 / 3**s, 5e28 * 3**s, epoch, "{:.2e}"),
    ]
    plots.save_figure(
        plots.date_distribution_figure(replication.runs, "public_exhaustion_year", "Epoch replication: exhaustion year"),
        figures / "replication.png",
    )
    historical = _sweep(
        load_study(SCENARIOS / "validation" / "epoch_historical_branch.toml", samples=size.variant), out, "historical", **runner
    )
    historical_percentiles = [
        p.format("public_exhaustion_year") for p in censored_percentiles(historical.runs, "public_exhaustion_year")
    ]

    # 2. Overtraining variants --------------------------------------------------------------------
    variants = {"compute-optimal (replication)": replication}
    for name in ("epoch_overtrain_5x", "epoch_overtrain_100x"):
        study = load_study(SCENARIOS / "validation" / f"{name}.toml", samples=size.variant)
        variants[name] = _sweep(study, out, name, **runner)
    m5 = censored_percentiles(variants["epoch_overtrain_5x"].runs, "public_exhaustion_year")[1].value
    m100 = censored_percentiles(variants["epoch_overtrain_100x"].runs, "public_exhaustion_year")[1].value
    checks += [
        Check(
            "overtraining",
            "5x from 2025: years before the replication",
            p50 - m5,
            "0.6-1.5 years",
            0.6 - 0.45 * (s - 1),
            1.5 + 0.45 * (s - 1),
            "Villalobos §2.5, Fig. 6 (~2027)",
        ),
        Check("overtraining", "100x: median exhaustion year", m100, "2025 ± 0.75", *_band(2025.0, 0.75, s), "Epoch blog (~2025)"),
    ]
    plots.save_figure(_ecdf_figure({k: v.runs for k, v in variants.items()}), figures / "overtraining.png")

    # 3. App. F regimes ---------------------------------------------------------------------------
    regimes = (("regime1", 7, 1.1, 1.0), ("regime2", 7, 2.0, 5.0), ("regime3", 10, 2.4, 100.0))
    for name, r, h, target in regimes:
        study = load_study(SCENARIOS / "validation" / f"epoch_appf_{name}.toml", samples=size.regime)
        results = _sweep(study, out, f"appf_{name}", **runner)
        k = _k_at_compute(results, 5e25)
        checks.append(
            Check(
                "App. F",
                f"k at 5e25 FLOP, r = {r}, h = {h}",
                k,
                f"~{target:g}x, within 2x",
                target / 2**s,
                target * 2**s,
                "Villalobos App. F, Fig. 9",
                "{:.1f}",
            )
        )

    # 4. Back-test --------------------------------------------------------------------------------
    baseline_design = Design(kind="monte_carlo", samples=1, replications=size.baseline, seed=7)
    baseline = _sweep(Study(params=load_scenario(SCENARIOS / "baseline.toml"), design=baseline_design), out, "baseline", **runner)
    series = baseline.series(["frontier_tokens", "opted_out_share", "opted_out_share_head", "ai_share_new_text"])
    band = fan(series, "frontier_tokens")
    backtest = _backtest_table(band)
    plots.save_figure(_backtest_figure(band), figures / "backtest.png")

    # 5. Consent shock ----------------------------------------------------------------------------
    def share_at(column: str, year: float, statistic: str = "mean") -> float:
        rows = series[(series["year"] - year).abs() < 1 / 24]
        return float(getattr(rows[column], statistic)())

    # (quantity, series, year, published, low, high): Longpre et al. 2024, Consent in Crisis.
    consent = (
        ("opted-out share of tokens, mid-2023", "opted_out_share", 2023.5, "~1%", 0.0, 0.03),
        ("opted-out share of tokens, Apr 2024", "opted_out_share", 2024.25, "5-7%", 0.05, 0.07),
        ("head domains, mid-2023", "opted_out_share_head", 2023.5, "< 3%", 0.0, 0.03),
        ("head domains, Apr 2024", "opted_out_share_head", 2024.25, "20-33%", 0.20, 0.33),
    )
    for statistic in ("mean", "median"):
        checks += [
            Check(
                "consent",
                f"{quantity} ({statistic} of runs)",
                share_at(column, year, statistic),
                target,
                low / s,
                high * s,
                "Longpre et al. 2024, Consent in Crisis",
                "{:.2%}",
            )
            for quantity, column, year, target, low, high in consent
        ]

    # The AI-written share of new web text (Graphite 2025: ~39% a year after ChatGPT, 50.3% in November 2024, and
    # about level from May 2024 to May 2025 while inference prices kept falling).
    graphite = "Graphite 2025, 65,000 Common Crawl articles (docs/calibration.md §5)"
    level = share_at("ai_share_new_text", 2025.42) - share_at("ai_share_new_text", 2024.42)
    checks += [
        Check(
            "AI text",
            "AI-written share of new text, Nov 2023 (mean)",
            share_at("ai_share_new_text", 2023.92),
            "~39%",
            0.33 / s,
            0.45 * s,
            graphite,
            "{:.1%}",
        ),
        Check(
            "AI text",
            "AI-written share of new text, Nov 2024 (mean)",
            share_at("ai_share_new_text", 2024.83),
            "~50%",
            0.45 / s,
            0.55 * s,
            graphite,
            "{:.1%}",
        ),
        Check(
            "AI text",
            "its change, May 2024 to May 2025 (mean, points)",
            level,
            "a plateau: within ±5 points",
            -0.05 * s,
            0.05 * s,
            graphite,
            "{:+.1%}",
        ),
    ]

    # 4b. The market of 2024-2026 (docs/calibration.md §9) -----------------------------------------
    runs = baseline.runs
    market = "docs/calibration.md §9"
    checks += [
        Check(
            "market",
            "synthetic share of the frontier's training tokens, 2025 (mean)",
            float(runs["frontier_synthetic_share_2025"].mean()),
            "10-40%",
            0.10 / s,
            min(0.40 * s, 1.0),
            "Nemotron-CC ~30%, Phi-4 ~40%, Kang et al. 2025 (" + market + ")",
            "{:.1%}",
        ),
        Check(
            "market",
            "paid training-data spend, all labs, 2024 (median, USD)",
            float(runs["paid_data_spend_usd_2024"].median()),
            "$0.3-3B",
            3e8 / s,
            3e9 * s,
            "deal tally ~$0.8B a year; Taylor & Francis, Wiley (" + market + ")",
            "{:.3g}",
        ),
        Check(
            "market",
            "largest single deal, 2024 (median, USD)",
            float(runs["largest_deal_usd_2024"].median()),
            "$10-75M a year",
            1e7 / s,
            7.5e7 * s,
            "News Corp ~$50M, Reddit ~$60M, Taylor & Francis ~$75M (" + market + ")",
            "{:.3g}",
        ),
        # Data as contracts (docs/calibration.md §11).
        Check(
            "contracts",
            "licences signed by the end of 2024, all labs (median)",
            float(runs["licences_signed_2024"].median()),
            "tens",
            10 / s,
            99 * s,
            "34 deals tracked in 2024, 91 public deals Jan 2023-Jun 2026 (docs/calibration.md §11)",
            "{:.0f}",
        ),
        Check(
            "contracts",
            "largest social-platform licence, 2024 (median, USD a year)",
            float(runs["social_licence_usd_2024"].median()),
            "$60M a year, within 2x",
            3e7 / s,
            1.2e8 * s,
            "Reddit-Google ~$60M a year (docs/calibration.md §6)",
            "{:.3g}",
        ),
        Check(
            "contracts",
            "first broker licence of private text (median, year)",
            float(runs["first_broker_licence_year"].fillna(np.inf).median()),
            "before 2025",
            0.0,
            2025.0,
            "stock-image and text brokers sold training data from 2021-22 (docs/calibration.md §6)",
            "{:.2f}",
        ),
        Check(
            "contracts",
            "lowest broker price over its cost, any month (min of runs)",
            float(runs["broker_price_to_cost_min"].min()),
            "at least 1",
            1.0 - 1e-9,
            np.inf,
            "a broker never sells below its cost: compliance, safeguards, expected fines (docs/model.md)",
            "{:.3g}",
        ),
        # The labs as firms (docs/calibration.md §10).
        Check(
            "firms",
            "pretraining share of the frontier's training compute, 2023 (mean)",
            float(runs["frontier_pretraining_share_2023"].mean()),
            "at least 90%",
            0.90 / s,
            1.0,
            "Epoch: pre-training was 90-99% of training compute (docs/calibration.md §10)",
            "{:.1%}",
        ),
        Check(
            "firms",
            "pretraining share of the frontier's training compute, 2026 (mean)",
            float(runs["frontier_pretraining_share_2026"].mean()),
            "at most 70%",
            0.0,
            min(0.70 * s, 1.0),
            "o3 ~10x o1's RL compute; Grok 4's RL ~ its pretraining; GPT-5 (docs/calibration.md §10)",
            "{:.1%}",
        ),
        Check(
            "firms",
            "frontier lab's revenue, 2024 (median, USD)",
            float(runs["frontier_revenue_usd_2024"].median()),
            "$3.7B, within 2x",
            3.7e9 / 2 / s,
            3.7e9 * 2 * s,
            "OpenAI ~$3.7B in 2024 (docs/calibration.md §10)",
            "{:.3g}",
        ),
        Check(
            "firms",
            "all labs' revenue, 2025 (median, USD)",
            float(runs["labs_revenue_usd_2025"].median()),
            "~$20B, within 2x",
            2e10 / 2 / s,
            2e10 * 2 * s,
            "OpenAI ~$13B, Anthropic ~$4.5B (run rate $1B to ~$9B), others (docs/calibration.md §10)",
            "{:.3g}",
        ),
        Check(
            "firms",
            "paid human post-training data (annotation), all labs, 2025 (median, USD)",
            float(runs["annotation_spend_usd_2025"].median()),
            "$1-3B",
            1e9 / s,
            3e9 * s,
            "Scale AI ~$870M and Surge AI ~$1.2B revenue in 2024, unverified (docs/calibration.md §10)",
            "{:.3g}",
        ),
        Check(
            "firms",
            "market concentration (HHI), 2025 (median)",
            float(runs["hhi_2025"].median()),
            "1,500-3,500",
            1500 / s,
            3500 * s,
            "Menlo Ventures 2025: API spend Anthropic 32%, OpenAI 25%, Google 20% (docs/calibration.md §10)",
            "{:.0f}",
        ),
        Check(
            "backtest",
            "frontier dataset at 2026.0 (tokens, mean)",
            share_at("frontier_tokens", 2026.0),
            "2e13-8e13",
            2e13 / s,
            8e13 * s,
            "Qwen3 36T, Llama 4 >30T, Kimi K2 15.5T (" + market + ")",
            "{:.2e}",
        ),
    ]
    largest = backtest.loc[backtest.groupby(backtest["year"].astype(int))["tokens"].idxmax()]
    checks += [
        Check(
            "backtest",
            f"{int(r.year)}: simulated median / largest real model ({r.model})",
            r.ratio,
            "within 2.5x",
            1 / (2.5 * s),
            2.5 * s,
            r.source,
        )
        for r in largest.itertuples()
    ]
    hq = censored_percentiles(runs, "high_quality_exhaustion_year")
    public = censored_percentiles(runs, "public_exhaustion_year")

    # 6. What the market changes ------------------------------------------------------------------
    ladder = _mechanism_ladder(out, size.paired, **runner)

    # 9. Calibrated to what has happened ----------------------------------------------------------
    calibrated = _calibrated_dates(out, size, **runner)

    notes = {
        "replication": [
            f"Epoch's historical branch alone (scenarios/validation/epoch_historical_branch.toml, untuned) gives "
            f"{' / '.join(historical_percentiles)} for the 10th / 50th / 90th percentiles; Epoch's own code on that branch "
            "gives 2027.4 / 2029.1 / 2031.2 (docs/calibration.md §1).",
        ],
        "consent": [
            f"Means over the {size.baseline} baseline runs. Run to run, the shares are lumpy because a few large domains",
            "hold the head: "
            + "; ".join(
                _spread(series, column, year)
                for column in ("opted_out_share", "opted_out_share_head")
                for year in (2023.5, 2024.25)
            )
            + ".",
        ],
        "ladder": _ladder_findings(ladder),
        "market": [
            f"High-quality text runs out first: the frontier's planned dataset passes the high-quality stock it may use "
            f"in {' / '.join(p.format('high_quality_exhaustion_year') for p in hq)} and all public text in "
            f"{' / '.join(p.format('public_exhaustion_year') for p in public)} (10th / 50th / 90th percentiles of the "
            f"{size.baseline} baseline runs).",
        ],
    }
    _write_report(docs / "validation.md", checks, backtest, ladder, calibrated, size, notes)
    return checks


def _spread(series: pd.DataFrame, column: str, year: float) -> str:
    values = series.loc[(series["year"] - year).abs() < 1 / 24, column]
    p10, p50, p90 = values.quantile([0.1, 0.5, 0.9])
    return f"{column} at {year:.2f}: median {p50:.1%}, 10-90% {p10:.1%}-{p90:.1%}"


def _k_at_compute(results: SweepResults, compute_flop: float) -> float:
    """The frontier's chosen k when its training compute passes `compute_flop` (log interpolation, median of runs)."""
    series = results.series(["frontier_compute_flop", "frontier_k"])
    ks = []
    for _, run in series.groupby("run_id"):
        run = run.drop_duplicates("frontier_compute_flop").sort_values("frontier_compute_flop")
        if run["frontier_compute_flop"].min() <= compute_flop <= run["frontier_compute_flop"].max():
            ks.append(np.interp(np.log(compute_flop), np.log(run["frontier_compute_flop"]), run["frontier_k"]))
    return float(np.median(ks)) if ks else float("nan")


def _backtest_table(band: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, year, tokens, source in REAL_MODELS:
        at = band.iloc[(band["year"] - year).abs().argmin()]
        rows.append(
            {
                "model": name,
                "year": year,
                "tokens": tokens,
                "sim_p10": at["p10"],
                "sim_median": at["p50"],
                "sim_p90": at["p90"],
                "ratio": at["p50"] / tokens,
                "source": source,
            }
        )
    return pd.DataFrame(rows)


def _backtest_figure(band: pd.DataFrame) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    window = band[band["year"] < 2026.0]
    ax.fill_between(
        window["year"], window["p10"], window["p90"], color="#C44E52", alpha=0.2, lw=0, label="simulated frontier, 10-90%"
    )
    ax.plot(window["year"], window["p50"], color="#C44E52", lw=2, label="simulated frontier, median")
    for name, year, tokens, _ in REAL_MODELS:
        ax.scatter(year, tokens, color="black", zorder=3, s=18)
        ax.annotate(name, (year, tokens), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_yscale("log")
    ax.set_xlabel("year")
    ax.set_ylabel("training tokens of the frontier model")
    ax.set_title("Back-test: simulated frontier dataset (baseline market) against real models")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def _ecdf_figure(runs_by_name: dict[str, pd.DataFrame]) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, runs in runs_by_name.items():
        years = np.sort(runs["public_exhaustion_year"].dropna().to_numpy())
        ax.step(years, np.arange(1, len(years) + 1) / len(runs), where="post", label=name)
    ax.axhline(0.5, color="black", lw=0.6, ls=":")
    ax.set_xlabel("public exhaustion year")
    ax.set_ylabel("share of runs exhausted")
    ax.set_title("Overtraining brings exhaustion forward (Monte Carlo, Epoch's priors)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


# The ladder: from Epoch's world to the baseline market, one mechanism at a time.
# The ladder: from Epoch's world to the baseline market, one mechanism at a time ("labs": the baseline
# labs' own overtraining strategies; the others are switches in [constants]).
LADDER = (
    ("Epoch's world: compute-optimal labs, no feedbacks", None),
    ("+ the baseline labs' overtraining strategies", "labs"),
    ("+ publishers opt out under scraping pressure", "opt_out_response"),
    ("+ AI-written text pollutes the web", "ai_pollution"),
    ("+ exclusive licences", "exclusive_deals"),
    ("+ private data (brokers, alliance, own users)", "private_sourcing"),
    ("+ synthetic data", "synthetic_sourcing"),
    ("+ media transcribed into text: the baseline market", "multimodal_sourcing"),
)


def _mechanism_ladder(out: Path, runs: int, **runner: Any) -> pd.DataFrame:
    """Paired runs at the baseline's point values, switching the market's mechanisms on in turn."""
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    switches = {mechanism: False for _, mechanism in LADDER if mechanism not in (None, "labs")}
    labs: tuple[LabSpec, ...] = tuple(lab.model_copy(update={"strategy": "fixed", "k": 1.0}) for lab in baseline.labs)
    design = Design(kind="monte_carlo", samples=1, replications=runs, seed=11, common_random_numbers=True)
    rows, previous = [], None
    for step, (label, mechanism) in enumerate(LADDER):
        if mechanism == "labs":
            labs = baseline.labs
        elif mechanism is not None:
            switches[mechanism] = True
        params = baseline.with_overrides(**switches).model_copy(update={"name": f"ladder{step}", "labs": labs})
        study = Study(params=params, design=design, outcomes=("public_exhaustion_year", "private_share_2035"))
        results = _sweep(study, out, f"ladder{step}", **runner).runs
        row = {"step": label}
        for outcome in ("public_exhaustion_year", "private_share_2035", "synthetic_share_2035"):
            row[outcome] = float(results[outcome].median())
            if previous is not None:
                effect = paired_effect(previous, results, outcome)
                row[f"{outcome}_change"] = effect["effect"]
                row[f"{outcome}_ci"] = (effect["ci_low"], effect["ci_high"])
        rows.append(row)
        previous = results
    return pd.DataFrame(rows)


# The calibrated region that `peakdata calibrate scenarios/calibration.toml --scenarios scenarios/calibrated` ships.
CALIBRATED_REGION = SCENARIOS / "calibrated" / "calibrated_region.toml"
CALIBRATED_DATES = {
    "public_exhaustion_year": "public text fully used",
    "high_quality_exhaustion_year": "high-quality text fully used",
    "data_wall_year": "the data wall",
}


def _calibrated_dates(out: Path, size: Size, **runner: Any) -> pd.DataFrame | None:
    """The headline dates under the calibration study's priors and in the shipped calibrated region (10th, 50th and
    90th percentiles), from runs of each; None when no calibrated region is shipped."""
    if not CALIBRATED_REGION.is_file():
        return None
    region = load_study(CALIBRATED_REGION)
    if size.calibrated is not None:  # the quick check: the first points, one seed each
        design = region.design.model_copy(update={"points": region.design.points[: size.calibrated], "replications": 1})
        region = region.model_copy(update={"design": design})
    n, replications = len(region.design.points), region.design.replications
    prior = load_study(SCENARIOS / "calibration.toml", kind="lhs", samples=n, replications=replications, seed=0)
    outcomes = tuple(CALIBRATED_DATES)
    runs = []
    for kind, study in (("prior", prior), ("calibrated", region)):
        study = Study.model_validate(study.model_copy(update={"outcomes": outcomes}).model_dump())
        runs.append(_sweep(study, out, f"calibrated-{kind}", **runner).runs.assign(kind=kind))
    return date_percentiles(pd.concat(runs, ignore_index=True), outcomes)


def _calibrated_lines(calibrated: pd.DataFrame | None) -> list[str]:
    lines = ["## 9. Calibrated to what has happened, 2020-2026", ""]
    if calibrated is None:
        return [
            *lines,
            f"No calibrated region is shipped ({CALIBRATED_REGION.relative_to(ROOT)}): run `peakdata calibrate "
            "scenarios/calibration.toml --out results/calibration --scenarios scenarios/calibrated`.",
            "",
        ]
    by = calibrated.set_index(["outcome", "from"])
    runs = {kind: int(by.xs(kind, level="from")["runs"].iloc[0]) for kind in ("prior", "calibrated")}
    lines += [
        f"The headline dates from {runs['prior']} runs under the priors of `scenarios/calibration.toml` and "
        f"{runs['calibrated']} runs in the region the history match left",
        "(`scenarios/calibrated/calibrated_region.toml`, written by `peakdata calibrate`; the method and the observations",
        "are in docs/calibration.md, 'History matching'). Median, with the 10th to 90th percentiles in brackets; a bound",
        "(`>`) is a date some runs do not reach by their horizon.",
        "",
        "| date | Epoch (Villalobos et al. 2024) | prior | calibrated |",
        "|---|---|---|---|",
    ]
    epoch = f"{EPOCH_EXHAUSTION[1]:.0f} ({EPOCH_EXHAUSTION[0]:.0f} to {EPOCH_EXHAUSTION[2]:.0f})"
    for outcome, label in CALIBRATED_DATES.items():
        cells = [
            f"{by.loc[(outcome, kind), 'median']} ({by.loc[(outcome, kind), 'p10']} to {by.loc[(outcome, kind), 'p90']})"
            for kind in ("prior", "calibrated")
        ]
        reference = epoch if outcome == "public_exhaustion_year" else "not projected"
        lines.append(f"| {label} | {reference} | {cells[0]} | {cells[1]} |")
    return [*lines, ""]


def _write_report(path: Path, checks, backtest, ladder, calibrated, size: Size, notes: dict[str, list[str]]) -> None:
    met = sum(c.met for c in checks)
    lines = [
        "# Validation against the seed",
        "",
        "Generated by `peakdata validate`; every number below is computed from the runs it made "
        f"(replication {size.replication} runs, variants {size.variant} each, App. F regimes {size.regime} each, "
        f"baseline {size.baseline}, mechanism ladder {size.paired} paired runs per step)."
        + (f" Bands are widened {size.band_scale:g}x for this quick check." if size.band_scale != 1 else ""),
        "",
        f"**{met} of {len(checks)} checks met.** Misses are marked and discussed below.",
        "",
    ]
    for section, title in (
        ("replication", "1. Epoch's projection, from agents"),
        ("overtraining", "2. Overtraining"),
        ("App. F", "3. Profit-maximising overtraining (App. F demand regimes)"),
        ("backtest", "4. Back-test of the frontier dataset, 2020-2026"),
        ("market", "5. The market of 2024-2026: synthetic data, licences, deals"),
        ("contracts", "5b. Data as contracts: licences, brokers"),
        ("firms", "6. Labs as firms: post-training, revenue, concentration"),
        ("consent", "7. The consent shock in the baseline"),
        ("AI text", "7b. AI-written text on the web"),
    ):
        lines += [
            f"## {title}",
            "",
            "| quantity | ours | published | band applied | verdict | source |",
            "|---|---:|---|---|---|---|",
        ]
        lines += [c.row() for c in checks if c.section == section]
        lines += ["", *_NOTES.get(section, []), "", *notes.get(section, [])]
        lines += [
            f"Missed: {c.quantity} ({c.fmt.format(c.ours)} against {c.target})."
            for c in checks
            if c.section == section and not c.met
        ]
        lines += [""]
        if section == "replication":
            lines += ["![replication](img/validation/replication.png)", ""]
        if section == "overtraining":
            lines += ["![overtraining](img/validation/overtraining.png)", ""]
        if section == "backtest":
            lines += _backtest_lines(backtest)
    lines += [
        "## 8. What the market changes",
        "",
        f"Paired runs ({size.paired} common seeds) at the baseline's point values, from Epoch's world to the baseline",
        "market, switching one mechanism on at a time. *Change* is the paired mean difference from the step above,",
        "with its bootstrap 95% interval.",
        "",
        "| step | exhaustion year (median) | change | private share 2035 | change | synthetic share 2035 |",
        "|---|---:|---|---:|---|---:|",
    ]
    for row in ladder.to_dict("records"):
        year_change = _change(row, "public_exhaustion_year", "{:+.2f}")
        private_change = _change(row, "private_share_2035", "{:+.3f}")
        lines.append(
            f"| {row['step']} | {row['public_exhaustion_year']:.2f} | {year_change} | {row['private_share_2035']:.3f} | "
            f"{private_change} | {row['synthetic_share_2035']:.3f} |"
        )
    lines += ["", *notes["ladder"], ""]
    lines += _calibrated_lines(calibrated)
    path.write_text("\n".join(lines))


def _change(row: dict, outcome: str, fmt: str) -> str:
    if f"{outcome}_change" not in row or row[f"{outcome}_change"] != row[f"{outcome}_change"]:
        return ""
    low, high = row[f"{outcome}_ci"]
    return f"{fmt.format(row[f'{outcome}_change'])} [{fmt.format(low)}, {fmt.format(high)}]"


def _backtest_lines(backtest: pd.DataFrame) -> list[str]:
    lines = [
        "The baseline market (scenarios/baseline.toml, one run per seed); *frontier* is the training set of the",
        "largest lab's deployed model. A real model should sit at or below the frontier, and the largest of its",
        "year near it.",
        "",
        "| model | date | tokens | simulated frontier p10 / median / p90 | median / real | source |",
        "|---|---:|---:|---|---:|---|",
    ]
    for r in backtest.itertuples():
        lines.append(
            f"| {r.model} | {r.year:.2f} | {r.tokens:.2e} | {r.sim_p10:.1e} / {r.sim_median:.1e} / {r.sim_p90:.1e} | {r.ratio:.2f} | {r.source} |"
        )
    below = backtest[backtest["ratio"] < 1.0]["model"].tolist()
    largest = backtest.loc[backtest.groupby(backtest["year"].astype(int))["tokens"].idxmax()]
    lines += [
        "",
        f"Real models above the simulated median frontier: {', '.join(below) if below else 'none'}. "
        f"Against the largest real model of each year, the simulated median frontier is {largest['ratio'].min():.1f}x to "
        f"{largest['ratio'].max():.1f}x as large ({', '.join(f'{r.model} {r.ratio:.1f}x' for r in largest.itertuples())}).",
        "",
        "![back-test](img/validation/backtest.png)",
        "",
    ]
    return lines


def _ladder_findings(ladder: pd.DataFrame) -> list[str]:
    """Name, from the measured changes, the mechanisms that move the date and the private uptake most."""
    lines = []
    for outcome, label, fmt in (
        ("public_exhaustion_year", "the exhaustion date", "{:+.2f} years"),
        ("private_share_2035", "the private share in 2035", "{:+.3f}"),
    ):
        changes = ladder.dropna(subset=[f"{outcome}_change"])
        top = changes.iloc[changes[f"{outcome}_change"].abs().argmax()]
        lines.append(f"The largest single move in {label} comes from *{top['step']}*: {fmt.format(top[f'{outcome}_change'])}.")
    total = ladder["public_exhaustion_year"].iloc[-1] - ladder["public_exhaustion_year"].iloc[0]
    lines.append(f"From Epoch's world to the full market, the median exhaustion date moves {total:+.2f} years.")
    return lines


_NOTES = {
    "replication": [
        "Feedbacks off, every lab at k = 1, and Epoch's priors for the raw stock, the usable share, the repetition",
        "allowance and stock growth (scenarios/epoch_replication.toml). **Tuned:** the demand priors",
        "(`frontier_compute_flop_2024` 90% 3e24-3e26 FLOP, i.e. a 2024 frontier dataset of 3-32T tokens, and",
        "`compute_growth_per_year` 90% 2.8-13x, i.e. datasets growing 1.7-3.6x a year) were widened from Epoch's",
        "historical branch towards Epoch's median and 80% interval, which mix in a compute-projection branch",
        "whose input data are not published.",
    ],
    "overtraining": [
        "Every lab's k is overridden: 5x from 2025 on, or 100x throughout. Exhaustion comes earlier because an",
        "overtrained model of the same compute wants sqrt(k) times more data.",
    ],
    "App. F": [
        'Labs with `strategy = "profit"` choose k to maximise profit against Epoch\'s demand law',
        "(sim/scaling.py: profit_optimal_k). At the profit-maximising price, profit on a fixed budget is",
        "proportional to L^-r N^(1-h), so k depends on r and h only, not on the demand scale I0. Epoch solves the",
        "same problem with 2,000 steps of clipped SGD and reports ~100x for regime 3; from the stated equations",
        "this rule, which finds the exact optimum, gives far less (see the table).",
    ],
    "consent": [
        "The opted-out share in the baseline: tokens restricted by robots.txt and not licensed exclusively; the",
        "head is the largest domains, together holding 20% of the tokens. **Tuned** to the April 2024 figures:",
        "`opt_out_hazard_per_month` = 0.017 (0.014 before the labs became firms, which changed how much they scrape), the hazard's growth with domain size (`SIZE_HAZARD_EXPONENT` = 1.4,",
        "agents/web.py) and `publisher_size_tail` = 2.0 with 1,000 domains, so that the head is several domains.",
    ],
    "AI text": [
        "The share of a month's new web text written by AI, in the baseline: awareness of AI products (tuned to",
        "Graphite's rise), times the writers who can use a good model, times their choice, whose log-odds follow",
        "the log of AI writing's falling cost (`ai_writing_cost_elasticity` = 0.1, **assumed** inside the bound",
        "the plateau sets; docs/calibration.md §5). Graphite counts an article as AI-written past 50% AI text.",
    ],
    "market": [
        "The baseline market, at its point values. A lab buys data when it lowers the loss more per dollar than",
        "compute would (docs/model.md); term licences are bargained over what the text adds to the firm's profit",
        "over the term and the liability they clear (docs/model.md, 'Data as contracts'). **Tuned:**",
        "`rephrased_value` = 2.6 to the 2025 synthetic share; `suit_hazard_per_year` = 0.01 to the 2024 paid spend.",
        "Not tuned: the deal sizes.",
    ],
    "contracts": [
        "Licences are one per domain or broker tier, for three years (docs/calibration.md §11). The model's 1,000",
        "domains each stand for many real publishers, and every lab licenses each copyrighted holder it is liable to",
        "once the litigation a licence saves passes the cost of a deal, so licences are counted in hundreds where",
        "real tallies count tens. Private text is worth no more than web text to a run while the high-quality web",
        "text is still repeated, so no lab licenses a broker's text until the web runs short.",
    ],
    "firms": [
        "Each lab chooses its run for the profit of the model over its life (sim/firm.py): revenue is its share of",
        "the AI model market, shares follow capability (log10 effective compute, with post-training's",
        "compute-equivalent gain, up to a ceiling of 2 orders of magnitude, **assumed**), serving costs 2 N FLOP",
        "a token. **Tuned:** `reasoning_returns` = 0.60 and the",
        "reasoning logistic (midpoint 10^25.8 FLOP of capability) to the pretraining shares; `ai_revenue_usd_2024`",
        "= 6e9 to OpenAI's 2024 revenue; `market_temperature` = 0.5 to the 2024-25 concentration. Post-training",
        "reads tasks, generated or written by paid people at `annotation_usd_per_token` = $0.01 and a supply",
        "elasticity of 1 (**assumed**): the",
        "annotation spend is a check, not a target, and its sources are unverified press figures.",
    ],
}
