"""The ASYE table (Standard 6): protected development time, supervision and load in the first year.

An ASYE is a worker in the assessed year (:mod:`caseplan.report.roles`), in every row.
"""

from __future__ import annotations

import math

import pandas as pd

from caseplan.report.aggregate import per_replication
from caseplan.report.run_data import RunData, figure_mean
from caseplan.report.supervision import asye_on_time_share
from caseplan.report.workload import measured_load

ASYE_COLUMNS = ["measure", "value", "kind"]


def asye_table(run: RunData) -> pd.DataFrame:
    """ASYE protection: protected development time kept, supervision and load in the first year.

    Parameters
    ----------
    run : RunData
        The run; the table is empty when no ASYE in their first year worked in the measured weeks.

    Returns
    -------
    DataFrame
        ``measure``, ``value`` and ``kind`` (the format of the value, see :func:`format_figure`).
        Hours and worker-weeks are per replication; shares are the ``summary.json`` figures where the
        run has them.
    """
    weekly, reps = run.weekly, run.replications
    planned = per_replication(weekly["asye_protected_hours"], reps)
    if planned <= 0:
        return pd.DataFrame(columns=ASYE_COLUMNS)
    kept = per_replication(weekly["asye_protected_kept_hours"], reps)
    rows = [
        ("protected development hours reserved (per replication)", planned, "number"),
        ("protected development hours kept (per replication)", kept, "number"),
        ("protected development hours lost to overload (per replication)", planned - kept, "number"),
        (
            "share of protected time kept (each replication's share, averaged, as in the headline)",
            figure_mean(run.figures, "asye_protected_kept_share"),
            "percent",
        ),
    ]
    if run.supervision_tracked:
        rows.append(("supervision sessions held on time", _asye_supervision(run), "percent"))
    if run.workers is not None:
        rows += _first_year_load(run.workers, reps)
    return pd.DataFrame(rows, columns=ASYE_COLUMNS)


def _asye_supervision(run: RunData) -> float | None:
    """The ASYE on-time share: from ``summary.json``, else from the per-worker table."""
    on_time = figure_mean(run.figures, "supervision_on_time_share_asye")
    if on_time is None and run.workers is not None:
        on_time = asye_on_time_share(run)
    return on_time


def _first_year_load(workers: pd.DataFrame, reps: int) -> list[tuple[str, float, str]]:
    """The rows of :func:`asye_table` on ASYE worker-weeks and load in the first year."""
    first_year = measured_load(workers[workers["asye"].astype(bool)])
    load = first_year["load_ratio"].mean() if len(first_year) else math.nan
    return [
        ("ASYE worker-weeks in the first year (per replication)", len(first_year) / reps, "number"),
        ("mean load of ASYE in the first year (load ÷ case capacity)", load, "percent"),
    ]
