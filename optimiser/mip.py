"""A mixed-integer programme in matrix form, solved by HiGHS (``highspy``) or CBC (PuLP), from a start.

The allocation MILP (:mod:`optimiser.milp`) writes its columns and rows here as plain lists, once. HiGHS
receives the whole matrix in one ``passModel`` call (building it variable by variable through PuLP cost
more than the solve on small models) and the starting solution through ``setSolution``; CBC receives a PuLP
model built from the same lists and the start as a warm start (``warmStart=True``, an ``.mst`` file).
Either way the start is a feasible incumbent, so the solver only ever improves on it.

Time is reported as wall-clock seconds and as CPU seconds (this process's for HiGHS, which runs in it;
the child process's for CBC).

Pure Python plus numpy, highspy and PuLP: it imports neither simpy nor streamlit.
"""

from __future__ import annotations

import math
import resource
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pulp

from optimiser.solver import _silence_highs_banner, cbc_solver, solve_status, variable_factory

__all__ = ["MipModel", "MipResult", "children_cpu", "highs_available"]

INFINITY = math.inf
SMALL_MODEL = 400
"""Columns up to which HiGHS runs without presolve, symmetry detection and primal heuristics."""


@dataclass(frozen=True)
class MipResult:
    """One solver run: status (one of :data:`optimiser.solver.STATUSES`), the solution and its quality.

    ``values`` is None without a solution; ``bound`` is the solver's proven bound on the objective (None
    when unknown, as from CBC short of optimality); ``gap`` the relative gap between the two.
    """

    status: str
    solver: str
    values: list[float] | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    cpu_seconds: float


def highs_available() -> bool:
    """True if ``highspy`` can be imported."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


class MipModel:
    """A maximisation ``max c·x + constant`` over rows ``lower ≤ A x ≤ upper`` and bounded columns."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.row_start: list[int] = [0]
        self.row_index: list[int] = []
        self.row_value: list[float] = []
        self.constant = 0.0

    @property
    def n_columns(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    def column(self, lower: float, upper: float, integer: bool, cost: float = 0.0) -> int:
        """Add a column (``-inf``/``inf`` bounds allowed); returns its index."""
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        """Add a row ``lower ≤ Σ coefficient · column ≤ upper`` from (column, coefficient) pairs."""
        for j, a in terms:
            if a != 0:
                self.row_index.append(j)
                self.row_value.append(a)
        self.row_start.append(len(self.row_index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def value(self, values: Sequence[float]) -> float:
        """The objective at ``values`` (constant included)."""
        return self.constant + sum(c * v for c, v in zip(self.cost, values) if c)

    def violation(self, values: Sequence[float]) -> float:
        """Largest violation of a row, a bound or integrality at ``values`` (0 for a feasible point)."""
        worst = 0.0
        for j, v in enumerate(values):
            worst = max(worst, self.lower[j] - v, v - self.upper[j])
            if self.integer[j]:
                worst = max(worst, abs(v - round(v)))
        for r in range(self.n_rows):
            lo, hi = self.row_start[r], self.row_start[r + 1]
            activity = sum(self.row_value[k] * values[self.row_index[k]] for k in range(lo, hi))
            worst = max(worst, self.row_lower[r] - activity, activity - self.row_upper[r])
        return worst

    # ------------------------------------------------------------------------------------- HiGHS

    def solve_highs(
        self, time_limit: float, gap_rel: float, start: Sequence[float] | None = None, threads: int = 1
    ) -> MipResult:
        """Solve with HiGHS in this process, from ``start`` if given (a complete, feasible point)."""
        import highspy

        _silence_highs_banner()
        wall, cpu = time.perf_counter(), time.process_time()
        h = highspy.Highs()
        for option, value in (("output_flag", False), ("threads", threads), ("time_limit", float(time_limit)),
                              ("mip_rel_gap", gap_rel), ("random_seed", 0)):  # fmt: skip
            h.setOptionValue(option, value)
        if self.n_columns <= SMALL_MODEL:
            # a meeting's few cases: the root node settles it, and presolve, symmetry detection and the
            # primal heuristics (feasibility jump above all) cost more than they save (measured on the
            # simulation's meetings); a large model keeps them all
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
            h.setOptionValue("presolve", "off")
            h.setOptionValue("mip_detect_symmetry", False)
            h.setOptionValue("mip_heuristic_effort", 0.0)
        h.passModel(self._highs_lp(highspy))
        if start is not None:
            h.setSolution(self.n_columns, np.arange(self.n_columns, dtype=np.int32), np.asarray(start, float))
        if h.run() == highspy.HighsStatus.kError and h.getModelStatus() == highspy.HighsModelStatus.kNotset:
            # another solver in this process (PuLP's HiGHS) set up the thread pool with a different size
            highspy.Highs.resetGlobalScheduler(True)
            h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        kind = _highs_status(highspy, status, has_solution)
        values = list(h.getSolution().col_value) if has_solution else None
        objective = self.value(values) if values is not None else None
        bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
        gap = _gap(objective, bound)
        if kind == "optimal" and gap is not None and gap > gap_rel + 1e-9:
            kind = "time_limit"  # seen from a MIP start: "optimal" with its own bound further than the gap
        return MipResult(kind, "highs", values, objective, bound, gap,
                         time.perf_counter() - wall, time.process_time() - cpu)  # fmt: skip

    def solve_relaxation(self) -> MipResult:
        """The LP relaxation by HiGHS (no presolve): status ``"optimal"`` with its solution when that
        solution is integral (then it solves the MIP), else ``"not_solved"`` with only the bound (rounded
        down when every objective term is integral: no integral point can score a fraction more)."""
        import highspy

        _silence_highs_banner()
        wall, cpu = time.perf_counter(), time.process_time()
        h = highspy.Highs()
        for option, value in (("output_flag", False), ("threads", 1), ("presolve", "off")):
            h.setOptionValue(option, value)
        lp = self._highs_lp(highspy)
        lp.integrality_ = []
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return MipResult("not_solved", "highs", None, None, None, None,
                             time.perf_counter() - wall, time.process_time() - cpu)  # fmt: skip
        x = np.asarray(h.getSolution().col_value)
        bound = float(self.constant + np.dot(self.cost, x))
        whole = x[np.asarray(self.integer, bool)]
        if not whole.size or np.abs(whole - np.round(whole)).max() <= 1e-7:  # integral: a MIP solution
            values = [float(v) for v in x]
            return MipResult("optimal", "highs", values, bound, bound, 0.0,
                             time.perf_counter() - wall, time.process_time() - cpu)  # fmt: skip
        if self.integral_objective():
            bound = math.floor(bound - self.constant + 1e-6) + self.constant
        return MipResult("not_solved", "highs", None, None, bound, None,
                         time.perf_counter() - wall, time.process_time() - cpu)  # fmt: skip

    def integral_objective(self) -> bool:
        """True if every integral point scores an integer plus the constant (integer costs on integer
        columns only)."""
        return all(c == 0 or (flag and float(c).is_integer()) for c, flag in zip(self.cost, self.integer))

    def _highs_lp(self, highspy):
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_columns
        lp.num_row_ = self.n_rows
        lp.col_cost_ = np.asarray(self.cost, float)
        lp.col_lower_ = np.asarray(self.lower, float)
        lp.col_upper_ = np.asarray(self.upper, float)
        lp.row_lower_ = np.asarray(self.row_lower, float)
        lp.row_upper_ = np.asarray(self.row_upper, float)
        lp.offset_ = self.constant
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = self.n_columns
        lp.a_matrix_.num_row_ = self.n_rows
        lp.a_matrix_.start_ = np.asarray(self.row_start, np.int32)
        lp.a_matrix_.index_ = np.asarray(self.row_index, np.int32)
        lp.a_matrix_.value_ = np.asarray(self.row_value, float)
        integer, continuous = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        lp.integrality_ = [integer if flag else continuous for flag in self.integer]
        return lp

    # --------------------------------------------------------------------------------------- CBC

    def solve_cbc(self, time_limit: float, gap_rel: float, start: Sequence[float] | None = None) -> MipResult:
        """Solve with CBC through PuLP (a child process), with ``start`` as its warm start if given."""
        wall = time.perf_counter()
        own = time.process_time()
        child = children_cpu()
        # minimise the negated objective: CBC 2.10 misreads a MIP start's cost when maximising (it kept a
        # start as "optimal" that a cold solve beat; coin-or/Cbc#282 reports the same sign confusion)
        problem = pulp.LpProblem("allocation", pulp.LpMinimize)
        new_var = variable_factory(problem)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            columns = [
                new_var(f"x{j}", _finite(lo), _finite(hi), pulp.LpInteger if flag else pulp.LpContinuous)
                for j, (lo, hi, flag) in enumerate(zip(self.lower, self.upper, self.integer))
            ]
        problem.setObjective(
            pulp.LpAffineExpression([(columns[j], -c) for j, c in enumerate(self.cost) if c], -self.constant)
        )
        for r in range(self.n_rows):
            lo, hi = self.row_start[r], self.row_start[r + 1]
            expr = pulp.LpAffineExpression(
                [(columns[self.row_index[k]], self.row_value[k]) for k in range(lo, hi)]
            )
            low, up = self.row_lower[r], self.row_upper[r]
            if low == up:
                problem.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, rhs=up), f"r{r}")
                continue
            if math.isfinite(up):
                problem.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, rhs=up), f"r{r}u")
            if math.isfinite(low):
                problem.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintGE, rhs=low), f"r{r}l")
        if start is not None:
            for v, x in zip(columns, start):
                v.setInitialValue(round(x) if v.cat == pulp.LpInteger else x)
        solver = cbc_solver(time_limit, gap_rel, warm_start=start is not None)
        try:
            problem.solve(solver)
            kind = solve_status(problem)
        except pulp.PulpSolverError:
            kind = "not_solved"
        values = [v.varValue or 0.0 for v in columns] if kind in ("optimal", "time_limit") else None
        objective = self.value(values) if values is not None else None
        gap = 0.0 if kind == "optimal" and gap_rel == 0 else None
        cpu = time.process_time() - own + children_cpu() - child
        return MipResult(kind, "cbc", values, objective, objective if gap == 0.0 else None, gap,
                         time.perf_counter() - wall, cpu)  # fmt: skip


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished child processes (CBC runs in one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap ``|bound − objective| / |objective|`` (0 when both are 0)."""
    if objective is None or bound is None:
        return None
    diff = max(0.0, bound - objective)
    if diff == 0:
        return 0.0
    return diff / max(abs(objective), 1e-9)


def _highs_status(highspy, status, has_solution: bool) -> str:
    kinds = highspy.HighsModelStatus
    if status == kinds.kOptimal:
        return "optimal"
    if status in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible) and not has_solution:
        return "infeasible"
    return "time_limit" if has_solution else "not_solved"
