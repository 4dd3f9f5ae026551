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

Most meetings inside the simulation are a handful of cases, so a team is settled as cheaply as it can be
proven: least loaded first, and if it reaches :meth:`_Plan.upper_bound` (a combinatorial relaxation that
counts whole cases under each whole percent of the top ratio) it is optimal with no solver run; otherwise
the best of the three heuristics is the start, a small model's LP relaxation is solved first (an integral
LP solution is optimal; a bound no better than the start proves the start optimal), and only then the
MIP. A solver's answer replaces the heuristic's only when it scores strictly more.

After solving, a polishing pass moves allocated cases to a less loaded eligible worker while the objective
does not get worse (the least-loaded tie-break: among equally good allocations, the more even one).

Pure Python plus PuLP: it imports neither simpy nor streamlit nor the simulator.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass, replace
from typing import Literal

from optimiser.heuristics import LeastLoaded, PointsThreshold, RoundRobin, sibling_units
from optimiser.mip import INFINITY, SMALL_MODEL, MipModel, MipResult, children_cpu, highs_available
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
POLISH_ROUNDS = 100
"""Most passes of the polishing moves (each pass moves at least one case or ends it)."""
SUBSET_SUMS_LIMIT = 4096
"""Most distinct load sums listed for one worker in the upper bound (beyond, its room bounds it)."""
SUM_SLACK = 1e-4
"""Hours of slack when the upper bound compares a worker's listed packings with its room (rounding)."""
BOUND_LEVELS = 2000
"""Most whole-percent levels of the top ratio the upper bound steps through (beyond, one coarse step)."""

REASON_CONTINUITY = "continuity"
REASON_ONLY = "only eligible worker with room"
REASON_SKILL = "skill"
REASON_PRIORITY = "priority"
REASON_LOWEST = "lowest load ratio"
REASON_FAIRNESS = "balances team workload (fairness)"
REASON_TIE = "as good for the objective as the runner-up, more even"
REASON_KEPT = "not improved by the solver (within its MIP gap or time limit)"
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
        within ``mip_gap``, by the solver or because the best heuristic reached an upper bound),
        ``"time_limit"`` (feasible, not proven), ``"not_solved"`` (the solver returned nothing: the best
        heuristic's allocation stands) or ``"infeasible"`` (only reported by a solver that started without
        the heuristic's allocation; with it the model is never infeasible).
    mip_gap : float or None
        Largest proven relative gap over the teams between the decisions' objective and the solver's bound
        (0 when optimal by the bound; None when unknown, e.g. CBC stopping short of optimality).
    objective : float
        Objective value of the decisions (all teams, constants included).
    incumbent : float
        Objective value of the best heuristic's allocation of each team (the starting point).
    winner : str
        Whose allocation was kept: ``"milp"`` (the solver improved on every heuristic), a heuristic's name
        (``"least_loaded"``: no solver run improved on it, so that heuristic's allocation stands), or
        both with team counts when teams differ.
    seconds, build_seconds, solve_seconds, cpu_seconds : float
        Wall-clock time of the whole call, of building the models, and of the solver runs; CPU time of the
        whole call (a CBC child process included).
    solver : str
        ``"highs"``, ``"cbc"`` or ``"none"`` (no solver ran: nothing to decide, or the heuristic was optimal).
    fallback : bool
        True when a solver returned no solution for some team, so its decisions are the best heuristic's.
    skipped : int
        Teams whose solve was skipped because the best heuristic reached the upper bound.
    message : str
        What went wrong, if anything.
    """

    status: str
    mip_gap: float | None
    objective: float
    seconds: float
    solver: str
    incumbent: float = 0.0
    winner: str = "milp"
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    cpu_seconds: float = 0.0
    fallback: bool = False
    skipped: int = 0
    message: str = ""
    teams: int = 0
    variables: int = 0
    constraints: int = 0
    allocated: int = 0
    unallocated: int = 0
    moved: int = 0


@dataclass
class _TeamRun:
    """One team's solve: status, proven bound, whose allocation won and its objective."""

    status: str
    bound: float | None
    winner: str
    value: float
    solver: str
    incumbent: float = 0.0
    model: _TeamModel | None = None
    budget: float = 0.0


class MilpPolicy:
    """Allocation by the MILP of DESIGN §5, with an explanation for every case.

    Every team's solve starts from the best heuristic allocation (least loaded, round robin, points
    threshold; the one with the highest MILP objective) as a feasible incumbent, and the better of the
    solver's answer and that incumbent is kept, so the decisions are never worse than any heuristic's at
    any time limit. A team whose best heuristic reaches :meth:`_Plan.upper_bound` is optimal without a
    solve. ``incumbent=False`` solves from scratch and keeps the solver's answer (for benchmarks).

    State between meetings: :attr:`last_result` (the outcome of the last call) and the counters
    :attr:`meetings`, :attr:`solves` and :attr:`skipped` (team solves skipped as provably optimal).
    """

    name = "milp"

    def __init__(self, settings: MilpSettings | None = None, incumbent: bool = True) -> None:
        self.settings = settings or MilpSettings()
        self.incumbent = incumbent
        self.last_result: MilpOutcome | None = None
        self.meetings = self.solves = self.skipped = 0

    def allocate(self, snapshot: Snapshot) -> list[Decision]:
        """One decision per waiting case (allocated ones only without ``snapshot.explain``), plus one per
        moved held case (reason "moved from <id>: …") and, with ``explain``, one per held case that stays."""
        start, cpu, child = time.perf_counter(), time.process_time(), children_cpu()
        limit = self.settings.time_limit_seconds
        plan = _Plan(snapshot, self.settings)
        self.meetings += 1
        build = solve = 0.0
        runs: dict[str, _TeamRun] = {}
        problems: list[str] = []
        n_vars = n_cons = 0
        teams = sorted(plan.teams.items(), key=lambda item: len(item[1].units) * len(item[1].workers))
        teams = [(name, team) for name, team in teams if team.has_decisions()]
        # first pass, smallest team first: each team gets its share of the time left
        for left, (name, team) in zip(range(len(teams), 0, -1), teams):
            t0 = time.perf_counter()
            heuristic, value, bound = self._incumbent(plan, team)
            if self.incumbent and value >= bound - 1e-9:
                runs[name] = _TeamRun("optimal", value, heuristic, value, "none", value)
                self.skipped += 1
                build += time.perf_counter() - t0
                continue
            model = _TeamModel(plan, team)
            t1 = time.perf_counter()
            build += t1 - t0
            n_vars += model.mip.n_columns
            n_cons += model.mip.n_rows
            budget = max((limit - (t1 - start)) / left, min(MIN_TEAM_SECONDS, limit))
            run = self._solve_team(plan, team, model, budget, heuristic, value, problems, name)
            run.model, run.budget, run.incumbent = model, budget, value
            runs[name] = run
            solve += time.perf_counter() - t1
        # second pass: teams stopped by the clock try again, from their best, with the time left over
        unproven = [
            (name, run, run.model) for name, run in runs.items() if run.status == "time_limit" and run.model
        ]
        for left, (name, run, model) in zip(range(len(unproven), 0, -1), unproven):
            t1 = time.perf_counter()
            budget = (limit - (t1 - start)) / left
            if budget < 1.2 * run.budget:  # a restart needs more time than the first run had
                continue
            team = plan.teams[name]
            again = self._solve_team(plan, team, model, budget, run.winner, run.value, problems, name)
            if again.value >= run.value - 1e-9:
                again.incumbent = run.incumbent
                runs[name] = again
            solve += time.perf_counter() - t1
        plan.polish()
        decisions = plan.decisions()
        self.last_result = self._outcome(plan, snapshot, decisions, runs, problems, build, solve, n_vars,
                                         n_cons, time.perf_counter() - start,
                                         time.process_time() - cpu + children_cpu() - child)  # fmt: skip
        return decisions

    def _incumbent(self, plan: _Plan, team: _Team) -> tuple[str, float, float]:
        """Set the team's best heuristic allocation; returns its name, its value and the upper bound.

        Least loaded goes first: when it reaches the bound (most meetings inside the simulation) the
        other heuristics cannot do better and are not run."""
        heuristic, value = plan.heuristic_incumbent(team, (LeastLoaded(),))
        bound = plan.upper_bound(team, reached=value)
        if value < bound - 1e-9:
            heuristic, value = plan.heuristic_incumbent(team)
        return heuristic, value, bound

    def _solve_team(
        self, plan: _Plan, team: _Team, model: _TeamModel, budget: float, heuristic: str, value: float,
        problems: list[str], name: str,
    ) -> _TeamRun:  # fmt: skip
        """Solve one team from its current allocation (the incumbent) and keep the better of the two."""
        self.solves += 1
        kept = plan.team_allocation(team)
        result = model.solve(budget, model.start() if self.incumbent else None)
        if result.values is None:
            if result.status == "infeasible" and self.incumbent:
                result = replace(result, status="not_solved")  # the start is feasible: a solver failure
            problems.append(f"team {name}: {result.solver} returned no solution ({result.status}); "
                            f"decisions by {heuristic}")  # fmt: skip
            return _TeamRun(result.status, None, heuristic, value, result.solver)
        model.read_solution(result.values)
        solved = plan.team_value(team)
        if self.incumbent and solved <= value + 1e-9:  # no better than the start: the heuristic's stands
            plan.restore_team(team, kept)
            winner, best = heuristic, value
        else:
            winner, best = "milp", solved
        bound = result.bound
        status = result.status
        if bound is not None and _relative_gap(best, bound) <= plan.settings.mip_gap + 1e-12:
            status = "optimal"
        return _TeamRun(status, bound, winner, best, result.solver)

    def _outcome(self, plan, snapshot, decisions, runs, problems, build, solve, n_vars, n_cons, seconds,
                 cpu) -> MilpOutcome:  # fmt: skip
        statuses = [run.status for run in runs.values()]
        gaps = [
            _relative_gap(run.value, run.bound) if run.bound is not None else None for run in runs.values()
        ]
        cases = {c.id for c in snapshot.cases}
        allocated = sum(1 for d in decisions if d.case_id in cases and d.worker_id is not None)
        winners: dict[str, int] = {}
        for run in runs.values():
            winners[run.winner] = winners.get(run.winner, 0) + 1
        if len(winners) > 1:
            winner = ", ".join(f"{w} ({n} teams)" for w, n in sorted(winners.items()))
        else:
            winner = next(iter(winners), "milp")
        solvers = sorted({run.solver for run in runs.values()} - {"none"})
        objective = plan.objective()
        return MilpOutcome(
            status=max(statuses, key=_STATUS_RANK.__getitem__, default="optimal"),
            mip_gap=None if None in gaps else max((g for g in gaps if g is not None), default=0.0),
            objective=objective,
            seconds=seconds,
            solver=",".join(solvers) or "none",
            incumbent=objective - sum(run.value - run.incumbent for run in runs.values()),
            winner=winner,
            build_seconds=build,
            solve_seconds=solve,
            cpu_seconds=cpu,
            fallback=any(run.status == "not_solved" for run in runs.values()),
            skipped=sum(1 for run in runs.values() if run.solver == "none"),
            message="; ".join(problems + plan.notes),
            teams=len(statuses),
            variables=n_vars,
            constraints=n_cons,
            allocated=allocated,
            unallocated=len(cases) - allocated,
            moved=sum(1 for d in decisions if d.reason.startswith("moved from ")),
        )


def _relative_gap(value: float, bound: float | None) -> float:
    """``(bound − value) / |value|`` (0 when the bound is reached), as HiGHS defines the MIP gap."""
    if bound is None:
        return math.inf
    diff = max(0.0, bound - value)
    return 0.0 if diff <= 1e-9 else diff / max(abs(value), 1e-9)


def _subset_sums(weights: list[float], room: float) -> list[float] | float:
    """The sums of subsets of ``weights`` that are at most ``room``, sorted (0 included); beyond
    :data:`SUBSET_SUMS_LIMIT` sums, just the most any packing can weigh (``room`` or the total).

    Sums are counted in whole micro-hours (each weight rounded to the nearest), so a listed sum is within
    ``len(weights)`` micro-hours of the true one; callers allow :data:`SUM_SLACK` hours for that."""
    limit = min(room, sum(weights)) + 1e-9
    top = math.floor(limit * 1e6) + len(weights)
    reach = {0}
    for weight in sorted((round(w * 1e6) for w in weights), reverse=True):
        reach |= {r + weight for r in reach if r + weight <= top}
        if len(reach) > SUBSET_SUMS_LIMIT:
            return limit
    return [r / 1e6 for r in sorted(reach)]


def _packable(sums: list[float] | float, room: float) -> float:
    """The most a worker's packing weighs within ``room``, from :func:`_subset_sums`."""
    if room < 0:
        return 0.0
    if isinstance(sums, float):
        return min(sums, room)
    return sums[bisect.bisect_right(sums, room) - 1]


def _knapsack(items: list[tuple[float, float]], capacity: float) -> float:
    """Most value of (value, weight) items, fractions allowed, within ``capacity`` (an LP bound)."""
    total = 0.0
    for value, weight in sorted(items, key=lambda item: -item[0] / item[1] if item[1] > 0 else -math.inf):
        if weight <= capacity + 1e-9:
            total += value
            capacity -= weight
        else:
            return total + value * max(0.0, capacity) / weight
    return total


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
        self.notes: list[str] = []
        self._takers: dict[int, tuple[int, ...]] = {}  # unit index -> workers allowed to take it

    # ------------------------------------------------------------------------------- eligibility

    def takers(self, team: _Team, unit: _Unit) -> tuple[int, ...]:
        """The team's workers :meth:`allowed` to take ``unit`` (worked out once per unit)."""
        found = self._takers.get(unit.index)
        if found is None:
            found = self._takers[unit.index] = tuple(
                i for i in team.workers if self.allowed(i, unit.cases, unit.weight)
            )
        return found

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

    def heuristic_incumbent(self, team: _Team, policies: tuple | None = None) -> tuple[str, float]:
        """Set this team's allocation to the best of the heuristics' (on the MILP objective); returns the
        heuristic's name and the team's objective value. Held cases stay with their holders.

        ``policies``: the heuristics to try (default least loaded, round robin and points threshold)."""
        sub = replace(
            self.snapshot,
            workers=[self.workers[i] for i in team.workers],
            cases=[c for u in team.units for c in u.cases],
            movable=(),
            explain=False,
        )
        by_case = {c.id: u for u in team.units for c in u.cases}
        for move in team.moves:
            self.moved.pop(id(move), None)
        best: tuple[float, str, dict[int, int]] | None = None
        for policy in policies or (LeastLoaded(), RoundRobin(), PointsThreshold()):
            chosen = {by_case[d.case_id].index: self.index[d.worker_id]
                      for d in policy.allocate(sub) if d.worker_id is not None}  # fmt: skip
            self.set_team(team, chosen)
            value = self.team_value(team)
            if best is None or value > best[0] + 1e-9:
                best = (value, policy.name, chosen)
        assert best is not None
        self.set_team(team, best[2])
        return best[1], best[0]

    def set_team(self, team: _Team, chosen: dict[int, int]) -> None:
        """Replace this team's allocation of waiting units by ``chosen`` (unit index → worker index)."""
        for unit in team.units:
            self.chosen.pop(unit.index, None)
        self.chosen.update(chosen)

    def team_allocation(self, team: _Team) -> tuple[dict[int, int], dict[int, int]]:
        """This team's allocation (units, moves), to put back later with :meth:`restore_team`."""
        units = {u.index: self.chosen[u.index] for u in team.units if u.index in self.chosen}
        moves = {id(m): self.moved[id(m)] for m in team.moves if id(m) in self.moved}
        return units, moves

    def restore_team(self, team: _Team, allocation: tuple[dict[int, int], dict[int, int]]) -> None:
        self.set_team(team, allocation[0])
        for move in team.moves:
            self.moved.pop(id(move), None)
        self.moved.update(allocation[1])

    def upper_bound(self, team: _Team, reached: float = math.inf) -> float:
        """A bound no allocation of this team beats; a heuristic reaching it is optimal without a solve.

        Each placeable unit is worth its priority reward, its best continuity reward and its must-allocate
        penalty (unplaceable must-allocate units are charged). Without moves, the fairness and overload
        terms are bounded too: at each whole percent ``l`` of the team's top ratio, a worker can take at
        most the largest sum of its allowed units' weights that fits under ``l`` (and its ceiling), and the
        units placed are worth at most a fractional knapsack over that total; the bound is the best over
        ``l`` of that worth less ``fairness_weight · l``. Units that share no worker are still relaxed
        together, so it is a relaxation of the team's MILP, cheap for a meeting's few cases.

        ``reached``: the value of an allocation in hand; when the rough bound (every placeable unit
        placed, the top ratio where it is before the meeting) is no higher, that is returned at once.
        """
        s = self.settings
        constant, items, weights = self._bound_terms(team)
        holders = [i for i in team.workers if self.capacity[i] > 0]
        if team.moves or not holders:  # moves change the loads both ways: rewards only
            return constant + sum(value for value, _ in items)
        fairness = s.fairness_weight > 0 and s.fairness_measure == "max_ratio"
        level = math.ceil(max(100.0 * self.load[i] / self.capacity[i] for i in holders) - PERCENT_TOLERANCE)
        rough = constant + sum(value for value, _ in items) - (s.fairness_weight * level if fairness else 0.0)
        if rough <= reached + 1e-9:
            return rough
        takers: dict[int, list[float] | float] = {}
        listed: dict[tuple, list[float] | float] = {}  # workers allowed the same units share one list
        for i in holders:
            if weights[i]:
                room = self.ceiling[i] - self.base[i] + TOLERANCE
                key = (tuple(weights[i]), room)
                if key not in listed:
                    listed[key] = _subset_sums(weights[i], room)
                takers[i] = listed[key]
        most = sum(_packable(sums, math.inf) for sums in takers.values())
        value = constant + _knapsack(items, most)
        if not fairness:
            return value
        total = min(most, sum(weight for _, weight in items))
        best = -math.inf
        for _ in range(BOUND_LEVELS):
            placeable = 0.0
            for i, sums in takers.items():
                room = (level + 2 * PERCENT_TOLERANCE) * self.capacity[i] / 100.0 - self.base[i] + SUM_SLACK
                placeable += _packable(sums, room)
            best = max(best, _knapsack(items, placeable) - s.fairness_weight * level)
            if placeable >= total - 1e-9:
                return constant + best
            level += 1
        return max(constant + best, value - s.fairness_weight * level)  # every level left is at least this

    def _bound_terms(self, team: _Team) -> tuple[float, list[tuple[float, float]], dict[int, list[float]]]:
        """For :meth:`upper_bound`: the constant part (must-allocate penalties, present overloads), each
        placeable unit's (worth, weight), and the weights each worker may take."""
        s = self.settings
        constant, items = 0.0, []
        weights: dict[int, list[float]] = {i: [] for i in team.workers}
        for unit in team.units:
            constant -= s.must_allocate_penalty * unit.must
            allowed = self.takers(team, unit)
            if allowed:
                best = max(self._continuity(unit, i) for i in allowed)
                items.append((unit.reward + best + s.must_allocate_penalty * unit.must, unit.weight))
                for i in allowed:
                    weights[i].append(unit.weight)
        if not team.moves:
            for i in team.workers:  # an overload present before the meeting stays (nothing can move)
                over = self.load[i] - self.cap[i]
                if self.capacity[i] > 0 and over > TOLERANCE:
                    constant -= s.overload_penalty * 100.0 * over / self.capacity[i]
        return constant, items, weights

    # ---------------------------------------------------------------------------------- objective

    def objective(self) -> float:
        """The model's objective for the chosen allocation (all teams; constant terms included)."""
        final = self.final_loads()
        return sum(self.team_value(team, final) for team in self.teams.values())

    def team_value(self, team: _Team, final: list[float] | None = None) -> float:
        """One team's part of the objective for the chosen allocation."""
        s = self.settings
        final = self.final_loads() if final is None else final
        value = 0.0
        for unit in team.units:
            i = self.chosen.get(unit.index)
            if i is None:
                value -= s.must_allocate_penalty * unit.must
            else:
                value += unit.reward + self._continuity(unit, i)
        value -= (s.move_cost or 0.0) * sum(1 for move in team.moves if id(move) in self.moved)
        return value - self._team_penalty(team, final)

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
        for team in self.teams.values():
            if len(team.workers) < 2:
                continue
            mine = [u for u in team.units if u.index in self.chosen]
            for _ in range(POLISH_ROUNDS):
                improved = False
                for unit in mine:
                    i = self.chosen[unit.index]
                    if self._continuity(unit, i) > 0:
                        continue  # would lose the continuity reward
                    current = final[i] / self.capacity[i]
                    best, best_ratio = None, current - 1e-9
                    for j in self.takers(team, unit):
                        if j == i:
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
        waiting = [u for u in self.units if u.index not in self.chosen]
        out: list[Decision] = []
        for unit in self.units:
            i = self.chosen.get(unit.index)
            if i is None:
                if explain:
                    out.extend(
                        Decision(c.id, None, why)
                        for c, why in zip(unit.cases, self._why_waiting(unit, final))
                    )
                continue
            wid = self.workers[i].id
            if not explain:  # the simulator reads only who takes which case
                out.extend(Decision(c.id, wid, "") for c in unit.cases)
                continue
            reason, runner = self._why_allocated(unit, i, final, waiting)
            if len(unit.cases) > 1:
                reason += SIBLINGS
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
        """The reason ``unit`` went to worker ``i``, checked against the final loads, and the runner-up.

        The runner-up is the other eligible worker who had room for the unit before the meeting and ends
        it with the lowest load ratio. "lowest load ratio" is claimed only when ``i`` ends the meeting no
        higher than every such worker; otherwise the reason names what the choice traded, with figures.
        """
        workers = self.workers
        with_room = [
            j
            for j in self._eligible(unit)
            if self.open[j] and self.load[j] + unit.weight <= self.ceiling[j] + TOLERANCE
        ]

        def end(j: int) -> float:
            return load_ratio(final[j], self.capacity[j])

        others = [j for j in with_room if j != i]
        runner = min(others, key=lambda j: (end(j), workers[j].id), default=None)
        runner_id = workers[runner].id if runner is not None else None
        wid = workers[i].id
        lowest = runner is None or end(i) <= end(runner) + 1e-9
        figures = (
            ""
            if runner is None or lowest
            else f" ({runner_id} ends at {end(runner):.0%}, {wid} at {end(i):.0%})"
        )
        if self.snapshot.continuity and any(c.previous_worker == wid for c in unit.cases):
            reason = REASON_CONTINUITY + figures
        elif runner is None:
            reason = REASON_ONLY
        elif self._skill_scarce(unit):
            reason = REASON_SKILL + figures
        elif self._won_over_lower_priority(unit, i, final, waiting):
            reason = REASON_PRIORITY + figures
        elif lowest:
            reason = REASON_LOWEST
        else:
            assert runner is not None
            reason = self._trade(unit, i, runner, final)
        if final[i] > self.cap[i] + TOLERANCE:
            reason += " (above the load cap, within the soft ceiling)"
        return reason, runner_id

    def _trade(self, unit: _Unit, i: int, r: int, final: list[float]) -> str:
        """What giving ``unit`` to ``r`` (who ends lower than ``i``) instead of ``i`` would have cost."""
        wid, rid = self.workers[i].id, self.workers[r].id
        here, there = final[i] / self.capacity[i], final[r] / self.capacity[r]
        with_it = (final[r] + unit.weight) / self.capacity[r]
        if final[r] + unit.weight > self.ceiling[r] + TOLERANCE:
            what = "the sibling group" if len(unit.cases) > 1 else "it"
            return f"{rid} ends at {there:.0%} but has no room left for {what}; {wid} ends at {here:.0%}"
        team = self.teams[unit.cases[0].team]
        before = self.team_value(team, final)
        swapped = list(final)
        swapped[i] -= unit.weight
        swapped[r] += unit.weight
        kept = self.chosen[unit.index]
        self.chosen[unit.index] = r
        after = self.team_value(team, swapped)
        self.chosen[unit.index] = kept
        figures = f"with it {rid} would end at {with_it:.0%}; {wid} ends at {here:.0%}"
        if after < before - 1e-9:
            if self.settings.fairness_measure == "max_ratio":
                return f"{REASON_FAIRNESS}: {figures}, the team's top ratio would rise"
            return f"{REASON_FAIRNESS}: {figures}, the team's spread of ratios would grow"
        if after > before + 1e-9:
            return f"{REASON_KEPT}: {rid} ends at {there:.0%} and {figures}"
        return f"{REASON_TIE}: {figures}"

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
    """The MILP of one team at one meeting as a :class:`~optimiser.mip.MipModel`, its starting point from
    any allocation of the plan, and its solution written back to the plan."""

    def __init__(self, plan: _Plan, team: _Team) -> None:
        self.plan = plan
        self.team = team
        s = plan.settings
        self.mip = mip = MipModel()
        self.load_terms: dict[int, list[tuple[int, float]]] = {i: [] for i in team.workers}
        load_terms = self.load_terms
        capacity = plan.capacity
        continuity = plan.snapshot.continuity

        # classes of interchangeable units: (allowed workers) × weight × reward × must × previous worker
        classes: dict[tuple, list[_Unit]] = {}
        for unit in team.units:
            allowed = plan.takers(team, unit)
            if len(unit.cases) > 1:
                key: tuple = ("siblings", unit.index, allowed)
            else:
                case = unit.cases[0]
                previous = case.previous_worker if continuity else None
                key = ("case", allowed, unit.weight, unit.reward, unit.must, previous)
            classes.setdefault(key, []).append(unit)
        self.classes: list[tuple[list[_Unit], dict[int, int], int | None]] = []
        for key, units in classes.items():
            allowed = key[2] if key[0] == "siblings" else key[1]
            first = units[0]
            count = len(units)
            variables: dict[int, int] = {}
            for i in allowed:
                room = plan.ceiling[i] - plan.base[i] + TOLERANCE
                fits = count if first.weight <= 0 or math.isinf(room) else int(room // first.weight)
                upper = min(count, fits)
                if upper > 0:
                    variables[i] = n = mip.column(0, upper, True, first.reward + plan._continuity(first, i))
                    load_terms[i].append((n, first.weight))
            units.sort(key=lambda u: (min(c.waiting_since for c in u.cases), u.cases[0].id))
            u = None
            if variables:
                u = mip.column(0, count, False, -s.must_allocate_penalty * first.must)
                mip.row([*((n, 1.0) for n in variables.values()), (u, 1.0)], count, count)
            else:
                mip.constant -= s.must_allocate_penalty * first.must * count
            self.classes.append((units, variables, u))

        # movable held cases: y over the holder and every worker allowed to take the case
        self.moves: list[tuple[_Move, dict[int, int]]] = []
        for move in team.moves:
            h, holder = move.case, move.holder
            takers = [i for i in team.workers if i == holder or plan.allowed(i, [h], h.weight)]
            if len(takers) < 2:  # nowhere to go: the case stays, a constant part of the holder's load
                plan.base[holder] += h.weight
                continue
            ys = {i: mip.column(0, 1, True, 0.0 if i == holder else -(s.move_cost or 0.0)) for i in takers}
            for i, y in ys.items():
                load_terms[i].append((y, h.weight))
            mip.row([(y, 1.0) for y in ys.values()], 1.0, 1.0)
            self.moves.append((move, ys))

        # hard capacity, with an overload variable up to the soft ceiling (or the current overload)
        self.over: dict[int, int] = {}
        for i in team.workers:
            terms = load_terms[i]
            over_now = max(0.0, plan.load[i] - plan.cap[i])
            if not terms or math.isinf(plan.cap[i]):
                if over_now > TOLERANCE and capacity[i] > 0:
                    mip.constant -= s.overload_penalty * 100.0 * over_now / capacity[i]
                continue
            bound = max(plan.allowance[i], over_now)
            if bound > 0:
                # a worker with no capacity (absent) is charged as if they had one hour a week
                o = mip.column(0, bound, False, -s.overload_penalty * 100.0 / max(capacity[i], 1.0))
                self.over[i] = o
                terms = [*terms, (o, -1.0)]
            mip.row(terms, -INFINITY, plan.cap[i] - plan.base[i] + TOLERANCE)
        # a team (nearly) short of room is a multiple knapsack: describe each worker's packings exactly
        self.patterns: list[tuple[int, list[float], list[tuple[int, ...]], list[int]]] = []
        room = sum(max(0.0, plan.ceiling[i] - plan.base[i]) for i in team.workers if plan.open[i])
        if sum(u.weight for u in team.units) >= PATTERN_DEMAND_SHARE * room:
            for i in team.workers:
                self._patterns(i)

        self.f: int | None = None
        self.levels: tuple[int, list[int]] | None = None
        self.mean: int | None = None
        self.deviations: dict[int, int] = {}
        holders = [i for i in team.workers if capacity[i] > 0]
        if s.fairness_weight > 0 and holders:
            if s.fairness_measure == "max_ratio":
                self._max_ratio(holders)
            else:
                self._deviation(holders)

    def _patterns(self, i: int) -> None:
        """Worker ``i``'s packings as maximal patterns (counts per case weight), one chosen (binary z_p).

        ``Σ_(k of weight a) n[k,i] ≤ Σ_p count_p(a) · z_p`` with ``Σ_p z_p = 1`` describes the convex hull
        of the worker's knapsack, which the capacity row alone does not: the LP can no longer fill every
        worker to the last minute with fractions of cases. Skipped when a worker has more than
        :data:`PATTERN_LIMIT` maximal patterns (or no cap).
        """
        plan, mip, terms = self.plan, self.mip, self.load_terms[i]
        if len(terms) < 2:
            return
        room = max(plan.ceiling[i], plan.load[i]) - plan.base[i] + TOLERANCE
        if math.isinf(room):
            return
        by_weight: dict[float, list[int]] = {}
        for v, a in terms:
            by_weight.setdefault(round(a, 9), []).append(v)
        weights = sorted(by_weight, reverse=True)
        available = [int(sum(mip.upper[v] for v in by_weight[a])) for a in weights]
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
        zs = [mip.column(0, 1, True) for _ in patterns]
        mip.row([(z, 1.0) for z in zs], 1.0, 1.0)
        for t, a in enumerate(weights):
            row = [(v, 1.0) for v in by_weight[a]]
            row += [(z, -float(pattern[t])) for pattern, z in zip(patterns, zs) if pattern[t]]
            mip.row(row, -INFINITY, 0.0)
        self.patterns.append((i, weights, patterns, zs))

    def _max_ratio(self, holders: list[int]) -> None:
        """F ≥ 100·ratio_w for every case-holder, F integer (whole percent).

        F's range [low, high] is known: low is the largest ratio before the meeting (loads only grow, movable
        cases aside), high the largest a worker can reach. With F = low + Σ_l z_l (z_l binary, decreasing),
        each worker also gets "level" cuts: with weights a_k and any divisor d, Σ_k ⌊a_k/d⌋ n_k ≤
        ⌊(room at level F)/d⌋, valid because the left side is an integer. They tie the packing of each worker
        to F and make the bound much tighter than the plain F ≥ ratio rows.
        """
        plan, mip = self.plan, self.mip
        weight = plan.settings.fairness_weight
        varying = [i for i in holders if self.load_terms[i]]
        low = math.ceil(max(100.0 * plan.base[i] / plan.capacity[i] for i in holders) - PERCENT_TOLERANCE)
        if not varying:
            mip.constant -= weight * low
            return
        self.f = f = mip.column(low, INFINITY, True, -weight)
        for i in varying:
            scale = 100.0 / plan.capacity[i]
            terms = [(v, a * scale) for v, a in self.load_terms[i]]
            mip.row([*terms, (f, -1.0)], -INFINITY, PERCENT_TOLERANCE - plan.base[i] * scale)
        self._levels(f, low, varying)

    def _levels(self, f: int, low: int, varying: list[int]) -> None:
        plan, mip = self.plan, self.mip
        limit = {i: max(plan.ceiling[i], plan.load[i]) for i in varying}  # the cap row's reach, with o
        top = max(
            100.0
            * min(limit[i], plan.base[i] + sum(mip.upper[v] * a for v, a in self.load_terms[i]))
            / plan.capacity[i]
            for i in varying
        )
        high = math.ceil(top - PERCENT_TOLERANCE)
        if high <= low or high - low > MAX_LEVELS:
            return
        zs = [mip.column(0, 1, True) for _ in range(low + 1, high + 1)]
        self.levels = (low, zs)
        mip.row([(f, 1.0)] + [(z, -1.0) for z in zs], float(low), float(low))
        for k in range(1, len(zs)):
            mip.row([(zs[k], 1.0), (zs[k - 1], -1.0)], -INFINITY, 0.0)
        for i in varying:
            cc = plan.capacity[i]
            for d in sorted({a for _, a in self.load_terms[i] if a > 0}):
                coef = [(v, float(math.floor(a / d + 1e-9))) for v, a in self.load_terms[i]]
                coef = [(v, c) for v, c in coef if c > 0]
                fits = [
                    max(0, math.floor(
                        (min(limit[i], (level + PERCENT_TOLERANCE) * cc / 100.0) - plan.base[i]) / d + 1e-9))
                    for level in range(low, high + 1)
                ]  # fmt: skip
                if sum(mip.upper[v] * c for v, c in coef) <= fits[0]:
                    continue  # never binding
                steps = [
                    (z, -float(fits[k + 1] - fits[k])) for k, z in enumerate(zs) if fits[k + 1] != fits[k]
                ]
                mip.row(coef + steps, -INFINITY, float(fits[0]))

    def _deviation(self, holders: list[int]) -> None:
        """2·Σ_w d_w with d_w ≥ 100·ratio_w − m and m the team mean ratio (percent)."""
        plan, mip = self.plan, self.mip
        weight = plan.settings.fairness_weight
        if len(holders) < 2:
            return
        if not any(self.load_terms[i] for i in holders):
            ratios = [100.0 * plan.base[i] / plan.capacity[i] for i in holders]
            mean = sum(ratios) / len(ratios)
            mip.constant -= weight * sum(abs(r - mean) for r in ratios)
            return
        self.mean = m = mip.column(-INFINITY, INFINITY, False)
        mean_terms: dict[int, float] = {m: float(len(holders))}
        base_sum = 0.0
        for i in holders:
            scale = 100.0 / plan.capacity[i]
            base_sum += plan.base[i] * scale
            for v, a in self.load_terms[i]:
                mean_terms[v] = mean_terms.get(v, 0.0) - a * scale
        mip.row(list(mean_terms.items()), base_sum, base_sum)
        for i in holders:
            scale = 100.0 / plan.capacity[i]
            self.deviations[i] = d = mip.column(0, INFINITY, False, -2.0 * weight)
            terms = [(v, a * scale) for v, a in self.load_terms[i]]
            mip.row([*terms, (m, -1.0), (d, -1.0)], -INFINITY, -plan.base[i] * scale)

    # ------------------------------------------------------------------------------------ solving

    def start(self) -> list[float]:
        """The model's point for the plan's current allocation of this team (every column set)."""
        plan, mip = self.plan, self.mip
        x = [0.0] * mip.n_columns
        for units, variables, u in self.classes:
            for unit in units:
                i = plan.chosen.get(unit.index)
                if i is not None:
                    x[variables[i]] += 1.0
            if u is not None:
                x[u] = len(units) - sum(x[n] for n in variables.values())
        for move, ys in self.moves:
            x[ys[plan.moved.get(id(move), move.holder)]] = 1.0
        final = plan.final_loads()
        for i, o in self.over.items():
            x[o] = min(mip.upper[o], max(0.0, final[i] - plan.cap[i]))
        for i, weights, patterns, zs in self.patterns:
            counts = [0.0] * len(weights)
            for v, a in self.load_terms[i]:
                counts[weights.index(round(a, 9))] += x[v]
            k = next((k for k, p in enumerate(patterns) if all(c <= n + 1e-9 for c, n in zip(counts, p))), 0)
            x[zs[k]] = 1.0
        ratios = {i: 100.0 * final[i] / plan.capacity[i] for i in self.team.workers if plan.capacity[i] > 0}
        if self.f is not None:
            top = max(ratios[i] for i in ratios if self.load_terms[i])
            x[self.f] = max(mip.lower[self.f], math.ceil(top - PERCENT_TOLERANCE))
            if self.levels is not None:
                low, zs = self.levels
                for k, z in enumerate(zs):
                    x[z] = 1.0 if low + k + 1 <= x[self.f] else 0.0
        if self.mean is not None:
            x[self.mean] = mean = sum(ratios.values()) / len(ratios)
            for i, d in self.deviations.items():
                x[d] = max(0.0, ratios[i] - mean)
        return x

    def solve(self, time_limit: float, start: list[float] | None) -> MipResult:
        """Solve from ``start`` (None: from scratch); a HiGHS solve error is retried with CBC.

        A small model with a start tries its LP relaxation first (a fraction of a MIP solve's time):
        an integral LP solution is optimal, and a bound no better than the start proves the start
        optimal; only otherwise does the MIP solver run."""
        s = self.plan.settings
        if (
            s.solver == "highs"
            and highs_available()
            and start is not None
            and self.mip.n_columns <= SMALL_MODEL
        ):
            relaxed = self.mip.solve_relaxation()
            if relaxed.status == "optimal":
                return relaxed
            value = self.mip.value(start)
            if relaxed.bound is not None and relaxed.bound <= value + 1e-9:
                return replace(relaxed, status="optimal", values=start, objective=value, gap=0.0)
        if s.solver == "highs" and highs_available():
            result = self.mip.solve_highs(time_limit, s.mip_gap, start)
            left = time_limit - result.seconds
            if start is not None and result.status == "time_limit" and left > 0.5 * time_limit:
                # HiGHS 1.16 can stop early from a MIP start short of its own bound: once more from scratch
                cold = self.mip.solve_highs(left, s.mip_gap, None)
                if cold.objective is not None and cold.objective > (result.objective or -INFINITY):
                    return cold
            if result.status != "not_solved" or result.seconds >= 0.95 * time_limit:
                return result
            # HiGHS can end a solved model in "solve error" when its own feasibility check of the final
            # solution fails by a hair; CBC, the fallback solver, then solves the same model
        return self.mip.solve_cbc(time_limit, s.mip_gap, start)

    def read_solution(self, values: list[float]) -> None:
        """Write a solution into the plan: each class's count per worker to its longest-waiting units."""
        plan = self.plan
        for units, _, _ in self.classes:
            for unit in units:
                plan.chosen.pop(unit.index, None)
        for move, _ in self.moves:
            plan.moved.pop(id(move), None)
        for units, variables, _ in self.classes:
            queue = iter(units)
            for i, n in variables.items():
                for _ in range(round(values[n])):
                    taken = next(queue, None)
                    if taken is not None:
                        plan.chosen[taken.index] = i
        for move, ys in self.moves:
            for i, y in ys.items():
                if i != move.holder and values[y] > 0.5:
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
