"""Runtime state of workers, teams, case stages and cases inside one simulation run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from optimiser.policy import WaitingCase
from simulator.capacity import CapacityBreakdown, asye_weeks, is_asye, worker_capacity
from simulator.distributions import Sampler, sampler
from simulator.scenario.models import CLOSE, CaseType, Scenario
from simulator.timeavg import TimeAverage

DAYS_PER_WEEK = 7.0
WORKING_DAYS_PER_DAY = 5.0 / 7.0  # a cost per working day, spread over calendar days
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
    # workforce dynamics (issue 5); all stay at their defaults in a static team
    absent: int = 0  # open absence spells (sickness, long-term); > 0 = away
    absent_since: float = 0.0
    on_notice: bool = False
    departed: bool = False
    extra_hours: float = 0.0  # overtime (+) or hours lent to another team (-), per week
    day_rate: float = 0.0  # £ per working day for agency workers
    post: object | None = None  # the establishment post held or covered (simulator.workforce.Post)
    group: int | None = None  # index of the scenario's worker group it came from (None: joined later)

    def refresh_capacity(
        self, now: float, scenario: Scenario, absent_share: float | None = None, cpd_paused: bool = False
    ) -> None:
        """Recompute this week's capacity from tenure (ASYE status, supervision cadence) and absence."""
        tenure_weeks = (now - self.start_day) / DAYS_PER_WEEK
        self.asye = is_asye(self.role, tenure_weeks, scenario.capacity)
        self.capacity = worker_capacity(
            fte=self.fte,
            role=self.role,
            tenure_weeks=tenure_weeks,
            params=scenario.capacity,
            case_holding=self.case_holding,
            absent_share=absent_share,
            supervision=scenario.supervision,
            cpd=scenario.cpd,
            cpd_paused=cpd_paused,
            extra_hours=self.extra_hours,
        )
        self.case_capacity = self.capacity.case_capacity

    def tenure_weeks(self, now: float) -> float:
        return (now - self.start_day) / DAYS_PER_WEEK

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
    holding: int = 0  # bumped at every allocation; stale weight-schedule timers compare it
    clock_running: bool = False  # the stage's duration timer is set (it survives a reallocation)
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

    # weekly columns from capacity: head count, case-holding FTE, ASYEs and the parts summed (hours)
    capacity_columns: dict[str, float] = field(default_factory=dict)
    # present (not absent) workers' contract, CPD and ASYE protected hours
    present_reserve: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # contingency state (issue 5)
    level: int = 1
    cpd_paused: bool = False
    referral_factor: float = 1.0
    on_notice: int = 0  # workers under notice (they take no new cases unless the scenario allows)
    capacity_changed: bool = True  # a worker's capacity or the membership changed since the last recount
    # continuous allocation: no waiting case fits anywhere (set by a meeting, cleared by any capacity change)
    settled: bool = False
    # time integrals over the current week (FTE-days, £)
    fte_days: TimeAverage = field(default_factory=lambda: TimeAverage(0.0))
    absent_fte_days: TimeAverage = field(default_factory=lambda: TimeAverage(0.0))
    agency_fte_days: TimeAverage = field(default_factory=lambda: TimeAverage(0.0))
    agency_cost: TimeAverage = field(default_factory=lambda: TimeAverage(0.0))

    def __post_init__(self) -> None:
        self.holders = [w for w in self.workers if w.case_holding]
        self.by_id = {w.id: w for w in self.workers}
        for w in self.workers:
            self._count(w, 0.0, +1)

    def add(self, worker: Worker, now: float) -> None:
        """A worker joins the team (a new starter, an agency worker, a borrowed worker)."""
        self.workers.append(worker)
        if worker.case_holding:
            self.holders.append(worker)
        self.by_id[worker.id] = worker
        self._count(worker, now, +1)
        self.capacity_changed = True

    def remove(self, worker: Worker, now: float) -> None:
        """A worker leaves the team; their cases must have been handed back first."""
        self.workers.remove(worker)
        if worker.case_holding:
            self.holders.remove(worker)
        del self.by_id[worker.id]
        self._count(worker, now, -1)
        self.capacity_changed = True
        if worker.absent:
            self.absent_fte_days.change(now, -worker.fte)
        self.on_notice -= worker.on_notice

    def _count(self, worker: Worker, now: float, sign: int) -> None:
        self.fte_days.change(now, sign * worker.fte)
        if worker.day_rate:
            self.agency_fte_days.change(now, sign * worker.fte)
            self.agency_cost.change(now, sign * worker.fte * worker.day_rate * WORKING_DAYS_PER_DAY)

    @property
    def common_skills(self) -> frozenset[str]:
        """Skills every case holder of the team has: what a new starter is assumed to bring."""
        holders = [w.skills for w in self.holders]
        return frozenset.intersection(*holders) if holders else frozenset()

    def allocatable(self, new_cases_in_notice: bool) -> list[Worker]:
        """Case holders who may receive new cases (not those under notice, unless allowed)."""
        if not self.on_notice or new_cases_in_notice:
            return self.holders
        return [w for w in self.holders if not w.on_notice]

    def recount_capacity(self) -> None:
        """Team totals of the capacity parts as they stand (the weekly row reads them), if any changed."""
        if not self.capacity_changed:
            return
        self.capacity_changed = False
        self.capacity_columns = {
            "workers": len(self.workers),
            "case_holding_fte": sum(w.fte for w in self.holders),
            "asye_workers": sum(w.asye for w in self.workers),
            **{
                f"{part}_hours": sum(getattr(w.capacity, part) for w in self.workers)
                for part in CAPACITY_PARTS
            },
        }
        present = [w.capacity for w in self.workers if not w.absent and w.capacity is not None]
        self.present_reserve = (
            sum(c.contract for c in present),
            sum(c.cpd for c in present),
            sum(c.asye_protected for c in present),
        )


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


class WorkerIds:
    """Pseudonymous ids ``<team>-<role>-<n>``, numbered on from the starting team."""

    def __init__(self, workers: list[Worker]):
        self.counters: dict[tuple[str, str], int] = {}
        for w in workers:
            key = (w.team, w.role)
            self.counters[key] = self.counters.get(key, 0) + 1

    def next(self, team: str, role: str) -> str:
        n = self.counters[(team, role)] = self.counters.get((team, role), 0) + 1
        return f"{team}-{role}-{n:03d}"


def build_workers(scenario: Scenario) -> list[Worker]:
    """Workers in post in the scenario's team section, with pseudonymous ids ``<team>-<role>-<n>``."""
    workers: list[Worker] = []
    ids = WorkerIds([])
    start = scenario.meta.start
    for index, group in enumerate(scenario.team.workers):
        if group.vacant:
            continue
        if group.start is not None:
            joined = group.start
        elif group.role == "asye":
            joined = start
        else:
            joined = start.replace(year=start.year - EXPERIENCED_TENURE_YEARS)
        for _ in range(group.count):
            workers.append(
                Worker(
                    id=group.id or ids.next(group.team, group.role),
                    team=group.team,
                    role=group.role,
                    fte=group.fte,
                    start_day=float((joined - start).days),
                    skills=frozenset(group.skills),
                    case_holding=scenario.holds_cases(group),
                    supervises=group.supervises,
                    day_rate=scenario.agency_day_rate if group.role == "agency" else 0.0,
                    group=index,
                )
            )
    return workers


def day_to_date(start: dt.date, day: float) -> dt.date:
    return start + dt.timedelta(days=int(day))
