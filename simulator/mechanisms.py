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
from typing import Literal

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

    ``per_week`` is the column's total over the measured weeks divided by their number (a flow such as
    referrals a week), or the service's mean level in a week (a stock such as FTE in post: the column is
    summed over teams in each week, then averaged over weeks); both give the same per-week scale.
    ``pressure`` is +1 when more of it puts more pressure on the team, −1 when it relieves it, 0 for the
    plan's actions (which respond to pressure).
    """

    name: str
    group: str
    label: str
    unit: str
    column: str
    pressure: Literal[-1, 0, 1]


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("referrals", "demand", "referrals (new and re-referrals)", "a week", "referrals", 1),
    Mechanism("re_referrals", "demand", "re-referrals", "a week", "re_referrals", 1),
    Mechanism("in_post_fte", "capacity", "staff in post", "FTE", "in_post_fte", -1),
    Mechanism("absent_fte", "capacity", "staff absent", "FTE", "absent_fte", 1),
    Mechanism("vacancies_fte", "capacity", "vacant posts", "FTE", "vacancies_fte", 1),
    Mechanism("cover_agency_fte", "capacity", "agency cover for vacancies", "FTE", "cover_agency_fte", -1),
    Mechanism(
        "asye_protected_hours", "capacity", "ASYE protected time", "hours a week", "asye_protected_hours", 1
    ),
    Mechanism(
        "case_capacity_hours", "capacity", "case hours available", "hours a week", "case_capacity_hours", -1
    ),
    Mechanism("stepped_down", "plan", "cases stepped down", "a week", "stepped_down", 0),
    Mechanism("screened_out", "plan", "referrals screened out", "a week", "screened_out", 0),
    Mechanism("overtime_hours", "plan", "overtime", "hours a week", "overtime_hours", 0),
    Mechanism("borrowed_fte", "plan", "staff borrowed from other teams", "FTE", "borrowed_fte", 0),
    Mechanism("plan_agency_fte", "plan", "agency workers called in by the plan", "FTE", "plan_agency_fte", 0),
    Mechanism("cpd_paused", "plan", "teams with CPD paused", "share of team-weeks", "cpd_paused", 0),
    Mechanism("moves", "allocation", "cases handed from one worker to another", "a week", "moves", 0),
)
"""Every mechanism, in the order a comparison shows them."""

BY_NAME = {m.name: m for m in MECHANISMS}


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
