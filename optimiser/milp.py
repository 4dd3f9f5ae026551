"""The allocation MILP of DESIGN §5: priority, continuity and fairness, with every hard rule as a constraint.

At one meeting the model decides which waiting cases go to which workers (and, optionally, which held cases
move), solved with PuLP and HiGHS (CBC as fallback)::

    maximise   Σ_(c,w) [priority_weight · priority_c + continuity_weight · (w = previous_c)] · x[c,w]
             − must_allocate_penalty · Σ_(must c) u[c]
             − fairness_weight · F                                  (F in whole percent, see below)
             − overload_penalty · 100 · Σ_w o_w / case_capacity_w
             − move_cost · Σ_(h, w ≠ holder) y[h,w]
    s.t.       Σ_w x[c,w] + u[c] = 1                                            every waiting case
               Σ_w y[h,w] = 1                                                   every movable case
               base_w + Σ_c weight_c x[c,w] + Σ_h weight_h y[h,w] − o_w ≤ case_capacity_w × max_load_ratio
               0 ≤ o_w ≤ case_capacity_w × (soft_ceiling − max_load_ratio)      (0 without a soft ceiling)
               x, y ∈ {0, 1};  0 ≤ u ≤ 1

``x[c,w]`` exists only for pairs the hard rules allow (:func:`~optimiser.policy.ineligibility` is None and the
case alone fits under the worker's ceiling), so the ASYE, skill, team and conflict rules hold by
construction. ``base_w`` is the worker's load less the movable cases it holds. A worker already above its
ceiling gets no new case (moving its cases away is the remedy).

Fairness ``F`` is summed over teams: per team, the largest load ratio after allocation
(``fairness_measure="max_ratio"``), or the total absolute deviation of the ratios from the team mean
(``"deviation"``, linearised as ``2 Σ_w max(0, ratio_w − mean)``, equal because the deviations sum to
zero). Both are in percent (``fairness_weight`` is the penalty per 1%); the largest ratio is rounded up to a
whole percent, which keeps the objective integral and the proof of optimality fast.

Must-allocate cases are never a constraint, only a large penalty on ``u``: a situation where one cannot be
placed is an explained "cannot allocate", never an infeasible model.

Exact reformulations that keep the model fast (the optimum is that of the model above):

- **teams are solved separately.** A case is eligible only in its own team, fairness is per team and moves
  stay in the team, so the model separates into one independent model per team;
- **interchangeable cases are aggregated.** Single cases with the same weight, priority, must-allocate flag,
  set of allowed workers and previous worker (when continuity counts) share an integer variable
  ``n[k,w] = Σ_(c in class k) x[c,w]`` (bounded by how many fit the worker); the allocated ones are the
  longest-waiting of the class. Sibling groups share one binary per worker (``x[c,w] = x[c',w]``).

In a team whose waiting work is 90% of its room or more, each worker's possible packings are listed as patterns (an
extended formulation of the worker's knapsack, see ``_TeamModel._patterns``). For the max-ratio measure, F
is also written as a sum of level binaries with "level" cuts per worker (see
``_TeamModel._max_ratio``), valid inequalities that tie each worker's packing to F.

After solving, a polishing pass moves allocated cases to a less loaded eligible worker while the objective
does not get worse (the least-loaded tie-break: among equally good allocations, the more even one).

Pure Python plus PuLP: it imports neither simpy nor streamlit nor the simulator.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Literal

import pulp

from optimiser.heuristics import LeastLoaded, sibling_units
from optimiser.policy import (
    TOLERANCE,
    Decision,
    Snapshot,
    WaitingCase,
    WorkerView,
    ineligibility,
    load_ratio,
    ordered_cases,
    unallocated_reason,
)
from optimiser.solver import make_solver, solution_gap, solve_status, variable_factory

__all__ = ["MilpOutcome", "MilpPolicy", "MilpSettings", "objective_value"]

PERCENT_TOLERANCE = 1e-6
"""Percent points of slack when rounding a load ratio up to a whole percent (floating point)."""
MIN_TEAM_SECONDS = 0.05
"""Shortest solver run given to a team, even when the meeting's time limit is spent."""
PATTERN_DEMAND_SHARE = 0.9
"""Patterns are listed when a team's waiting work is at least this share of its room (tight packings)."""
PATTERN_LIMIT = 300
"""Most maximal packings enumerated for one worker (teams short of room only); beyond, no pattern rows."""
MAX_LEVELS = 60
"""Widest range of F (percent points) for which the level cuts of the max-ratio fairness are added."""

REASON_CONTINUITY = "continuity"
REASON_ONLY = "only eligible worker with room"
REASON_SKILL = "skill"
REASON_PRIORITY = "priority"
REASON_LOWEST = "lowest load ratio"
REASON_FAIRNESS = "balances team workload (fairness)"
REASON_TRADE_OFF = "left waiting: placing it would cost more in workload balance than its priority gains"
SIBLINGS = " (sibling group kept together)"

_STATUS_RANK = {"optimal": 0, "time_limit": 1, "not_solved": 2, "infeasible": 3}


@dataclass(frozen=True)
class MilpSettings:
    """Objective weights and solver settings (the fields of the scenario's ``allocation.milp``)."""

    priority_weight: float = 10.0
    """Reward per allocated case, times its priority (1-5)."""
    continuity_weight: float = 2.0
    """Reward for giving a case back to its previous worker."""
    fairness_weight: float = 1.0
    """Penalty per 1% of the fairness measure."""
    fairness_measure: Literal["max_ratio", "deviation"] = "max_ratio"
    """Largest worker load ratio, or total absolute deviation from the team mean ratio."""
    soft_ceiling: float | None = None
    """Load ratio a worker may reach with a penalty (None = ``max_load_ratio`` is hard)."""
    overload_penalty: float = 50.0
    """Penalty per 1% of load ratio above ``max_load_ratio``."""
    must_allocate_penalty: float = 10_000.0
    """Penalty for leaving a must-allocate case unallocated."""
    move_cost: float | None = None
    """Cost of moving a held case (None = held cases never move)."""
    time_limit_seconds: float = 10.0
    """Solver time limit per meeting (shared by the teams of the snapshot)."""
    mip_gap: float = 1e-4
    """Relative MIP gap at which the solver stops."""
    solver: Literal["highs", "cbc"] = "highs"
    """MILP solver (CBC is also the fallback when HiGHS is unavailable)."""

    def __post_init__(self) -> None:
        for name in ("priority_weight", "continuity_weight", "fairness_weight", "overload_penalty"):
            _check_number(name, getattr(self, name), minimum=0.0)
        _check_number("must_allocate_penalty", self.must_allocate_penalty, minimum=0.0, strict=True)
        if self.move_cost is not None:
            _check_number("move_cost", self.move_cost, minimum=0.0)
        if self.soft_ceiling is not None:
            _check_number("soft_ceiling", self.soft_ceiling, minimum=0.0, strict=True)
        _check_number("time_limit_seconds", self.time_limit_seconds, minimum=0.0, strict=True)
        _check_number("mip_gap", self.mip_gap, minimum=0.0)
        if self.mip_gap > 1:
            raise ValueError(f"mip_gap must be a fraction between 0 and 1 (got {self.mip_gap!r})")
        if self.fairness_measure not in ("max_ratio", "deviation"):
            raise ValueError(
                f"fairness_measure must be 'max_ratio' or 'deviation' (got {self.fairness_measure!r})"
            )
        if self.solver not in ("highs", "cbc"):
            raise ValueError(f"solver must be 'highs' or 'cbc' (got {self.solver!r})")


def _check_number(name: str, value: object, minimum: float, strict: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number (got {value!r})")
    if value < minimum or (strict and value == minimum):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be {relation} {minimum:g} (got {value!r})")


@dataclass(frozen=True)
class MilpOutcome:
    """How the last :meth:`MilpPolicy.allocate` went.

    Attributes
    ----------
    status : str
        The worst over the snapshot's teams of :data:`optimiser.solver.STATUSES`: ``"optimal"`` (proven
        within ``mip_gap``), ``"time_limit"`` (feasible, not proven), ``"infeasible"`` or ``"not_solved"``.
    mip_gap : float or None
        Largest relative gap over the teams (0 when no solver had to run; None when unknown, e.g. CBC
        stopping within a non-zero ``mip_gap``, or after a fallback).
    objective : float or None
        Objective value of the decisions (all teams, constants included); None after a fallback.
    seconds, build_seconds, solve_seconds : float
        Wall-clock time of the whole call, of building the models, and of the solver runs.
    solver : str
        ``"highs"``, ``"cbc"`` or ``"none"`` (nothing to decide, no solver ran).
    fallback : bool
        True when some team's decisions are LeastLoaded's because the solver found no solution.
    message : str
        What went wrong, if anything.
    """

    status: str
    mip_gap: float | None
    objective: float | None
    seconds: float
    solver: str
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    fallback: bool = False
    message: str = ""
    teams: int = 0
    variables: int = 0
    constraints: int = 0
    allocated: int = 0
    unallocated: int = 0
    moved: int = 0


class MilpPolicy:
    """Allocation by the MILP of DESIGN §5, with an explanation for every case.

    Stateless between meetings apart from :attr:`last_result`, the outcome of the last call.
    """

    name = "milp"

    def __init__(self, settings: MilpSettings | None = None) -> None:
        self.settings = settings or MilpSettings()
        self.last_result: MilpOutcome | None = None

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        """One decision per waiting case (allocated ones only without ``snapshot.explain``), plus one per
        moved held case (reason "moved from <id>: …") and, with ``explain``, one per held case that stays."""
        start = time.perf_counter()
        limit = self.settings.time_limit_seconds
        plan = _Plan(snapshot, self.settings)
        build = solve = 0.0
        outcome: dict[str, tuple[str, float | None]] = {}  # team -> (status, gap)
        solvers: set[str] = set()
        problems: list[str] = []
        n_vars = n_cons = 0
        unproven: list[tuple[str, _TeamModel, float]] = []
        teams = sorted(plan.teams.items(), key=lambda item: len(item[1].units) * len(item[1].workers))
        teams = [(name, team) for name, team in teams if team.has_decisions()]
        # first pass, smallest team first: each team gets its share of the time left
        for left, (name, team) in zip(range(len(teams), 0, -1), teams):
            t0 = time.perf_counter()
            model = _TeamModel(plan, team)
            t1 = time.perf_counter()
            budget = max((limit - (t1 - start)) / left, min(MIN_TEAM_SECONDS, limit))
            status, used, gap = model.solve(budget)
            t2 = time.perf_counter()
            build += t1 - t0
            solve += t2 - t1
            n_vars += model.n_variables
            n_cons += model.n_constraints
            solvers.add(used)
            if status in ("optimal", "time_limit"):
                model.read_solution()
                if status == "time_limit":
                    unproven.append((name, model, budget))
            else:
                if status == "not_solved" and t2 - t1 >= 0.95 * budget:
                    status = "time_limit"  # stopped by the clock before any solution: still a feasible answer
                plan.fall_back(name, team, status)
                problems.append(f"team {name}: MILP {status} ({used}), decisions by least loaded")
            outcome[name] = (status, gap)
        # second pass: teams stopped by the clock try again with the time the easy teams left over
        for left, (name, model, first_budget) in zip(range(len(unproven), 0, -1), unproven):
            t1 = time.perf_counter()
            budget = (limit - (t1 - start)) / left
            if budget < 1.2 * first_budget:  # a restart needs more time than the first run had
                continue
            previous = model.value()
            status, _, gap = model.solve(budget)
            solve += time.perf_counter() - t1
            if status == "optimal" or (status == "time_limit" and model.value() > previous):
                model.read_solution()
                outcome[name] = (status, gap)
            else:
                model.restore()
        plan.polish()
        decisions = plan.decisions()
        statuses = [status for status, _ in outcome.values()]
        gaps = [gap for status, gap in outcome.values() if status in ("optimal", "time_limit")]
        status = max(statuses, key=_STATUS_RANK.__getitem__, default="optimal")
        fallback = bool(plan.fallback_teams)
        cases = {c.id for c in snapshot.cases}
        allocated = sum(1 for d in decisions if d.case_id in cases and d.worker_id is not None)
        solvers.discard("none")
        self.last_result = MilpOutcome(
            status=status,
            mip_gap=None if fallback or None in gaps else max(gaps, default=0.0),
            objective=None if fallback else plan.objective(),
            seconds=time.perf_counter() - start,
            solver=",".join(sorted(solvers)) or "none",
            build_seconds=build,
            solve_seconds=solve,
            fallback=fallback,
            message="; ".join(problems + plan.notes),
            teams=len(statuses),
            variables=n_vars,
            constraints=n_cons,
            allocated=allocated,
            unallocated=len(cases) - allocated,
            moved=sum(1 for d in decisions if d.reason.startswith("moved from ")),
        )
        return decisions


def objective_value(
    snapshot: Snapshot, decisions: list[Decision], settings: MilpSettings | None = None
) -> float:
    """The MILP's objective for any policy's decisions on ``snapshot`` (to compare policies on one scale).

    Decisions for cases not in the snapshot are ignored; a movable case counts as moved when its decision
    names a worker other than its holder (only with ``settings.move_cost`` set).
    """
    plan = _Plan(snapshot, settings or MilpSettings())
    placed = {d.case_id: d.worker_id for d in decisions}
    for unit in plan.units:
        worker = placed.get(unit.cases[0].id)
        if worker is not None and worker in plan.index:
            plan.chosen[unit.index] = plan.index[worker]
    for move in plan.moves:
        worker = placed.get(move.case.id)
        if worker is not None and worker in plan.index and plan.index[worker] != move.holder:
            plan.moved[id(move)] = plan.index[worker]
    return plan.objective()


# ------------------------------------------------------------------------------------- the plan


class _Unit:
    """One or more waiting cases placed together (a sibling group, or a single case)."""

    __slots__ = ("cases", "index", "must", "priority", "reward", "weight")

    def __init__(self, index: int, cases: list[WaitingCase], priority_weight: float) -> None:
        self.index = index
        self.cases = cases
        self.weight = sum(c.weight for c in cases)
        self.priority = max(c.priority for c in cases)
        self.reward = priority_weight * sum(c.priority for c in cases)
        self.must = sum(1 for c in cases if c.must_allocate)


@dataclass
class _Move:
    case: WaitingCase
    holder: int


class _Team:
    """The workers (indices), waiting units and movable cases of one team."""

    def __init__(self) -> None:
        self.workers: list[int] = []
        self.units: list[_Unit] = []
        self.moves: list[_Move] = []

    def has_decisions(self) -> bool:
        return bool(self.workers) and bool(self.units or self.moves)


class _Plan:
    """The whole meeting: loads, ceilings, units; the chosen allocation; explanations and objective."""

    def __init__(self, snapshot: Snapshot, settings: MilpSettings) -> None:
        self.snapshot = snapshot
        self.settings = settings
        self.workers: list[WorkerView] = list(snapshot.workers)
        self.index = {w.id: i for i, w in enumerate(self.workers)}
        self.capacity = [w.case_capacity for w in self.workers]
        self.load = [w.load for w in self.workers]
        ratio = snapshot.max_load_ratio
        soft = settings.soft_ceiling
        self.cap = [math.inf if ratio is None else c * ratio for c in self.capacity]
        self.allowance = [
            c * (soft - ratio) if ratio is not None and soft is not None and soft > ratio else 0.0
            for c in self.capacity
        ]
        self.ceiling = [cap + extra for cap, extra in zip(self.cap, self.allowance)]
        self.open = [load <= ceiling + TOLERANCE for load, ceiling in zip(self.load, self.ceiling)]

        self.teams: dict[str, _Team] = {}
        for i, w in enumerate(self.workers):
            self.teams.setdefault(w.team, _Team()).workers.append(i)
        self.units = [
            _Unit(i, unit, settings.priority_weight)
            for i, unit in enumerate(sibling_units(ordered_cases(snapshot)))
        ]
        for unit in self.units:
            self.teams.setdefault(unit.cases[0].team, _Team()).units.append(unit)
        self.base = list(self.load)
        self.moves: list[_Move] = []
        if settings.move_cost is not None:
            for h in snapshot.movable:
                holder = self.index.get(h.held_by) if h.held_by is not None else None
                if holder is not None:
                    move = _Move(h, holder)
                    self.moves.append(move)
                    self.teams[self.workers[holder].team].moves.append(move)
                    self.base[holder] -= h.weight

        self.chosen: dict[int, int] = {}  # unit index -> worker index
        self.moved: dict[int, int] = {}  # id(move) -> destination worker index (only real moves)
        self.fallback_teams: set[str] = set()
        self.fallback_decisions: dict[str, Decision] = {}
        self.notes: list[str] = []

    # ------------------------------------------------------------------------------- eligibility

    def allowed(self, i: int, cases: list[WaitingCase], weight: float) -> bool:
        """Worker ``i`` may take these cases: eligible for all, open, and they alone fit under the ceiling."""
        if not self.open[i] or self.base[i] + weight > self.ceiling[i] + TOLERANCE:
            return False
        w = self.workers[i]
        return all(ineligibility(w, c) is None for c in cases)

    def final_loads(self) -> list[float]:
        loads = list(self.load)
        for u, i in self.chosen.items():
            loads[i] += self.units[u].weight
        for move in self.moves:
            dest = self.moved.get(id(move))
            if dest is not None:
                loads[move.holder] -= move.case.weight
                loads[dest] += move.case.weight
        return loads

    def fall_back(self, name: str, team: _Team, status: str) -> None:
        """LeastLoaded decides for this team (its held cases stay)."""
        self.fallback_teams.add(name)
        sub = replace(
            self.snapshot,
            workers=[self.workers[i] for i in team.workers],
            cases=[c for u in team.units for c in u.cases],
            movable=(),
        )
        label = status.replace("_", " ")
        for d in LeastLoaded().allocate(sub):
            reason = f"fallback to least loaded (MILP {label}): {d.reason}"
            self.fallback_decisions[d.case_id] = Decision(d.case_id, d.worker_id, reason, d.runner_up)
        by_case = {c.id: u for u in team.units for c in u.cases}
        for d in self.fallback_decisions.values():
            if d.worker_id is not None and d.case_id in by_case:
                self.chosen[by_case[d.case_id].index] = self.index[d.worker_id]

    # ---------------------------------------------------------------------------------- objective

    def objective(self) -> float:
        """The model's objective for the chosen allocation (all teams; constant terms included)."""
        s = self.settings
        final = self.final_loads()
        value = 0.0
        for unit in self.units:
            i = self.chosen.get(unit.index)
            if i is None:
                value -= s.must_allocate_penalty * unit.must
            else:
                value += unit.reward + self._continuity(unit, i)
        for team in self.teams.values():
            value -= self._team_penalty(team, final)
        value -= (s.move_cost or 0.0) * len(self.moved)
        return value

    def _continuity(self, unit: _Unit, i: int) -> float:
        if not self.snapshot.continuity:
            return 0.0
        wid = self.workers[i].id
        return self.settings.continuity_weight * sum(1 for c in unit.cases if c.previous_worker == wid)

    def _team_penalty(self, team: _Team, final: list[float]) -> float:
        """Fairness and overload penalties of one team at the given loads."""
        s = self.settings
        holders = [i for i in team.workers if self.capacity[i] > 0]
        penalty = 0.0
        for i in holders:
            over = final[i] - self.cap[i]
            if over > TOLERANCE:
                penalty += s.overload_penalty * 100.0 * over / self.capacity[i]
        if s.fairness_weight > 0 and holders:
            ratios = [100.0 * final[i] / self.capacity[i] for i in holders]
            if s.fairness_measure == "max_ratio":
                penalty += s.fairness_weight * math.ceil(max(ratios) - PERCENT_TOLERANCE)
            else:
                mean = sum(ratios) / len(ratios)
                penalty += s.fairness_weight * sum(abs(r - mean) for r in ratios)
        return penalty

    # ------------------------------------------------------------------------------------ polish

    def polish(self) -> None:
        """Move allocated cases to less loaded eligible workers while the objective does not get worse."""
        s = self.settings
        final = self.final_loads()
        for name, team in self.teams.items():
            if name in self.fallback_teams or len(team.workers) < 2:
                continue
            mine = [u for u in team.units if u.index in self.chosen]
            for _ in range(10):
                improved = False
                for unit in mine:
                    i = self.chosen[unit.index]
                    if self._continuity(unit, i) > 0:
                        continue  # would lose the continuity reward
                    current = final[i] / self.capacity[i]
                    best, best_ratio = None, current - 1e-9
                    for j in team.workers:
                        if j == i or not self.allowed(j, unit.cases, unit.weight):
                            continue
                        after = final[j] + unit.weight
                        if after > self.cap[j] + TOLERANCE:
                            continue  # never create or deepen an overload
                        ratio = after / self.capacity[j]
                        if ratio < best_ratio:
                            best, best_ratio = j, ratio
                    if best is None:
                        continue
                    if s.fairness_measure == "deviation" and s.fairness_weight > 0:
                        before = self._team_penalty(team, final)
                        final[i] -= unit.weight
                        final[best] += unit.weight
                        worse = self._team_penalty(team, final) > before + 1e-9
                        final[i] += unit.weight
                        final[best] -= unit.weight
                        if worse:
                            continue
                    final[i] -= unit.weight
                    final[best] += unit.weight
                    self.chosen[unit.index] = best
                    improved = True
                if not improved:
                    break

    # -------------------------------------------------------------------------------- explaining

    def decisions(self) -> list[Decision]:
        explain = self.snapshot.explain
        final = self.final_loads()
        fallback_cases = self.fallback_decisions
        waiting = [u for u in self.units if u.index not in self.chosen]
        out: list[Decision] = []
        for unit in self.units:
            if unit.cases[0].id in fallback_cases:
                for c in unit.cases:
                    d = fallback_cases[c.id]
                    if explain or d.worker_id is not None:
                        out.append(d)
                continue
            i = self.chosen.get(unit.index)
            if i is None:
                if explain:
                    out.extend(
                        Decision(c.id, None, why)
                        for c, why in zip(unit.cases, self._why_waiting(unit, final))
                    )
                continue
            reason, runner = self._why_allocated(unit, i, final, waiting)
            if len(unit.cases) > 1:
                reason += SIBLINGS
            wid = self.workers[i].id
            out.extend(Decision(c.id, wid, reason, runner) for c in unit.cases)
        for move in self.moves:
            holder_id = self.workers[move.holder].id
            dest = self.moved.get(id(move))
            if dest is not None:
                why = self._why_moved(move.holder, final)
                out.append(Decision(move.case.id, self.workers[dest].id, f"moved from {holder_id}: {why}"))
            elif explain:
                out.append(Decision(move.case.id, holder_id, f"not moved: stays with {holder_id}"))
        return out

    def _eligible(self, unit: _Unit) -> list[int]:
        team = self.teams.get(unit.cases[0].team)
        if team is None:
            return []
        return [i for i in team.workers if all(ineligibility(self.workers[i], c) is None for c in unit.cases)]

    def _why_allocated(
        self, unit: _Unit, i: int, final: list[float], waiting: list[_Unit]
    ) -> tuple[str, str | None]:
        workers = self.workers
        with_room = [
            j
            for j in self._eligible(unit)
            if self.open[j] and self.load[j] + unit.weight <= self.ceiling[j] + TOLERANCE
        ]

        def after(j: int) -> float:
            return load_ratio(self.load[j] + unit.weight, self.capacity[j])

        others = [j for j in with_room if j != i]
        runner = min(others, key=lambda j: (after(j), workers[j].id), default=None)
        runner_id = workers[runner].id if runner is not None else None
        wid = workers[i].id
        if self.snapshot.continuity and any(c.previous_worker == wid for c in unit.cases):
            reason = REASON_CONTINUITY
        elif not others:
            reason = REASON_ONLY
        elif self._skill_scarce(unit):
            reason = REASON_SKILL
        elif self._won_over_lower_priority(unit, i, final, waiting):
            reason = REASON_PRIORITY
        elif after(i) <= min(after(j) for j in with_room) + 1e-9:
            reason = REASON_LOWEST
        else:
            reason = REASON_FAIRNESS
        if final[i] > self.cap[i] + TOLERANCE:
            reason += " (above the load cap, within the soft ceiling)"
        return reason, runner_id

    def _skill_scarce(self, unit: _Unit) -> bool:
        """The case needs a skill that at most half of the otherwise eligible team workers have."""
        needed = frozenset().union(*(c.required_skills for c in unit.cases))
        if not needed:
            return False
        team = self.teams.get(unit.cases[0].team)
        pool = [
            w
            for j in (team.workers if team else ())
            if (w := self.workers[j]).case_capacity > 0
            and not (w.asye and any(not c.asye_sole_allowed for c in unit.cases))
            and not any(w.id in c.excluded_workers for c in unit.cases)
        ]
        skilled = sum(1 for w in pool if needed <= w.skills)
        return skilled < len(pool) and 2 * skilled <= len(pool)

    def _won_over_lower_priority(self, unit: _Unit, i: int, final: list[float], waiting: list[_Unit]) -> bool:
        """A lower-priority case is left waiting that worker ``i`` could have taken instead of this one."""
        room = self.ceiling[i] - (final[i] - unit.weight)
        worker = self.workers[i]
        return any(
            other.priority < unit.priority
            and other.cases[0].team == worker.team
            and other.weight <= room + TOLERANCE
            and all(ineligibility(worker, c) is None for c in other.cases)
            for other in waiting
        )

    def _why_waiting(self, unit: _Unit, final: list[float]) -> list[str]:
        eligible = self._eligible(unit)
        if any(self.open[j] and final[j] + unit.weight <= self.ceiling[j] + TOLERANCE for j in eligible):
            return [REASON_TRADE_OFF] * len(unit.cases)
        sibling = len(unit.cases) > 1
        reasons = []
        for case in unit.cases:
            if eligible:
                why = (
                    "sibling group: no eligible worker has room for all"
                    if sibling
                    else "all eligible workers at capacity"
                )
            else:
                why = unallocated_reason(case, self.workers)
                if sibling:
                    why = (
                        f"sibling group: {why}"
                        if why.startswith("no ")
                        else "sibling group: no worker eligible for all"
                    )
            if case.must_allocate:
                why = f"cannot allocate: {why}"
            reasons.append(why)
        return reasons

    def _why_moved(self, holder: int, final: list[float]) -> str:
        before = load_ratio(self.load[holder], self.capacity[holder])
        after = load_ratio(final[holder], self.capacity[holder])
        if self.load[holder] > self.cap[holder] + TOLERANCE:
            return f"relieves overload ({before:.0%} → {after:.0%})"
        return f"{REASON_FAIRNESS} ({before:.0%} → {after:.0%})"


# ----------------------------------------------------------------------------------- team model


class _TeamModel:
    """The PuLP model of one team at one meeting, and its solution written back to the plan."""

    def __init__(self, plan: _Plan, team: _Team) -> None:
        self.plan = plan
        self.team = team
        # names use team positions, so a team's model is the same whether solved alone or with others
        self.local = {i: position for position, i in enumerate(team.workers)}
        s = plan.settings
        self.problem = problem = pulp.LpProblem("allocation", pulp.LpMaximize)
        new_var = variable_factory(problem)
        self.n_variables = 0
        self.n_constraints = 0
        objective: dict[pulp.LpVariable, float] = {}
        load_terms: dict[int, list[tuple[pulp.LpVariable, float]]] = {i: [] for i in team.workers}
        capacity = plan.capacity
        continuity = plan.snapshot.continuity

        # classes of interchangeable units: (allowed workers) × weight × reward × must × previous worker
        classes: dict[tuple, list[_Unit]] = {}
        for unit in team.units:
            allowed = tuple(i for i in team.workers if plan.allowed(i, unit.cases, unit.weight))
            if len(unit.cases) > 1:
                key: tuple = ("siblings", unit.index, allowed)
            else:
                case = unit.cases[0]
                previous = case.previous_worker if continuity else None
                key = ("case", allowed, unit.weight, unit.reward, unit.must, previous)
            classes.setdefault(key, []).append(unit)
        self.classes: list[tuple[list[_Unit], dict[int, pulp.LpVariable]]] = []
        for k, (key, units) in enumerate(classes.items()):
            allowed = key[2] if key[0] == "siblings" else key[1]
            first = units[0]
            count = len(units)
            variables: dict[int, pulp.LpVariable] = {}
            for i in allowed:
                room = plan.ceiling[i] - plan.base[i] + TOLERANCE
                fits = count if first.weight <= 0 or math.isinf(room) else int(room // first.weight)
                upper = min(count, fits)
                if upper <= 0:
                    continue
                cat = pulp.LpBinary if upper == 1 else pulp.LpInteger
                n = new_var(f"n_{k}_{self.local[i]}", 0, upper, cat)
                variables[i] = n
                objective[n] = first.reward + plan._continuity(first, i)
                load_terms[i].append((n, first.weight))
            units.sort(key=lambda u: (min(c.waiting_since for c in u.cases), u.cases[0].id))
            self.classes.append((units, variables))
            if not variables:
                continue
            u = new_var(f"u_{k}", 0, count, pulp.LpContinuous)
            self.n_variables += len(variables) + 1
            if first.must:
                objective[u] = -s.must_allocate_penalty * first.must
            terms = [(n, 1.0) for n in variables.values()]
            terms.append((u, 1.0))
            self._add(terms, pulp.LpConstraintEQ, float(count), f"assign_{k}")

        # movable held cases: y over the holder and every worker allowed to take the case
        self.moves: list[tuple[_Move, dict[int, pulp.LpVariable]]] = []
        for k, move in enumerate(team.moves):
            h, holder = move.case, move.holder
            ys: dict[int, pulp.LpVariable] = {}
            for i in team.workers:
                if i == holder or plan.allowed(i, [h], h.weight):
                    ys[i] = new_var(f"y_{k}_{self.local[i]}", 0, 1, pulp.LpBinary)
            if len(ys) < 2:  # nowhere to go: the case stays, a constant part of the holder's load
                plan.base[holder] += h.weight
                continue
            for i, y in ys.items():
                load_terms[i].append((y, h.weight))
                if i != holder:
                    objective[y] = -(s.move_cost or 0.0)
            self.n_variables += len(ys)
            self._add([(y, 1.0) for y in ys.values()], pulp.LpConstraintEQ, 1.0, f"move_{k}")
            self.moves.append((move, ys))

        # hard capacity, with an overload variable up to the soft ceiling (or the current overload)
        constant = 0.0
        for i in team.workers:
            terms = load_terms[i]
            over_now = max(0.0, plan.load[i] - plan.cap[i])
            if not terms or math.isinf(plan.cap[i]):
                if over_now > TOLERANCE and capacity[i] > 0:
                    constant -= s.overload_penalty * 100.0 * over_now / capacity[i]
                continue
            bound = max(plan.allowance[i], over_now)
            if bound > 0:
                o = new_var(f"o_{self.local[i]}", 0, bound, pulp.LpContinuous)
                self.n_variables += 1
                # a worker with no capacity (absent) is charged as if they had one hour a week
                objective[o] = -s.overload_penalty * 100.0 / max(capacity[i], 1.0)
                terms = [*terms, (o, -1.0)]
            self._add(
                terms, pulp.LpConstraintLE, plan.cap[i] - plan.base[i] + TOLERANCE, f"cap_{self.local[i]}"
            )
        # a team (nearly) short of room is a multiple knapsack: describe each worker's packings exactly
        room = sum(max(0.0, plan.ceiling[i] - plan.base[i]) for i in team.workers if plan.open[i])
        if sum(u.weight for u in team.units) >= PATTERN_DEMAND_SHARE * room:
            for i in team.workers:
                self._patterns(i, load_terms[i], new_var)

        holders = [i for i in team.workers if capacity[i] > 0]
        if s.fairness_weight > 0 and holders:
            if s.fairness_measure == "max_ratio":
                constant += self._max_ratio(holders, load_terms, objective, new_var)
            else:
                constant += self._deviation(holders, load_terms, objective, new_var)
        self.constant = constant
        problem.setObjective(pulp.LpAffineExpression(objective, constant=constant))

    def _patterns(self, i: int, terms, new_var) -> None:
        """Worker ``i``'s packings as maximal patterns (counts per case weight), one chosen (binary z_p).

        ``Σ_(k of weight a) n[k,i] ≤ Σ_p count_p(a) · z_p`` with ``Σ_p z_p = 1`` describes the convex hull
        of the worker's knapsack, which the capacity row alone does not: the LP can no longer fill every
        worker to the last minute with fractions of cases. Skipped when a worker has more than
        :data:`PATTERN_LIMIT` maximal patterns (or no cap).
        """
        plan = self.plan
        if len(terms) < 2:
            return
        room = max(plan.ceiling[i], plan.load[i]) - plan.base[i] + TOLERANCE
        if math.isinf(room):
            return
        by_weight: dict[float, list[pulp.LpVariable]] = {}
        for v, a in terms:
            by_weight.setdefault(round(a, 9), []).append(v)
        weights = sorted(by_weight, reverse=True)
        available = [int(sum(v.upBound for v in by_weight[a])) for a in weights]
        patterns: list[tuple[int, ...]] = []
        current: list[int] = []

        def extend(j: int, left: float) -> bool:
            if len(patterns) > PATTERN_LIMIT:
                return False
            if j == len(weights):
                if all(current[t] >= available[t] or weights[t] > left + 1e-9 for t in range(j)):
                    patterns.append(tuple(current))  # maximal: nothing more fits
                return True
            most = available[j] if weights[j] <= 0 else min(available[j], int((left + 1e-9) // weights[j]))
            for count in range(most, -1, -1):
                current.append(count)
                ok = extend(j + 1, left - count * weights[j])
                current.pop()
                if not ok:
                    return False
            return True

        if not extend(0, room) or len(patterns) < 2:
            return
        zs = [new_var(f"p_{self.local[i]}_{k}", 0, 1, pulp.LpBinary) for k in range(len(patterns))]
        self.n_variables += len(zs)
        self._add([(z, 1.0) for z in zs], pulp.LpConstraintEQ, 1.0, f"pattern_{self.local[i]}")
        for t, a in enumerate(weights):
            row = [(v, 1.0) for v in by_weight[a]]
            row += [(z, -float(pattern[t])) for pattern, z in zip(patterns, zs) if pattern[t]]
            self._add(row, pulp.LpConstraintLE, 0.0, f"pattern_{self.local[i]}_{t}")

    def _add(self, terms, sense: int, rhs: float, name: str) -> None:
        self.problem.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, rhs=rhs), name)
        self.n_constraints += 1

    def _max_ratio(self, holders, load_terms, objective, new_var) -> float:
        """F ≥ 100·ratio_w for every case-holder, F integer (whole percent); returns the constant part.

        F's range [low, high] is known: low is the largest ratio before the meeting (loads only grow, movable
        cases aside), high the largest a worker can reach. With F = low + Σ_l z_l (z_l binary, decreasing),
        each worker also gets "level" cuts: with weights a_k and any divisor d, Σ_k ⌊a_k/d⌋ n_k ≤
        ⌊(room at level F)/d⌋, valid because the left side is an integer. They tie the packing of each worker
        to F and make the bound much tighter than the plain F ≥ ratio rows.
        """
        plan = self.plan
        weight = plan.settings.fairness_weight
        varying = [i for i in holders if load_terms[i]]
        low = math.ceil(max(100.0 * plan.base[i] / plan.capacity[i] for i in holders) - PERCENT_TOLERANCE)
        if not varying:
            return -weight * low
        f = new_var("F", low, None, pulp.LpInteger)
        self.n_variables += 1
        objective[f] = -weight
        for i in varying:
            scale = 100.0 / plan.capacity[i]
            terms = [(v, a * scale) for v, a in load_terms[i]]
            terms.append((f, -1.0))
            self._add(
                terms, pulp.LpConstraintLE, PERCENT_TOLERANCE - plan.base[i] * scale, f"fmax_{self.local[i]}"
            )
        self._levels(f, low, varying, load_terms, new_var)
        return 0.0

    def _levels(self, f, low: int, varying, load_terms, new_var) -> None:
        plan = self.plan
        limit = {i: max(plan.ceiling[i], plan.load[i]) for i in varying}  # the cap row's reach, with o
        top = max(
            100.0
            * min(limit[i], plan.base[i] + sum(v.upBound * a for v, a in load_terms[i]))
            / plan.capacity[i]
            for i in varying
        )
        high = math.ceil(top - PERCENT_TOLERANCE)
        if high <= low or high - low > MAX_LEVELS:
            return
        zs = [new_var(f"z_{level}", 0, 1, pulp.LpBinary) for level in range(low + 1, high + 1)]
        self.n_variables += len(zs)
        self._add([(f, 1.0)] + [(z, -1.0) for z in zs], pulp.LpConstraintEQ, float(low), "F_levels")
        for k in range(1, len(zs)):
            self._add([(zs[k], 1.0), (zs[k - 1], -1.0)], pulp.LpConstraintLE, 0.0, f"F_order_{k}")
        for i in varying:
            cc = plan.capacity[i]
            for d in sorted({a for _, a in load_terms[i] if a > 0}):
                coef = [(v, float(math.floor(a / d + 1e-9))) for v, a in load_terms[i]]
                coef = [(v, c) for v, c in coef if c > 0]
                fits = [
                    max(
                        0,
                        math.floor(
                            (min(limit[i], (level + PERCENT_TOLERANCE) * cc / 100.0) - plan.base[i]) / d
                            + 1e-9
                        ),
                    )
                    for level in range(low, high + 1)
                ]
                if sum(v.upBound * c for v, c in coef) <= fits[0]:
                    continue  # never binding
                steps = [
                    (z, -float(fits[k + 1] - fits[k])) for k, z in enumerate(zs) if fits[k + 1] != fits[k]
                ]
                self._add(coef + steps, pulp.LpConstraintLE, float(fits[0]), f"level_{self.local[i]}_{d:g}")

    def _deviation(self, holders, load_terms, objective, new_var) -> float:
        """2·Σ_w d_w with d_w ≥ 100·ratio_w − m and m the team mean ratio (percent)."""
        plan = self.plan
        weight = plan.settings.fairness_weight
        if len(holders) < 2:
            return 0.0
        if not any(load_terms[i] for i in holders):
            ratios = [100.0 * plan.base[i] / plan.capacity[i] for i in holders]
            mean = sum(ratios) / len(ratios)
            return -weight * sum(abs(r - mean) for r in ratios)
        m = new_var("mean", None, None, pulp.LpContinuous)
        mean_terms: dict[pulp.LpVariable, float] = {m: float(len(holders))}
        base_sum = 0.0
        for i in holders:
            scale = 100.0 / plan.capacity[i]
            base_sum += plan.base[i] * scale
            for v, a in load_terms[i]:
                mean_terms[v] = mean_terms.get(v, 0.0) - a * scale
        self._add(list(mean_terms.items()), pulp.LpConstraintEQ, base_sum, "mean")
        for i in holders:
            scale = 100.0 / plan.capacity[i]
            d = new_var(f"d_{self.local[i]}", 0, None, pulp.LpContinuous)
            objective[d] = -2.0 * weight
            terms = [(v, a * scale) for v, a in load_terms[i]]
            terms += [(m, -1.0), (d, -1.0)]
            self._add(terms, pulp.LpConstraintLE, -plan.base[i] * scale, f"dev_{self.local[i]}")
        self.n_variables += 1 + len(holders)
        return 0.0

    def solve(self, time_limit: float) -> tuple[str, str, float | None]:
        """(status, solver used, relative MIP gap)."""
        if self.n_variables == 0:
            return "optimal", "none", 0.0
        s = self.plan.settings
        status, used = self._solve_with(s.solver, time_limit)
        if status == "not_solved" and used == "highs":
            # HiGHS can end a solved model in "solve error" when its own feasibility check of the final
            # solution fails by a hair; CBC, the fallback solver, then solves the same model
            status, used = self._solve_with("cbc", time_limit)
        return status, used, solution_gap(self.problem, used, status, s.mip_gap)

    def _solve_with(self, name: str, time_limit: float) -> tuple[str, str]:
        solver, used = make_solver(name, time_limit, self.plan.settings.mip_gap)
        try:
            self.problem.solve(solver)
        except pulp.PulpSolverError:
            return "not_solved", used
        return solve_status(self.problem), used

    def value(self) -> float:
        """Objective value of the solver's current solution (−inf if none)."""
        value = pulp.value(self.problem.objective)
        return -math.inf if value is None else float(value)

    def restore(self) -> None:
        """Put back the variable values of the solution last read (after a worse second solve)."""
        for v, x in self._read.items():
            v.varValue = x

    def read_solution(self) -> None:
        """Write the solution into the plan: each class's count per worker to its longest-waiting units."""
        plan = self.plan
        self._read = {v: v.varValue for v in self.problem.variables()}
        for units, _ in self.classes:
            for unit in units:
                plan.chosen.pop(unit.index, None)
        for move, _ in self.moves:
            plan.moved.pop(id(move), None)
        for units, variables in self.classes:
            queue = iter(units)
            for i, n in variables.items():
                for _ in range(round(n.varValue or 0.0)):
                    unit = next(queue, None)
                    if unit is not None:
                        plan.chosen[unit.index] = i
        for move, ys in self.moves:
            for i, y in ys.items():
                if i != move.holder and (y.varValue or 0.0) > 0.5:
                    plan.moved[id(move)] = i
        self._repair()

    def _repair(self) -> None:
        """Guard against solver tolerances: withdraw the least valuable allocations over a ceiling."""
        plan = self.plan
        final = plan.final_loads()
        for i in self.team.workers:
            excess = final[i] - plan.ceiling[i]
            if excess <= 1e-7 or not plan.open[i] and excess <= plan.load[i] - plan.ceiling[i] + 1e-7:
                continue
            mine = sorted(
                (u for u in self.team.units if plan.chosen.get(u.index) == i),
                key=lambda u: (u.must, u.reward),
            )
            for unit in mine:
                if excess <= 1e-7:
                    break
                del plan.chosen[unit.index]
                excess -= unit.weight
                plan.notes.append(f"solver tolerance: allocation of {unit.cases[0].id} withdrawn")
