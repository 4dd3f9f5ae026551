"""Metrics of one run (DESIGN §7): weekly team and worker tables, time averages and wait statistics.

Counts that change at events (waiting cases, open cases, busy case hours) are integrated over time, so
averages are exact time averages rather than samples at week ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from simulator.entities import DAYS_PER_WEEK, Case, TeamState, Worker
from simulator.scenario.contingency import WAITING_PREFIX
from simulator.timeavg import TimeAverage


@dataclass
class WeekCounters:
    referrals: int = 0
    re_referrals: int = 0
    closures: int = 0
    allocations: int = 0
    moves: int = 0
    wait_days_total: float = 0.0
    stepped_down: int = 0
    screened_out: int = 0


@dataclass
class RunMetrics:
    """Collects everything one replication measures."""

    warmup_day: float
    case_types: list[str]
    excessive_ratio: float = 1.1
    excessive_weeks: int = 4
    must_allocate_grace_days: float = 0.0  # the urgent meeting interval
    assessment_type: str = "assessment"
    assessment_limit_days: float = 63.0  # 45 working days
    per_worker: bool = True
    case_log: list[tuple] | None = None
    waiting: TimeAverage = field(init=False)
    open_cases: TimeAverage = field(init=False)
    busy_hours: TimeAverage = field(init=False)
    team_rows: list[dict] = field(default_factory=list)
    worker_rows: list[tuple] = field(default_factory=list)
    week: defaultdict[str, WeekCounters] = field(default_factory=lambda: defaultdict(WeekCounters))
    # per-case statistics for cases queued / referred after the warm-up
    waits: list[float] = field(default_factory=list)
    sojourns: list[float] = field(default_factory=list)
    arrivals_after_warmup: int = 0
    closures_by_stage: dict[str, int] = field(default_factory=dict)
    entries_by_stage: dict[str, int] = field(default_factory=dict)
    re_referrals_after_warmup: int = 0
    excessive_streak: dict[str, int] = field(default_factory=dict)
    # worker load ratios over the measured (post-warm-up) worker-weeks
    ratio_sum: float = 0.0
    ratio_count: int = 0
    ratio_max: float = float("nan")
    ratio_over_100: int = 0

    def __post_init__(self) -> None:
        self._type_columns = {name: f"cases_{name}" for name in self.case_types}
        self._waiting_columns = {name: f"{WAITING_PREFIX}{name}" for name in self.case_types}
        self.waiting = TimeAverage(self.warmup_day)
        self.open_cases = TimeAverage(self.warmup_day)
        self.busy_hours = TimeAverage(self.warmup_day)

    # ------------------------------------------------------------------------------ event hooks

    def referral(self, now: float, case: Case, re_referral: bool) -> None:
        c = self.week[case.team]
        c.referrals += 1
        c.re_referrals += re_referral
        self.open_cases.change(now, 1)
        if now >= self.warmup_day:
            self.arrivals_after_warmup += 1
            self.re_referrals_after_warmup += re_referral
        if self.case_log is not None:
            self.log(now, case, "referral")

    def opened_from_snapshot(self, now: float, case: Case) -> None:
        """A case already open on day 0 (counted as open, not as a referral)."""
        self.open_cases.change(now, 1)
        if self.case_log is not None:
            self.log(now, case, "snapshot")

    def stage_entered(self, now: float, case: Case) -> None:
        if now >= self.warmup_day:
            name = case.stage.name
            self.entries_by_stage[name] = self.entries_by_stage.get(name, 0) + 1
        if self.case_log is not None:
            self.log(now, case, "enter")

    def queued(self, now: float, case: Case) -> None:
        self.waiting.change(now, 1)
        if self.case_log is not None:
            self.log(now, case, "queued")

    def dequeued(self, now: float) -> None:
        self.waiting.change(now, -1)

    def allocated(self, now: float, case: Case) -> None:
        wait = now - case.queued_at
        c = self.week[case.team]
        c.allocations += 1
        c.wait_days_total += wait
        if case.queued_at >= self.warmup_day:
            self.waits.append(wait)
        if self.case_log is not None:
            self.log(now, case, "allocated")

    def stepped_down(self, case: Case) -> None:
        self.week[case.team].stepped_down += 1

    def screened_out(self, team: str) -> None:
        self.week[team].screened_out += 1

    def moved(self, now: float, case: Case) -> None:
        self.week[case.team].moves += 1
        if self.case_log is not None:
            self.log(now, case, "moved")

    def load_changed(self, now: float, delta: float) -> None:
        self.busy_hours.change(now, delta)

    def closed(self, now: float, case: Case, from_stage: str) -> None:
        self.week[case.team].closures += 1
        self.open_cases.change(now, -1)
        if case.referred_at >= self.warmup_day:
            self.sojourns.append(now - case.referred_at)
        if now >= self.warmup_day:
            self.closures_by_stage[from_stage] = self.closures_by_stage.get(from_stage, 0) + 1
        if self.case_log is not None:
            self.log(now, case, "closed")

    def log(self, now: float, case: Case, event: str) -> None:
        worker = case.worker.id if case.worker is not None else None
        self.case_log.append((case.id, case.child, case.episode, event, case.stage.name, now, worker))

    # ------------------------------------------------------------------------------ weekly rows

    def end_week(
        self,
        week: int,
        now: float,
        teams: list[TeamState],
        columns: Callable[[TeamState], dict] | None = None,
        worker_columns: Callable[[Worker], tuple] | None = None,
    ) -> list[dict]:
        """Record the week that ends at ``now`` for every team and worker, then reset the counters.

        ``columns`` adds a team's workforce, supervision and CPD columns, ``worker_columns`` a worker's
        supervision and protected-time values (:data:`WORKER_EXTRA_COLUMNS`). Returns the new team rows.
        """
        rows = []
        for team in teams:
            row = self._team_row(week, now, team)
            if columns is not None:
                row.update(columns(team))
            rows.append(row)
            self.team_rows.append(row)
            if self.per_worker:
                for w in team.workers:
                    cap = w.case_capacity
                    row = (week, team.name, w.id, w.role, w.asye, w.fte, cap, w.load,
                           w.load / cap if cap > 0 else float("nan"), len(w.cases), w.capacity.reserved,
                           w.absent > 0, w.on_notice)  # fmt: skip
                    self.worker_rows.append(row + worker_columns(w) if worker_columns else row)
        self.week = defaultdict(WeekCounters)
        return rows

    def _team_row(self, week: int, now: float, team: TeamState) -> dict:
        team.recount_capacity()
        counters = self.week.get(team.name, NO_EVENTS)
        load, mean_ratio, max_ratio, over_100, excessive = self._holder_loads(now, team)
        capacity = team.capacity_columns["case_capacity_hours"]
        wait_total, allocations = counters.wait_days_total, counters.allocations
        row = {
            "week": week,
            "warmup": now <= self.warmup_day,
            "team": team.name,
            **team.capacity_columns,
            "load_hours": load,
            "load_ratio": load / capacity if capacity > 0 else NAN,
            "mean_worker_load_ratio": mean_ratio,
            "max_worker_load_ratio": max_ratio,
            "workers_over_100": over_100,
            "workers_excessive": excessive,
            **self._unallocated(now, team),
            "open_cases": team.open_cases,
            "referrals": counters.referrals,
            "re_referrals": counters.re_referrals,
            "closures": counters.closures,
            "allocations": allocations,
            "moves": counters.moves,
            "stepped_down": counters.stepped_down,
            "screened_out": counters.screened_out,
            "mean_wait_days": wait_total / allocations if allocations else NAN,
        }
        self._held_cases(now, team, row)
        self._staffing(now, team, row)
        return row

    def _holder_loads(self, now: float, team: TeamState) -> tuple[float, float, float, int, int]:
        """Case holders' total load, mean and largest load ratio, how many are over 100% and how many
        have been above the excessive ratio for ``excessive_weeks`` weeks in a row.

        Moves the excessive streaks on a week and, after the warm-up, adds the ratios to the run's tallies.
        """
        streaks, limit, weeks = self.excessive_streak, self.excessive_ratio, self.excessive_weeks
        ratios, load, excessive = [], 0.0, 0
        for w in team.holders:
            load += w.load
            cap = w.case_capacity
            if cap > 0:
                ratios.append(w.load / cap)
            streak = streaks.get(w.id, 0) + 1 if cap > 0 and w.load > cap * limit else 0
            streaks[w.id] = streak
            excessive += streak >= weeks
        if not ratios:
            return load, NAN, NAN, 0, excessive
        over_100, top = sum(r > 1.0 + 1e-9 for r in ratios), max(ratios)
        if now > self.warmup_day:
            self.ratio_sum += sum(ratios)
            self.ratio_count += len(ratios)
            self.ratio_over_100 += over_100
            if not top <= self.ratio_max:  # also replaces the initial NaN
                self.ratio_max = top
        return load, sum(ratios) / len(ratios), top, over_100, excessive

    def _held_cases(self, now: float, team: TeamState, row: dict) -> None:
        """Held cases in total and by type (``cases_<type>``), and assessments past their limit."""
        held = dict.fromkeys(self._type_columns.values(), 0)
        columns, assessment, limit = self._type_columns, self.assessment_type, self.assessment_limit_days
        overdue = 0
        for w in team.workers:
            for case in w.cases:
                name = case.stage.name
                held[columns[name]] += 1
                overdue += name == assessment and now - case.entered_at > limit
        for case in team.waiting:
            overdue += case.stage.name == assessment and now - case.entered_at > limit
        row["cases_held"] = sum(held.values())
        row.update(held)
        row["overdue_assessments"] = overdue

    @staticmethod
    def _staffing(now: float, team: TeamState, row: dict) -> None:
        """Time-averaged FTE, absence and agency of the week, and the contingency level."""
        fte_days = team.fte_days.take(now)
        absent_days = team.absent_fte_days.take(now)
        agency_days = team.agency_fte_days.take(now)
        row["fte"] = fte_days / DAYS_PER_WEEK
        row["absent_fte"] = absent_days / DAYS_PER_WEEK
        row["absence_rate"] = absent_days / fte_days if fte_days > 0 else 0.0
        row["agency_fte"] = agency_days / DAYS_PER_WEEK
        row["agency_rate"] = agency_days / fte_days if fte_days > 0 else 0.0
        row["agency_cost"] = team.agency_cost.take(now)
        row["level"] = team.level

    def _unallocated(self, now: float, team: TeamState) -> dict[str, float]:
        """Waiting cases, their ages and their types (``waiting_<type>``, DESIGN §6's unallocated by type).

        A must-allocate case counts once it has missed an urgent meeting (waited longer than
        ``must_allocate_grace_days``), not while it waits for the next morning's.
        """
        by_type = dict.fromkeys(self._waiting_columns.values(), 0)
        urgent = must = over_14 = over_28 = 0
        oldest = 0.0
        grace = self.must_allocate_grace_days
        for case in team.waiting:
            by_type[self._waiting_columns[case.stage.name]] += 1
            age = now - case.queued_at
            urgent += case.stage.urgent
            must += case.stage.must_allocate and age > grace
            over_14 += age > 14
            over_28 += age > 28
            oldest = max(oldest, age)
        return {
            "unallocated": len(team.waiting),
            "unallocated_urgent": urgent,
            "unallocated_must_allocate": must,
            "unallocated_over_14_days": over_14,
            "unallocated_over_28_days": over_28,
            "oldest_unallocated_days": oldest,
            **by_type,
        }


NAN = float("nan")
NO_EVENTS = WeekCounters()
"""The counters of a team-week in which nothing happened (read only)."""

WORKER_COLUMNS = [
    "week", "team", "worker_id", "role", "asye", "fte", "case_capacity_hours", "load_hours",
    "load_ratio", "cases", "reserved_hours", "absent", "on_notice",
]  # fmt: skip
WORKER_EXTRA_COLUMNS = [
    "supervision_due", "supervision_held", "supervision_late", "supervision_missed",
    "cpd_planned_hours", "cpd_taken_hours", "cpd_lost_to_pause_hours", "cpd_lost_to_overload_hours",
    "asye_protected_hours", "asye_protected_kept_hours",
]  # fmt: skip
"""Per-worker compliance columns (issue 5); supervision counts are 0 when supervision is not tracked."""
CASE_LOG_COLUMNS = ["case_id", "child", "episode", "event", "stage", "day", "worker_id"]

ALLOCATED_WITHIN_DAYS = 7.0
"""The wait behind ``share_allocated_within_7_days``: a week, so with weekly allocation meetings a case
counts when the first meeting after it joined the queue gave it a worker."""


def allocated_within_share(waits: list[float], days: float) -> float:
    """The share of allocations made within ``days`` of the case joining the queue (NaN without any).

    Every case waits for a meeting when meetings are weekly, so the share of cases allocated with no wait
    at all is 0 whatever the staffing; the share within a week separates a team that allocates at the
    first meeting from one that carries cases over.

    Parameters
    ----------
    waits : list of float
        Days from joining the queue to allocation (:attr:`RunMetrics.waits`).
    days : float
        The limit (inclusive).

    Returns
    -------
    float
    """
    if not waits:
        return float("nan")
    return sum(wait <= days + 1e-9 for wait in waits) / len(waits)
