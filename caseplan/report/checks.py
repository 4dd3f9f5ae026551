"""The standards checks: each :data:`THRESHOLDS` check's figure, in words, and whether it breaches.

Each ``_check_*`` function measures one check on the run and says it in a sentence (an :class:`Outcome`);
:func:`standards_checks` compares every figure with its threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from caseplan.report.aggregate import per_replication
from caseplan.report.formatting import MISSING, format_against, format_figure, format_interval
from caseplan.report.levels import levels_table
from caseplan.report.run_data import RunData, figure_mean
from caseplan.report.supervision import asye_on_time_share
from caseplan.report.thresholds import DFE_AVERAGE_CASELOAD, THRESHOLDS, check_status

CHECK_COLUMNS = ["check", "standard", "title", "status", "value", "text", "rule", "source"]
NOT_TRACKED = "supervision was not tracked in this run"
DEFAULT_URGENT_EVERY_DAYS = 1
"""``allocation.meetings.urgent_every_days`` when the resolved scenario does not say."""


@dataclass(frozen=True)
class Outcome:
    """A check's figure and the sentence that reports it (``value`` None: not recorded)."""

    value: float | None
    text: str


def _against(value: float, kind: str, check: str) -> str:
    """A check's figure, never shown by rounding on a limit of :data:`THRESHOLDS` it is past."""
    threshold = THRESHOLDS[check]
    return format_against(value, kind, threshold.limit, threshold.at_risk_limit)


def _check_caseload(run: RunData) -> Outcome:
    key = "avg_caseload_per_fte"
    value = figure_mean(run.figures, key)
    if value is None:
        return Outcome(None, "average caseload not in summary.json")
    low, high = DFE_AVERAGE_CASELOAD
    ci = format_interval(run.figures[key], "number")
    ci_text = f" (95% CI {ci})" if ci != MISSING else ""
    return Outcome(
        value,
        f"average caseload {_against(value, 'number', 'caseload')} children per case-holding FTE{ci_text}; "
        f"DfE national average {low}–{high}",
    )


def _check_over_100(run: RunData) -> Outcome:
    value = figure_mean(run.figures, "worker_weeks_over_100_share")
    if value is None:
        return Outcome(None, "no worker-weeks with a case capacity were measured")
    top = format_figure(figure_mean(run.figures, "max_load_ratio"), "percent")
    return Outcome(
        value,
        f"{format_figure(value, 'percent')} of worker-weeks above 100% of case capacity (each replication's "
        f"highest worker load {top} on average)",
    )


def _check_excessive(run: RunData) -> Outcome:
    capacity = run.scenario.get("capacity") or {}
    ratio, weeks = capacity.get("excessive_ratio", 1.1), capacity.get("excessive_weeks", 4)
    value = per_replication(run.weekly["workers_excessive"], run.replications)
    return Outcome(
        float(value),
        f"{format_figure(value, 'number')} worker-weeks per replication above {ratio:.0%} of case capacity "
        f"for {weeks} weeks or more in a row",
    )


def _check_must_allocate(run: RunData) -> Outcome:
    waiting = run.weekly["unallocated_must_allocate"]
    value = per_replication(waiting > 0, run.replications)
    meetings = (run.scenario.get("allocation") or {}).get("meetings") or {}
    grace = meetings.get("urgent_every_days", DEFAULT_URGENT_EVERY_DAYS)
    return Outcome(
        float(value),
        f"must-allocate cases (CP, CLA, court) waiting at the end of {format_figure(value, 'number')} "
        f"team-weeks per replication (up to {int(waiting.max())} at once; a case counts once it has waited "
        f"past an urgent allocation meeting, more than {grace:g} day{'' if grace == 1 else 's'})",
    )


def _check_waits_28(run: RunData) -> Outcome:
    over = run.weekly["unallocated_over_28_days"]
    value = per_replication(over > 0, run.replications)
    wait = format_figure(figure_mean(run.figures, "mean_wait_to_allocation_days"), "number")
    return Outcome(
        float(value),
        f"cases waiting over 28 days for a worker at the end of {format_figure(value, 'number')} team-weeks "
        f"per replication (up to {int(over.max())} at once); mean wait to allocation {wait} days",
    )


def _check_supervision(run: RunData) -> Outcome:
    value = figure_mean(run.figures, "supervision_on_time_share")
    if not run.supervision_tracked or value is None:
        return Outcome(None, NOT_TRACKED)
    missed = format_figure(figure_mean(run.figures, "supervision_missed"), "number")
    return Outcome(
        value,
        f"{_against(value, 'percent', 'supervision')} of supervision sessions held on time; {missed} sessions "
        "missed "
        "per replication",
    )


def _check_supervision_asye(run: RunData) -> Outcome:
    if not run.supervision_tracked:
        return Outcome(None, NOT_TRACKED)
    value = figure_mean(run.figures, "supervision_on_time_share_asye")
    note = ""
    if value is None and run.workers is not None:
        share = asye_on_time_share(run)
        if share is not None and math.isfinite(share):
            value = float(share)
            note = " (from the per-worker table; not in summary.json)"
    if value is None:
        return Outcome(None, "no ASYE supervision sessions were recorded in the measured weeks")
    return Outcome(
        value,
        f"{_against(value, 'percent', 'supervision_asye')} of ASYE supervision sessions held on time{note}",
    )


def _check_cpd(run: RunData) -> Outcome:
    value = figure_mean(run.figures, "cpd_taken_share")
    if value is None:
        return Outcome(None, "no CPD time was planned in the measured weeks")
    weekly, reps = run.weekly, run.replications
    pause = per_replication(weekly["cpd_lost_to_pause_hours"], reps)
    overload = per_replication(weekly["cpd_lost_to_overload_hours"], reps)
    return Outcome(
        value,
        f"{_against(value, 'percent', 'cpd')} of planned CPD time taken; per replication "
        f"{format_figure(pause, 'number')} hours lost to a CPD pause and {format_figure(overload, 'number')} "
        "to overload",
    )


def _check_asye_protected(run: RunData) -> Outcome:
    value = figure_mean(run.figures, "asye_protected_kept_share")
    if value is None:
        return Outcome(None, "no ASYE in their first year in the measured weeks")
    lost = per_replication(
        run.weekly["asye_protected_hours"] - run.weekly["asye_protected_kept_hours"], run.replications
    )
    return Outcome(
        value,
        f"{_against(value, 'percent', 'asye_protected')} of ASYE protected development time kept "
        f"({format_figure(lost, 'number')} hours lost per replication)",
    )


def _check_severe_levels(run: RunData) -> Outcome:
    if run.timeline is None:
        return Outcome(None, "no contingency plan in this run")
    levels = levels_table(run).set_index("team").loc["all teams"]
    severe, critical = levels["weeks_at_level_3"], levels["weeks_at_level_4"]
    cost = figure_mean(run.figures, "contingency_cost")
    cost = levels["cost"] if cost is None else cost
    escalations = format_figure(levels["escalations"], "number")
    return Outcome(
        float(severe + critical),
        f"{format_figure(severe, 'number')} team-weeks at level 3 and {format_figure(critical, 'number')} at "
        f"level 4 per replication; the plan cost {format_figure(cost, 'money')} per replication "
        f"({escalations} escalations)",
    )


CHECKS: dict[str, Callable[[RunData], Outcome]] = {
    "caseload": _check_caseload, "over_100": _check_over_100, "excessive": _check_excessive,
    "must_allocate": _check_must_allocate, "waits_28": _check_waits_28, "supervision": _check_supervision,
    "supervision_asye": _check_supervision_asye, "cpd": _check_cpd, "asye_protected": _check_asye_protected,
    "severe_levels": _check_severe_levels,
}  # fmt: skip
"""The function that measures each check of :data:`THRESHOLDS`."""


def standards_checks(run: RunData) -> pd.DataFrame:
    """Every check of :data:`THRESHOLDS` applied to the run.

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    DataFrame
        ``check``, ``standard``, ``title``, ``status`` (``breached``, ``at risk``, ``met`` or
        ``not recorded``, :func:`check_status`),
        ``value``, ``text`` (the figure in words), ``rule`` and ``source``.
    """
    rows = []
    for key, threshold in THRESHOLDS.items():
        outcome = CHECKS[key](run)
        rows.append(
            {
                "check": key,
                "standard": threshold.standard,
                "title": threshold.title,
                "status": check_status(outcome.value, threshold),
                "value": outcome.value,
                "text": outcome.text,
                "rule": threshold.rule,
                "source": threshold.source,
            }
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
