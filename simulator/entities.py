"""Runtime state of workers, teams, case stages and cases inside one simulation run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from optimiser.policy import WaitingCase
from simulator.capacity import CapacityBreakdown, asye_weeks, is_asye, worker_capacity
from simulator.distributions import Sampler, sampler
from simulator.scenario.models import CLOSE, CaseType, Scenario

DAYS_PER_WEEK = 7.0
EXPERIENCED_TENURE_YEARS = 5


@dataclass(frozen=True, slots=True)
class Stage:
    """A case type compiled for the run: weights in hours/week, times in days."""

    name: str
    held: bool
    weight: float  # at allocation (week 0 of the weight schedule)
    schedule: tuple[tuple[float, float], ...]  # (days since allocation, weight)
    priority: int
    must_allocate: bool
    urgent: bool
    asye_sole_allowed: bool
    required_skills: frozenset[str]
    clock_on_entry: bool
    duration: Sampler
    next_names: tuple[str, ...]
    next_cumulative: tuple[float, ...]

    @classmethod
    def compile(cls, name: str, ct: CaseType) -> Stage:
        cumulative, total = [], 0.0
        for p in ct.next.values():
            total += p
            cumulative.append(total)
        cumulative[-1] = 1.0
        return cls(
            name=name,
            held=ct.held,
            weight=ct.weight_after(0.0),
            schedule=tuple((s.from_week * DAYS_PER_WEEK, s.weight_hours) for s in ct.weight_schedule),
            priority=ct.priority,
            must_allocate=ct.must_allocate,
            urgent=ct.is_urgent,
            asye_sole_allowed=ct.asye_sole_allowed,
            required_skills=frozenset(ct.required_skills),
            clock_on_entry=ct.clock == "entry",
            duration=sampler(ct.duration),
            next_names=tuple(ct.next),
            next_cumulative=tuple(cumulative),
        )


CLOSED = Stage(
    name=CLOSE, held=False, weight=0.0, schedule=(), priority=0, must_allocate=False, urgent=False,
    asye_sole_allowed=True, required_skills=frozenset(), clock_on_entry=True, duration=lambda s: 0.0,
    next_names=(), next_cumulative=(),
)  # fmt: skip


@dataclass(eq=False, slots=True)
class Worker:
    id: str
    team: str
    role: str
    fte: float
    start_day: float  # days relative to simulated day 0 (negative = joined before the run)
    skills: frozenset[str]
    case_holding: bool
    supervises: bool
    capacity: CapacityBreakdown | None = None
    case_capacity: float = 0.0  # capacity.case_capacity, read at every allocation
    asye: bool = False
    load: float = 0.0
    cases: set = field(default_factory=set)

    def refresh_capacity(self, now: float, scenario: Scenario) -> None:
        """Recompute this week's capacity from tenure (ASYE status and supervision cadence)."""
        tenure_weeks = (now - self.start_day) / DAYS_PER_WEEK
        self.asye = is_asye(self.role, tenure_weeks, scenario.capacity)
        self.capacity = worker_capacity(
            fte=self.fte,
            role=self.role,
            tenure_weeks=tenure_weeks,
            params=scenario.capacity,
            case_holding=self.case_holding,
        )
        self.case_capacity = self.capacity.case_capacity

    def capacity_may_change(self, now: float, scenario: Scenario) -> bool:
        """Only an ASYE's capacity moves with tenure (cadence steps and the end of the year)."""
        tenure_weeks = (now - self.start_day) / DAYS_PER_WEEK
        return self.role == "asye" and tenure_weeks <= asye_weeks(scenario.capacity) + 1


@dataclass(eq=False, slots=True)
class Case:
    """One child's current episode: the stage it is in and who holds it."""

    child: int
    team: str
    episode: int
    referred_at: float
    id: str = ""
    stage: Stage = CLOSED
    token: int = 0  # bumped on every stage change; stale timers compare it
    worker: Worker | None = None
    previous_worker: str | None = None
    weight: float = 0.0
    entered_at: float = 0.0
    queued_at: float | None = None
    allocated_at: float | None = None
    request: WaitingCase | None = None  # what the allocation meeting sees while the case waits

    def __post_init__(self) -> None:
        self.id = f"C{self.child:06d}-{self.episode}"


@dataclass(eq=False, slots=True)
class TeamState:
    name: str
    workers: list[Worker]
    waiting: dict[Case, None] = field(default_factory=dict)  # insertion-ordered set
    open_cases: int = 0
    holders: list[Worker] = field(default_factory=list)  # case-holding workers
    by_id: dict[str, Worker] = field(default_factory=dict)

    hours: dict[str, float] = field(default_factory=dict)  # capacity parts summed over the team
    case_holding_fte: float = 0.0
    asye_workers: int = 0

    def __post_init__(self) -> None:
        self.holders = [w for w in self.workers if w.case_holding]
        self.by_id = {w.id: w for w in self.workers}

    def recount_capacity(self) -> None:
        """Team totals of this week's capacity parts; called whenever a worker's capacity changes."""
        self.hours = {
            f"{part}_hours": sum(getattr(w.capacity, part) for w in self.workers) for part in CAPACITY_PARTS
        }
        self.case_holding_fte = sum(w.fte for w in self.holders)
        self.asye_workers = sum(w.asye for w in self.workers)


CAPACITY_PARTS = (
    "contract",
    "available",
    "reserved",
    "supervision",
    "cpd",
    "asye_protected",
    "case_capacity",
)
"""Capacity parts summed per team (weekly columns ``<part>_hours``)."""


def build_workers(scenario: Scenario) -> list[Worker]:
    """Workers of the scenario's team section with pseudonymous ids ``<team>-<role>-<n>``."""
    workers: list[Worker] = []
    counters: dict[tuple[str, str], int] = {}
    start = scenario.meta.start
    for group in scenario.team.workers:
        if group.start is not None:
            joined = group.start
        elif group.role == "asye":
            joined = start
        else:
            joined = start.replace(year=start.year - EXPERIENCED_TENURE_YEARS)
        for _ in range(group.count):
            key = (group.team, group.role)
            counters[key] = counters.get(key, 0) + 1
            workers.append(
                Worker(
                    id=f"{group.team}-{group.role}-{counters[key]:03d}",
                    team=group.team,
                    role=group.role,
                    fte=group.fte,
                    start_day=float((joined - start).days),
                    skills=frozenset(group.skills),
                    case_holding=scenario.holds_cases(group),
                    supervises=group.supervises,
                )
            )
    return workers


def day_to_date(start: dt.date, day: float) -> dt.date:
    return start + dt.timedelta(days=int(day))
