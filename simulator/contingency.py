"""The contingency plan at run time (DESIGN §6, Standard 3): weekly levels with hysteresis and actions.

Every week each team's indicators (columns of its weekly row) are compared with the thresholds of the
plan. :class:`LevelTracker` turns those comparisons into a level with hysteresis; :class:`ContingencyPlan`
starts and ends the actions of the level (after their lead time, for their duration) and counts what
they cost. The timeline of levels, triggers, actions and costs is an output: an action is listed as
ended only if it started, and one that could not start is listed as not started with the reason
(:data:`NOT_STARTED`).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simulator.entities import TeamState, Worker
from simulator.scenario.contingency import Contingency, Level, parse_threshold

if TYPE_CHECKING:
    from simulator.model import ServiceModel

WORKING_DAYS_PER_WEEK = 5
_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}

TIMELINE_COLUMNS = (
    "week", "team", "level", "level_changed", "triggered_by", "actions_started", "actions_ended",
    "actions_active", "cost", "actions_not_started",
)  # fmt: skip
"""Columns of the timeline (``contingency.parquet``), one row per team-week; actions are comma-separated
``kind@level`` labels, each not-started one followed by its reason in brackets."""

NOT_STARTED = {
    "no_lender": "no team could lend",
    "cancelled": "level left before it started",
    "only_if": "only_if not met",
}
"""Why an action of the plan did not start, as the timeline's ``actions_not_started`` says it."""


def met(conditions: dict[str, float | str], row: dict) -> list[str]:
    """The indicators of ``conditions`` whose threshold ``row`` meets."""
    hits = []
    for name, threshold in conditions.items():
        op, value = parse_threshold(threshold)
        measured = row.get(name)  # a column the run does not record (e.g. untracked supervision) never meets
        if measured is not None and _COMPARE[op](measured, value):
            hits.append(name)
    return hits


@dataclass
class LevelTracker:
    """The level of one team: enter a level after N weeks above, leave it after M weeks below."""

    levels: list[Level]
    current: int = 1
    above: dict[int, int] = field(default_factory=dict)  # weeks in a row each level's condition held
    below: dict[int, int] = field(default_factory=dict)  # weeks in a row it did not

    def update(self, holds: dict[int, bool]) -> int:
        """Feed one week's conditions (level → held) and return the new level."""
        for level in self.levels:
            n = level.level
            if holds[n]:
                self.above[n], self.below[n] = self.above.get(n, 0) + 1, 0
            else:
                self.above[n], self.below[n] = 0, self.below.get(n, 0) + 1
        entered = [
            lv.level
            for lv in self.levels
            if lv.level > self.current and self.above[lv.level] >= lv.enter_after_weeks
        ]
        if entered:
            self.current = max(entered)
            return self.current
        at = next((lv for lv in self.levels if lv.level == self.current), None)
        if at is not None and self.below[at.level] >= at.leave_after_weeks:
            # step down one level, or to a lower level whose condition still holds (whichever is higher);
            # the lower level's own leave rule then applies to the weeks already below it
            lower = [lv.level for lv in self.levels if lv.level < self.current]
            holding = [n for n in lower if holds[n]]
            self.current = max(holding + lower[-1:], default=1)
        return self.current


@dataclass(eq=False)
class RunningAction:
    """One action of the plan, started for one team."""

    level: int
    spec: object  # one of the Action models
    starts_week: int
    ends_week: int | None
    active: bool = False
    workers: list[Worker] = field(default_factory=list)  # agency or borrowed workers it brought
    hours: dict[Worker, float] = field(default_factory=dict)  # overtime or lending per worker
    lender: str | None = None
    held_up: bool = False  # was due but could not start (listed once as not started)

    @property
    def label(self) -> str:
        """``kind@level`` as the timeline shows it; an escalation names who was told."""
        return _label(self.spec, self.level)


def _label(spec, level: int) -> str:
    """``kind@level`` of an action of the plan; an escalation names who was told."""
    kind = spec.kind
    if kind == "escalate":
        kind = f"escalate:{spec.to}"
    return f"{kind}@{level}"


def _not_started(action: RunningAction, reason: str) -> str:
    """An action's label with the reason it did not start (:data:`NOT_STARTED`)."""
    return f"{action.label} ({NOT_STARTED[reason]})"


PLAN_COLUMNS = (
    "contingency_cost", "overtime_hours", "overtime_cost", "plan_agency_fte", "plan_agency_cost",
    "borrowed_fte", "borrow_cost", "cpd_paused", "escalations", "actions_active",
)  # fmt: skip
"""Weekly columns the plan adds to each team row (the week just ended)."""


class ContingencyPlan:
    """Runs the scenario's plan for every team of a :class:`ServiceModel`."""

    def __init__(self, model: ServiceModel, plan: Contingency):
        self.model = model
        self.plan = plan
        self.by_level = {lv.level: lv for lv in plan.levels}
        self.trackers = {name: LevelTracker(plan.levels) for name in model.teams}
        self.running: dict[str, dict[tuple[int, int], RunningAction]] = {name: {} for name in model.teams}
        self.done: dict[str, set[tuple[int, int]]] = {name: set() for name in model.teams}
        # actions of a level in force whose only_if did not hold (listed once until the level is left)
        self.held_back: dict[str, set[tuple[int, int]]] = {name: set() for name in model.teams}
        self.timeline: list[tuple] = []
        self._last_rows: dict[str, dict] = {}

    # ------------------------------------------------------------------------------- weekly

    def review(self, week: int, rows: list[dict]) -> None:
        """Charge last week's actions, then set each team's level and start or end actions."""
        self._last_rows = {row["team"]: row for row in rows}
        for row in rows:
            self._review_team(week, row)

    def _review_team(self, week: int, row: dict) -> None:
        name = row["team"]
        team = self.model.teams[name]
        figures = self._run_active(name)
        holds = {lv.level: bool(met(lv.when, row)) for lv in self.plan.levels}
        before = team.level
        level = team.level = self.trackers[name].update(holds)
        started, ended, not_started = self._adjust_actions(week, team, row)
        triggers = met(self.by_level[level].when, row) if level > 1 else []
        figures["escalations"] = sum(label.startswith("escalate") for label in started)
        figures["actions_active"] = sum(a.active for a in self.running[name].values())
        row.update(figures, level=level)
        self.timeline.append(
            (week, name, level, level != before, ",".join(triggers), ",".join(started), ",".join(ended),
             figures["actions_active"], figures["contingency_cost"], ",".join(not_started))
        )  # fmt: skip

    def _run_active(self, team: str) -> dict[str, float]:
        """The week just ended under the team's active actions: step-downs, hours and costs."""
        figures = dict.fromkeys(PLAN_COLUMNS, 0.0)
        for action in self.running[team].values():
            if not action.active:
                continue
            spec = action.spec
            if spec.kind == "step_down":
                self._step_down(team, spec)
            elif spec.kind == "agency":
                present = [w for w in action.workers if not w.departed]
                figures["plan_agency_fte"] += sum(w.fte for w in present)
                figures["plan_agency_cost"] += sum(
                    w.fte * w.day_rate * WORKING_DAYS_PER_WEEK for w in present
                )
            elif spec.kind == "overtime":
                figures["overtime_hours"] += spec.hours_per_week
                figures["overtime_cost"] += spec.hours_per_week * spec.rate_per_hour
            elif spec.kind == "borrow":
                figures["borrowed_fte"] += spec.fte
                figures["borrow_cost"] += spec.cost_per_week
            elif spec.kind == "pause_cpd":
                figures["cpd_paused"] = 1.0
        figures["contingency_cost"] = (
            figures["plan_agency_cost"] + figures["overtime_cost"] + figures["borrow_cost"]
        )
        return figures

    def _in_force(self, level: int, current: int) -> bool:
        """Whether the actions of ``level`` apply at the team's ``current`` level."""
        return level == current or (self.plan.cumulative_actions and level < current)

    def _adjust_actions(
        self, week: int, team: TeamState, row: dict
    ) -> tuple[list[str], list[str], list[str]]:
        """End, request and start the team's actions for its new level.

        Returns the labels of the actions started and ended this week, and of those that did not start
        (with the reason, :data:`NOT_STARTED`); an action that never started is never listed as ended.
        """
        ended, not_started = self._end_actions(week, team)
        self._request_actions(week, team, row, not_started)
        started = []
        running, done = self.running[team.name], self.done[team.name]
        for key, action in list(running.items()):
            if action.active or week < action.starts_week:
                continue
            if self._start(team, action):
                started.append(action.label)
                if action.spec.kind == "escalate":
                    del running[key]
                    done.add(key)
            elif not action.held_up:
                action.held_up = True
                not_started.append(_not_started(action, "no_lender"))
        return started, ended, not_started

    def _end_actions(self, week: int, team: TeamState) -> tuple[list[str], list[str]]:
        """Drop the actions no longer in force or past their duration: ended if they had started."""
        ended, not_started = [], []
        running, done = self.running[team.name], self.done[team.name]
        for key, action in list(running.items()):
            expired = action.ends_week is not None and week >= action.ends_week
            if self._in_force(key[0], team.level) and not expired:
                continue
            if action.active:
                self._end(team, action)
                ended.append(action.label)
            elif not action.held_up:
                not_started.append(_not_started(action, "cancelled"))
            del running[key]
            if expired:
                done.add(key)
        done -= {key for key in done if key[0] > team.level}  # leaving a level re-arms its actions
        held_back = self.held_back[team.name]
        held_back -= {key for key in held_back if not self._in_force(key[0], team.level)}
        return ended, not_started

    def _request_actions(self, week: int, team: TeamState, row: dict, not_started: list[str]) -> None:
        """Request the actions of the levels in force that are not running yet (after their lead time)."""
        running, done, held_back = self.running[team.name], self.done[team.name], self.held_back[team.name]
        for level in self.plan.levels:
            if not self._in_force(level.level, team.level):
                continue
            for j, spec in enumerate(level.actions):
                key = (level.level, j)
                if key in running or key in done:
                    continue
                if spec.only_if and not met(spec.only_if, row):
                    if key not in held_back:
                        held_back.add(key)
                        not_started.append(f"{_label(spec, level.level)} ({NOT_STARTED['only_if']})")
                    continue
                held_back.discard(key)
                ends = None if spec.duration_weeks is None else week + spec.lead_weeks + spec.duration_weeks
                running[key] = RunningAction(level.level, spec, week + spec.lead_weeks, ends)

    # ------------------------------------------------------------------------------ effects

    def _start(self, team: TeamState, action: RunningAction) -> bool:
        """Put an action into effect; False if it cannot start yet (no team can lend)."""
        spec, model = action.spec, self.model
        if spec.kind == "agency":
            rate = spec.day_rate if spec.day_rate is not None else model.scenario.agency_day_rate
            for _ in range(spec.workers):
                worker = model.new_worker(team.name, "agency", spec.fte, day_rate=rate)
                action.workers.append(worker)
                model.join(worker, temporary=True)
        elif spec.kind == "overtime":
            self._spread(team, action, spec.hours_per_week)
        elif spec.kind == "borrow":
            lender = self._lender(team.name, spec.lender_max_load_ratio)
            if lender is None:
                return False
            action.lender = lender.name
            hours = spec.fte * model.scenario.capacity.contract_hours
            self._spread(lender, action, -hours)
            worker = model.new_worker(team.name, "social_worker", spec.fte, borrowed=True)
            action.workers.append(worker)
            model.join(worker, temporary=True)
        elif spec.kind == "pause_cpd":
            team.cpd_paused = True
            model.recapacity_team(team)
        elif spec.kind == "step_down":
            self._step_down(team.name, spec)
        elif spec.kind == "raise_threshold":
            team.referral_factor = min(team.referral_factor, spec.referral_factor)
        action.active = True
        return True

    def _end(self, team: TeamState, action: RunningAction) -> None:
        if not action.active:
            return
        spec, model = action.spec, self.model
        for worker in action.workers:
            if not worker.departed:
                model.depart(worker)
        for worker, hours in action.hours.items():
            if not worker.departed:
                worker.extra_hours -= hours
                model.recapacity(worker)
        if spec.kind == "pause_cpd":
            team.cpd_paused = any(
                a.spec.kind == "pause_cpd" and a.active and a is not action
                for a in self.running[team.name].values()
            )
            model.recapacity_team(team)
        elif spec.kind == "raise_threshold":
            others = [
                a.spec.referral_factor for a in self.running[team.name].values()
                if a.spec.kind == "raise_threshold" and a.active and a is not action
            ]  # fmt: skip
            team.referral_factor = min(others, default=1.0)
        action.active = False

    def _spread(self, team: TeamState, action: RunningAction, hours: float) -> None:
        """Add ``hours`` a week (negative: take them) over the team's present case holders by FTE."""
        present = [w for w in team.holders if not w.absent and not w.departed]
        fte = sum(w.fte for w in present)
        for w in present:
            share = hours * w.fte / fte
            w.extra_hours += share
            action.hours[w] = action.hours.get(w, 0.0) + share
            self.model.recapacity(w)

    def _lender(self, borrower: str, max_ratio: float) -> TeamState | None:
        """The least-loaded other team at level 1 whose load ratio is below ``max_ratio``."""
        candidates = [
            (row["load_ratio"], name) for name, row in self._last_rows.items()
            if name != borrower and self.model.teams[name].level == 1 and row["load_ratio"] < max_ratio
        ]  # fmt: skip
        return self.model.teams[min(candidates)[1]] if candidates else None

    def _step_down(self, team: str, spec) -> None:
        """Close up to ``cases_per_week`` low-risk cases: the longest-waiting first, then held ones."""
        self.model.step_down(team, set(spec.case_types), spec.cases_per_week)
