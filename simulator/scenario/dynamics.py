"""Schema sections ``workforce``, ``supervision`` and ``cpd`` (DESIGN §4; issue 5).

Defaults cite ``shared/reference/domain-figures.md`` (DF §n); figures no source gives are marked
*assumption*. Without a ``workforce`` section the team is static (the foundation model): nobody is
absent beyond the expected ``capacity.absence_share``, leaves or joins.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from simulator.scenario.base import MONTHS, Probability, Share, Strict
from simulator.scenario.durations import Duration, Lognormal, Uniform


class Outbreak(Strict):
    """A one-off wave of sickness (e.g. flu or norovirus) on top of the usual spells."""

    start_week: float = Field(ge=0, description="Week the outbreak starts.")
    share_affected: Probability = Field(description="Share of the staff who fall sick.")
    mean_working_days: float = Field(
        5.0, gt=0, le=120, description="Mean length of their spell, working days."
    )


class Sickness(Strict):
    """Short sickness spells: alternating present and sick periods with exponential lengths."""

    share: Share = Field(0.035, description="Long-run share of time off sick (DfE 3.5%, 2025; DF §1).")
    mean_spell_working_days: float = Field(
        3.0, gt=0, le=60, description="Mean length of a short spell, working days. Assumption."
    )
    outbreaks: list[Outbreak] = Field(default_factory=list, description="One-off waves of sickness.")


class LongTermAbsence(Strict):
    """Rare long spells (e.g. surgery, stress); a worker's cases go back to the pool after a while."""

    spells_per_fte_year: float = Field(
        0.04, ge=0, le=5, description="Long spells starting per FTE per year. Assumption."
    )
    duration: Duration = Field(
        default_factory=lambda: Lognormal(kind="lognormal", mean=10, cv=0.6, unit="weeks"),
        description="Length of a long spell. Assumption: mean 10 weeks.",
    )


class AnnualLeave(Strict):
    """Annual leave as a share of each month's working time, heavier in summer, lighter in December."""

    days_per_year: float = Field(
        35.0, ge=0, le=100, description="Leave days per FTE a year: 27 days + 8 bank holidays. Assumption."
    )
    month_weights: dict[Literal[MONTHS], Annotated[float, Field(ge=0, le=5)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"jul": 1.2, "aug": 1.6, "dec": 0.8},
        description="Month → relative amount of leave taken (missing months = 1). Assumption.",
    )


class Turnover(Strict):
    """Resignations as a weekly hazard from an annual rate; higher in the first year of service."""

    annual_rate: Probability = Field(
        0.14, description="Share of staff leaving a year (DfE 11.8-15.9%, 2023-2025; DF §1)."
    )
    first_year_factor: float = Field(
        1.5,
        ge=0,
        le=10,
        description="Hazard multiplier in the first year with the employer. Assumption: 24% of register "
        "leavers had been registered < 1 year (SWE 2022, DF §1).",
    )
    notice_weeks: float = Field(
        4, ge=0, le=26, description="Notice period, weeks. Assumption (DF §7: not found)."
    )
    new_cases_in_notice: bool = Field(False, description="Whether a worker under notice gets new cases.")


class Recruitment(Strict):
    """Permanent recruitment to a vacant post."""

    lag: Duration = Field(
        default_factory=lambda: Uniform(kind="uniform", low=12, high=16, unit="weeks"),
        description="Time from the vacancy opening to the new starter. Assumption: 12-16 weeks (DF §7).",
    )
    starts_at: Literal["notice", "leaving"] = Field(
        "leaving", description="Recruitment starts when notice is given or when the worker has left."
    )


class AsyeCohort(Strict):
    """Newly qualified social workers who join together (e.g. every September)."""

    date: dt.date = Field(description="Date the cohort joins; must fall inside the horizon.")
    count: int = Field(1, ge=1, le=1000, description="Workers per team in the cohort.")
    fte: float = Field(1.0, gt=0, le=1.5)
    teams: list[str] | None = Field(None, description="Teams that take the cohort. Default: every team.")
    repeat_yearly: bool = Field(False, description="A new cohort on the same day every year.")
    joins: Literal["vacancies_only", "vacancies_first", "extra_posts"] = Field(
        "vacancies_first",
        description="Joiners take vacant posts (ending their recruitment); vacancies_first then adds posts, "
        "vacancies_only does not, extra_posts always adds posts.",
    )


class Agency(Strict):
    """Agency social workers covering vacancies (DF §1: ≈80% of agency workers cover a vacancy)."""

    cover_vacancies: Probability = Field(
        0.8, description="Chance a vacancy is covered by an agency worker until filled. Assumption."
    )
    lead_time: Duration = Field(
        default_factory=lambda: Uniform(kind="uniform", low=1, high=2, unit="weeks"),
        description="Time from the request to the agency worker starting. Assumption: 1-2 weeks (DF §7).",
    )
    day_rate: float = Field(
        350.0,
        ge=0,
        le=10_000,
        description="Cost per working day, £ (Sheffield managed teams 2021/22, DF §7).",
    )
    permanent_day_cost: float = Field(
        296.0,
        ge=0,
        le=10_000,
        description="Cost of a permanent worker's day, £, for the agency premium: £40/h × 7.4 h "
        "(PSSRU 2013/14 unit cost incl. overheads, DF §7).",
    )
    annual_leaving_rate: Probability = Field(
        0.5, description="Share of agency workers who leave within a year at short notice. Assumption."
    )
    notice_weeks: float = Field(1, ge=0, le=26, description="Agency notice, weeks. Assumption.")


class Workforce(Strict):
    """Staff dynamics. Leave a part out (null) to switch it off."""

    sickness: Sickness | None = Field(
        default_factory=Sickness,
        description="Short sickness spells; when on they replace capacity.absence_share.",
    )
    long_term_absence: LongTermAbsence | None = Field(default_factory=LongTermAbsence)
    annual_leave: AnnualLeave | None = Field(default_factory=AnnualLeave)
    turnover: Turnover | None = Field(default_factory=Turnover)
    recruitment: Recruitment = Field(default_factory=Recruitment)
    agency: Agency = Field(default_factory=Agency)
    asye_cohorts: list[AsyeCohort] = Field(default_factory=list)
    reallocate_after_absent_weeks: float = Field(
        4,
        ge=0,
        le=52,
        description="An absent worker's cases go back to the allocation pool (continuity lost) after this "
        "many weeks; before that the team covers them. Assumption.",
    )


class Supervision(Strict):
    """Supervision sessions (Standard 5): cadence, length and the supervisor's finite time."""

    session_hours: float = Field(1.5, ge=0, le=8, description="Hours per session (Standard 5, DF §4).")
    interval_weeks: float = Field(
        52 / 12,
        gt=0,
        le=26,
        description="Weeks between sessions after the ASYE's first six months (monthly).",
    )
    track: bool = Field(
        True, description="Schedule sessions against the supervisors' time and count compliance."
    )
    supervisor_share: Share = Field(
        0.2, description="Share of a supervisor's available hours that can go to sessions. Assumption."
    )
    missed_after_weeks: float = Field(
        2, gt=0, le=26, description="A session not held this many weeks after it was due is missed."
    )


class Cpd(Strict):
    """Continuing professional development time (Standard 6)."""

    share: Share = Field(
        0.025, description="CPD reserve, share of contract. Assumption: Standard 6 sets no number (DF §4)."
    )
