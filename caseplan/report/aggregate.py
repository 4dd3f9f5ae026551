"""Small pandas steps the report's tables share: safe ratios, per-replication totals, service sums."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

SERVICE_KEYS = ["replication", "week", "week_start"]
"""The keys of one service-week of one replication (the weekly table has a row per team besides)."""

WEEK_KEYS = ["week", "week_start"]
"""The keys of one week across replications."""


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator ÷ denominator``, NaN where the denominator is not positive.

    Parameters
    ----------
    numerator, denominator : Series
        Aligned series.

    Returns
    -------
    Series
    """
    return numerator / denominator.where(denominator > 0)


def per_replication(totals: pd.DataFrame | pd.Series, replications: int) -> pd.Series | float:
    """Totals per replication, averaged over all replications (absent ones count as zero).

    Parameters
    ----------
    totals : DataFrame or Series
        Rows to add up (for a DataFrame, column by column).
    replications : int
        The number of replications in the run.

    Returns
    -------
    Series or float
        The column totals (DataFrame) or the total (Series), divided by ``replications``.
    """
    return totals.sum() / replications


def service_totals(weekly: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The teams' rows added up to the whole service, per replication and week.

    Parameters
    ----------
    weekly : DataFrame
        A table with a row per replication × week × team.
    columns : iterable of str
        The columns to add up.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start`` and ``columns``.
    """
    return weekly.groupby(SERVICE_KEYS, as_index=False)[list(columns)].sum()


def mean_by_week(service: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A per-replication service table averaged over replications, week by week.

    Parameters
    ----------
    service : DataFrame
        A table with a row per replication × week (e.g. :func:`service_totals`).
    columns : iterable of str
        The columns to average.

    Returns
    -------
    DataFrame
        ``week``, ``week_start`` and ``columns``.
    """
    return service.groupby(WEEK_KEYS, as_index=False)[list(columns)].mean()


def groups_with_total(
    table: pd.DataFrame, column: str, values: Iterable[object], total: str
) -> list[tuple[object, pd.DataFrame]]:
    """The rows of each value of ``column`` in turn, then all rows under the label ``total``.

    Parameters
    ----------
    table : DataFrame
        The table to split.
    column : str
        The column to split on (e.g. ``team`` or ``role``).
    values : iterable
        The values to take, in order.
    total : str
        The label of the last group, which holds the whole table (e.g. ``"all teams"``).

    Returns
    -------
    list of (label, DataFrame)
    """
    return [*((value, table[table[column] == value]) for value in values), (total, table)]


def by_team_with_total(table: pd.DataFrame) -> list[tuple[object, pd.DataFrame]]:
    """:func:`groups_with_total` by team, in team order, then ``"all teams"``.

    Parameters
    ----------
    table : DataFrame
        A table with a ``team`` column.

    Returns
    -------
    list of (label, DataFrame)
    """
    return groups_with_total(table, "team", sorted(table["team"].unique()), "all teams")


def in_first_replication(table: pd.DataFrame) -> pd.Series:
    """Which rows belong to the first replication (the one ``caseplan run`` prints).

    Parameters
    ----------
    table : DataFrame
        A table with a ``replication`` column.

    Returns
    -------
    Series of bool
    """
    return table["replication"] == table["replication"].min()
