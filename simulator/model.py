"""The discrete-event model of one replication (simpy): referrals, case pathways, allocation meetings.

Time is in calendar days from ``meta.start``. A child's episode moves through the case types of the
scenario (its pathway table); held stages need an allocated worker. Allocation happens at meetings, where
a :class:`~optimiser.policy.Snapshot` goes to the scenario's policy and its decisions are applied.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from optimiser import Decision, Policy, Snapshot, WaitingCase, make_policy
from optimiser.policy import TOLERANCE, SequentialPolicy, ineligibility, largest_room, meeting_order
from simulator.contingency import ContingencyPlan
from simulator.demand import ReferralRate, next_arrival
from simulator.distributions import DAYS_PER, residual
from simulator.entities import (
    CLOSED,
    DAYS_PER_WEEK,
    Case,
    Stage,
    TeamState,
    Worker,
    WorkerIds,
    build_workers,
    day_to_date,
)
from simulator.metrics import RunMetrics
from simulator.rng import Streams
from simulator.scenario.models import CLOSE, Scenario
from simulator.supervision import SupervisionBook, protected_time, protected_time_columns
from simulator.workforce import WorkforceDynamics

MEETING_OFFSET_DAYS = 0.5  # meetings sit mid-day, away from the week boundary
AGENCY_TENURE_DAYS = 3 * 365.25  # agency workers need 3 years' post-qualifying experience (DF §7)


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
            must_allocate_grace_days=scenario.allocation.meetings.urgent_every_days,
            **_assessment_limit(scenario),
            per_worker=scenario.outputs.per_worker,
        )
        alloc = scenario.allocation
        self.urgent_every = alloc.meetings.urgent_every_days
        self.other_every = alloc.meetings.other_every_days
        self.continuous = self.urgent_every == 0 or self.other_every == 0
        self.max_load_ratio = alloc.max_load_ratio
        self.continuity = alloc.continuity
        self.meeting_key = meeting_order(alloc.order)
        # held cases of overloaded workers are offered for reallocation when the policy may move them
        self.offers_moves = alloc.policy == "milp" and alloc.milp.move_cost is not None
        # a sequential policy decides a referral alone when nothing else waiting fits (see _enqueue)
        self.place = (
            self.policy.place if isinstance(self.policy, SequentialPolicy) and not self.offers_moves else None
        )
        self.entry_names, self.entry_cumulative = _cumulative(scenario.pathway.entry)
        self.team_names, self.team_cumulative = _cumulative(self._team_shares())
        self.duration_stream = {n: self.streams[f"duration:{n}"] for n in self.stages}
        self.transition_stream = {n: self.streams[f"transition:{n}"] for n in self.stages}
        self.entry_stream = self.streams["entry"]
        self.re_referral = scenario.pathway.re_referral
        self.next_child = 0
        self.started = False
        self.new_cases_in_notice = True
        self.workforce: WorkforceDynamics | None = None
        if scenario.workforce is not None:
            self.workforce = WorkforceDynamics(self, scenario.workforce)
            if scenario.workforce.turnover is not None:
                self.new_cases_in_notice = scenario.workforce.turnover.new_cases_in_notice
        self.supervision = SupervisionBook(scenario) if scenario.supervision.track else None
        self.contingency = ContingencyPlan(self, scenario.contingency) if scenario.contingency else None
        # absence share of a present worker this week (annual leave, static sickness), with dynamics
        self.expected_absence = self.workforce.expected_absence(0.0) if self.workforce is not None else None
        self.front_door = any(
            a.kind == "raise_threshold" for lv in (scenario.contingency.levels if scenario.contingency else ())
            for a in lv.actions
        )  # fmt: skip
        self.ids = WorkerIds(self.workers)

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
        if self.scenario.team.open_cases:
            self._refresh_capacities()
            self._open_snapshot_cases()
        if self.workforce is not None:
            self.workforce.start()
        if self.supervision is not None:
            self._enrol_supervisees()
        self.env.process(self._weekly())
        self.env.process(self._arrivals())
        for every, urgent_only in ((self.urgent_every, True), (self.other_every, False)):
            if every > 0:
                self.env.process(self._meetings(every, urgent_only))

    def _weekly(self):
        week = 0
        self._start_week()
        while True:
            yield self.env.timeout(DAYS_PER_WEEK)
            teams = list(self.teams.values())
            rows = self.metrics.end_week(week, self.env.now, teams, self._team_columns, self._worker_columns)
            if self.contingency is not None:
                self.contingency.review(week, rows)
            week += 1
            if week >= self.scenario.meta.horizon_weeks:
                return
            self._start_week()

    def _start_week(self) -> None:
        self._refresh_capacities()
        if self.supervision is not None:
            for team in self.teams.values():
                self.supervision.run_week(team, self.env.now)

    def _refresh_capacities(self) -> None:
        """Weekly capacity: tenure moves ASYE rules; with annual leave, the month moves everyone's."""
        now = self.env.now
        everyone = False
        if self.workforce is not None:
            expected = self.workforce.expected_absence(now)
            everyone, self.expected_absence = expected != self.expected_absence, expected
        for w in self.workers:
            if everyone or w.capacity is None or w.capacity_may_change(now, self.scenario):
                self._refresh(w)

    def _refresh(self, worker: Worker) -> None:
        absent_share = None
        if self.workforce is not None:
            absent_share = 1.0 if worker.absent else self.expected_absence
        team = self.teams[worker.team]
        worker.refresh_capacity(self.env.now, self.scenario, absent_share, cpd_paused=team.cpd_paused)
        team.capacity_changed = True
        team.settled = False

    def _team_columns(self, team: TeamState) -> dict[str, float]:
        """Workforce, supervision and protected-time columns of a team's weekly row."""
        columns = protected_time_columns(team, self.scenario.cpd.share)
        if self.workforce is not None:
            columns.update(self.workforce.columns(team.name))
        if self.supervision is not None:
            columns.update(self.supervision.columns(team.name))
        return columns

    def _worker_columns(self, worker: Worker) -> tuple:
        """A worker's supervision counts and protected time this week (``WORKER_EXTRA_COLUMNS``)."""
        sessions = self.supervision.worker_columns(worker) if self.supervision is not None else (0, 0, 0, 0)
        return sessions + protected_time(worker, self.scenario.cpd.share)

    def _enrol_supervisees(self) -> None:
        """Spread the first sessions of the starting team over one interval (deterministically)."""
        for team in self.teams.values():
            supervisees = [w for w in team.workers if w.case_holding and not w.supervises]
            for i, w in enumerate(supervisees):
                interval = self.supervision.interval_days(w, 0.0)
                self.supervision.enrol(w, 0.0, offset=interval * (i + 1) / len(supervisees))

    def _open_snapshot_cases(self) -> None:
        """Put the snapshot's open cases in place on day 0: held ones with their workers, then the waiting.

        A case's stage has already run for its age, so its remaining time is drawn from the stage's
        duration given that it has lasted that long; its weight follows the schedule from its opening.
        """
        start = self.scenario.meta.start
        by_id = {w.id: w for w in self.workers}
        ordered = sorted(self.scenario.team.open_cases, key=lambda c: c.worker_id is None)
        for open_case in ordered:
            self.next_child += 1
            case = Case(child=self.next_child, team=open_case.team, episode=1, referred_at=0.0)
            case.id = open_case.id
            opened = float((open_case.opened - start).days)
            case.stage = stage = self.stages[open_case.type]
            case.token += 1
            case.entered_at = case.referred_at = opened
            case.previous_worker = open_case.previous_worker_id
            self.teams[case.team].open_cases += 1
            self.metrics.opened_from_snapshot(self.env.now, case)
            worker = by_id.get(open_case.worker_id) if open_case.worker_id else None
            if worker is None:
                self._enqueue(case, since=opened)  # waiting since it opened
                continue
            case.worker = worker
            worker.cases.add(case)
            case.queued_at = opened
            self._start_work(case, worker, since=-opened)
            case.clock_running = True
            self.at(
                residual(stage.duration, self.duration_stream[stage.name], -opened),
                self._finish,
                case,
                case.token,
            )

    # --------------------------------------------------------------------- workforce changes

    def at(self, delay: float, action: Callable, *args) -> None:
        """Call ``action(*args)`` after ``delay`` days (a bare timer, cheaper than a process)."""
        self.env.timeout(delay).callbacks.append(lambda _event: action(*args))

    def month(self, day: float) -> int:
        return day_to_date(self.scenario.meta.start, day).month

    def new_worker(
        self,
        team: str,
        role: str,
        fte: float,
        *,
        day_rate: float = 0.0,
        supervises: bool = False,
        borrowed: bool = False,
    ) -> Worker:
        """A worker starting today with a fresh pseudonymous id (skills: the team's common ones)."""
        return Worker(
            id=self.ids.next(team, "borrowed" if borrowed else role),
            team=team,
            role=role,
            fte=fte,
            start_day=self.env.now if role != "agency" else self.env.now - AGENCY_TENURE_DAYS,
            skills=self.teams[team].common_skills,
            case_holding=role != "team_manager",
            supervises=supervises,
            day_rate=day_rate,
        )  # fmt: skip

    def join(self, worker: Worker, temporary: bool = False) -> None:
        """A worker joins their team today; temporary (plan) workers may also leave at short notice."""
        team = self.teams[worker.team]
        self.workers.append(worker)
        team.add(worker, self.env.now)
        self._refresh(worker)
        if self.supervision is not None:
            self.supervision.enrol(worker, self.env.now)
        if temporary and self.workforce is not None:
            self.workforce.begin(worker)
        self._capacity_freed(worker.team)

    def depart(self, worker: Worker) -> None:
        """A worker leaves: their cases go back to the allocation pool with continuity lost."""
        worker.departed = True
        team = self.teams[worker.team]
        team.remove(worker, self.env.now)
        self.workers.remove(worker)
        self.return_cases(worker)
        if self.supervision is not None:
            self.supervision.leave(worker)

    def return_cases(self, worker: Worker) -> None:
        """Put a worker's held cases back in the allocation pool (they wait again, continuity lost)."""
        for case in sorted(worker.cases, key=lambda c: c.id):
            self._release(case)
            case.previous_worker = None
            self._enqueue(case)

    def hand_over(self, old: Worker, new: Worker) -> None:
        """Move all of ``old``'s cases to ``new`` (an agency cover handing over to a permanent starter)."""
        for case in sorted(old.cases, key=lambda c: c.id):
            self._move(case, new)

    def recapacity(self, worker: Worker) -> None:
        """Recompute a worker's capacity now (absence began or ended, overtime, lending)."""
        if worker.departed:
            return
        before = worker.case_capacity
        self._refresh(worker)
        if worker.case_capacity > before:
            self._capacity_freed(worker.team)

    def recapacity_team(self, team: TeamState) -> None:
        for worker in team.workers:
            self._refresh(worker)
        self._capacity_freed(team.name)

    def step_down(self, team_name: str, case_types: set[str], limit: int) -> int:
        """Close up to ``limit`` cases of ``case_types`` (to early help): waiting ones first, oldest first."""
        team = self.teams[team_name]
        chosen = [c for c in team.waiting if c.stage.name in case_types][:limit]
        if len(chosen) < limit:
            held = sorted(
                (c for w in team.holders for c in w.cases if c.stage.name in case_types),
                key=lambda c: (c.entered_at, c.id),
            )
            chosen += held[: limit - len(chosen)]
        for case in chosen:
            if case in team.waiting:
                del team.waiting[case]
                case.request = None
                self.metrics.dequeued(self.env.now)
            self.metrics.stepped_down(case)
            self._close(case)
        return len(chosen)

    def _arrivals(self):
        stream, routing = self.streams["arrivals"], self.streams["routing"]
        while True:
            now = self.env.now
            t = next_arrival(self.rate, now, stream, self.horizon_day)
            if t is None:
                return
            yield self.env.timeout(t - now)
            team = self.team_names[routing.choice(self.team_cumulative)]
            if self.front_door and self.streams["front_door"].random() >= self.teams[team].referral_factor:
                self.metrics.screened_out(team)
                continue
            self.next_child += 1
            self._refer(Case(child=self.next_child, team=team, episode=1, referred_at=t))

    def _meetings(self, every: float, urgent_only: bool):
        yield self.env.timeout(MEETING_OFFSET_DAYS)
        while True:
            for team in self.teams.values():
                if team.waiting or (self.offers_moves and self._overloaded(team)):
                    self._meet(team, urgent_only)
            yield self.env.timeout(every)

    # ------------------------------------------------------------------------------- pathway

    def _refer(self, case: Case, re_referral: bool = False) -> None:
        now = self.env.now
        case.referred_at = now
        self.teams[case.team].open_cases += 1
        self.metrics.referral(now, case, re_referral)
        entry = self.entry_names[self.entry_stream.choice(self.entry_cumulative)]
        self._enter(case, entry)

    def _enter(self, case: Case, name: str) -> None:
        if name == CLOSE:
            self._close(case)
            return
        stage = self.stages[name]
        case.stage = stage
        case.token += 1
        case.clock_running = False
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
        case.clock_running = True
        stage = case.stage
        self.at(stage.duration(self.duration_stream[stage.name]), self._finish, case, case.token)

    def _finish(self, case: Case, token: int) -> None:
        if case.token != token:
            return
        stage = case.stage
        team = self.teams[case.team]
        if case.request is not None:  # an entry-clock stage that ended before anyone took it
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
        case.clock_running = False
        self.teams[case.team].open_cases -= 1
        self.metrics.closed(now, case, from_stage)
        rule = self.re_referral
        if rule.probability == 0:
            return
        stream = self.streams["re_referral"]
        happens, when = stream.random() < rule.probability, stream.random()  # two draws: aligned
        if happens:
            child = Case(
                child=case.child, team=case.team, episode=case.episode + 1, referred_at=now,
                previous_worker=case.previous_worker if rule.prefer_previous_worker else None,
            )  # fmt: skip
            self.at(when * rule.within_weeks * DAYS_PER_WEEK, self._refer_again, child)

    def _refer_again(self, case: Case) -> None:
        if self.env.now < self.horizon_day:
            self._refer(case, re_referral=True)

    # ---------------------------------------------------------------------------- allocation

    def _enqueue(self, case: Case, since: float | None = None) -> None:
        """Put a case in its team's waiting pool (waiting since ``since``, default now)."""
        now = self.env.now
        case.queued_at = now if since is None else since
        case.request = _waiting(case)
        team = self.teams[case.team]
        team.waiting[case] = None
        self.metrics.queued(now, case)
        if (self.urgent_every if case.stage.urgent else self.other_every) != 0:
            return
        if team.settled and self.place is not None:
            # nothing else waiting fits, so a meeting would decide this case alone: no snapshot needed
            workers = team.allocatable(self.new_cases_in_notice)
            self._place_each(team, workers, [case], largest_room(workers, self.max_load_ratio))
        else:
            self._meet_continuously(team)

    def _meet_continuously(self, team: TeamState) -> None:
        """Allocate at once the cases whose meeting cadence is continuous (0 days).

        Afterwards no case that continuous allocation considers fits anywhere (a sequential policy
        leaves a case only when nobody has room), so the team is settled until capacity changes.
        """
        self._meet(team, urgent_only=self.other_every != 0)
        team.settled = True

    def _meet(self, team: TeamState, urgent_only: bool) -> None:
        """Hand the team's waiting cases to the policy and apply its decisions."""
        workers = team.allocatable(self.new_cases_in_notice)
        # room only shrinks during a meeting, so a case heavier than the largest room cannot be placed
        room = largest_room(workers, self.max_load_ratio)
        cases = [c for c in team.waiting if (c.stage.urgent or not urgent_only) and c.request.weight <= room]
        if self.place is not None:
            self._place_each(team, workers, cases, room)
            return
        movable = self._movable(team) if self.offers_moves else []
        if not cases and not movable:
            return
        alloc = self.scenario.allocation
        snapshot = Snapshot(
            workers=workers,
            cases=[c.request for c in cases],
            movable=[_waiting(c, held_by=c.worker.id) for c in movable],
            max_load_ratio=alloc.max_load_ratio,
            continuity=alloc.continuity,
            order=alloc.order,
            time=self.env.now,
            explain=False,
        )
        self._apply(team, cases + movable, self.policy.allocate(snapshot))

    def _place_each(self, team: TeamState, workers: list[Worker], cases: list[Case], room: float) -> None:
        """A sequential policy's meeting: each case in meeting order placed on the loads the earlier ones
        left, which decides as the policy's ``allocate`` on a snapshot would, without building one.

        ``room`` is the most hours any of ``workers`` can take; a heavier case is passed over unasked.
        """
        if len(cases) > 1:
            key = self.meeting_key
            cases.sort(key=lambda c: key(c.request))
        ratio = self.max_load_ratio
        for case in cases:
            request = case.request
            if request.weight > room:
                continue
            worker = self.place(request, workers, ratio, self.continuity)
            if worker is not None:
                self._allocate(team, case, worker)
                room = largest_room(workers, ratio)

    def _apply(self, team: TeamState, cases: list[Case], decisions: list[Decision]) -> None:
        by_case = {c.id: c for c in cases}
        for decision in decisions:
            if decision.worker_id is None:
                continue
            case = by_case[decision.case_id]
            if case.worker is not None:  # a held case the policy may have moved
                if case.worker.id != decision.worker_id:
                    self._move(case, team.by_id[decision.worker_id])
                continue
            self._allocate(team, case, team.by_id[decision.worker_id])

    def _allocate(self, team: TeamState, case: Case, worker: Worker) -> None:
        """A waiting case goes to ``worker``: it leaves the pool and its stage's work starts."""
        now = self.env.now
        del team.waiting[case]
        case.request = None
        case.worker = worker
        worker.cases.add(case)
        self.metrics.dequeued(now)
        self.metrics.allocated(now, case)
        self._start_work(case, worker)
        if not case.clock_running:
            self._schedule_finish(case)

    def _overloaded(self, team: TeamState) -> list[Worker]:
        """Present case-holders above the load cap (none without a cap); an absent worker's cases are
        covered by the team until the reallocation rule of the workforce section returns them."""
        ratio = self.max_load_ratio
        if ratio is None:
            return []
        return [w for w in team.holders if not w.absent and w.load > w.case_capacity * ratio + TOLERANCE]

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
        self.teams[case.team].settled = False  # the old holder has room now
        self.metrics.moved(self.env.now, case)

    def _start_work(self, case: Case, worker: Worker, since: float = 0.0) -> None:
        """Worker holds the case in its current stage: set the stage weight and its schedule.

        ``since``: days the worker has already held it (a snapshot case), so the schedule is part-way.
        """
        case.allocated_at = self.env.now - since
        case.holding += 1
        weight = case.stage.weight
        for from_day, step_weight in case.stage.schedule:
            if from_day <= since:
                weight = step_weight
            else:
                self.at(from_day - since, self._step_weight, case, case.token, case.holding, step_weight)
        self._set_weight(case, weight)

    def _step_weight(self, case: Case, token: int, holding: int, weight: float) -> None:
        if case.token == token and case.holding == holding and case.worker is not None:
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
        fte: dict[str, float] = {}  # by establishment: vacant posts count too
        for group in self.scenario.team.workers:
            if self.scenario.holds_cases(group):
                fte[group.team] = fte.get(group.team, 0.0) + group.count * group.fte
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


def _assessment_limit(scenario: Scenario) -> dict:
    """The case type counted by overdue_assessments and its limit in days (45 working days default)."""
    plan = scenario.contingency
    if plan is None:
        return {}
    return {
        "assessment_type": plan.assessment_type,
        "assessment_limit_days": plan.assessment_limit_working_days * DAYS_PER["working_days"],
    }


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
