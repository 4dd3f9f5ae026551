"""The headline figures of the report, exactly as ``summary.json`` has them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from caseplan.report.formatting import format_figure, format_interval
from simulator.figures import figure as registered
from simulator.statistics import FEW_REPLICATIONS

HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("avg_caseload_per_fte", "Average caseload (children per case-holding FTE)", "number"),
    ("mean_load_ratio", "Mean worker load (load ÷ case capacity)", "percent"),
    ("max_load_ratio", "Highest worker load (each replication's highest, averaged)", "percent"),
    ("worker_weeks_over_100_share", "Worker-weeks above 100% of case capacity", "percent"),
    ("unallocated_cases", "Unallocated cases (time average)", "number"),
    ("mean_wait_to_allocation_days", "Mean wait to allocation (days)", "number"),
    ("share_allocated_within_7_days", "Allocations made within 7 days of joining the queue", "percent"),
    ("overdue_assessments", "Assessments beyond 45 working days (weekly average)", "number"),
    ("referrals_per_week", "Referrals per week", "number"),
    ("open_cases", "Open cases (time average)", "number"),
    ("supervision_on_time_share", "Supervision sessions held on time", "percent"),
    ("supervision_on_time_share_asye", "Supervision held on time: ASYE", "percent"),
    ("supervision_on_time_share_others", "Supervision held on time: other workers", "percent"),
    ("supervision_missed", "Supervision sessions missed", "number"),
    ("cpd_taken_share", "CPD time taken ÷ planned", "percent"),
    ("cpd_hours_lost", "CPD hours lost", "number"),
    ("asye_protected_kept_share", "ASYE protected time kept", "percent"),
    ("absence_rate", "Absence rate", "percent"),
    ("vacancy_rate", "Vacancy rate", "percent"),
    ("agency_cost", "Agency cost", "money"),
    ("team_weeks_at_level_3", "Team-weeks at level 3 (severe)", "number"),
    ("team_weeks_at_level_4", "Team-weeks at level 4 (critical)", "number"),
    ("escalations", "Escalations", "number"),
    ("contingency_cost", "Contingency plan cost", "money"),
)
"""The summary.json figures of the headline table: key, label, format (see :func:`format_figure`)."""

HEADLINE_COLUMNS = [
    "key", "figure", "kind", "mean", "ci_low", "ci_high", "n", "few_replications", "shown", "shown_ci",
]  # fmt: skip


def headline_table(figures: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The headline figures, as in ``summary.json``.

    An interval is kept inside the figure's possible range (:mod:`simulator.figures`; this only changes a
    summary written before intervals were), and one from fewer than
    :data:`~simulator.statistics.FEW_REPLICATIONS` replications is marked ``few_replications``.

    Parameters
    ----------
    figures : dict
        The figures of ``summary.json``.

    Returns
    -------
    DataFrame
        One row per :data:`HEADLINE` figure present in the run: ``key``, ``figure`` (label), ``kind``,
        ``mean``, ``ci_low``, ``ci_high``, ``n``, ``few_replications``, ``shown`` and ``shown_ci`` (as on
        the page).
    """
    rows = [_headline_row(key, label, kind, figures[key]) for key, label, kind in HEADLINE if key in figures]
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)


def _headline_row(key: str, label: str, kind: str, figure: dict[str, Any]) -> dict[str, Any]:
    """One row of :func:`headline_table`."""
    figure = in_range(key, figure)
    return {
        "key": key,
        "figure": label,
        "kind": kind,
        "mean": figure["mean"],
        "ci_low": figure["ci_low"],
        "ci_high": figure["ci_high"],
        "n": figure["n"],
        "few_replications": figure["n"] < FEW_REPLICATIONS,
        "shown": format_figure(figure["mean"], kind),
        "shown_ci": format_interval(figure, kind),
    }


def in_range(key: str, figure: dict[str, Any]) -> dict[str, Any]:
    """``figure`` with its interval cut to the possible range of the figure ``key``.

    Parameters
    ----------
    key : str
        A key of ``summary.json``.
    figure : dict
        ``{"mean", "ci_low", "ci_high", "n"}``.

    Returns
    -------
    dict
        A copy; ``ci_low`` and ``ci_high`` within :attr:`simulator.figures.Figure.bounds` (None stays None).
    """
    low, high = registered(key).bounds
    ends = {end: figure[end] for end in ("ci_low", "ci_high") if figure.get(end) is not None}
    return {**figure, **{end: min(max(value, low), high) for end, value in ends.items()}}
