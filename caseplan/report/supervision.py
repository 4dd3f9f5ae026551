"""Supervision tables (Standard 5): sessions due, held on time, held late and missed, by tenure."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from caseplan.report.aggregate import per_replication, ratio
from caseplan.report.roles import ASYE
from caseplan.report.run_data import SUPERVISION_COLUMNS, RunData

ASYE_TENURE = ASYE
ALL_WORKERS = "all workers"
MISSED_REASONS = ("supervisor_capacity", "supervisee_away")
SUPERVISION_TABLE_COLUMNS = [
    "tenure",
    "due",
    "held",
    "held_on_time",
    "held_late",
    "missed",
    "on_time_share",
    "missed_supervisor_capacity",
    "missed_supervisee_away",
]


def on_time_share(held: pd.Series, late: pd.Series, missed: pd.Series) -> pd.Series:
    """Sessions held on time ÷ sessions held or missed (NaN where none was due).

    Parameters
    ----------
    held, late, missed : Series
        Sessions held (on time or late), held late and missed.

    Returns
    -------
    Series of float
    """
    return ratio(held - late, held + missed).astype(float)


def supervision_table(run: RunData) -> pd.DataFrame:
    """Supervision sessions due, held (on time, late) and missed, by tenure (Standard 5).

    Counts are per replication over the measured weeks. The ASYE and other-worker rows come from the
    per-worker table (workers in post at each week's end); the all-workers row is the teams' count, as
    in the headline (it also holds sessions of workers who left during a week). The on-time share is
    the mean over replications of each replication's share, as in ``summary.json``.

    Parameters
    ----------
    run : RunData
        The run; without supervision tracking the table is empty, without a per-worker table it has
        only the all-workers row.

    Returns
    -------
    DataFrame
        ``tenure``, ``due``, ``held``, ``held_on_time``, ``held_late``, ``missed``, ``on_time_share``,
        ``missed_supervisor_capacity`` and ``missed_supervisee_away`` (all-workers row only).
    """
    if not run.supervision_tracked:
        return pd.DataFrame(columns=SUPERVISION_TABLE_COLUMNS)
    rows = []
    for label, table in _tenure_groups(run):
        per_rep = table.groupby("replication")[list(SUPERVISION_COLUMNS)].sum()
        if (
            label != ALL_WORKERS
            and per_rep["supervision_due"].sum() + per_rep["supervision_missed"].sum() == 0
        ):
            continue
        rows.append(_supervision_row(label, table, per_rep, run.replications))
    return pd.DataFrame(rows, columns=SUPERVISION_TABLE_COLUMNS)


def _tenure_groups(run: RunData) -> list[tuple[str, pd.DataFrame]]:
    """The ASYE and other-worker rows of the per-worker table (if any), then the teams' weekly table."""
    groups: list[tuple[str, pd.DataFrame]] = []
    if run.workers is not None:
        for flag, label in ((True, ASYE_TENURE), (False, "other workers")):
            groups.append((label, run.workers[run.workers["asye"].astype(bool) == flag]))
    groups.append((ALL_WORKERS, run.weekly))
    return groups


def _supervision_row(label: str, table: pd.DataFrame, per_rep: pd.DataFrame, reps: int) -> dict[str, Any]:
    """One row of :func:`supervision_table` from a group's sessions summed per replication."""
    totals = per_replication(per_rep, reps)
    share = on_time_share(
        per_rep["supervision_held"], per_rep["supervision_late"], per_rep["supervision_missed"]
    ).mean()
    row = {
        "tenure": label,
        "due": totals["supervision_due"],
        "held": totals["supervision_held"],
        "held_on_time": totals["supervision_held"] - totals["supervision_late"],
        "held_late": totals["supervision_late"],
        "missed": totals["supervision_missed"],
        "on_time_share": share,
        "missed_supervisor_capacity": math.nan,
        "missed_supervisee_away": math.nan,
    }
    if label == ALL_WORKERS:
        for reason in MISSED_REASONS:
            column = f"supervision_missed_{reason}"
            if column in table:
                row[f"missed_{reason}"] = per_replication(table[column], reps)
    return row


def asye_on_time_share(run: RunData) -> float | None:
    """The ASYE row's on-time share in :func:`supervision_table` (NaN possible); None without that row.

    The fallback for runs whose ``summary.json`` has no ``supervision_on_time_share_asye``.

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    float or None
    """
    tenure = supervision_table(run).set_index("tenure")
    if ASYE_TENURE not in tenure.index:
        return None
    return tenure.loc[ASYE_TENURE, "on_time_share"]
