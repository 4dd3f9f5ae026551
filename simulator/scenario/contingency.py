"""Schema section ``contingency``: the Standard 3 plan for when demand exceeds capacity (DESIGN §6).

A team is at level 1 (normal) until the indicators of a higher level pass their thresholds for
``enter_after_weeks`` weeks in a row; it leaves the level after ``leave_after_weeks`` weeks below. Every
level lists actions (agency, overtime, borrowing, pausing CPD, stepping down cases, raising thresholds,
escalation), each with a lead time, a duration and a cost. Indicators are columns of the weekly table.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from simulator.scenario.base import FieldError, Strict
from simulator.text_input import excerpt

INDICATORS: dict[str, tuple[str, str]] = {
    # name: (what it measures, range: "count", "share" in [0, 1], "ratio" ≥ 0, "days")
    "unallocated": ("cases waiting for a worker at the week's end", "count"),
    "unallocated_urgent": ("urgent cases waiting", "count"),
    "unallocated_must_allocate": (
        "must-allocate cases (CP, CLA, court) that missed an urgent meeting: any is critical",
        "count",
    ),
    "unallocated_over_14_days": ("cases waiting longer than 2 weeks (Cumberland escalation age)", "count"),
    "unallocated_over_28_days": ("cases waiting longer than 4 weeks (Walsall escalation age)", "count"),
    "oldest_unallocated_days": ("age of the oldest waiting case, days", "days"),
    "load_ratio": ("team load / team case capacity", "ratio"),
    "max_worker_load_ratio": ("highest worker load ratio", "ratio"),
    "workers_over_100": ("workers above 100% of case capacity", "workers"),
    "workers_excessive": ("workers above 110% for 4 weeks in a row (probation WMT rule)", "workers"),
    "overdue_assessments": ("assessments open longer than the limit (45 working days)", "count"),
    "supervision_missed": ("supervision sessions missed this week", "count"),
    "cpd_taken_share": ("CPD hours taken / reserved this week (lower is worse)", "share"),
    "vacancy_rate": ("vacant posts / establishment, FTE", "share"),
    "agency_rate": ("agency FTE / all FTE in post", "share"),
    "absence_rate": ("share of FTE absent (sickness and long-term)", "share"),
}
"""Indicators a level or an action may name (DESIGN §6), with their meaning and range."""

WAITING_PREFIX = "waiting_"
"""``waiting_<case type>``: cases of that type waiting for a worker (checked against the case types)."""

_THRESHOLD = re.compile(r"^\s*(>=|<=|>|<)?\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*$")


def parse_threshold(value: float | str) -> tuple[str, float]:
    """``3`` or ``">= 3"`` → ``(">=", 3.0)``; ``"< 0.5"`` → ``("<", 0.5)``. A bare number means ``>=``."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a threshold; write a number or e.g. '>= 3', '< 0.5'")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"'{value}' is not a threshold; it must be a finite number")
        return ">=", float(value)
    match = _THRESHOLD.match(str(value))
    if match is None:
        raise ValueError(f"{excerpt(value)} is not a threshold; write a number or e.g. '>= 3', '< 0.5'")
    number = float(match.group(2))
    if not math.isfinite(number):  # e.g. '>= 1e400'
        raise ValueError(f"{excerpt(value)} is not a threshold; it must be a finite number")
    return match.group(1) or ">=", number


def severity(op: str, value: float) -> tuple[float, int]:
    """Order of thresholds on one indicator: a higher key is met later (more severe)."""
    strict = op in (">", "<")
    return (value, strict) if op[0] == ">" else (-value, strict)


def _finite_threshold(value: object) -> object:
    """An infinite or NaN threshold is refused before the number-or-text union (one message, not two)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"'{value}' is not a threshold; it must be a finite number")
    return value


Threshold = Annotated[
    float | str,
    BeforeValidator(_finite_threshold),
    Field(description="A number (meaning ≥) or '>= x', '> x', '<= x', '< x'."),
]


def unknown_indicator(name: str, case_types: list[str] | None = None) -> str:
    """The message for an indicator name that is not one (listing the valid ones)."""
    types = f" (case types: {', '.join(case_types)})" if case_types else ""
    return (
        f"unknown indicator '{name}'; known indicators: {', '.join(INDICATORS)}, "
        f"or {WAITING_PREFIX}<case type>{types}"
    )


def _check_conditions(value: dict[str, float | str]) -> dict[str, float | str]:
    for name, threshold in value.items():
        if name not in INDICATORS and not name.startswith(WAITING_PREFIX):
            raise FieldError(
                (name,),
                f"unknown indicator '{name}'; known indicators: {', '.join(INDICATORS)}, "
                f"or {WAITING_PREFIX}<case type>",
            )
        try:
            parse_threshold(threshold)
        except ValueError as err:
            raise FieldError((name,), str(err)) from None
    return value


class _Action(Strict):
    lead_weeks: int = Field(0, ge=0, le=52, description="Weeks from the decision to the effect.")
    duration_weeks: int | None = Field(
        None, ge=1, le=520, description="Weeks the action lasts (null = while the level holds)."
    )
    only_if: dict[str, Threshold] = Field(
        default_factory=dict, description="Extra indicator conditions for starting the action."
    )

    @field_validator("only_if")
    @classmethod
    def _only_if_known(cls, value: dict[str, float | str]) -> dict[str, float | str]:
        return _check_conditions(value)


class AgencyAction(_Action):
    kind: Literal["agency"]
    workers: int = Field(1, ge=1, le=100, description="Agency workers requested.")
    fte: float = Field(1.0, gt=0, le=1.5)
    lead_weeks: int = Field(2, ge=0, le=52, description="Weeks to start. Assumption: 1-2 weeks (DF §7).")
    day_rate: float | None = Field(
        None, ge=0, le=10_000, description="£ per working day (default workforce.agency.day_rate or 350)."
    )


class OvertimeAction(_Action):
    kind: Literal["overtime"]
    hours_per_week: float = Field(gt=0, le=1000, description="Team overtime cap, hours/week.")
    rate_per_hour: float = Field(
        60.0, ge=0, le=1000, description="£ per hour: £40/h unit cost (PSSRU 2013/14, DF §7) × 1.5."
    )


class BorrowAction(_Action):
    kind: Literal["borrow"]
    fte: float = Field(1.0, gt=0, le=10, description="FTE lent by the least-loaded team at level 1.")
    lender_max_load_ratio: float = Field(
        0.9, gt=0, le=3, description="A team lends only while its load ratio is below this."
    )
    cost_per_week: float = Field(0.0, ge=0, le=1e6, description="Recharge per week, £.")


class PauseCpdAction(_Action):
    kind: Literal["pause_cpd"]


class StepDownAction(_Action):
    kind: Literal["step_down"]
    case_types: list[str] = Field(
        default_factory=lambda: ["cin"], min_length=1, description="Low-risk case types to step down."
    )
    cases_per_week: int = Field(2, ge=1, le=1000, description="Cases stepped down a week at most.")


class RaiseThresholdAction(_Action):
    kind: Literal["raise_threshold"]
    referral_factor: float = Field(
        0.9, gt=0, le=1, description="Share of the team's referrals still accepted at the front door."
    )


class EscalateAction(_Action):
    kind: Literal["escalate"]
    to: str = Field("service_manager", min_length=1, max_length=60, description="Who is told.")


Action = Annotated[
    AgencyAction
    | OvertimeAction
    | BorrowAction
    | PauseCpdAction
    | StepDownAction
    | RaiseThresholdAction
    | EscalateAction,
    Field(discriminator="kind"),
]


class Level(Strict):
    """One escalation level above normal (1): when a team enters it and what is done."""

    level: int = Field(ge=2, le=4, description="2 pressure, 3 severe, 4 critical (OPEL-style, DF §6).")
    name: str = Field("", max_length=60)
    when: dict[str, Threshold] = Field(
        min_length=1, description="Indicator → threshold; the level's condition holds if any is met."
    )
    enter_after_weeks: int = Field(1, ge=1, le=52, description="Weeks in a row above before entering.")
    leave_after_weeks: int = Field(2, ge=1, le=52, description="Weeks in a row below before leaving.")
    actions: list[Action] = Field(default_factory=list)

    @field_validator("when")
    @classmethod
    def _when_known(cls, value: dict[str, float | str]) -> dict[str, float | str]:
        return _check_conditions(value)


class Contingency(Strict):
    levels: list[Level] = Field(min_length=1, max_length=3, description="Levels 2-4, in increasing order.")
    cumulative_actions: bool = Field(
        True, description="At a level, the actions of the lower levels also run."
    )
    assessment_type: str = Field("assessment", description="Case type counted by overdue_assessments.")
    assessment_limit_working_days: float = Field(
        45, gt=0, le=520, description="Assessment time limit (Working Together: 45 working days)."
    )

    @model_validator(mode="after")
    def _levels_monotone(self) -> Contingency:
        numbers = [lv.level for lv in self.levels]
        if any(b <= a for a, b in zip(numbers, numbers[1:])):
            raise FieldError(("levels",), f"levels must be increasing without repeats (got {numbers})")
        for hi, high in enumerate(self.levels):
            for low in self.levels[:hi]:
                for name in sorted(set(low.when) & set(high.when)):
                    _check_more_severe(low, high, name, ("levels", hi, "when", name))
        return self


def _check_more_severe(low: Level, high: Level, name: str, loc: tuple) -> None:
    op_low, v_low = parse_threshold(low.when[name])
    op_high, v_high = parse_threshold(high.when[name])
    if op_low[0] != op_high[0]:
        raise FieldError(
            loc,
            f"level {high.level} compares {name} with '{op_high}' but level {low.level} with '{op_low}'; "
            "use the same direction",
        )
    if severity(op_high, v_high) < severity(op_low, v_low):
        raise FieldError(
            loc,
            f"level {high.level} threshold {op_high} {v_high:g} is met before level {low.level}'s "
            f"{op_low} {v_low:g}; a higher level needs a threshold at least as severe",
        )
