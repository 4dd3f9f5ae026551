"""The Generalised Assignment Problem (GAP): every job to exactly one agent, within each agent's capacity.

This is the generic exact entry point of the allocation optimiser. An instance is three plain arrays:

- ``cost[i, j]``: cost (or, with ``sense="max"``, profit) of giving job ``j`` to agent ``i``;
- ``weight[i, j]``: resource job ``j`` uses of agent ``i`` when it goes to agent ``i``;
- ``capacity[i]``: resource agent ``i`` has.

The model is the textbook binary programme, built with PuLP and solved by HiGHS (through ``highspy``) or,
when HiGHS is unavailable or asked for, by CBC::

    min / max  sum_ij cost[i, j] x[i, j]
    s.t.       sum_i  x[i, j] = 1                       for every job j
               sum_j  weight[i, j] x[i, j] <= capacity[i]  for every agent i
               x[i, j] in {0, 1}

Pairs whose weight alone exceeds the agent's capacity can never be chosen and get no variable; a job left
with no possible agent makes the instance infeasible without calling the solver.

Pure Python plus PuLP: it imports neither simpy nor streamlit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pulp

from optimiser.solver import (
    STATUSES,
    SolverName,
    Status,
    cbc_solver,
    make_solver,
    solution_gap,
    solve_status,
    variable_factory,
)

__all__ = ["STATUSES", "GapResult", "SolverName", "Status", "solve_gap"]

Sense = Literal["min", "max"]

_cbc = cbc_solver  # the former private name, still used by tests and callers


@dataclass(frozen=True)
class GapResult:
    """Outcome of :func:`solve_gap`.

    Attributes
    ----------
    objective : float or None
        Total cost (``sense="min"``) or profit (``sense="max"``) of ``assignment``, recomputed from the input
        arrays; ``None`` when no feasible assignment was found.
    assignment : list of int
        For each job, the index of the agent it goes to; ``-1`` for every job when no feasible assignment was
        found.
    status : str
        ``"optimal"``: proven optimal (within ``mip_gap`` when one was given); ``"time_limit"``: feasible but
        not proven optimal (the solver stopped early, normally on the time limit); ``"infeasible"``: no
        assignment satisfies the capacities; ``"not_solved"``: the solver stopped without a feasible
        assignment and without proving infeasibility.
    mip_gap : float or None
        Relative gap between the assignment's objective and the solver's best bound, when known
        (HiGHS reports it; CBC only when optimality was proven with a zero gap tolerance).
    solver : str
        ``"highs"`` or ``"cbc"``: the solver that actually ran (``"none"`` when infeasibility was evident
        before any solver ran, or there was nothing to solve).
    seconds : float
        Wall-clock time of model building plus solving.
    """

    objective: float | None
    assignment: list[int]
    status: str
    mip_gap: float | None
    solver: str
    seconds: float

    @property
    def feasible(self) -> bool:
        """Whether ``assignment`` is a feasible assignment (status ``optimal`` or ``time_limit``)."""
        return self.status in ("optimal", "time_limit")


def _as_matrix(name: str, values: npt.ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers (agents × jobs): {exc}") from exc
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (agents × jobs), got {array.ndim} dimension(s)")
    return array


def _validate(
    cost: npt.ArrayLike, weight: npt.ArrayLike, capacity: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cost_a = _as_matrix("cost", cost)
    weight_a = _as_matrix("weight", weight)
    if cost_a.shape != weight_a.shape:
        raise ValueError(
            f"cost and weight must have the same shape (agents × jobs), got {cost_a.shape} and {weight_a.shape}"
        )
    m = cost_a.shape[0]
    if m == 0:
        raise ValueError("there must be at least one agent (cost and weight have 0 rows)")
    try:
        capacity_a = np.asarray(capacity, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"capacity must be a 1-dimensional array of numbers: {exc}") from exc
    if capacity_a.ndim != 1 or capacity_a.shape[0] != m:
        raise ValueError(
            f"capacity must have one entry per agent: expected shape ({m},), got {capacity_a.shape}"
        )
    for name, array in (("cost", cost_a), ("weight", weight_a), ("capacity", capacity_a)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    if np.any(weight_a < 0):
        raise ValueError("weight must be non-negative")
    if np.any(capacity_a < 0):
        raise ValueError("capacity must be non-negative")
    return cost_a, weight_a, capacity_a


def solve_gap(
    cost: npt.ArrayLike,
    weight: npt.ArrayLike,
    capacity: npt.ArrayLike,
    sense: Sense = "min",
    time_limit: float | None = None,
    mip_gap: float | None = None,
    solver: SolverName = "highs",
) -> GapResult:
    """Solve a Generalised Assignment Problem exactly (or best-effort within a time limit).

    Parameters
    ----------
    cost : array_like, shape (m, n)
        ``cost[i, j]`` is the cost (``sense="min"``) or profit (``sense="max"``) of giving job ``j`` to agent
        ``i``. Any finite numbers.
    weight : array_like, shape (m, n)
        ``weight[i, j]`` is the capacity job ``j`` uses of agent ``i``. Finite, non-negative.
    capacity : array_like, shape (m,)
        Capacity of each agent. Finite, non-negative.
    sense : {"min", "max"}, default "min"
        Minimise total cost or maximise total profit.
    time_limit : float, optional
        Wall-clock limit in seconds passed to the solver. When it is hit with a feasible assignment the
        status is ``"time_limit"``.
    mip_gap : float, optional
        Relative optimality tolerance: the solver may stop, reporting ``"optimal"``, once the incumbent is
        within this fraction of its bound. ``None`` (default) asks for a proof of optimality (tolerance 0),
        not the solver's own default (HiGHS's 1e-4 could stop short of the optimum on large integer
        objectives).
    solver : {"highs", "cbc"}, default "highs"
        ``"highs"`` uses HiGHS through ``highspy`` and falls back to CBC when HiGHS is unavailable;
        ``"cbc"`` uses CBC.

    Returns
    -------
    GapResult
        Objective, assignment (agent index per job), status, gap, solver used and wall-clock seconds. An
        infeasible instance gives status ``"infeasible"``; this function does not raise on infeasibility.

    Raises
    ------
    ValueError
        If the arrays have inconsistent shapes or contain non-finite numbers, if a weight or capacity is
        negative, or if ``sense``, ``solver``, ``time_limit`` or ``mip_gap`` is invalid.
    RuntimeError
        If no MIP solver is available at all.

    Examples
    --------
    >>> r = solve_gap([[1, 5], [4, 2]], [[1, 1], [1, 1]], [1, 1])
    >>> r.status, r.objective, r.assignment
    ('optimal', 3.0, [0, 1])
    """
    start = time.perf_counter()
    if sense not in ("min", "max"):
        raise ValueError(f"sense must be 'min' or 'max', got {sense!r}")
    if solver not in ("highs", "cbc"):
        raise ValueError(f"solver must be 'highs' or 'cbc', got {solver!r}")
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if mip_gap is not None and not (math.isfinite(mip_gap) and mip_gap >= 0):
        raise ValueError(f"mip_gap must be a non-negative fraction, got {mip_gap!r}")
    cost_a, weight_a, capacity_a = _validate(cost, weight, capacity)
    m, n = cost_a.shape

    if n == 0:
        return GapResult(0.0, [], "optimal", 0.0, "none", time.perf_counter() - start)

    # A pair whose weight alone exceeds the agent's capacity can never be used: no variable for it.
    allowed = weight_a <= capacity_a[:, None]
    if not allowed.any(axis=0).all():
        return GapResult(None, [-1] * n, "infeasible", None, "none", time.perf_counter() - start)

    gap_rel = 0.0 if mip_gap is None else mip_gap
    lp_solver, solver_used = make_solver(solver, time_limit, gap_rel)

    costs = cost_a.tolist()
    weights = weight_a.tolist()
    problem = pulp.LpProblem("gap", pulp.LpMinimize if sense == "min" else pulp.LpMaximize)
    new_variable = variable_factory(problem)
    by_job: list[list[tuple[int, pulp.LpVariable]]] = [[] for _ in range(n)]
    objective_terms: list[tuple[pulp.LpVariable, float]] = []
    for i in range(m):
        cost_i, weight_i = costs[i], weights[i]
        capacity_terms: list[tuple[pulp.LpVariable, float]] = []
        for j in np.flatnonzero(allowed[i]).tolist():
            x = new_variable(f"x_{i}_{j}", 0, 1, cat=pulp.LpBinary)
            by_job[j].append((i, x))
            objective_terms.append((x, cost_i[j]))
            if weight_i[j] != 0:
                capacity_terms.append((x, weight_i[j]))
        if capacity_terms:
            problem += pulp.LpAffineExpression(capacity_terms) <= float(capacity_a[i]), f"capacity_{i}"
    problem += pulp.LpAffineExpression(objective_terms)
    for j, candidates in enumerate(by_job):
        problem += pulp.lpSum(x for _, x in candidates) == 1, f"assign_{j}"

    problem.solve(lp_solver)
    status = solve_status(problem)

    assignment = [-1] * n
    objective: float | None = None
    if status in ("optimal", "time_limit"):
        for j, candidates in enumerate(by_job):
            for i, x in candidates:
                if x.varValue is not None and x.varValue > 0.5:
                    assignment[j] = i
                    break
        if -1 in assignment:  # should not happen with a feasible incumbent; never report a partial one
            assignment = [-1] * n
            status = "not_solved"
        else:
            objective = float(sum(costs[assignment[j]][j] for j in range(n)))

    gap = solution_gap(problem, solver_used, status, gap_rel)
    return GapResult(objective, assignment, status, gap, solver_used, time.perf_counter() - start)
