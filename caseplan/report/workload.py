"""Workload tables (Standard 3): the service's caseload per case-holding FTE and worker load by role."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from caseplan.report.aggregate import WEEK_KEYS, groups_with_total, ratio, service_totals
from caseplan.report.roles import ASYE, report_role
from caseplan.report.thresholds import TOLERANCE

LOAD_BAND_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, math.inf)
LOAD_BAND_LABELS = (
    "≤50%", "50–60%", "60–70%", "70–80%", "80–90%", "90–100%", "100–110%", "110–120%", ">120%",
)  # fmt: skip
ROLE_ORDER = ("social_worker", "senior_practitioner", ASYE, "agency", "team_manager")
LOAD_COLUMNS = ["role", "worker_weeks", "mean", "median", "p90", "max", "over_100_share", "over_110_share"]
BAND_COLUMNS = ["role", "band", "worker_weeks", "share"]
DISTRIBUTION_COLUMNS = ["caseload_from", "caseload_to", "team_weeks", "share"]


def caseload(table: pd.DataFrame) -> pd.Series:
    """Children held per case-holding FTE, row by row (NaN without a case-holding FTE).

    Parameters
    ----------
    table : DataFrame
        A table with ``cases_held`` and ``case_holding_fte``.

    Returns
    -------
    Series
    """
    return ratio(table["cases_held"], table["case_holding_fte"])


def service_caseload(weekly: pd.DataFrame) -> pd.DataFrame:
    """Children held per case-holding FTE of the whole service, per replication and week.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table (one row per replication × week × team).

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``cases_held``, ``case_holding_fte``, ``caseload``.
    """
    service = service_totals(weekly, ["cases_held", "case_holding_fte"])
    service["caseload"] = caseload(service)
    return service


def caseload_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """The service's caseload per case-holding FTE by week, across replications.

    The average of ``mean`` over the weeks is the headline ``avg_caseload_per_fte``.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``mean``, ``low`` and ``high`` (lowest and highest replication).
    """
    by_week = service_caseload(weekly).groupby(WEEK_KEYS)["caseload"]
    return by_week.agg(mean="mean", low="min", high="max").reset_index()


def caseload_distribution(weekly: pd.DataFrame) -> pd.DataFrame:
    """How team-weeks spread over caseloads, in bands one child wide.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``caseload_from``, ``caseload_to``, ``team_weeks`` and ``share`` of all team-weeks with a
        case-holding FTE.
    """
    values = caseload(weekly).dropna().to_numpy()
    if values.size == 0:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    edges = np.arange(math.floor(values.min()), math.floor(values.max()) + 2, dtype=float)
    counts, _ = np.histogram(values, bins=edges)
    return pd.DataFrame(
        {
            "caseload_from": edges[:-1],
            "caseload_to": edges[1:],
            "team_weeks": counts,
            "share": counts / values.size,
        }
    )


def measured_load(workers: pd.DataFrame) -> pd.DataFrame:
    """Worker-weeks with a case capacity (a defined load ratio).

    Parameters
    ----------
    workers : DataFrame
        The measured per-worker table.

    Returns
    -------
    DataFrame
        The rows of ``workers`` with a finite ``load_ratio`` and a positive case capacity.
    """
    load = workers["load_ratio"].replace([np.inf, -np.inf], np.nan)
    return workers[load.notna() & (workers["case_capacity_hours"] > 0)]


def role_order(roles: pd.Series) -> list[str]:
    """The roles present, in :data:`ROLE_ORDER` and then alphabetically.

    Parameters
    ----------
    roles : Series
        Roles as the report counts them (:func:`~caseplan.report.roles.report_role`).

    Returns
    -------
    list of str
    """
    present = set(roles)
    return [r for r in ROLE_ORDER if r in present] + sorted(present - set(ROLE_ORDER))


def load_ratio_by_role(workers: pd.DataFrame | None) -> pd.DataFrame:
    """Worker load ratios (load ÷ case capacity) by role, over the measured worker-weeks.

    Roles are those of :func:`~caseplan.report.roles.report_role`: an ASYE-role worker is in the ASYE
    row only in the assessed year.

    Parameters
    ----------
    workers : DataFrame or None
        The measured per-worker table; None gives an empty table.

    Returns
    -------
    DataFrame
        One row per role and one for all roles: ``role``, ``worker_weeks``, ``mean``, ``median``,
        ``p90``, ``max``, ``over_100_share`` and ``over_110_share``.
    """
    if workers is None:
        return pd.DataFrame(columns=LOAD_COLUMNS)
    loaded = _with_report_roles(measured_load(workers))
    groups = groups_with_total(loaded, "role", role_order(loaded["role"]), "all roles")
    rows = [_load_row(role, group["load_ratio"]) for role, group in groups if not group["load_ratio"].empty]
    return pd.DataFrame(rows, columns=LOAD_COLUMNS)


def _with_report_roles(workers: pd.DataFrame) -> pd.DataFrame:
    """The per-worker rows with ``role`` as the report counts it (:func:`report_role`)."""
    return workers.assign(role=report_role(workers))


def _load_row(role: object, load: pd.Series) -> dict[str, Any]:
    """One row of :func:`load_ratio_by_role`: the spread of one group's load ratios."""
    return {
        "role": role,
        "worker_weeks": len(load),
        "mean": load.mean(),
        "median": load.median(),
        "p90": load.quantile(0.9),
        "max": load.max(),
        "over_100_share": (load > 1.0 + TOLERANCE).mean(),
        "over_110_share": (load > 1.1 + TOLERANCE).mean(),
    }


def load_ratio_bands(workers: pd.DataFrame | None) -> pd.DataFrame:
    """The share of each role's worker-weeks in each load band (≤50%, 50–60%, …, >120%).

    Parameters
    ----------
    workers : DataFrame or None
        The measured per-worker table; None gives an empty table.

    Returns
    -------
    DataFrame
        ``role``, ``band``, ``worker_weeks`` and ``share`` (of the role's worker-weeks).
    """
    if workers is None:
        return pd.DataFrame(columns=BAND_COLUMNS)
    loaded = _with_report_roles(measured_load(workers))
    bands = pd.cut(loaded["load_ratio"], LOAD_BAND_EDGES, labels=LOAD_BAND_LABELS, include_lowest=True)
    rows = []
    for role in role_order(loaded["role"]):
        counts = bands[loaded["role"] == role].value_counts().reindex(LOAD_BAND_LABELS, fill_value=0)
        total = counts.sum()
        for band, count in counts.items():
            rows.append({"role": role, "band": band, "worker_weeks": int(count), "share": count / total})
    return pd.DataFrame(rows, columns=BAND_COLUMNS)
