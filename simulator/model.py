"""The discrete-event model of one replication (simpy): referrals, case pathways, allocation meetings.

Time is in calendar days from ``meta.start``. A child's episode moves through the case types of the
scenario (its pathway table); held stages need an allocated worker. Allocation happens at meetings, where
a :class:`~optimiser.policy.Snapshot` goes to the scenario's policy and its decisions are applied.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from optimiser import Decision, Policy, Snapshot, WaitingCase, make_policy
from optimiser.policy import TOLERANCE, ineligibility, largest_room
from simulator.demand import ReferralRate, next_arrival
from simulator.entities import (
    CLOSED,
    DAYS_PER_WEEK,
    Case,
    Stage,
    TeamState,
    Worker,
    build_workers,
)
from simulator.metrics import RunMetrics
from simulator.rng import Streams
from simulator.scenario.models import CLOSE, Scenario

MEETING_OFFSET_DAYS = 0.5  # meetings sit mid-day, away from the week boundary


class ServiceModel:
    """One replication of a scenario.

    Parameters
    ----------
    scenario
        The validated scenario.
    replication
        Replication number; with the scenario seed it fixes every random stream.
    policy
        Allocation policy; default the one the scenario names.
    """

    def __init__(self, scenario: Scenario, replication: int = 0, policy: Policy | None = None):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(scenario.meta.seed, replication)
        self.stages = {name: Stage.compile(name, ct) for name, ct in scenario.case_types.items()}
        self.workers = build_workers(scenario)
        self.teams = _teams(self.workers)
        self.policy = policy if policy is not None else policy_for(scenario)
        self.horizon_day = scenario.meta.horizon_weeks * DAYS_PER_WEEK
        self.rate = ReferralRate(scenario.demand, scenario.meta.start, self.horizon_day)
        self.metrics = RunMetrics(
            warmup_day=scenario.meta.warmup_weeks * DAYS_PER_WEEK,
            case_types=list(self.stages),
            case_log=[] if scenario.outputs.case_log else None,
            excessive_ratio=scenario.capacity.excessive_ratio,
            excessive_weeks=scenario.capacity.excessive_weeks,
            per_worker=scenario.outputs.per_worker,
        )
        alloc = scenario.allocation
        self.urgent_every = alloc.meetings.urgent_every_days
        self.other_every = alloc.meetings.other_every_days
        self.continuous = self.urgent_every == 0 or self.other_every == 0
        self.max_load_ratio = alloc.max_load_ratio
        # held cases of overloaded workers are offered for reallocation when the policy may move them
        self.offers_moves = alloc.policy == "milp" and alloc.milp.move_cost is not None
        self.entry_names, self.entry_cumulative = _cumulative(scenario.pathway.entry)
        self.team_names, self.team_cumulative = _cumulative(self._team_shares())
        self.duration_stream = {n: self.streams[f"duration:{n}"] for n in self.stages}
        self.transition_stream = {n: self.streams[f"transition:{n}"] for n in self.stages}
        self.next_child = 0
        self.started = False

    # ----------------------------------------------------------------------------------- run

    def run(self, until_day: float | None = None) -> RunMetrics:
        """Simulate to ``until_day`` (default: the whole horizon) and return the metrics so far.

        Calling again continues from where the last call stopped (tests step through a run this way).
        """
        if not self.started:
            self._start()
        end = self.horizon_day + 1e-6 if until_day is None else min(until_day, self.horizon_day + 1e-6)
        if end > self.env.now:
            self.env.run(until=end)
        return self.metrics

    def _start(self) -> None:
        self.started = True
        self.env.process(self._weekly())
        self.env.process(self._arrivals())
        for every, urgent_only in ((self.urgent_every, True), (self.other_every, False)):
            if every > 0:
                self.env.process(self._meetings(every, urgent_only))

    def _weekly(self):
        week = 0
        self._refresh_capacities()
        while True:
            yield self.env.timeout(DAYS_PER_WEEK)
            self.metrics.end_week(week, self.env.now, list(self.teams.values()))
            week += 1
            if week >= self.scenario.meta.horizon_weeks:
                return
            self._refresh_capacities()

    def _refresh_capacities(self) -> None:
        now = self.env.now
        changed = set()
        for w in self.workers:
            if w.capacity is None or w.capacity_may_change(now, self.scenario):
                w.refresh_capacity(now, self.scenario)
                changed.add(w.team)
        for name in changed:
            self.teams[name].recount_capacity()

    def _arrivals(self):
        stream, routing = self.streams["arrivals"], self.streams["routing"]
        while True:
            t = next_arrival(self.rate, self.env.now, stream, self.horizon_day)
            if t is None:
                return
            yield self.env.timeout(t - self.env.now)
            team = self.team_names[routing.choice(self.team_cumulative)]
            self.next_child += 1
            self._refer(Case(child=self.next_child, team=team, episode=1, referred_at=t))

    def _meetings(self, every: float, urgent_only: bool):
        yield self.env.timeout(MEETING_OFFSET_DAYS)
        while True:
            for team in self.teams.values():
                if team.waiting or (self.offers_moves and self._overloaded(team)):
                    self._meet(team, urgent_only)
            yield self.env.timeout(every)

    def _at(self, delay: float, action: Callable, *args) -> None:
        """Call ``action(*args)`` after ``delay`` days (a bare timer, cheaper than a process)."""
        self.env.timeout(delay).callbacks.append(lambda _event: action(*args))

    # ------------------------------------------------------------------------------- pathway

    def _refer(self, case: Case, re_referral: bool = False) -> None:
        now = self.env.now
        case.referred_at = now
        self.teams[case.team].open_cases += 1
        self.metrics.referral(now, case, re_referral)
        entry = self.entry_names[self.streams["entry"].choice(self.entry_cumulative)]
        self._enter(case, entry)

    def _enter(self, case: Case, name: str) -> None:
        if name == CLOSE:
            self._close(case)
            return
        stage = self.stages[name]
        case.stage = stage
        case.token += 1
        case.entered_at = now = self.env.now
        self.metrics.stage_entered(now, case)
        worker = case.worker
        if not stage.held:
            if worker is not None:
                self._release(case)
            self._schedule_finish(case)
            return
        if worker is not None:
            if ineligibility(worker, _waiting(case)) is None:
                self._start_work(case, worker)
                self._schedule_finish(case)
                return
            self._release(case)
        self._enqueue(case)
        if stage.clock_on_entry:
            self._schedule_finish(case)

    def _schedule_finish(self, case: Case) -> None:
        stage = case.stage
        self._at(stage.duration(self.duration_stream[stage.name]), self._finish, case, case.token)

    def _finish(self, case: Case, token: int) -> None:
        if case.token != token:
            return
        stage = case.stage
        team = self.teams[case.team]
        if case in team.waiting:  # an entry-clock stage that ended before anyone took it
            del team.waiting[case]
            case.request = None
            self.metrics.dequeued(self.env.now)
        choice = self.transition_stream[stage.name].choice(stage.next_cumulative)
        self._enter(case, stage.next_names[choice])

    def _close(self, case: Case) -> None:
        now = self.env.now
        from_stage = case.stage.name
        if case.worker is not None:
            self._release(case)
        case.stage = CLOSED
        case.token += 1
        self.teams[case.team].open_cases -= 1
        self.metrics.closed(now, case, from_stage)
        rule = self.scenario.pathway.re_referral
        if rule.probability == 0:
            return
        stream = self.streams["re_referral"]
        happens, when = stream.random() < rule.probability, stream.random()  # two draws: aligned
        if happens:
            child = Case(
                child=case.child, team=case.team, episode=case.episode + 1, referred_at=now,
                previous_worker=case.previous_worker if rule.prefer_previous_worker else None,
            )  # fmt: skip
            self._at(when * rule.within_weeks * DAYS_PER_WEEK, self._refer_again, child)

    def _refer_again(self, case: Case) -> None:
        if self.env.now < self.horizon_day:
            self._refer(case, re_referral=True)

    # ---------------------------------------------------------------------------- allocation

    def _enqueue(self, case: Case) -> None:
        case.queued_at = now = self.env.now
        case.request = _waiting(case)
        team = self.teams[case.team]
        team.waiting[case] = None
        self.metrics.queued(now, case)
        if (self.urgent_every if case.stage.urgent else self.other_every) == 0:
            self._meet_continuously(team)

    def _meet_continuously(self, team: TeamState) -> None:
        """Allocate at once the cases whose meeting cadence is continuous (0 days)."""
        self._meet(team, urgent_only=self.other_every != 0)

    def _meet(self, team: TeamState, urgent_only: bool) -> None:
        """Hand the team's waiting cases to the policy and apply its decisions."""
        # room only shrinks during a meeting, so a case heavier than the largest room cannot be placed
        room = largest_room(team.holders, self.max_load_ratio)
        cases = [c for c in team.waiting if (c.stage.urgent or not urgent_only) and c.request.weight <= room]
        movable = self._movable(team) if self.offers_moves else []
        if not cases and not movable:
            return
        alloc = self.scenario.allocation
        snapshot = Snapshot(
            workers=team.holders,
            cases=[c.request for c in cases],
            movable=[_waiting(c, held_by=c.worker.id) for c in movable],
            max_load_ratio=alloc.max_load_ratio,
            continuity=alloc.continuity,
            order=alloc.order,
            time=self.env.now,
            explain=False,
        )
        self._apply(team, cases + movable, self.policy.allocate(snapshot))

    def _apply(self, team: TeamState, cases: list[Case], decisions: list[Decision]) -> None:
        by_case = {c.id: c for c in cases}
        now = self.env.now
        for decision in decisions:
            if decision.worker_id is None:
                continue
            case = by_case[decision.case_id]
            if case.worker is not None:  # a held case the policy may have moved
                if case.worker.id != decision.worker_id:
                    self._move(case, team.by_id[decision.worker_id])
                continue
            del team.waiting[case]
            case.request = None
            case.worker = worker = team.by_id[decision.worker_id]
            worker.cases.add(case)
            self.metrics.dequeued(now)
            self.metrics.allocated(now, case)
            self._start_work(case, worker)
            if not case.stage.clock_on_entry:
                self._schedule_finish(case)

    def _overloaded(self, team: TeamState) -> list[Worker]:
        """Case-holders above the load cap (none without a cap)."""
        ratio = self.max_load_ratio
        if ratio is None:
            return []
        return [w for w in team.holders if w.load > w.case_capacity * ratio + TOLERANCE]

    def _movable(self, team: TeamState) -> list[Case]:
        """Held cases of workers above the load cap: the ones a reallocation may move."""
        return [case for w in self._overloaded(team) for case in sorted(w.cases, key=lambda c: c.id)]

    def _move(self, case: Case, worker: Worker) -> None:
        """Reallocate a held case: same stage and clock, new holder (continuity is lost)."""
        old = case.worker
        old.cases.discard(case)
        old.load -= case.weight
        worker.cases.add(case)
        worker.load += case.weight
        case.worker = worker
        case.previous_worker = old.id
        self.metrics.moved(self.env.now, case)

    def _start_work(self, case: Case, worker: Worker) -> None:
        """Worker holds the case in its current stage: set the stage weight and its schedule."""
        case.allocated_at = self.env.now
        self._set_weight(case, case.stage.weight)
        for from_day, weight in case.stage.schedule:
            if from_day > 0:
                self._at(from_day, self._step_weight, case, case.token, weight)

    def _step_weight(self, case: Case, token: int, weight: float) -> None:
        if case.token == token and case.worker is not None:
            self._set_weight(case, weight)

    def _set_weight(self, case: Case, weight: float) -> None:
        delta = weight - case.weight
        case.weight = weight
        case.worker.load += delta
        self.metrics.load_changed(self.env.now, delta)
        if delta < 0:
            self._capacity_freed(case.team)

    def _release(self, case: Case) -> None:
        worker = case.worker
        worker.cases.discard(case)
        worker.load -= case.weight
        self.metrics.load_changed(self.env.now, -case.weight)
        case.weight = 0.0
        case.previous_worker = worker.id
        case.worker = None
        self._capacity_freed(case.team)

    def _capacity_freed(self, team_name: str) -> None:
        if self.continuous:
            team = self.teams[team_name]
            if team.waiting:
                self._meet_continuously(team)

    def _team_shares(self) -> dict[str, float]:
        shares = self.scenario.demand.team_shares
        if shares is not None:
            return shares
        fte: dict[str, float] = {}
        for w in self.workers:
            if w.case_holding:
                fte[w.team] = fte.get(w.team, 0.0) + w.fte
        total = sum(fte.values())
        return {team: f / total for team, f in fte.items()}


def policy_for(scenario: Scenario) -> Policy:
    """The allocation policy the scenario names, with its settings."""
    alloc = scenario.allocation
    options = {
        "points_threshold": {"threshold": alloc.points_threshold},
        "milp": alloc.milp.model_dump(),
    }.get(alloc.policy)
    return make_policy(alloc.policy, options)


def _teams(workers: list[Worker]) -> dict[str, TeamState]:
    members: dict[str, list[Worker]] = {}
    for w in workers:
        members.setdefault(w.team, []).append(w)
    return {name: TeamState(name, team_workers) for name, team_workers in members.items()}


def _cumulative(table: dict[str, float]) -> tuple[list[str], list[float]]:
    names, cumulative, total = [], [], 0.0
    for name, p in table.items():
        total += p
        names.append(name)
        cumulative.append(total)
    cumulative[-1] = 1.0
    return names, cumulative


def _waiting(case: Case, held_by: str | None = None) -> WaitingCase:
    stage = case.stage
    return WaitingCase(
        id=case.id,
        case_type=stage.name,
        weight=stage.weight,
        team=case.team,
        priority=stage.priority,
        must_allocate=stage.must_allocate,
        asye_sole_allowed=stage.asye_sole_allowed,
        required_skills=stage.required_skills,
        waiting_since=case.queued_at if case.queued_at is not None else case.entered_at,
        previous_worker=case.previous_worker,
        held_by=held_by,
    )
