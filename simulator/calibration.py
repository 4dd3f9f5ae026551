"""Calibration of a scenario against the national figures it is built on (issue 6, DESIGN §11).

The scenario runs to steady state with replications and a per-case log; each measure is computed per
replication after the warm-up, summarised as a mean with a 95% t interval, and compared with its target
and tolerance from ``shared/reference/domain-figures.md`` (DF). A measure the model cannot meet says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.distributions import DAYS_PER, sampler
from simulator.figures import NON_NEGATIVE
from simulator.rng import Stream
from simulator.run import ReplicationResult, run_replication
from simulator.scenario import Scenario
from simulator.scenario.models import CLOSE
from simulator.statistics import mean_ci

WORKING_DAY = DAYS_PER["working_days"]
CP_BINS_MONTHS = (0, 3, 6, 12, 24, math.inf)
CP_TARGET_SHARES = (0.16, 0.11, 0.44, 0.25, 0.04)  # DfE D7 2025 (DF §2)


@dataclass(frozen=True)
class Target:
    """One calibration target: what is measured, the accepted range and where the figure comes from."""

    name: str
    low: float
    high: float
    source: str
    measure: Callable[[Scenario, ReplicationResult], float]
    why_not: str = ""  # the model's reason when it cannot meet the target


def calibration_table(scenario: Scenario, replications: int = 20, progress=None) -> pd.DataFrame:
    """Run ``scenario`` with a case log and compare every target; one row per target.

    Parameters
    ----------
    scenario
        The scenario to calibrate (usually the baseline); its warm-up is discarded.
    replications
        Replications 0…n−1 (the interval is across them).
    progress
        Optional callback with the number of replications done.

    Returns
    -------
    pandas.DataFrame
        Columns ``measure, simulated, ci_low, ci_high, target_low, target_high, within, source, note``;
        ``within`` is true when the 95% interval of the simulated mean overlaps the target range.
    """
    logged = scenario.model_copy(
        update={
            "outputs": scenario.outputs.model_copy(update={"case_log": True}),
            "meta": scenario.meta.model_copy(update={"horizon_weeks": calibration_horizon(scenario)}),
        }
    )
    results = []
    for r in range(replications):
        results.append(run_replication(logged, r))
        if progress is not None:
            progress(r + 1)
    rows = []
    for target in targets(scenario):
        values = [target.measure(scenario, result) for result in results]
        summary = mean_ci([v for v in values if not math.isnan(v)], bounds=NON_NEGATIVE)  # no measure is < 0
        within = _consistent(summary, target)
        rows.append(
            {
                "measure": target.name,
                "simulated": summary["mean"],
                "ci_low": summary["ci_low"],
                "ci_high": summary["ci_high"],
                "target_low": target.low,
                "target_high": target.high,
                "within": within,
                "source": target.source,
                "note": "" if within else target.why_not,
            }
        )
    return pd.DataFrame(rows)


MEASURED_WEEKS = 312
"""Weeks measured after the warm-up: long enough to see CP plans of up to three years start and end."""


def calibration_horizon(scenario: Scenario) -> int:
    """The scenario's horizon, extended to the warm-up plus :data:`MEASURED_WEEKS` if shorter."""
    return max(scenario.meta.horizon_weeks, scenario.meta.warmup_weeks + MEASURED_WEEKS)


def _consistent(summary: dict, target: Target) -> bool:
    """The target range overlaps the 95% interval of the simulated mean (the mean itself with one run)."""
    mean, low, high = summary["mean"], summary["ci_low"], summary["ci_high"]
    if mean is None or math.isnan(mean):
        return False
    if low is None or high is None:
        low = high = mean
    return high >= target.low and low <= target.high


# ------------------------------------------------------------------------------------ the targets


def targets(scenario: Scenario) -> list[Target]:
    """The calibration targets that apply to ``scenario`` (workforce ones only with a workforce)."""
    found = [
        Target(
            "caseload per case-holding FTE", 15.0, 16.5, "DfE census 2023-2025: 15.2-16.0 (DF §1)", _caseload
        ),
        Target("referrals ending at screening (NFA)", 0.05, 0.09, "DfE CIN 2023: 7% (DF §2)", _nfa_share),
        Target("referrals assessed not in need", 0.27, 0.33, "DfE CIN 2023: 30% (DF §2)", _not_in_need_share),
        Target("referrals reaching s47", 0.32, 0.38, "DfE CIN 2023: ≈35% (DF §2)", _s47_share),
        Target(
            "CP plans started per referral",
            0.089,
            0.109,
            "DfE CIN 2021-22: 64,390 plans started / 650,270 referrals ≈ 9.9%, ±1 point (DF §2)",
            _cp_start_share,
        ),
        Target(
            "children starting care per referral",
            0.045,
            0.061,
            "DfE CLA 2023-24: 33,050 starts / 621,880 referrals ≈ 5.3%, ±0.8 point (DF §2)",
            _care_start_share,
        ),
        Target(
            "re-referral share of referrals", 0.19, 0.25, "DfE 2024-25: 22-23% (DF §2)", _re_referral_share
        ),
        *_cp_length_targets(),
        *_assessment_targets(),
    ]
    workforce = scenario.workforce
    if workforce is not None and workforce.turnover is not None:
        rate = workforce.turnover.annual_rate
        found.append(
            Target("leavers per FTE in post a year", 0.75 * rate, 1.5 * rate,
                   f"as configured: {rate:.0%} a year, more in the first year", _leaving_rate)
        )  # fmt: skip
    if workforce is not None and workforce.sickness is not None:
        share = _configured_absence(scenario)
        found.append(
            Target("share of time absent", share - 0.01, share + 0.01,
                   f"as configured: {share:.1%} (DfE 3.5%, DF §1)", _absence)
        )  # fmt: skip
    return found


def _cp_length_targets() -> list[Target]:
    labels = ("≤3 months", "3-6 months", "6-12 months", "1-2 years", "≥2 years")
    return [
        Target(f"CP plans lasting {label}", share - 0.04, share + 0.04, f"DfE D7 2025: {share:.0%} (DF §2)",
               lambda s, r, i=i: _cp_length_shares(r)[i],
               why_not="plans are counted from the conference; the model's clock starts at allocation")
        for i, (label, share) in enumerate(zip(labels, CP_TARGET_SHARES))
    ]  # fmt: skip


def _assessment_targets() -> list[Target]:
    why = (
        "measured from the start of the assessment, as DfE does; assessments that wait for a worker "
        "take longer than the duration table, which runs from allocation"
    )
    return [
        Target(f"assessment {label}, working days", value - 5, value + 5, f"DfE C2 2025: {value} (DF §2)",
               lambda s, r, q=q: _assessment_quantile(r, q), why_not=why)
        for label, q, value in (("P25", 0.25, 17), ("median", 0.5, 33), ("P75", 0.75, 43))
    ]  # fmt: skip


# -------------------------------------------------------------------------------------- measures


def _caseload(scenario: Scenario, result: ReplicationResult) -> float:
    return result.figures["avg_caseload_per_fte"]


def _referrals(result: ReplicationResult) -> int:
    return result.metrics.entries_by_stage.get(_entry_stage(result), 0)


def _entry_stage(result: ReplicationResult) -> str:
    entries = result.metrics.entries_by_stage
    return "screening" if "screening" in entries else max(entries, key=entries.get)


def _nfa_share(scenario: Scenario, result: ReplicationResult) -> float:
    return _per_referral(result, result.metrics.closures_by_stage.get("screening", 0))


def _not_in_need_share(scenario: Scenario, result: ReplicationResult) -> float:
    return _per_referral(result, result.metrics.closures_by_stage.get("assessment", 0))


def _s47_share(scenario: Scenario, result: ReplicationResult) -> float:
    return _per_referral(result, result.metrics.entries_by_stage.get("s47", 0))


def _cp_start_share(scenario: Scenario, result: ReplicationResult) -> float:
    """CP plans started (entries into ``cp``) per referral, as DfE's plans started ÷ referrals."""
    return _per_referral(result, result.metrics.entries_by_stage.get("cp", 0))


def _care_start_share(scenario: Scenario, result: ReplicationResult) -> float:
    """Children starting care (entries into ``cla``) per referral, by every route into care."""
    return _per_referral(result, result.metrics.entries_by_stage.get("cla", 0))


def _re_referral_share(scenario: Scenario, result: ReplicationResult) -> float:
    return result.figures["re_referral_share"]


def _per_referral(result: ReplicationResult, count: int) -> float:
    referrals = _referrals(result)
    return count / referrals if referrals else math.nan


def stage_spells(cases: pd.DataFrame, after_day: float) -> pd.DataFrame:
    """Every completed stage of the case log: ``stage, start, days`` (entered after ``after_day``)."""
    steps = cases[cases["event"].isin(["enter", "closed"])].sort_values(["case_id", "day"], kind="stable")
    following = steps.groupby("case_id")["day"].shift(-1)
    spells = pd.DataFrame({"stage": steps["stage"], "start": steps["day"], "days": following - steps["day"]})
    spells = spells[(steps["event"] == "enter").to_numpy() & following.notna().to_numpy()]
    return spells[(spells["start"] >= after_day) & (spells["stage"] != CLOSE)]


def _spells(result: ReplicationResult, stage: str, longest_days: float = 0.0) -> pd.Series:
    """Lengths of the stage's spells that started after the warm-up and at least ``longest_days`` before
    the end of the run, so that long spells are not lost to the horizon (no censoring bias)."""
    spells = stage_spells(result.cases, result.metrics.warmup_day)
    end = result.weekly["week"].max() * DAYS_PER["weeks"] + DAYS_PER["weeks"]
    chosen = (spells["stage"] == stage) & (spells["start"] <= end - longest_days)
    return spells.loc[chosen, "days"]


def _cp_length_shares(result: ReplicationResult) -> list[float]:
    months = (
        _spells(result, "cp", longest_days=CP_BINS_MONTHS[-2] * 1.5 * DAYS_PER["months"]) / DAYS_PER["months"]
    )
    if months.empty:
        return [math.nan] * len(CP_TARGET_SHARES)
    counts = np.histogram(months, bins=CP_BINS_MONTHS)[0]
    return list(counts / counts.sum())


def _assessment_quantile(result: ReplicationResult, q: float) -> float:
    days = _spells(result, "assessment")
    return float(days.quantile(q) / WORKING_DAY) if len(days) else math.nan


def _leaving_rate(scenario: Scenario, result: ReplicationResult) -> float:
    measured = result.weekly[~result.weekly["warmup"]]
    fte_years = measured["in_post_fte"].sum() / 52
    return measured["leavers"].sum() / fte_years if fte_years else math.nan


def _absence(scenario: Scenario, result: ReplicationResult) -> float:
    return result.figures["absence_rate"]


def _configured_absence(scenario: Scenario) -> float:
    """Long-run absent share the workforce section implies (short spells plus long spells)."""
    workforce = scenario.workforce
    share = workforce.sickness.share if workforce.sickness is not None else 0.0
    long_term = workforce.long_term_absence
    if long_term is not None:
        draw, stream = sampler(long_term.duration), Stream(0, 0, "calibration")
        mean_days = float(np.mean([draw(stream) for _ in range(20_000)]))  # any duration kind
        share += long_term.spells_per_fte_year * mean_days / DAYS_PER["years"]
    return share
