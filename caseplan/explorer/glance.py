"""'Your team at a glance': the current scenario's run against the health-check report's thresholds.

Each check of the report (:data:`caseplan.report.THRESHOLDS`: caseload, load, waits, must-allocate cases,
contingency levels, supervision, CPD and ASYE time) becomes a green, amber or red light with its source, and
:func:`what_matters_most` says in one sentence which one to look at first. The checks are the report's own
(:func:`caseplan.report.checks.standards_checks` on the run written to a temporary folder), so the landing
page and ``caseplan report`` never disagree.
"""

from __future__ import annotations

import pandas as pd

from caseplan.explorer.contingency import run_data
from simulator.run import ScenarioResult

LIGHTS = {"breached": "red", "at risk": "amber", "met": "green", "not recorded": "grey"}
"""The colour of each check status."""

PRIORITY = ("must_allocate", "waits_28", "excessive", "over_100", "caseload", "severe_levels", "supervision_asye",
            "supervision", "asye_protected", "cpd")  # fmt: skip
"""Which check matters most when several fail: children without a worker first, then workloads, then the
plan's escalation, then supervision and development time."""

WAITING_TYPES = {"waiting_cp": "child protection", "waiting_cla": "looked after", "waiting_court": "court",
                 "waiting_s47": "s47 enquiry", "waiting_assessment": "assessment", "waiting_cin": "child in need",
                 "waiting_screening": "screening"}  # fmt: skip
"""The weekly columns of cases waiting for a worker, by case type, with their names."""


def team_checks(result: ScenarioResult) -> pd.DataFrame:
    """The health-check report's checks of ``result``, with a colour.

    Parameters
    ----------
    result : ScenarioResult

    Returns
    -------
    DataFrame
        :data:`caseplan.report.checks.CHECK_COLUMNS` and ``light`` (:data:`LIGHTS`), in the report's order.

    Raises
    ------
    caseplan.report.ReportError
        The run cannot be reported on (e.g. no weeks after the warm-up).
    """
    from caseplan.report.checks import standards_checks

    checks = standards_checks(run_data(result))
    return checks.assign(light=checks["status"].map(LIGHTS).fillna("grey"))


def what_matters_most(checks: pd.DataFrame) -> str:
    """One sentence: the most important breached check (else the most important at risk), or that all hold.

    Parameters
    ----------
    checks : DataFrame
        :func:`team_checks`.

    Returns
    -------
    str
    """
    for status in ("breached", "at risk"):
        failing = checks[checks["status"] == status]
        if not failing.empty:
            rank = failing["check"].map({name: i for i, name in enumerate(PRIORITY)}).fillna(len(PRIORITY))
            first = failing.loc[rank.idxmin()]
            others = len(failing) - 1
            more = f" ({others} other check{'s' if others != 1 else ''} {status} too)" if others else ""
            return f"What matters most: {first['title']} ({first['standard']}, {status}) — {first['text']}{more}."
    if (checks["status"] == "met").any():
        return "Every standard checked is met in this scenario after the warm-up."
    return "The run recorded none of the figures the standards are checked on."


def waiting_by_type(weekly: pd.DataFrame) -> pd.DataFrame:
    """Cases waiting for a worker at a week's end, by case type: the mean over the measured weeks and the
    highest week, summed over teams and averaged over replications.

    Parameters
    ----------
    weekly : DataFrame
        :attr:`ScenarioResult.weekly`.

    Returns
    -------
    DataFrame
        ``case type``, ``waiting (mean)``, ``waiting (highest week)``; types the run did not record are left out.
    """
    columns = [c for c in WAITING_TYPES if c in weekly]
    measured = weekly[~weekly["warmup"]] if "warmup" in weekly else weekly
    per_week = measured.groupby(["replication", "week"])[columns].sum()
    mean = per_week.groupby("replication").mean().mean()
    highest = per_week.groupby("replication").max().mean()
    return pd.DataFrame(
        {
            "case type": [WAITING_TYPES[c] for c in columns],
            "waiting (mean)": [round(float(mean[c]), 1) for c in columns],
            "waiting (highest week)": [round(float(highest[c]), 1) for c in columns],
        }
    )
