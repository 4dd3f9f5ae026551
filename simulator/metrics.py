"""Metrics of one run (DESIGN §7): weekly team and worker tables, time averages and wait statistics.

Counts that change at events (waiting cases, open cases, busy case hours) are integrated over time, so
averages are exact time averages rather than samples at week ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.entities import Case, TeamState


@dataclass
class TimeAverage:
    """Time integral of a piecewise-constant quantity from ``since`` onwards."""

    since: float
    value: float = 0.0
    last: float = 0.0
    area: float = 0.0

    def change(self, now: float, delta: float) -> None:
        if now > self.since:
            self.area += self.value * (now - max(self.last, self.since))
        self.last = now
        self.value += delta

    def mean(self, now: float) -> float:
        span = now - self.since
        if span <= 0:
            return float("nan")
        tail = self.value * (now - max(self.last, self.since)) if now > self.since else 0.0
        return (self.area + tail) / span


@dataclass
class WeekCounters:
    referrals: int = 0
    re_referrals: int = 0
    closures: int = 0
    allocations: int = 0
    wait_days_total: float = 0.0


@dataclass
class RunMetrics:
    """Collects everything one replication measures."""

    warmup_day: float
    case_types: list[str]
    excessive_ratio: float = 1.1
    excessive_weeks: int = 4
    per_worker: bool = True
    case_log: list[tuple] | None = None
    waiting: TimeAverage = field(init=False)
    open_cases: TimeAverage = field(init=False)
    busy_hours: TimeAverage = field(init=False)
    team_rows: list[dict] = field(default_factory=list)
    worker_rows: list[tuple] = field(default_factory=list)
    week: dict[str, WeekCounters] = field(default_factory=dict)
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
        self.waiting = TimeAverage(self.warmup_day)
        self.open_cases = TimeAverage(self.warmup_day)
        self.busy_hours = TimeAverage(self.warmup_day)

    def counters(self, team: str) -> WeekCounters:
        c = self.week.get(team)
        if c is None:
            c = self.week[team] = WeekCounters()
        return c

    # ------------------------------------------------------------------------------ event hooks

    def referral(self, now: float, case: Case, re_referral: bool) -> None:
        c = self.counters(case.team)
        c.referrals += 1
        c.re_referrals += re_referral
        self.open_cases.change(now, 1)
        if now >= self.warmup_day:
            self.arrivals_after_warmup += 1
            self.re_referrals_after_warmup += re_referral
        self.log(now, case, "referral")

    def stage_entered(self, now: float, case: Case) -> None:
        if now >= self.warmup_day:
            name = case.stage.name
            self.entries_by_stage[name] = self.entries_by_stage.get(name, 0) + 1
        self.log(now, case, "enter")

    def queued(self, now: float, case: Case) -> None:
        self.waiting.change(now, 1)
        self.log(now, case, "queued")

    def dequeued(self, now: float) -> None:
        self.waiting.change(now, -1)

    def allocated(self, now: float, case: Case) -> None:
        wait = now - case.queued_at
        c = self.counters(case.team)
        c.allocations += 1
        c.wait_days_total += wait
        if case.queued_at >= self.warmup_day:
            self.waits.append(wait)
        self.log(now, case, "allocated")

    def load_changed(self, now: float, delta: float) -> None:
        self.busy_hours.change(now, delta)

    def closed(self, now: float, case: Case, from_stage: str) -> None:
        self.counters(case.team).closures += 1
        self.open_cases.change(now, -1)
        if case.referred_at >= self.warmup_day:
            self.sojourns.append(now - case.referred_at)
        if now >= self.warmup_day:
            self.closures_by_stage[from_stage] = self.closures_by_stage.get(from_stage, 0) + 1
        self.log(now, case, "closed")

    def log(self, now: float, case: Case, event: str) -> None:
        if self.case_log is not None:
            worker = case.worker.id if case.worker is not None else None
            self.case_log.append((case.id, case.child, case.episode, event, case.stage.name, now, worker))

    # ------------------------------------------------------------------------------ weekly rows

    def end_week(self, week: int, now: float, teams: list[TeamState]) -> None:
        """Record the week that ends at ``now`` for every team and worker, then reset the counters."""
        for team in teams:
            self.team_rows.append(self._team_row(week, now, team))
            if self.per_worker:
                for w in team.workers:
                    cap = w.case_capacity
                    self.worker_rows.append(
                        (week, team.name, w.id, w.role, w.asye, w.fte, cap, w.load,
                         w.load / cap if cap > 0 else float("nan"), len(w.cases), w.capacity.reserved)
                    )  # fmt: skip
        self.week = {}

    def _team_row(self, week: int, now: float, team: TeamState) -> dict:
        counters = self.counters(team.name)
        by_type = dict.fromkeys(self.case_types, 0)
        for w in team.workers:
            for case in w.cases:
                by_type[case.stage.name] += 1
        ratios, excessive, load = [], 0, 0.0
        for w in team.holders:
            load += w.load
            if w.case_capacity > 0:
                ratios.append(w.load / w.case_capacity)
            streak = self.excessive_streak.get(w.id, 0) + 1 if self._excessive(w) else 0
            self.excessive_streak[w.id] = streak
            excessive += streak >= self.excessive_weeks
        capacity = team.hours["case_capacity"]
        if now > self.warmup_day and ratios:
            self._measure_ratios(ratios)
        ages = [now - c.queued_at for c in team.waiting]
        row = {
            "week": week,
            "warmup": now <= self.warmup_day,
            "team": team.name,
            "workers": len(team.workers),
            "case_holding_fte": team.case_holding_fte,
            "asye_workers": team.asye_workers,
            **{f"{part}_hours": value for part, value in team.hours.items()},
            "load_hours": load,
            "load_ratio": load / capacity if capacity > 0 else float("nan"),
            "mean_worker_load_ratio": sum(ratios) / len(ratios) if ratios else float("nan"),
            "max_worker_load_ratio": max(ratios) if ratios else float("nan"),
            "workers_over_100": sum(r > 1.0 + 1e-9 for r in ratios),
            "workers_excessive": excessive,
            "cases_held": sum(by_type.values()),
            "unallocated": len(ages),
            "unallocated_urgent": sum(c.stage.urgent for c in team.waiting),
            "unallocated_must_allocate": sum(c.stage.must_allocate for c in team.waiting),
            "unallocated_over_14_days": sum(a > 14 for a in ages),
            "unallocated_over_28_days": sum(a > 28 for a in ages),
            "oldest_unallocated_days": max(ages) if ages else 0.0,
            "open_cases": team.open_cases,
            "referrals": counters.referrals,
            "re_referrals": counters.re_referrals,
            "closures": counters.closures,
            "allocations": counters.allocations,
            "mean_wait_days": (
                counters.wait_days_total / counters.allocations if counters.allocations else float("nan")
            ),
        }
        for name, count in by_type.items():
            row[f"cases_{name}"] = count
        return row

    def _measure_ratios(self, ratios: list[float]) -> None:
        self.ratio_sum += sum(ratios)
        self.ratio_count += len(ratios)
        self.ratio_over_100 += sum(r > 1.0 + 1e-9 for r in ratios)
        top = max(ratios)
        if not top <= self.ratio_max:  # also replaces the initial NaN
            self.ratio_max = top

    def _excessive(self, worker) -> bool:
        return worker.case_capacity > 0 and worker.load > worker.case_capacity * self.excessive_ratio


WORKER_COLUMNS = [
    "week", "team", "worker_id", "role", "asye", "fte", "case_capacity_hours", "load_hours",
    "load_ratio", "cases", "reserved_hours",
]  # fmt: skip
CASE_LOG_COLUMNS = ["case_id", "child", "episode", "event", "stage", "day", "worker_id"]
