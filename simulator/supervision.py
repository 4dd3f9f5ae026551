"""Supervision sessions and CPD time (Standards 5 and 6): what was due, held, late, missed or lost.

Each week a team's supervisors have a finite number of hours for sessions (their share of available
time). Sessions due are held in order of due date while those hours last; a session still not held
``missed_after_weeks`` after it was due is missed. Only two things stop a due session: the supervisor's
hours ran out, or the supervisee was away; the reason is counted.

CPD and ASYE protected time are reserved in every worker's capacity. They are *lost* when a contingency
action pauses CPD, or when a worker's case load runs over their case capacity: the overrun eats CPD
first, then ASYE protected time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.capacity import CapacityBreakdown, supervision_sessions_per_week
from simulator.entities import DAYS_PER_WEEK, TeamState, Worker
from simulator.scenario.models import Scenario

SUPERVISION_COLUMNS = (
    "supervision_due",
    "supervision_held",
    "supervision_late",
    "supervision_missed",
    "supervision_missed_supervisor_capacity",
    "supervision_missed_supervisee_away",
    "supervisor_hours_available",
    "supervisor_hours_used",
)


@dataclass
class SupervisionWeek:
    due: int = 0
    held: int = 0
    late: int = 0
    missed: int = 0
    missed_capacity: int = 0
    missed_away: int = 0
    hours_available: float = 0.0
    hours_used: float = 0.0


@dataclass
class Pending:
    """A supervisee's next session: when it is due and what has stopped it so far."""

    due_day: float
    blocked_by_capacity: bool = False


@dataclass
class SupervisionBook:
    """Schedules and counts supervision for every team of a run."""

    scenario: Scenario
    pending: dict[Worker, Pending] = field(default_factory=dict)
    week: dict[str, SupervisionWeek] = field(default_factory=dict)
    worker_week: dict[Worker, list[int]] = field(default_factory=dict)  # [due, held, late, missed]

    def interval_days(self, worker: Worker, day: float) -> float:
        sessions = supervision_sessions_per_week(
            worker.role, worker.tenure_weeks(day), self.scenario.capacity, self.scenario.supervision
        )
        return DAYS_PER_WEEK / sessions

    def enrol(self, worker: Worker, now: float, offset: float | None = None) -> None:
        """Start a supervisee's schedule: first session one interval after ``now`` (or after ``offset``)."""
        if worker.supervises or not worker.case_holding:
            return
        first = self.interval_days(worker, now) if offset is None else offset
        self.pending[worker] = Pending(now + first)

    def leave(self, worker: Worker) -> None:
        """A leaver's schedule ends (their sessions of the week stay in the team's counts only)."""
        self.pending.pop(worker, None)
        self.worker_week.pop(worker, None)

    def run_week(self, team: TeamState, now: float) -> None:
        """Hold the sessions due before the end of the week starting at ``now``, as hours allow."""
        params = self.scenario.supervision
        counts = self.week.setdefault(team.name, SupervisionWeek())
        budget = sum(
            params.supervisor_share * w.capacity.available
            for w in team.workers
            if w.supervises and not w.absent
        )
        counts.hours_available += budget
        week_end = now + DAYS_PER_WEEK
        due = sorted(
            (
                (p.due_day, w.id, w, p)
                for w in team.workers
                if (p := self.pending.get(w)) and p.due_day < week_end
            ),
            key=lambda item: item[:2],
        )
        for due_day, _, worker, pending in due:
            if due_day >= now:  # falls due this week (a carried-over session was counted when it fell due)
                counts.due += 1
                self._of(worker)[0] += 1
            if not worker.absent and budget + 1e-9 >= params.session_hours:
                budget -= params.session_hours
                counts.hours_used += params.session_hours
                self._held(counts, worker, due_day, pending, late=due_day < now)
                continue
            if not worker.absent:
                pending.blocked_by_capacity = True
            if due_day + params.missed_after_weeks * DAYS_PER_WEEK <= week_end:
                self._missed(counts, worker, due_day, pending)

    def _held(self, counts: SupervisionWeek, worker: Worker, due_day: float, pending: Pending, late: bool):
        counts.held += 1
        counts.late += late
        mine = self._of(worker)
        mine[1] += 1
        mine[2] += late
        pending.due_day = due_day + self.interval_days(worker, due_day)
        pending.blocked_by_capacity = False

    def _missed(self, counts: SupervisionWeek, worker: Worker, due_day: float, pending: Pending) -> None:
        counts.missed += 1
        self._of(worker)[3] += 1
        if pending.blocked_by_capacity:
            counts.missed_capacity += 1
        else:
            counts.missed_away += 1
        pending.due_day = due_day + self.interval_days(worker, due_day)
        pending.blocked_by_capacity = False

    def _of(self, worker: Worker) -> list[int]:
        counts = self.worker_week.get(worker)
        if counts is None:
            counts = self.worker_week[worker] = [0, 0, 0, 0]
        return counts

    def worker_columns(self, worker: Worker) -> tuple[int, int, int, int]:
        """This week's sessions of one worker: due, held, late, missed (then reset)."""
        return tuple(self.worker_week.pop(worker, (0, 0, 0, 0)))

    def columns(self, team: str) -> dict[str, float]:
        counts = self.week.pop(team, SupervisionWeek())
        return dict(
            zip(
                SUPERVISION_COLUMNS,
                (
                    counts.due, counts.held, counts.late, counts.missed, counts.missed_capacity,
                    counts.missed_away, counts.hours_available, counts.hours_used,
                ),
            )
        )  # fmt: skip


def protected_time(worker: Worker, cpd_share: float) -> tuple[float, float, float, float, float, float]:
    """One worker's week of protected time, in hours: CPD planned, taken, lost to a pause, lost to
    overload; ASYE protected time reserved and kept. An absent worker plans and loses nothing."""
    cap = worker.capacity
    if worker.absent or cap is None:
        return 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    plan = cpd_share * cap.contract
    eaten, lost = overrun_losses(cap, max(0.0, worker.load - worker.case_capacity))
    return plan, cap.cpd - eaten, plan - cap.cpd, eaten, cap.asye_protected, cap.asye_protected - lost


def overrun_losses(cap: CapacityBreakdown, overrun: float) -> tuple[float, float]:
    """Hours of CPD and of ASYE protected time that ``overrun`` case hours eat (CPD first)."""
    eaten = min(cap.cpd, overrun)
    return eaten, min(cap.asye_protected, overrun - eaten)


PROTECTED_TIME_COLUMNS = (
    "cpd_planned_hours", "cpd_taken_hours", "cpd_lost_to_pause_hours", "cpd_lost_to_overload_hours",
    "asye_protected_hours", "asye_protected_kept_hours",
)  # fmt: skip


def protected_time_columns(team: TeamState, cpd_share: float) -> dict[str, float]:
    """The team's week of protected time (sums of :func:`protected_time`) and the CPD taken share.

    What present workers reserve is summed when capacities change; each week only the workers whose
    load runs over their case capacity are visited.
    """
    team.recount_capacity()
    contract, cpd, protected = team.present_reserve
    eaten = eaten_protected = 0.0
    for w in team.workers:
        if w.load > w.case_capacity and not w.absent and w.capacity is not None:
            cpd_lost, protected_lost = overrun_losses(w.capacity, w.load - w.case_capacity)
            eaten += cpd_lost
            eaten_protected += protected_lost
    planned = cpd_share * contract
    return {
        "cpd_planned_hours": planned,
        "cpd_taken_hours": cpd - eaten,
        "cpd_lost_to_pause_hours": planned - cpd,
        "cpd_lost_to_overload_hours": eaten,
        "asye_protected_hours": protected,
        "asye_protected_kept_hours": protected - eaten_protected,
        "cpd_taken_share": (cpd - eaten) / planned if planned > 0 else 1.0,
    }
