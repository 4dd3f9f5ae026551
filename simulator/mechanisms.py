"""The mechanisms that move a scenario's outcomes, read from its weekly team table (DESIGN §14).

A comparison of two scenarios says *why* an outcome differs by showing, beside it, what changed underneath:
demand (referrals, re-referrals), capacity (staff in post, absence, vacancies, agency cover, ASYE protected
time), the contingency plan's actions (step-downs, screening out, overtime, borrowing, agency, CPD paused)
and allocation (cases moved). Each mechanism is one number per replication, computed from the measured
(post-warm-up) weeks of the weekly table, so it can be paired across scenarios like a summary figure: the
same function serves ``caseplan explain``, ``caseplan compare --explain`` on a batch and the explorer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

GROUP_TITLES = {
    "demand": "demand",
    "capacity": "capacity",
    "plan": "the plan's actions",
    "allocation": "allocation",
}
"""The mechanism groups, in the order a comparison shows them, with their headings."""


@dataclass(frozen=True)
class Mechanism:
    """One mechanism: a weekly-table column summarised over the measured weeks.

    Its value is the column's total over the measured weeks divided by their number: for a flow (referrals)
    that is a rate a week, for a stock (FTE in post, summed over teams in each week) the service's mean
    level in a week; a ``share of team-weeks`` unit divides by the measured team-weeks instead.
    """

    name: str
    group: str
    label: str
    unit: str
    column: str


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("referrals", "demand", "referrals (new and re-referrals)", "a week", "referrals"),
    Mechanism("re_referrals", "demand", "re-referrals", "a week", "re_referrals"),
    Mechanism("in_post_fte", "capacity", "staff in post", "FTE", "in_post_fte"),
    Mechanism("absent_fte", "capacity", "staff absent", "FTE", "absent_fte"),
    Mechanism("vacancies_fte", "capacity", "vacant posts", "FTE", "vacancies_fte"),
    Mechanism("cover_agency_fte", "capacity", "agency cover for vacancies", "FTE", "cover_agency_fte"),
    Mechanism(
        "asye_protected_hours", "capacity", "ASYE protected time", "hours a week", "asye_protected_hours"
    ),
    Mechanism("supervision_due", "capacity", "supervision sessions due", "a week", "supervision_due"),
    Mechanism(
        "case_capacity_hours", "capacity", "case hours available", "hours a week", "case_capacity_hours"
    ),
    Mechanism("stepped_down", "plan", "cases stepped down", "a week", "stepped_down"),
    Mechanism("screened_out", "plan", "referrals screened out", "a week", "screened_out"),
    Mechanism("overtime_hours", "plan", "overtime", "hours a week", "overtime_hours"),
    Mechanism("borrowed_fte", "plan", "staff borrowed from other teams", "FTE", "borrowed_fte"),
    Mechanism("plan_agency_fte", "plan", "agency workers called in by the plan", "FTE", "plan_agency_fte"),
    Mechanism("cpd_paused", "plan", "teams with CPD paused", "share of team-weeks", "cpd_paused"),
    Mechanism("moves", "allocation", "cases handed from one worker to another", "a week", "moves"),
)
"""Every mechanism, in the order a comparison shows them."""


def mechanism_figures(weekly: pd.DataFrame) -> dict[str, float]:
    """Each mechanism of one replication, from its weekly team table.

    Parameters
    ----------
    weekly : DataFrame
        The weekly team rows of one replication (``weekly.parquet`` of ``caseplan run``, or a batch's
        stored weekly table), with the ``warmup`` and ``week`` columns; warm-up weeks are left out.

    Returns
    -------
    dict
        Mechanism name → value; a mechanism whose column the run did not record (no plan, a static team)
        is left out, so an absent mechanism is not mistaken for a zero.
    """
    measured = weekly[~weekly["warmup"].astype(bool)]
    weeks = measured["week"].nunique()
    team_weeks = len(measured)
    figures = {}
    for mechanism in MECHANISMS:
        if mechanism.column not in measured:
            continue
        total = float(measured[mechanism.column].sum())
        if mechanism.unit == "share of team-weeks":
            figures[mechanism.name] = total / team_weeks if team_weeks else math.nan
        else:
            figures[mechanism.name] = total / weeks if weeks else math.nan
    return figures


def mechanism_runs(weekly: pd.DataFrame, by: tuple[str, ...] = ("replication",)) -> pd.DataFrame:
    """Mechanism figures of every run in a weekly table holding several (one row per run).

    Parameters
    ----------
    weekly : DataFrame
        Weekly team rows of several runs, told apart by the ``by`` columns (``replication``, and
        ``scenario`` for a batch).
    by : tuple of str
        The columns that identify a run.

    Returns
    -------
    DataFrame
        The ``by`` columns and one column per mechanism.
    """
    rows = [
        {**dict(zip(by, key if isinstance(key, tuple) else (key,))), **mechanism_figures(group)}
        for key, group in weekly.groupby(list(by), sort=True)
    ]
    return pd.DataFrame(rows, columns=[*by, *(m.name for m in MECHANISMS)]).dropna(axis=1, how="all")
