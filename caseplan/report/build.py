"""Building a report: every table, the checks and the HTML page of a run (nothing is written)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from caseplan.report.asye import asye_table
from caseplan.report.checks import standards_checks
from caseplan.report.cpd import cpd_over_time, cpd_table
from caseplan.report.headline import headline_table
from caseplan.report.levels import level_changes, levels_table
from caseplan.report.page import render_html
from caseplan.report.run_data import RunData
from caseplan.report.supervision import supervision_table
from caseplan.report.thresholds import thresholds_table
from caseplan.report.waits import waits_over_time
from caseplan.report.workload import (
    caseload_distribution,
    caseload_over_time,
    load_ratio_bands,
    load_ratio_by_role,
)


@dataclass
class Report:
    """A built report: the HTML page, its tables (name → DataFrame, written as ``report_<name>.csv``)
    and its checks."""

    html: str
    tables: dict[str, pd.DataFrame]
    checks: pd.DataFrame


def report_tables(run: RunData) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the name its CSV file takes (``report_<name>.csv``).

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    dict
        Name → DataFrame; a table whose data the run did not record is empty (headers only).
    """
    return {
        "headline": headline_table(run.figures),
        "checks": standards_checks(run),
        "caseload_weekly": caseload_over_time(run.weekly),
        "caseload_distribution": caseload_distribution(run.weekly),
        "load_ratio": load_ratio_by_role(run.workers),
        "load_ratio_bands": load_ratio_bands(run.workers),
        "supervision": supervision_table(run),
        "asye": asye_table(run),
        "cpd": cpd_table(run.weekly),
        "cpd_weekly": cpd_over_time(run.weekly),
        "waits_weekly": waits_over_time(run.weekly),
        "levels": levels_table(run),
        "level_changes": level_changes(run),
        "thresholds": thresholds_table(),
    }


def build_report(run: RunData, plotly: str = "inline") -> Report:
    """Build the report of a run: tables, checks and the HTML page (nothing is written).

    Parameters
    ----------
    run : RunData
        :func:`read_run`.
    plotly : {"inline", "cdn"}
        Where the page gets plotly.js (:data:`caseplan.report.charts.PLOTLY_SOURCES`).

    Returns
    -------
    Report
    """
    tables = report_tables(run)
    return Report(render_html(run, tables, plotly), tables, tables["checks"])
