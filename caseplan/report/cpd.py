"""CPD tables (Standard 6): CPD hours planned, taken and lost to a pause or to overload."""

from __future__ import annotations

import pandas as pd

from caseplan.report.aggregate import by_team_with_total, mean_by_week, per_replication, ratio, service_totals

CPD_NAMES = {
    "cpd_planned_hours": "planned_hours",
    "cpd_taken_hours": "taken_hours",
    "cpd_lost_to_pause_hours": "lost_to_pause_hours",
    "cpd_lost_to_overload_hours": "lost_to_overload_hours",
}
"""Weekly-table column → name in :func:`cpd_table` of each CPD measure."""


def cpd_table(weekly: pd.DataFrame) -> pd.DataFrame:
    """CPD hours planned, taken and lost (to a pause, to overload) by team and in all (Standard 6).

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``team``, ``planned_hours``, ``taken_hours``, ``lost_to_pause_hours``, ``lost_to_overload_hours``
        (per replication) and ``taken_share`` (mean over replications of taken ÷ planned; the all-teams
        row is the headline ``cpd_taken_share``).
    """
    reps = weekly["replication"].nunique()
    rows = []
    for team, table in by_team_with_total(weekly):
        per_rep = table.groupby("replication")[list(CPD_NAMES)].sum()
        share = ratio(per_rep["cpd_taken_hours"], per_rep["cpd_planned_hours"]).mean()
        totals = per_replication(per_rep, reps).rename(CPD_NAMES).to_dict()
        rows.append({"team": team, **totals, "taken_share": share})
    return pd.DataFrame(rows, columns=["team", *CPD_NAMES.values(), "taken_share"])


def cpd_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """The service's CPD hours taken and lost each week, averaged over replications.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``planned_hours``, ``taken_hours``, ``lost_to_pause_hours``,
        ``lost_to_overload_hours``.
    """
    table = mean_by_week(service_totals(weekly, CPD_NAMES), CPD_NAMES)
    return table.rename(columns=lambda c: c.removeprefix("cpd_"))
