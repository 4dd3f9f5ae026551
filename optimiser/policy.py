"""The allocation snapshot a policy receives, the decisions it returns, and the policy protocol.

The simulator builds a :class:`Snapshot` at every allocation meeting; a team manager can build one from
CSVs. Every decision carries a reason so the allocation is explainable (Standard 3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

TOLERANCE = 1e-9
"""Hours of slack allowed when comparing a load with a capacity (floating point)."""


class WorkerView(Protocol):
    """What a policy reads of a worker; :class:`WorkerSlot` and the simulator's workers both fit."""

    id: str
    team: str
    role: str
    asye: bool
    case_capacity: float
    load: float
    skills: frozenset[str]


@dataclass(slots=True)
class WorkerSlot:
    """A worker as the allocation sees them: capacity and current load in hours per week."""

    id: str
    team: str
    role: str
    asye: bool
    case_capacity: float
    load: float
    skills: frozenset[str] = frozenset()


@dataclass(slots=True)
class WaitingCase:
    """A case waiting for a worker."""

    id: str
    case_type: str
    weight: float
    team: str
    priority: int = 2
    must_allocate: bool = False
    asye_sole_allowed: bool = True
    required_skills: frozenset[str] = frozenset()
    waiting_since: float = 0.0
    previous_worker: str | None = None
    sibling_group: str | None = None
    """Cases sharing a group go to one worker (siblings), or all wait."""
    excluded_workers: frozenset[str] = frozenset()
    """Workers who may not hold the case (e.g. a conflict of interest)."""
    held_by: str | None = None
    """For a case offered for reallocation (``Snapshot.movable``): its current worker."""


@dataclass(slots=True)
class Decision:
    """Where one waiting case went (``worker_id`` None = left waiting) and why."""

    case_id: str
    worker_id: str | None
    reason: str
    runner_up: str | None = None


@dataclass(slots=True)
class Snapshot:
    """Everything a policy needs at one allocation meeting."""

    workers: Sequence[WorkerView]
    cases: Sequence[WaitingCase]
    movable: Sequence[WaitingCase] = ()
    """Held cases a policy may move (each with ``held_by``); their weight is in the holder's load."""
    max_load_ratio: float | None = 1.0
    continuity: bool = True
    order: Literal["priority_then_fifo", "fifo"] = "priority_then_fifo"
    time: float = 0.0
    explain: bool = True
    """False: return decisions for allocated cases only (the simulator needs no reasons for waiting)."""


class Policy(Protocol):
    """An allocation rule. It never changes the snapshot; it may keep state between meetings."""

    name: str

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        """One decision per case in ``snapshot.cases`` (allocated ones only if not ``explain``)."""
        ...


@runtime_checkable
class SequentialPolicy(Policy, Protocol):
    """A policy that takes cases one at a time in meeting order, each on the loads the earlier ones left,
    and for which more load never makes a case placeable that was not.

    ``allocate`` is then :meth:`place` applied case by case, and a meeting where every other waiting
    case is known not to fit decides a new case exactly as :meth:`place` does on its own. The
    simulator's continuous allocation uses that to skip building a snapshot for each referral. The
    heuristics are sequential; the MILP, which decides all cases together, is not.
    """

    def place(
        self, case: WaitingCase, workers: Sequence[WorkerView], max_load_ratio: float | None, continuity: bool
    ) -> WorkerView | None:
        """The worker a meeting of ``case`` alone gives it to, on the workers' own loads (None: it waits)."""
        ...


# ------------------------------------------------------------------------------------ hard rules

ASYE_RULE = "ASYE rule: no sole holding of this case type in the first year"
SKILL_MISSING = "skill missing"
OTHER_TEAM = "other team"
NO_CASE_CAPACITY = "holds no cases"
CONFLICT = "conflict of interest"


def ineligibility(worker: WorkerView, case: WaitingCase) -> str | None:
    """Why ``worker`` may not hold ``case`` at all (None if eligible); capacity is not checked here."""
    if worker.team != case.team:
        return OTHER_TEAM
    if worker.case_capacity <= 0:
        return NO_CASE_CAPACITY
    if worker.asye and not case.asye_sole_allowed:
        return ASYE_RULE
    if not case.required_skills <= worker.skills:
        return SKILL_MISSING
    if worker.id in case.excluded_workers:
        return CONFLICT
    return None


def has_room(load: float, case_capacity: float, weight: float, max_load_ratio: float | None) -> bool:
    """True if ``weight`` more hours on ``load`` stay within ``max_load_ratio`` of case capacity."""
    if max_load_ratio is None:
        return True
    return load + weight <= case_capacity * max_load_ratio + TOLERANCE


def largest_room(
    workers: Sequence[WorkerView], max_load_ratio: float | None, loads: dict[str, float] | None = None
) -> float:
    """Most hours any worker can still take under the cap (inf without a cap); a case heavier than
    this cannot be placed. ``loads`` overrides the workers' own loads (a meeting's running tally)."""
    if max_load_ratio is None:
        return float("inf")
    room = 0.0
    for w in workers:
        free = w.case_capacity * max_load_ratio - (w.load if loads is None else loads[w.id])
        if free > room:
            room = free
    return room + TOLERANCE


def load_ratio(load: float, case_capacity: float) -> float:
    """Load ÷ case capacity (inf for a worker with no case capacity)."""
    return load / case_capacity if case_capacity > 0 else float("inf")


def ordered_cases(snapshot: Snapshot) -> list[WaitingCase]:
    """Cases in the order the meeting considers them (priority first unless plain FIFO)."""
    if len(snapshot.cases) < 2:
        return list(snapshot.cases)
    return sorted(snapshot.cases, key=meeting_order(snapshot.order))


def meeting_order(order: Literal["priority_then_fifo", "fifo"]) -> Callable[[WaitingCase], tuple]:
    """Sort key of the order a meeting considers cases in: priority first unless plain FIFO, then the
    longest waiting, then the case id (so ties never depend on the input order)."""
    return _fifo_key if order == "fifo" else _priority_key


def _fifo_key(case: WaitingCase) -> tuple:
    return case.waiting_since, case.id


def _priority_key(case: WaitingCase) -> tuple:
    return -case.priority, case.waiting_since, case.id


def unallocated_reason(case: WaitingCase, workers: Sequence[WorkerView]) -> str:
    """The binding reason no worker could take ``case``."""
    reasons = [ineligibility(w, case) for w in workers]
    if any(r is None for r in reasons):
        return "all eligible workers at capacity"
    in_team = [r for r in reasons if r != OTHER_TEAM]
    if not in_team or all(r == NO_CASE_CAPACITY for r in in_team):
        return "no case-holding worker in the team"
    for rule in (ASYE_RULE, SKILL_MISSING, CONFLICT):
        if rule in in_team:
            return f"no eligible worker ({rule})"
    return "no eligible worker"
