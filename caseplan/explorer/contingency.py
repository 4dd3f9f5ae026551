"""What the Contingency dashboard shows of a run: levels by week, level changes, totals, compliance.

The level timeline and the changes are those of replication 0, as ``caseplan run`` prints them; the totals
and the compliance figures are the run's summary (after the warm-up, mean over replications with a 95%
interval). :func:`health_check_html` writes the run and builds the health-check report of
``caseplan report`` from it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from caseplan.explorer.results import summary_table
from simulator.level_changes import level_changes as gathered_level_changes
from simulator.run import ScenarioResult, write_outputs
from simulator.scenario import Scenario

if TYPE_CHECKING:
    from caseplan.report.run_data import RunData

DEFAULT_LEVEL_NAMES = {1: "normal", 2: "pressure", 3: "severe", 4: "critical"}

TIMELINE_COLUMNS = ["week", "week_start", "week_end", "team", "level", "level_name", "warmup"]
"""Columns of :func:`level_timeline`."""

CHANGE_COLUMNS = ["week", "date", "team", "level", "level_name", "triggered_by", "actions_started",
                  "actions_ended", "actions_not_started", "cost", "warmup"]  # fmt: skip
"""Columns of :func:`level_changes`."""

TOTALS = ("team_weeks_at_level_1", "team_weeks_at_level_2", "team_weeks_at_level_3",
          "team_weeks_at_level_4", "contingency_cost", "overtime_hours", "escalations",
          "cases_stepped_down", "referrals_screened_out", "cpd_pause_team_weeks")  # fmt: skip
"""Summary figures of the plan (present only in runs with a contingency section)."""

COMPLIANCE = {
    "supervision_on_time_share": "supervision sessions held on time (share)",
    "supervision_missed": "supervision sessions missed",
    "cpd_taken_share": "CPD taken ÷ planned",
    "cpd_hours_lost": "CPD hours lost (pause or overload)",
    "asye_protected_kept_share": "ASYE protected time kept (share)",
}
"""Standards 5 and 6 figures of the summary, with their labels."""


def has_plan(scenario: Scenario) -> bool:
    """Whether ``scenario`` has a contingency section (a Standard 3 plan).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    bool
    """
    return scenario.contingency is not None


def level_names(scenario: Scenario) -> dict[int, str]:
    """Level → name: the plan's names over the defaults (1 normal, 2 pressure, 3 severe, 4 critical).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    dict of int to str
    """
    names = dict(DEFAULT_LEVEL_NAMES)
    if scenario.contingency is not None:
        names.update({level.level: level.name for level in scenario.contingency.levels if level.name})
    return names


def _first_replication(result: ScenarioResult) -> pd.DataFrame | None:
    timeline = result.timeline
    if timeline is None or timeline.empty:
        return None
    return timeline[timeline["replication"] == timeline["replication"].min()]


def _labelled(timeline: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Timeline rows with their level's name (``level_name``) and whether they fall in the warm-up."""
    return timeline.assign(
        level_name=timeline["level"].map(level_names(scenario)).fillna(""),
        warmup=timeline["week"] < scenario.meta.warmup_weeks,
    )


def level_timeline(result: ScenarioResult) -> pd.DataFrame:
    """Each team's level in every week of replication 0, for a level-by-week chart.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        :data:`TIMELINE_COLUMNS` (``week_end`` is the next week's start; ``warmup`` marks the warm-up
        weeks); empty without a plan.
    """
    first = _first_replication(result)
    if first is None:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    table = _labelled(first, result.scenario).assign(week_end=first["week_start"] + pd.Timedelta(days=7))
    return table.loc[:, TIMELINE_COLUMNS].reset_index(drop=True)


def level_changes(result: ScenarioResult) -> pd.DataFrame:
    """The level changes of replication 0: when, which team, why, what started and ended, the cost.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        :data:`CHANGE_COLUMNS`: ``date`` is the week's start, ``cost`` the plan's cost (£) of that week,
        the actions are comma-separated ``kind@level`` as in ``contingency.parquet`` (those of a later
        week before the next change carry it; one that could not start, its reason); empty without a plan
        or without changes.
    """
    first = _first_replication(result)
    if first is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    changes = gathered_level_changes(first)  # each change with the actions up to the next, as `caseplan run`
    table = _labelled(changes, result.scenario).assign(date=changes["week_start"].dt.date)
    return table.loc[:, CHANGE_COLUMNS].reset_index(drop=True)


def contingency_totals(result: ScenarioResult) -> pd.DataFrame:
    """The plan's totals after the warm-up: team-weeks at each level, cost, overtime, escalations, ….

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        As :func:`caseplan.explorer.results.summary_table`; the levels are labelled with their names.
        Empty without a plan.
    """
    names = level_names(result.scenario)
    labels = {f"team_weeks_at_level_{n}": f"team-weeks at level {n} ({names[n]})" for n in (1, 2, 3, 4)}
    labels.update(contingency_cost="contingency cost (£)", cases_stepped_down="cases stepped down")
    return summary_table(result, TOTALS, labels)


def compliance_table(result: ScenarioResult) -> pd.DataFrame:
    """Supervision (Standard 5) and CPD and ASYE protected time (Standard 6) after the warm-up.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        As :func:`caseplan.explorer.results.summary_table`, the figures of :data:`COMPLIANCE` the run
        recorded (no supervision figures without ``supervision.track``).
    """
    return summary_table(result, tuple(COMPLIANCE), COMPLIANCE)


def health_check_html(result: ScenarioResult) -> bytes:
    """The health-check report (``caseplan report``) of ``result`` as one HTML page.

    The run is written with :func:`simulator.run.write_outputs` into a temporary directory, read back and
    reported on; nothing is left on disk.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    bytes
        The self-contained page (UTF-8; it embeds plotly.js, about 5 MB).

    Raises
    ------
    caseplan.report.ReportError
        The run cannot be reported on (e.g. no weeks after the warm-up).
    """
    from caseplan.report import build_report, write_report  # imports plotly: only when asked

    run = run_data(result)
    with tempfile.TemporaryDirectory(prefix="caseplan-report-") as directory:
        page = Path(directory) / "report.html"
        write_report(build_report(run), page)
        return page.read_bytes()


def run_data(result: ScenarioResult) -> RunData:
    """``result`` as the health-check report reads a run: written with :func:`simulator.run.write_outputs`
    into a temporary folder and read back with :func:`caseplan.report.read_run` (nothing is left on disk),
    so the explorer's checks and report are those of ``caseplan report`` on the same run.

    Raises
    ------
    caseplan.report.ReportError
        The run cannot be reported on (e.g. no weeks after the warm-up).
    """
    from caseplan.report import read_run

    with tempfile.TemporaryDirectory(prefix="caseplan-run-") as directory:
        run_dir = Path(directory) / "run"
        write_outputs(result, run_dir)
        return read_run(run_dir)
