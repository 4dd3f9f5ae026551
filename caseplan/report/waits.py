"""Allocation tables (Standard 3): cases waiting for a worker and the wait to allocation."""

from __future__ import annotations

import pandas as pd

from caseplan.report.aggregate import SERVICE_KEYS, mean_by_week, ratio, service_totals

WAIT_COUNTS = {
    "unallocated": "unallocated",
    "unallocated_over_14_days": "over_14_days",
    "unallocated_over_28_days": "over_28_days",
    "unallocated_must_allocate": "must_allocate",
}
"""Weekly-table column → name in :func:`service_waits` of each count of cases waiting at a week's end."""


def service_waits(weekly: pd.DataFrame) -> pd.DataFrame:
    """The whole service's unallocated cases and mean wait to allocation, per replication and week.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``unallocated``, ``over_14_days``, ``over_28_days``,
        ``must_allocate`` (cases waiting at the week's end) and ``mean_wait_days`` (of the cases
        allocated that week, NaN if none was).
    """
    table = weekly.assign(wait_days=weekly["mean_wait_days"].fillna(0) * weekly["allocations"])
    service = service_totals(table, [*WAIT_COUNTS, "wait_days", "allocations"])
    service["mean_wait_days"] = ratio(service["wait_days"], service["allocations"])
    return service.loc[:, [*SERVICE_KEYS, *WAIT_COUNTS, "mean_wait_days"]].rename(columns=WAIT_COUNTS)


def waits_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """:func:`service_waits` by week, averaged over replications.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``unallocated``, ``over_14_days``, ``over_28_days``,
        ``must_allocate`` and ``mean_wait_days``.
    """
    return mean_by_week(service_waits(weekly), [*WAIT_COUNTS.values(), "mean_wait_days"])
