"""The expected direction of every uncertainty's and every lever's effect on the headline outcomes.

Each entry moves one factor from `low` to `high`, everything else at the baseline, and states from
economics, before any run, which way each headline outcome should move: `+` up (a date later), `-`
down, `0` no effect expected, `?` no sign can be argued (the effects pull both ways). `measure` runs
each move on paired seeds (common random numbers: the same seed on both sides), and
tests/test_signs.py asserts every `+`, `-` and `0`. The table in docs/model.md is written from here
(`python -m sim.experiments.signs`); `python -m sim.experiments.signs measure` prints the measured effects. A sign the model contradicts is a defect, in the model or in the
table; the `why` column is the argument to check it against.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.outcomes import CENSORED_BY, OUTCOMES
from sim.params import MarketParams, load_scenario

# The headline outcomes, in the order of each entry's `signs`.
SIGN_OUTCOMES = (
    "public_exhaustion_year",
    "high_quality_exhaustion_year",
    "data_wall_year",
    "private_share_2030",
    "synthetic_share_2030",
    "paid_data_spend_usd_2030",
    "frontier_loss_2035",
)
SHORT = (
    "exhaustion",
    "high-quality exhaustion",
    "data wall",
    "private share 2030",
    "synthetic share 2030",
    "paid spend 2030",
    "frontier loss 2035",
)
END = "2040-12"  # the last outcome is read in 2035; the wall can come later, so runs go on to 2040


@dataclass(frozen=True)
class Sign:
    """One factor's move, and the direction each of `SIGN_OUTCOMES` should take."""

    factor: str
    low: Any
    high: Any
    signs: str  # one of + - 0 ? per outcome
    why: str

    def expected(self) -> dict[str, str]:
        return dict(zip(SIGN_OUTCOMES, self.signs.replace(" ", "")))


SIGNS = (
    # --- uncertainties -------------------------------------------------------------------------------
    Sign(
        "public_stock_raw_tokens_2024",
        2.5e14,
        1e15,
        "+ + + - + ? -",
        "more text: it runs out later, less need for private or synthetic data, more data for the loss; licence"
        " spend gains from more licensable text and loses from less scarcity. In 2030 transcribed media fill the slots the text leaves, and their raw tokens outnumber synthetic ones, so more text means fewer transcripts in the mix and a higher synthetic share of the tokens",
    ),
    Sign(
        "usable_share",
        0.1,
        0.25,
        "+ + + - + ? -",
        "as a larger stock, and so a higher synthetic share in 2030 (fewer transcripts)",
    ),
    Sign(
        "max_epochs",
        3.0,
        6.0,
        "+ + + + + ? -",
        "the stock a lab will repeat grows (Epoch's exhaustion), and so does the repetition a lab may choose: its"
        " plan fills longer (the wall later), with repeated human text (private among it) in place of synthetic"
        " and bought data, and a little lower loss. In 2030 transcribed media fill the slots the text leaves, and their raw tokens outnumber synthetic ones, so more repetition allowed means fewer transcripts in the mix and a higher synthetic share of the tokens; spend in 2030 moves within two standard errors",
    ),
    Sign(
        "public_growth_per_year",
        0.04,
        0.12,
        "+ + + - + ? -",
        "a stock that grows faster: as a larger stock (and so a higher synthetic share in 2030, with fewer transcripts)",
    ),
    Sign(
        "frontier_compute_flop_2024",
        2e25,
        8e25,
        "- - ? ? - - ?",
        "larger runs want more data sooner and value each token more; private text is bounded by consent, so its"
        " share of larger datasets can fall; by 2035 the spend cap and the labs' choice of compute set it either"
        " way. The data wall comes after that (about 2031), when compute no longer depends on where it started:"
        " what is left is"
        " what the earlier, larger runs left behind (consent, rephrasing skill, licences), which pulls either way. In 2030 transcribed media fill the slots the text leaves, and their raw tokens outnumber synthetic ones, so larger runs mean more transcripts in the mix and a lower synthetic share of the tokens. More compute makes compute cheap to the firm sooner: the shadow price of compute, which multiplies what a licence is worth, falls to 1 earlier, so the licences renewed by 2030 are worth, and cost, less",
    ),
    Sign(
        "compute_growth_per_year",
        3.5,
        5.5,
        "- ? ? ? - - ?",
        "as larger runs, and sooner; growth is anchored at 2024, so a crossing near 2024 can move either way; the"
        " wall comes once the spend cap binds, whichever the growth; as larger runs: more transcripts, a lower synthetic share in 2030; and the shadow price of compute falls sooner: cheaper licences by 2030",
    ),
    Sign(
        "training_spend_cap_usd",
        3e10,
        3e11,
        "0 0 - ? - + -",
        "a low cap binds from about 2028, after public text runs out but before the data wall (at $100B the"
        " frontier chooses to spend less than it may after 2029, at $30B it cannot): a higher one lets runs grow,"
        " so the wall comes sooner, with more synthetic data, more spent and a lower loss; as larger runs: more transcripts, a lower synthetic share in 2030; and a higher cap keeps labs raising all they can for longer, but by 2030 the frontier chooses less than the cap, so the shadow price is 1 either way; licences are valued at the run the lab chooses, and a larger run's tokens are worth more in compute, so more are renewed and more is spent (20 seeds: +$37M, 8 standard errors)",
    ),
    Sign(
        "flop_price_halving_years",
        2.0,
        3.5,
        "- ? + ? ? ? +",
        "compute grows as fast but costs more, and so does serving: labs overtrain more (smaller models are cheaper"
        " to serve), so they want more data sooner; the cap binds sooner, so less compute later. The data wall"
        " comes after the cap binds, when compute grows only as FLOPs get cheaper: slower, so smaller runs want"
        " less data, and the wall comes later",
    ),
    Sign(
        "inference_tokens_per_year_2024",
        1.5e14,
        6e14,
        "- - - ? ? ? ?",
        "more inference makes labs overtrain: bigger datasets, sooner; once short of data a lab re-plans for loss alone",
    ),
    Sign(
        "inference_growth_per_year",
        2.0,
        3.5,
        "- ? - ? ? ? ?",
        "as more inference, from 2024 on (less before: it is back-cast from 2024)",
    ),
    Sign("inference_tokens_per_year_max", 1e17, 1e19, "? 0 ? ? ? ? ?", "the ceiling binds late, if at all"),
    Sign(
        "user_text_tokens_per_year_2024",
        5e13,
        2e14,
        "0 0 + + - - ?",
        "more chat logs: closed labs fill their datasets with them once public text is short, in place of"
        " synthetic and bought data, and the frontier has more text when it runs short, so the wall comes later"
        " (more privacy incidents raise brokers' floors too, which pulled the wall sooner before labs chose their"
        " compute; now the text itself weighs more)",
    ),
    Sign("user_text_growth_per_year", 1.2, 2.0, "0 0 + + - - ?", "as more chat logs"),
    Sign(
        "user_text_tokens_per_year_max",
        3e14,
        3e15,
        "0 0 ? + - ? ?",
        "a higher ceiling on chat logs: more of them once it binds (from about 2029), in place of synthetic data",
    ),
    Sign(
        "synthetic_quality",
        0.3,
        0.9,
        "+ + - ? ? ? -",
        "generated text is not used in pretraining (rephrased text is worth more), but generated tasks feed"
        " post-training. While its gain is far below its ceiling (to about 2028) better tasks make it pay more:"
        " labs plan more of it and smaller pretraining datasets, so public text runs out later. By the 2030s"
        " post-training is near its ceiling, and better tasks bring it nearer, where more compute adds little:"
        " labs keep more compute in pretraining, so they run short sooner (the wall) and reach a lower loss; the"
        " 2030 shares sit between the two",
    ),
    Sign(
        "rephrased_value",
        2.0,
        3.2,
        "? ? + ? + ? ?",
        "better rephrasing: more of it, a fuller dataset; the pretraining loss is one part of capability, which the"
        " labs weigh against serving and post-training, so it can move either way",
    ),
    Sign(
        "high_quality_value",
        1.5,
        3.0,
        "? ? ? ? ? + ?",
        "the high-quality subset is worth more: licences on it are worth more; it is small, so the wall and the"
        " loss, which the labs weigh against serving and post-training, barely move",
    ),
    Sign(
        "settlement_usd_per_token",
        0.01,
        0.05,
        "0 0 0 0 0 0 0",
        "a suit costs more, but nothing headline moves: the liability is cleared by 2024, by licences bargained in"
        " the shadow of a suit (both sides expect the award, so it is in the price, not in whether to sign) and by"
        " settlements (not data spend); after, new copyrighted text costs more to take unlicensed than it is worth"
        " at either level, so labs license it or leave it alike",
    ),
    Sign(
        "suit_hazard_per_year",
        0.003,
        0.03,
        "? ? ? ? ? - ?",
        "suits are likelier: more liability is settled in court before 2027, and the licences that would have"
        " cleared it are not renewed on it; renewals in 2030 are priced on the text's value, which the hazard does"
        " not move, so 2030 spend falls; the rest moves with the licences brought forward, either way",
    ),
    Sign(
        "robots_compliance",
        0.7,
        1.0,
        "0 0 - ? ? + +",
        "crawlers honour more opt-outs: less of the restricting domains' new text is crawled, so the data wall comes"
        " sooner, more of that text is licensed (spend up) and the loss is higher; by exhaustion (2028) that new"
        " text is under a month of dataset growth, so the month of exhaustion does not move",
    ),
    Sign(
        "holder_reservation_usd_per_token_year",
        0.0,
        2e-5,
        "? ? - + ? + +",
        "publishers ask more for the traffic AI answers take: fewer licences on closed text pay, so labs have less"
        " text (the wall sooner, a higher loss, more private text), and the licences still signed cost more",
    ),
    Sign(
        "media_tokens_2024",
        8e14,
        3e15,
        "0 0 0 0 0 0 0",
        "more video and audio to transcribe, but at the default exchange rate labs take a small part of the stock:"
        " its size binds nothing",
    ),
    Sign("media_growth_per_year", 0.05, 0.2, "0 0 0 0 0 0 0", "as a larger media stock: it binds nothing"),
    Sign(
        "multimodal_text_value",
        0.01,
        0.2,
        "0 0 ? - - - ?",
        "transcripts are worth more to a text model: labs take more of them, in place of some private and synthetic"
        " text and of bought data; the public stock and the plan do not count them, so exhaustion does not move",
    ),
    Sign(
        "ai_text_share_2024",
        0.3,
        0.7,
        "+ + ? - - 0 0",
        "more AI text on the web counts (at its value) in the stock; labs take it with the web text, in place of"
        " some of their own synthetic and private data. By the data wall (after 2033) it is a small part of what"
        " the frontier needs, worth less than the private and rephrased text it displaces, so the wall can move"
        " either way (by a few thousandths of a year)",
    ),
    Sign(
        "ai_writing_cost_elasticity",
        0.0,
        0.3,
        "0 ? ? - - 0 0",
        "writers follow AI writing's falling cost more: after November 2024 more of the new web text is AI-written,"
        " which counts in the stock and stands in for some synthetic and private data, as a larger"
        " ai_text_share_2024 does; before then AI writing was dearer than at the reference, so a little less of it,"
        " which is why the high-quality stock (used up early in 2025) can move either way. By 2028 it adds a few"
        " points to the AI share of a year's new text, too little of the stock to move the month public text runs"
        " out (measured: no move on 20 seeds)",
    ),
    Sign(
        "pollution_value",
        0.25,
        0.75,
        "+ + ? - ? - ?",
        "AI-written web text counts for more in the stock; labs take a little more of it, in place of private data"
        " and a little paid text (a few thousand dollars in 2030); by the wall it is a small part of what the"
        " frontier needs, and it displaces private and rephrased text worth more, so the wall can move either way"
        " (by a ten-thousandth of a year, within noise); it is AI-written, so it shares the effective-data law's diminishing"
        " returns with synthetic text, which can move the synthetic share, and the frontier's 2035 loss (by about"
        " 1e-8 nats), either way",
    ),
    Sign(
        "private_text_tokens",
        1.3e15,
        5.2e15,
        "0 0 + + + ? ?",
        "more licensable private text: more of it bought, in place of synthetic data; datasets fill longer; spend"
        " gains the brokers' sales and loses the licences they replace, at brokers' prices that fall with supply. More private text also displaces transcripts, which outnumber synthetic tokens: a higher synthetic share in 2030",
    ),
    Sign(
        "private_growth_per_year",
        0.05,
        0.2,
        "0 0 ? + + ? ?",
        "as more private text, but the growth comes late and its use brings privacy incidents, which move the wall"
        " earlier (measured: 0.07 years earlier at the baseline, 0.5 years later with incidents off); by 2030 more of"
        " it also means less licensed text needed, so spend can move either way; more private text displaces transcripts: a higher synthetic share in 2030",
    ),
    Sign(
        "max_consented_share",
        0.025,
        0.1,
        "0 0 + + ? + ?",
        "as more private text; the synthetic share moves within noise, as private text displaces transcripts and synthetic text alike",
    ),
    Sign(
        "opt_out_hazard_per_month",
        0.0085,
        0.034,
        "- - - + - + ?",
        "more domains restrict crawlers: less free text, more licensed, private and synthetic data; what is"
        " licensed in its place costs part of the budget, so the wall comes sooner. By 2035 most compute is in"
        " post-training and the frontier chooses its compute and dataset by profit, so its pretraining loss follows"
        " that choice and can move either way (by about 1e-5 nats); less free text is made up with transcripts more than with synthetic text: a lower synthetic share in 2030",
    ),
    Sign(
        "incidents_per_trillion_tokens",
        0.0,
        3.0,
        "0 0 - ? ? ? ?",
        "safeguards after incidents raise brokers' floors, far below what labs pay through 2030; by the data wall"
        " (after 2033) bought private text is part of what the frontier needs, and dearer, so the wall comes sooner",
    ),
    Sign(
        "ai_revenue_usd_2024",
        3e9,
        1.2e10,
        "+ ? + ? ? ? -",
        "a richer market makes capability worth more against serving it: labs train larger models on fewer tokens"
        " (less overtraining), so they want less data and reach a lower loss",
    ),
    Sign(
        "ai_revenue_growth_per_year",
        2.0,
        3.5,
        "? ? ? ? ? ? -",
        "as a richer market from 2024 on (a poorer one before: revenue is back-cast from 2024)",
    ),
    Sign(
        "ai_revenue_usd_max",
        5e11,
        1e13,
        "? 0 ? ? ? ? -",
        "a higher ceiling on revenue: as a richer market once it binds (from about 2029)",
    ),
    Sign(
        "reasoning_returns",
        0.45,
        0.8,
        "+ + + + + - ?",
        "post-training pays more: labs move compute out of pretraining, so their runs want less data (later"
        " dates, less synthetic filler, private text a larger share) and value each pretraining token less (less"
        " bought); by 2035 most compute is in post-training on both sides, so the pretraining loss follows the"
        " dataset each chose and can move either way; runs that want less data take fewer transcripts: a higher synthetic share in 2030",
    ),
    Sign(
        "post_training_ceiling_oom",
        1.5,
        3.0,
        "+ + + + + - ?",
        "as higher returns: post-training levels off later, so labs move more compute out of pretraining and"
        " it stands in for text longer once text is short (the wall later); runs that want less data take fewer transcripts: a higher synthetic share in 2030",
    ),
    Sign(
        "annotation_usd_per_token",
        0.002,
        0.05,
        "? ? - ? ? ? -",
        "dearer human tasks: fewer and poorer ones, post-training pays less, so labs keep more compute in"
        " pretraining (the wall sooner, a lower pretraining loss). Exhaustion (2025-28) comes while people write a"
        " third of the tasks: poorer tasks leave the gain further below its ceiling, where compute still pays,"
        " and less of the budget goes to people, so the dates and shares move with two pulls",
    ),
    Sign(
        "annotation_supply_elasticity",
        0.5,
        3.0,
        "0 0 0 0 0 + 0",
        "annotators' wages rise less with demand; labs' demand outgrows 2024's workforce only when generated"
        " tasks are already nearly as good as the human ones they would pay for, so no date, share or loss moves;"
        " but the labs that still annotate in 2030 buy more at the lower wage, and, generated tasks being a close"
        " substitute, their demand is elastic, so they spend more",
    ),
    # --- levers --------------------------------------------------------------------------------------
    Sign(
        "privacy_strictness",
        0.1,
        0.9,
        "0 0 - - - ? ?",
        "less consent and dearer compliance: fewer chat logs and less private data bought, more synthetic, the"
        " wall sooner; spend loses the brokers' sales and gains the licences that replace the chat logs; the private text lost is replaced by transcripts more than by synthetic text: a lower synthetic share in 2030",
    ),
    Sign(
        "opt_out_regime",
        "none",
        "robots",
        "- - ? ? - + ?",
        "robots.txt binds: as more opt-outs; private text is bounded by consent and mostly taken either way. By"
        " the data wall (after 2033) the frontier's pretraining text is mostly chat logs, private and synthetic"
        " text, so the wall and the 2035 loss move within noise, either way; the text lost to opt-outs is replaced by transcripts more than by synthetic text: a lower synthetic share in 2030",
    ),
    Sign(
        "code_of_practice",
        False,
        True,
        "0 0 - + ? + +",
        "from August 2025 the labs that sign honour every opt-out: as a higher robots.txt compliance for all but"
        " the one that does not sign (the wall sooner, more private and licensed text, a higher loss)",
    ),
    Sign(
        "licensing_mandate",
        False,
        True,
        "- - ? ? ? ? ?",
        "copyrighted tiers leave the crawl: a smaller stock; labs already license the part worth licensing",
    ),
    Sign(
        "data_commons_tokens",
        0.0,
        5e13,
        "+ ? + - + - -",
        "a released commons adds free text (of ordinary quality): less to buy; a commons displaces transcripts, which outnumber synthetic tokens: a higher synthetic share in 2030",
    ),
    Sign(
        "synthetic_labelling",
        False,
        True,
        "- - - + + 0 ?",
        "labelled AI text leaves the stock a crawler counts and the labs' datasets: they make up for it with their"
        " own synthetic text and a little private text, and the wall comes sooner; the 2035 loss moves by 1e-8"
        " nats either way",
    ),
    Sign(
        "alliance_antitrust",
        False,
        True,
        "0 0 0 0 0 0 0",
        "closed rivals may join, but the pool (quality 0.4) is worth less than its fee to them",
    ),
    Sign(
        "compute_cap_flop",
        1e28,
        float("inf"),
        "- 0 - + + - -",
        "lifting a cap of 1e28 FLOP, which binds from about 2028, as public text runs out: larger runs, which want"
        " more data sooner; lifting it lets the frontier raise more compute, whose shadow price then falls to 1 sooner: the licences renewed by 2030 are worth, and cost, less",
    ),
    Sign(
        "tighten_privacy_after_incidents", False, True, "0 0 ? ? ? ? ?", "incidents raise strictness: a little less private data"
    ),
)


def _value(summary: dict[str, Any], outcome: str, horizon: float) -> float:
    """An outcome of one run; a date not reached counts as just after the horizon."""
    value = summary[outcome]
    if outcome in CENSORED_BY and (value is None or (isinstance(value, float) and math.isnan(value))):
        return horizon + 1 / 12
    return float(value)


def measure(
    seeds: int = 20, workers: int = 2, params: MarketParams | None = None, signs=SIGNS, progress: bool = False
) -> pd.DataFrame:
    """Each factor's move on `seeds` paired seeds: the mean paired difference of every headline outcome.

    Returns one row per (factor, outcome) with the expected sign, the mean difference, its standard
    error and whether the sign agrees (`+`, `-`, and `0` within three standard errors; `?` is reported, not judged).
    """
    from sim.experiments.sweep import RunTask

    base = (params or load_scenario(_baseline_path())).with_overrides(end=END)
    horizon = base.constants.last_year
    tasks = []
    for sign in signs:
        for side in ("low", "high"):
            factors = {sign.factor: getattr(sign, side)}
            tasks += [RunTask(f"{sign.factor}/{side}/{seed}", seed, factors, base, keep_series=False) for seed in range(seeds)]
    results = _run(tasks, workers, progress)
    rows = []
    for sign in signs:
        for outcome, expected in sign.expected().items():
            diff = np.array(
                [
                    _value(results[f"{sign.factor}/high/{seed}"], outcome, horizon)
                    - _value(results[f"{sign.factor}/low/{seed}"], outcome, horizon)
                    for seed in range(seeds)
                ]
            )
            mean = float(diff.mean())
            stderr = float(diff.std(ddof=1) / np.sqrt(seeds)) if seeds > 1 else 0.0
            rows.append(
                {
                    "factor": sign.factor,
                    "outcome": outcome,
                    "expected": expected,
                    "effect": mean,
                    "stderr": stderr,
                    # 0: no effect beyond three standard errors of the paired mean.
                    "agrees": {"+": mean > 0, "-": mean < 0, "0": abs(mean) <= 3 * stderr + 1e-12 * max(1.0, abs(mean))}.get(
                        expected
                    ),
                }
            )
    return pd.DataFrame(rows)


def _run(tasks, workers: int, progress: bool) -> dict[str, dict[str, Any]]:
    from tqdm import tqdm

    from sim.experiments.sweep import execute, process_pool

    done = []
    pool = process_pool(workers) if workers > 1 else contextlib.nullcontext()
    with pool, tqdm(total=len(tasks), desc="sign table", unit="run", disable=not progress) as bar:
        for result in pool.map(execute, tasks, chunksize=8) if workers > 1 else map(execute, tasks):
            done.append(result)
            bar.update(1)
    failed = [r for r in done if r.status != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} runs failed; the first: {failed[0].run_id}: {failed[0].error}")
    return {r.run_id: r.summary for r in done}


def _baseline_path():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent.parent / "scenarios" / "baseline.toml"


def sign_table() -> str:
    """The table of docs/model.md, in Markdown."""
    header = "| factor | from → to | " + " | ".join(SHORT) + " | why |"
    lines = [header, "|---|---|" + "---|" * len(SHORT) + "---|"]
    for sign in SIGNS:
        expected = sign.expected()
        cells = " | ".join(expected[o] for o in SIGN_OUTCOMES)
        lines.append(f"| `{sign.factor}` | {_show(sign.low)} → {_show(sign.high)} | {cells} | {sign.why} |")
    return "\n".join(lines)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f'"{value}"' if isinstance(value, str) else f"{value:g}"


assert all(o in OUTCOMES for o in SIGN_OUTCOMES)

if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["measure"]:  # each move on 20 paired seeds, with a progress bar (about 2 minutes on 2 cores)
        effects = measure(progress=True)
        print(effects.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        print(f"{int((effects['agrees'] == False).sum())} contradictions of {int(effects['agrees'].notna().sum())} judged signs")  # noqa: E712
    else:
        print(sign_table())
