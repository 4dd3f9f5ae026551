"""Pydantic models of a caseplan scenario: the one schema shared by the CLI, the app and batch runs.

Units: time in weeks unless a field says otherwise, work in hours per week. Defaults cite
``shared/reference/domain-figures.md`` (DF §n) or are marked as assumptions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from simulator.scenario.base import (
    CLOSE,
    MONTHS,
    Code,
    FieldError,
    Probability,
    Share,
    Strict,
    check_sums_to_one,
)
from simulator.scenario.contingency import WAITING_PREFIX, Contingency, unknown_indicator
from simulator.scenario.durations import (
    Duration,
)
from simulator.scenario.dynamics import Agency, Cpd, Supervision, Workforce

# --------------------------------------------------------------------------------------------- meta


class Meta(Strict):
    name: str = Field("scenario", min_length=1, max_length=200, description="Short scenario name.")
    description: str = Field("", max_length=5000, description="What question the scenario answers.")
    seed: int = Field(2026, ge=0, le=2**63 - 1, description="Root of every random stream (DESIGN §9).")
    start: dt.date = Field(dt.date(2026, 4, 1), description="Calendar date of simulated day 0.")
    horizon_weeks: int = Field(
        260, ge=1, le=10_400, description="Simulated length in weeks, warm-up included."
    )
    warmup_weeks: int = Field(
        52, ge=0, le=10_399, description="Weeks discarded from metrics while the system fills (weeks)."
    )

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> Meta:
        if self.warmup_weeks >= self.horizon_weeks:
            raise ValueError(
                f"warmup_weeks ({self.warmup_weeks}) must be less than horizon_weeks ({self.horizon_weeks})"
            )
        return self


# --------------------------------------------------------------------------------------------- team

Role = Literal["social_worker", "senior_practitioner", "asye", "agency", "team_manager"]


class WorkerGroup(Strict):
    """``count`` identical workers; each gets a pseudonymous id ``<team>-<role>-<n>``."""

    count: int = Field(1, ge=1, le=5000, description="Number of workers in this group.")
    role: Role = Field("social_worker", description="Contract role; `asye` = NQSW in first year.")
    fte: float = Field(1.0, gt=0.0, le=1.5, description="Full-time equivalent (1.0 = contract hours).")
    start: dt.date | None = Field(
        None,
        description="Employment start (tenure). Default: meta.start for ASYE, five years before for others.",
    )
    skills: list[str] = Field(default_factory=list, description="Skills, e.g. court, disability.")
    team: str = Field("team-1", min_length=1, max_length=60, description="Team the group belongs to.")
    case_holding: bool | None = Field(
        None, description="Holds cases. Default: every role except team_manager."
    )
    supervises: bool = Field(False, description="Provides supervision sessions to the team.")
    id: Code | None = Field(
        None, description="Pseudonymous id (a code) of a single worker (count 1), e.g. from a snapshot."
    )
    resign_at_week: float | None = Field(
        None,
        ge=0,
        le=10_400,
        description="Whoever holds one of the group's posts in this week resigns (a wave of leavers, a "
        "starter who replaced an earlier leaver included); after their notice the posts fall vacant and "
        "are recruited to. Needs a workforce section with turnover.",
    )
    vacant: bool = Field(
        False,
        description="The group's posts start vacant: recruitment (and agency cover, as workforce.agency says) "
        "starts on day 0. Needs a workforce section.",
    )


class SnapshotFiles(Strict):
    """A real team today: the loader reads the two CSVs (DESIGN §8) into workers and open cases."""

    workers: str = Field(
        min_length=1,
        description="workers.csv (id, role, fte, start_date, skills, team), relative to this file.",
    )
    cases: str = Field(
        min_length=1,
        description="cases.csv (id, type, opened, worker_id or empty, priority, flags), relative to this file.",
    )
    as_of: dt.date | None = Field(None, description="Date of the snapshot; must be meta.start (the default).")


class OpenCase(Strict):
    """A case open on day 0 (from a snapshot): its stage, when it opened and who holds it."""

    id: Code = Field(description="Pseudonymous id of the case (a code).")
    type: str = Field(min_length=1, description="A held case type.")
    opened: dt.date
    team: str = Field(min_length=1, max_length=60)
    worker_id: Code | None = Field(None, description="Holder (null = waiting for allocation).")
    previous_worker_id: Code | None = None


class Team(Strict):
    workers: list[WorkerGroup] = Field(
        default_factory=list, description="Worker groups; at least one must hold cases (or give a snapshot)."
    )
    snapshot: SnapshotFiles | None = Field(
        None, description="Start from a real team: workers and open cases read from CSVs (no warm-up needed)."
    )
    open_cases: list[OpenCase] = Field(
        default_factory=list, description="Cases open on day 0; filled from the snapshot by the loader."
    )

    @model_validator(mode="after")
    def _someone_holds_cases(self) -> Team:
        if not self.workers:
            if self.snapshot is None:
                raise FieldError(("workers",), "needs at least 1 entry but is empty (or give team.snapshot)")
            return self  # the loader reads the snapshot into workers
        if not any(_holds_cases(g) for g in self.workers):
            raise ValueError("the team has no case-holding worker (all groups are team managers)")
        return self


def _holds_cases(group: WorkerGroup) -> bool:
    if group.case_holding is not None:
        return group.case_holding
    return group.role != "team_manager"


# ----------------------------------------------------------------------------------------- capacity


class Capacity(Strict):
    """Reserved time and caps of DESIGN §2 (shares are of contract hours)."""

    contract_hours: float = Field(
        37.0, gt=0, le=60, description="Full-time contract, hours/week (100 points)."
    )
    non_case_share: Share = Field(
        0.15, description="Non-case activity share of contract (Wirral 15 'stable' points, DF §5)."
    )
    asye_protected_share: Share = Field(
        0.10, description="ASYE protected development time (Skills for Care 10%, DF §4)."
    )
    asye_load_cap: float = Field(
        0.9, gt=0, le=1, description="ASYE case capacity as a share of an experienced worker's (DF §4)."
    )
    asye_months: int = Field(12, ge=1, le=36, description="Length of the ASYE, months.")
    absence_share: Share = Field(
        0.035, description="Expected sickness share of time (DfE 3.5%, 2025; DF §1)."
    )
    other_duties_hours: float = Field(
        0.0, ge=0, le=60, description="Other fixed duties, hours/week (e.g. duty rota). Assumption."
    )
    overload_ratio: float = Field(
        1.0, gt=0, le=3, description="Load ratio above which a worker is overloaded."
    )
    excessive_ratio: float = Field(
        1.1, gt=0, le=3, description="Ratio that is 'excessive' if held for excessive_weeks (WMT, DF §5)."
    )
    excessive_weeks: int = Field(4, ge=1, le=52, description="Consecutive weeks for 'excessive'.")

    @model_validator(mode="after")
    def _reserves_leave_room(self) -> Capacity:
        reserved = self.non_case_share + self.asye_protected_share
        if reserved >= 1.0:
            raise ValueError(f"non_case_share + asye_protected_share = {reserved:.3f}; must be < 1")
        return self


# --------------------------------------------------------------------------------------- case types


class WeightStep(Strict):
    from_week: float = Field(ge=0, description="Weeks since allocation when this weight starts.")
    weight_hours: float = Field(gt=0, le=60, description="Weight from then on, hours/week.")


class CaseType(Strict):
    """One stage of a child's pathway: its weight, rules, duration and what follows it."""

    held: bool = Field(True, description="Needs an allocated worker (false: duty/front-door stage).")
    weight_hours: float = Field(
        1.5, gt=0, le=60, description="Workload while held, hours/week (100 points = contract)."
    )
    weight_schedule: list[WeightStep] = Field(
        default_factory=list, description="Weight changes by weeks since allocation."
    )
    priority: int = Field(2, ge=1, le=5, description="1 = lowest, 5 = most urgent.")
    must_allocate: bool = Field(False, description="Never to wait unallocated (CP, CLA, court).")
    urgent: bool | None = Field(
        None, description="Allocated at the urgent meeting cadence. Default: must_allocate."
    )
    asye_sole_allowed: bool = Field(True, description="An ASYE in year 1 may hold it alone.")
    required_skills: list[str] = Field(default_factory=list, description="Skills the worker needs.")
    clock: Literal["allocation", "entry"] = Field(
        "allocation",
        description="Duration runs from allocation (work needs a worker) or from entering the stage.",
    )
    duration: Duration = Field(description="Time spent in the stage.")
    next: dict[str, Probability] = Field(
        default_factory=lambda: {CLOSE: 1.0},
        description=f"Transition table: next case type (or '{CLOSE}') → probability; sums to 1.",
    )

    @field_validator("next")
    @classmethod
    def _next_sums_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError(f"needs at least one target (use {{{CLOSE}: 1.0}} to end the episode)")
        check_sums_to_one(value.values(), "transition probabilities")
        return value

    @field_validator("weight_schedule")
    @classmethod
    def _schedule_ordered(cls, value: list[WeightStep]) -> list[WeightStep]:
        weeks = [s.from_week for s in value]
        if any(b <= a for a, b in zip(weeks, weeks[1:])):
            raise ValueError("from_week must be strictly increasing")
        return value

    @property
    def is_urgent(self) -> bool:
        return self.must_allocate if self.urgent is None else self.urgent

    def weight_after(self, weeks: float) -> float:
        """Hours per week of a case of this type ``weeks`` after allocation (its weight schedule)."""
        weight = self.weight_hours
        for step in self.weight_schedule:
            if step.from_week > weeks:
                break
            weight = step.weight_hours
        return weight


class ReReferral(Strict):
    probability: Probability = Field(
        0.22, description="Chance a closed episode is re-referred within the window (DfE 22%, DF §2)."
    )
    within_weeks: float = Field(52, gt=0, le=520, description="Window for the re-referral, weeks.")
    prefer_previous_worker: bool = Field(True, description="Continuity: offer the previous worker first.")


class Pathway(Strict):
    entry: dict[str, Probability] = Field(
        default_factory=lambda: {"screening": 1.0},
        description="Case type a new referral enters → probability; sums to 1.",
    )
    re_referral: ReReferral = Field(default_factory=ReReferral)

    @field_validator("entry")
    @classmethod
    def _entry_sums_to_one(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("needs at least one entry case type")
        check_sums_to_one(value.values(), "entry probabilities")
        return value


# ------------------------------------------------------------------------------------------- demand


class Shock(Strict):
    """A temporary change in referral rate. step: flat; ramp: linear rise then held; spike: linear decay."""

    kind: Literal["step", "ramp", "spike"]
    start_week: float = Field(ge=0, description="Week the shock starts.")
    weeks: float = Field(gt=0, le=2600, description="Length of the shock (ramp: time to full effect).")
    factor: float = Field(gt=0, le=20, description="Multiplier on the referral rate at full effect.")


class Demand(Strict):
    referrals_per_week: float = Field(
        7.0,
        ge=0,
        le=100_000,
        description="Mean new referrals per week (DF: ≈0.58 per case-holding FTE per week).",
    )
    seasonality: dict[Literal[MONTHS], Annotated[float, Field(ge=0, le=5)]] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        description="Month → rate multiplier (missing months = 1). Magnitude is an assumption (DF §2).",
    )
    shocks: list[Shock] = Field(default_factory=list)
    team_shares: dict[str, Probability] | None = Field(
        None, description="Team → share of referrals. Default: by case-holding FTE."
    )

    @field_validator("team_shares")
    @classmethod
    def _shares_sum_to_one(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            check_sums_to_one(value.values(), "team shares")
        return value


# --------------------------------------------------------------------------------------- allocation

Policy = Literal["least_loaded", "round_robin", "points_threshold", "milp"]


class Meetings(Strict):
    urgent_every_days: float = Field(
        1, ge=0, le=28, description="Days between meetings for urgent types (0 = continuous)."
    )
    other_every_days: float = Field(
        7, ge=0, le=28, description="Days between meetings for the rest (0 = continuous)."
    )


class Milp(Strict):
    """Objective weights and solver settings of the MILP allocation (DESIGN §5)."""

    priority_weight: float = Field(
        10.0, ge=0, le=1e4, description="Reward per allocated case, times its priority (1-5)."
    )
    continuity_weight: float = Field(
        2.0, ge=0, le=1e4, description="Reward for giving a case back to its previous worker."
    )
    fairness_weight: float = Field(1.0, ge=0, le=1e4, description="Penalty per 1% of the fairness measure.")
    fairness_measure: Literal["max_ratio", "deviation"] = Field(
        "max_ratio",
        description="Largest worker load ratio, or total absolute deviation from the team mean ratio.",
    )
    soft_ceiling: float | None = Field(
        None,
        gt=0,
        le=3,
        description="Load ratio a worker may reach with a penalty (null = max_load_ratio is hard).",
    )
    overload_penalty: float = Field(
        50.0, ge=0, le=1e6, description="Penalty per 1% of load ratio above max_load_ratio."
    )
    must_allocate_penalty: float = Field(
        10_000.0, gt=0, le=1e9, description="Penalty for leaving a must-allocate case unallocated."
    )
    move_cost: float | None = Field(
        None,
        ge=0,
        le=1e6,
        description="Cost of moving a held case of an overloaded worker (null = held cases never move).",
    )
    time_limit_seconds: float = Field(10.0, gt=0, le=3600, description="Solver time limit per meeting.")
    mip_gap: float = Field(1e-4, ge=0, le=1, description="Relative MIP gap at which the solver stops.")
    solver: Literal["highs", "cbc"] = Field("highs", description="MILP solver (CBC is the fallback).")


class Allocation(Strict):
    policy: Policy = Field("least_loaded", description="Allocation rule used at meetings.")
    meetings: Meetings = Field(default_factory=Meetings)
    max_load_ratio: float | None = Field(
        1.0,
        gt=0,
        le=3,
        description="Load ratio a worker may reach by allocation (null = no cap).",
    )
    continuity: bool = Field(True, description="Offer a case to its previous worker first.")
    order: Literal["priority_then_fifo", "fifo"] = Field(
        "priority_then_fifo", description="Order in which waiting cases are considered."
    )
    points_threshold: float = Field(
        0.85,
        gt=0,
        le=3,
        description="points_threshold policy: a worker takes cases while below this load ratio.",
    )
    milp: Milp = Field(default_factory=lambda: Milp())

    @model_validator(mode="after")
    def _soft_ceiling_above_cap(self) -> Allocation:
        soft, cap = self.milp.soft_ceiling, self.max_load_ratio
        if soft is not None and (cap is None or soft < cap):
            raise FieldError(
                ("milp", "soft_ceiling"),
                f"soft_ceiling ({soft}) must be at least max_load_ratio ({cap}); "
                "it is the limit a worker may reach with a penalty above the cap",
            )
        return self


class Outputs(Strict):
    per_worker: bool = Field(True, description="Write the per-worker weekly table.")
    case_log: bool = Field(False, description="Write the per-case event log.")


# ----------------------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A complete, validated scenario (DESIGN §8)."""

    meta: Meta = Field(default_factory=Meta)
    team: Team
    capacity: Capacity = Field(default_factory=Capacity)
    case_types: dict[str, CaseType] = Field(min_length=1)
    pathway: Pathway = Field(default_factory=Pathway)
    demand: Demand = Field(default_factory=Demand)
    allocation: Allocation = Field(default_factory=Allocation)
    workforce: Workforce | None = Field(
        None, description="Absence, leave, turnover, recruitment, ASYE cohorts, agency (null = static team)."
    )
    supervision: Supervision = Field(default_factory=Supervision)
    cpd: Cpd = Field(default_factory=Cpd)
    contingency: Contingency | None = Field(None, description="Standard 3 escalation plan (null = none).")
    outputs: Outputs = Field(default_factory=Outputs)

    @model_validator(mode="after")
    def _pathway_is_closed(self) -> Scenario:
        names = set(self.case_types)
        if CLOSE in names:
            raise FieldError(
                ("case_types", CLOSE),
                f"'{CLOSE}' is reserved for ending an episode; rename that case type",
            )
        _check_targets(self.pathway.entry, names, ("pathway", "entry"))
        for name, ct in self.case_types.items():
            _check_targets(ct.next, names, ("case_types", name, "next"))
        _check_can_close(self)
        teams = {g.team for g in self.team.workers}
        shares = self.demand.team_shares
        if shares is not None and set(shares) - teams:
            raise FieldError(
                ("demand", "team_shares"),
                f"names unknown team(s) {sorted(set(shares) - teams)}; teams are {sorted(teams)}",
            )
        held_teams = {g.team for g in self.team.workers if _holds_cases(g)}
        if shares is None and teams - held_teams:
            raise FieldError(
                ("team", "workers"),
                f"team(s) {sorted(teams - held_teams)} have no case-holding worker; "
                "give them one or set demand.team_shares",
            )
        _check_reserves(self)
        _check_snapshot(self)
        _check_vacancies(self)
        _check_cohorts(self, teams)
        _check_contingency(self)
        return self

    @property
    def agency_day_rate(self) -> float:
        """£ per working day of an agency worker (workforce.agency.day_rate, or its default)."""
        return (self.workforce.agency if self.workforce is not None else Agency()).day_rate

    @property
    def horizon_end(self) -> dt.date:
        return self.meta.start + dt.timedelta(weeks=self.meta.horizon_weeks)

    def holds_cases(self, group: WorkerGroup) -> bool:
        return _holds_cases(group)


def _check_targets(table: dict[str, float], names: set[str], loc: tuple[str, ...]) -> None:
    unknown = sorted(t for t in table if t != CLOSE and t not in names)
    if unknown:
        raise FieldError(
            loc,
            f"names unknown case type(s) {', '.join(unknown)}; "
            f"known case types: {', '.join(sorted(names))} (or '{CLOSE}' to end the episode)",
        )


def _check_can_close(scenario: Scenario) -> None:
    """Every case type must reach 'close' with positive probability, or episodes never end."""
    closing = {CLOSE}
    changed = True
    while changed:
        changed = False
        for name, ct in scenario.case_types.items():
            if name not in closing and any(p > 0 and t in closing for t, p in ct.next.items()):
                closing.add(name)
                changed = True
    stuck = sorted(set(scenario.case_types) - closing)
    if stuck:
        raise FieldError(
            ("case_types", stuck[0], "next") if len(stuck) == 1 else ("case_types",),
            f"case type(s) {', '.join(stuck)} can never reach '{CLOSE}', directly or through other "
            f"case types, so their episodes would never end; give at least one of them a '{CLOSE}' "
            "probability above 0",
        )


def _check_reserves(scenario: Scenario) -> None:
    cap = scenario.capacity
    reserved = cap.non_case_share + scenario.cpd.share + cap.asye_protected_share
    if reserved >= 1.0:
        raise FieldError(
            ("cpd", "share"),
            f"capacity.non_case_share + cpd.share + capacity.asye_protected_share = {reserved:.3f}; "
            "must be < 1 so that some time is left for cases",
        )


def _check_snapshot(scenario: Scenario) -> None:
    team = scenario.team
    if team.snapshot is not None and team.snapshot.as_of not in (None, scenario.meta.start):
        raise FieldError(
            ("team", "snapshot", "as_of"),
            f"{team.snapshot.as_of} must be meta.start ({scenario.meta.start}): the run starts on the day of "
            "the snapshot",
        )
    for i, group in enumerate(team.workers):
        if group.id is not None and group.count != 1:
            raise FieldError(
                ("team", "workers", i, "id"), f"an id names one worker, but count is {group.count}"
            )
    ids = [g.id for g in team.workers if g.id is not None]
    if len(ids) != len(set(ids)):
        raise FieldError(("team", "workers"), "worker ids must be unique")
    holders = set(ids)
    for i, case in enumerate(team.open_cases):
        if case.type not in scenario.case_types or not scenario.case_types[case.type].held:
            raise FieldError(("team", "open_cases", i, "type"), f"'{case.type}' is not a held case type")
        if case.worker_id is not None and case.worker_id not in holders:
            raise FieldError(("team", "open_cases", i, "worker_id"), f"'{case.worker_id}' is not a worker id")
        if case.opened > scenario.meta.start:
            raise FieldError(("team", "open_cases", i, "opened"), f"{case.opened} is after meta.start")


def _check_vacancies(scenario: Scenario) -> None:
    no_turnover = scenario.workforce is None or scenario.workforce.turnover is None
    for i, group in enumerate(scenario.team.workers):
        if group.vacant and no_turnover:
            raise FieldError(
                ("team", "workers", i, "vacant"),
                "vacant posts need a workforce section with turnover (recruitment fills them); add one or "
                "remove the group",
            )
        if group.resign_at_week is not None and no_turnover:
            raise FieldError(
                ("team", "workers", i, "resign_at_week"),
                "resignations need a workforce section with turnover (notice and recruitment)",
            )
        if group.resign_at_week is not None and group.resign_at_week >= scenario.meta.horizon_weeks:
            raise FieldError(
                ("team", "workers", i, "resign_at_week"),
                f"{group.resign_at_week:g} is outside the horizon (allowed: 0 to {scenario.meta.horizon_weeks - 1})",
            )
        if group.start is not None and group.start >= scenario.horizon_end:
            raise FieldError(
                ("team", "workers", i, "start"),
                f"{group.start} is after the run ends (allowed: before {scenario.horizon_end})",
            )
    staffed = [g for g in scenario.team.workers if not g.vacant and _holds_cases(g)]
    if scenario.team.workers and not staffed:
        raise FieldError(
            ("team", "workers"), "every case-holding group is vacant; at least one must be in post"
        )


def _check_cohorts(scenario: Scenario, teams: set[str]) -> None:
    if scenario.workforce is None:
        return
    start, end = scenario.meta.start, scenario.horizon_end
    for i, cohort in enumerate(scenario.workforce.asye_cohorts):
        if not start <= cohort.date < end:
            raise FieldError(
                ("workforce", "asye_cohorts", i, "date"),
                f"{cohort.date} is outside the simulated period (allowed: on or after {start} and before {end})",
            )
        unknown = sorted(set(cohort.teams or ()) - teams)
        if unknown:
            raise FieldError(
                ("workforce", "asye_cohorts", i, "teams"),
                f"names unknown team(s) {', '.join(unknown)}; teams are {', '.join(sorted(teams))}",
            )


def _check_contingency(scenario: Scenario) -> None:
    plan = scenario.contingency
    if plan is None:
        return
    names = set(scenario.case_types)
    for i, level in enumerate(plan.levels):
        for j, action in enumerate(level.actions):
            unknown = sorted(set(getattr(action, "case_types", ())) - names)
            if unknown:
                raise FieldError(
                    ("contingency", "levels", i, "actions", j, "case_types"),
                    f"names unknown case type(s) {', '.join(unknown)}; known case types: "
                    f"{', '.join(sorted(names))}",
                )
    for i, level in enumerate(plan.levels):
        named = [(("when",), level.when)] + [
            (("actions", j, "only_if"), a.only_if) for j, a in enumerate(level.actions)
        ]
        for where, table in named:
            for indicator in table:
                held = indicator.removeprefix(WAITING_PREFIX)
                if indicator.startswith(WAITING_PREFIX) and held not in names:
                    raise FieldError(
                        ("contingency", "levels", i, *where, indicator),
                        unknown_indicator(indicator, sorted(names)),
                    )
    uses_assessments = any(
        "overdue_assessments" in {**level.when, **{k: v for a in level.actions for k, v in a.only_if.items()}}
        for level in plan.levels
    )
    if uses_assessments and plan.assessment_type not in names:
        raise FieldError(
            ("contingency", "assessment_type"),
            f"'{plan.assessment_type}' is not a case type, so overdue_assessments cannot be counted; "
            f"known case types: {', '.join(sorted(names))}",
        )
