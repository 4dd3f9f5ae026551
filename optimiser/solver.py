"""The MIP solver behind the optimiser's PuLP models: construction, status mapping and the MIP gap.

Shared by the generic GAP solver (:mod:`optimiser.gap`) and the allocation MILP (:mod:`optimiser.milp`):

- :func:`make_solver` builds a PuLP solver: HiGHS through ``highspy`` by default, CBC when HiGHS is
  unavailable or asked for; with a wall-clock time limit and a relative MIP gap;
- :func:`solve_status` maps PuLP's ``(status, sol_status)`` pair to one of :data:`STATUSES`;
- :func:`solution_gap` reads the relative MIP gap of the solution the solver returned, when it is known;
- :func:`variable_factory` creates variables the way the installed PuLP prefers.

Pure Python plus PuLP: it imports neither simpy nor streamlit.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Literal

import pulp

__all__ = [
    "STATUSES",
    "SolverName",
    "Status",
    "cbc_solver",
    "make_solver",
    "solution_gap",
    "solve_status",
    "variable_factory",
]

SolverName = Literal["highs", "cbc"]
Status = Literal["optimal", "time_limit", "infeasible", "not_solved"]

STATUSES: tuple[str, ...] = ("optimal", "time_limit", "infeasible", "not_solved")
"""``"optimal"``: proven optimal (within the requested relative gap); ``"time_limit"``: feasible but not
proven optimal (the solver stopped early, normally on the time limit); ``"infeasible"``: proven infeasible;
``"not_solved"``: stopped without a feasible solution and without proving infeasibility."""


def cbc_solver(time_limit: float | None, gap_rel: float, warm_start: bool = False) -> pulp.LpSolver:
    """CBC: a ``cbc`` on the PATH (``COIN_CMD``) if there is one, else the binary bundled with PuLP.

    ``warm_start``: CBC starts from the variables' initial values (``LpVariable.setInitialValue``)."""
    system_cbc = pulp.COIN_CMD(msg=False, timeLimit=time_limit, gapRel=gap_rel, warmStart=warm_start)
    if system_cbc.available():
        return system_cbc
    with warnings.catch_warnings():
        # PuLP 3.x deprecates the bundled binary in favour of a separately installed one (PuLP 4.0).
        warnings.filterwarnings("ignore", message=".*PULP_CBC_CMD.*", category=DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap_rel, warmStart=warm_start)


_banner_lock = threading.Lock()
_banner_done = False


def _silence_highs_banner() -> None:
    """Swallow the copyright line HiGHS prints on stdout once per process, at its first ``Highs()``.

    PuLP can only turn HiGHS's output off after constructing it, so the banner would otherwise reach the
    user's terminal (or a CLI's machine-readable output). One throwaway ``Highs()`` with file descriptor 1
    pointed at ``/dev/null`` consumes it.
    """
    global _banner_done
    with _banner_lock:
        if _banner_done:
            return
        _banner_done = True
        try:
            import highspy
        except ImportError:
            return
        try:
            sys.stdout.flush()
            saved = os.dup(1)
        except (OSError, ValueError, AttributeError):
            return
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                highspy.Highs()
        except OSError:
            pass
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def make_solver(solver: str, time_limit: float | None, gap_rel: float) -> tuple[pulp.LpSolver, str]:
    """A PuLP solver and the name of the one actually used (``"highs"`` or ``"cbc"``).

    ``solver="highs"`` uses HiGHS (``highspy``) and falls back to CBC when HiGHS is unavailable;
    ``solver="cbc"`` uses CBC. ``time_limit`` is in wall-clock seconds (None = no limit); ``gap_rel`` is the
    relative MIP gap at which the solver may stop and report optimality.

    Raises
    ------
    RuntimeError
        If neither solver is available.
    """
    if solver == "highs":
        # one thread, as the allocation MILP uses (HiGHS sizes its thread pool once per process)
        highs = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap_rel, threads=1)
        if highs.available():
            _silence_highs_banner()
            return highs, "highs"
    cbc = cbc_solver(time_limit, gap_rel)
    if cbc.available():
        return cbc, "cbc"
    wanted = "HiGHS (highspy) or CBC" if solver == "highs" else "CBC"
    raise RuntimeError(f"no MIP solver available: install {wanted} for PuLP")


def solve_status(problem: pulp.LpProblem) -> str:
    """Map PuLP's (status, sol_status) pair of a solved problem to one of :data:`STATUSES`."""
    sol_status = problem.sol_status
    if sol_status == pulp.LpSolutionOptimal:
        return "optimal"
    if sol_status == pulp.LpSolutionIntegerFeasible:
        # HiGHS via PuLP: time / iteration limit or interrupt with an incumbent; CBC: "Stopped on time".
        return "time_limit"
    if problem.status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        # CBC reports "Integer infeasible" as status Infeasible with sol_status "no solution found".
        return "infeasible"
    return "not_solved"


def _highs_gap(problem: pulp.LpProblem) -> float | None:
    model = getattr(problem, "solverModel", None)
    if model is None:
        return None
    try:
        gap = float(model.getInfo().mip_gap)
    except (AttributeError, TypeError, ValueError):
        return None
    return gap if math.isfinite(gap) and gap >= 0 else None


def solution_gap(problem: pulp.LpProblem, solver_used: str, status: str, gap_rel: float) -> float | None:
    """Relative gap between the solution's objective and the solver's best bound, when known.

    HiGHS reports it (read from the ``highspy`` model); CBC only through its status: 0 when optimality was
    proven with a zero gap tolerance (``gap_rel == 0``), unknown otherwise. None when there is no solution.
    """
    if status not in ("optimal", "time_limit"):
        return None
    gap = _highs_gap(problem) if solver_used == "highs" else None
    if gap is None and status == "optimal" and gap_rel == 0:
        gap = 0.0
    return gap


def variable_factory(problem: pulp.LpProblem) -> Callable[..., pulp.LpVariable]:
    """``problem.add_variable`` (PuLP >= 3.3, the 4.0 API), else the ``LpVariable`` constructor.

    PuLP 3.3 deprecates constructing ``LpVariable`` directly; both take ``(name, lowBound, upBound, cat)``.
    """
    return getattr(problem, "add_variable", None) or pulp.LpVariable
