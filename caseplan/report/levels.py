"""Contingency tables (Standard 3): weeks at each level, escalations, the plan's cost and level changes."""

from __future__ import annotations

import math

import pandas as pd

from caseplan.report.aggregate import by_team_with_total, in_first_replication, per_replication
from caseplan.report.run_data import RunData
from simulator.level_changes import level_changes as gathered_level_changes

LEVELS = (1, 2, 3, 4)
LEVEL_EXTRAS = {
    "escalations": "escalations",
    "contingency_cost": "cost",
    "overtime_hours": "overtime_hours",
    "stepped_down": "cases_stepped_down",
    "screened_out": "referrals_screened_out",
}
"""Source column → name in :func:`levels_table` of each total besides the weeks at each level."""

LEVEL_CHANGE_COLUMNS = [
    "replication",
    "week",
    "week_start",
    "team",
    "level",
    "level_name",
    "triggered_by",
    "actions_started",
    "actions_ended",
    "actions_not_started",
]


def levels_table(run: RunData) -> pd.DataFrame:
    """Weeks at each contingency level, escalations and the plan's cost, by team and in all.

    Parameters
    ----------
    run : RunData
        The run; the table is empty without a contingency timeline (no plan).

    Returns
    -------
    DataFrame
        ``team``, ``weeks_at_level_1`` … ``weeks_at_level_4``, ``escalations``, ``cost``,
        ``overtime_hours``, ``cases_stepped_down`` and ``referrals_screened_out``, per replication.
        The all-teams row matches the ``team_weeks_at_level_*``, ``escalations`` and
        ``contingency_cost`` figures of ``summary.json``.
    """
    columns = ["team", *(f"weeks_at_level_{n}" for n in LEVELS), *LEVEL_EXTRAS.values()]
    if run.timeline is None:
        return pd.DataFrame(columns=columns)
    source = (
        run.weekly
        if "contingency_cost" in run.weekly
        else run.timeline.rename(columns={"cost": "contingency_cost"})
    )
    rows = [_levels_row(team, table, run.replications) for team, table in by_team_with_total(source)]
    return pd.DataFrame(rows, columns=columns)


def _levels_row(team: object, table: pd.DataFrame, reps: int) -> dict[str, object]:
    """One row of :func:`levels_table`: a team's (or all teams') weeks per level and totals."""
    counts = table["level"].value_counts()
    row = {"team": team, **{f"weeks_at_level_{n}": counts.get(n, 0) / reps for n in LEVELS}}
    for column, name in LEVEL_EXTRAS.items():
        row[name] = per_replication(table[column], reps) if column in table else math.nan
    return row


def level_grid(timeline: pd.DataFrame | None) -> pd.DataFrame:
    """Each team's contingency level by week in the first replication (the one ``caseplan run`` prints).

    Parameters
    ----------
    timeline : DataFrame or None
        The measured contingency timeline.

    Returns
    -------
    DataFrame
        Teams as rows, week start dates as columns, levels as values; empty without a timeline.
    """
    if timeline is None or timeline.empty:
        return pd.DataFrame()
    first = timeline[in_first_replication(timeline)]
    return first.pivot(index="team", columns="week_start", values="level").sort_index()


def level_changes(run: RunData) -> pd.DataFrame:
    """The level changes of the first replication: when, which team, why and what the plan did.

    Each change lists the actions started, ended and not started from its week up to the team's next
    change, as ``caseplan run`` prints them (:func:`simulator.level_changes.level_changes`).

    Parameters
    ----------
    run : RunData
        The run; the table is empty without a contingency timeline.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``team``, ``level``, ``level_name``,
        ``triggered_by``, ``actions_started``, ``actions_ended``, ``actions_not_started``.
    """
    timeline = run.timeline
    if timeline is None or timeline.empty:
        return pd.DataFrame(columns=LEVEL_CHANGE_COLUMNS)
    first = gathered_level_changes(timeline[in_first_replication(timeline)])
    table = first.assign(level_name=first["level"].map(run.level_names).fillna(""))
    return table.loc[:, LEVEL_CHANGE_COLUMNS].reset_index(drop=True)
