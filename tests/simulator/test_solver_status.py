"""The status line of ``caseplan allocate``: whose allocation the MILP kept, the proven gap, the solve time."""

import re

from optimiser import LeastLoaded, Snapshot, WaitingCase, WorkerSlot
from optimiser.milp import MilpPolicy
from simulator.team_allocation import solver_status


def workers(*loads):
    return [WorkerSlot(f"w{i}", "t", "social_worker", False, 10.0, load) for i, load in enumerate(loads)]


def case(cid, weight=2.0):
    return WaitingCase(id=cid, case_type="cin", weight=weight, team="t")


def test_a_heuristic_policy_has_no_solver_status():
    assert solver_status(LeastLoaded()) == "heuristic"


def test_nothing_waiting_means_no_solve():
    assert solver_status(MilpPolicy()) == "no solve (nothing waiting)"


def test_a_heuristic_at_the_upper_bound_is_named_as_kept_without_a_solve():
    policy = MilpPolicy()
    policy.allocate(Snapshot(workers(2, 3, 9), [case("a"), case("b")]))
    assert solver_status(policy) == "optimal; kept least_loaded; no solve needed (reached the upper bound)"


def test_the_solver_s_better_allocation_is_named_with_its_gap_and_time():
    # least loaded puts the 3-hour case on w0 (6 → 9) and leaves a 2-hour case waiting; the solver places
    # both 2-hour cases instead, which scores more
    policy = MilpPolicy()
    policy.allocate(Snapshot(workers(6, 7), [case("a", 3.0), case("b"), case("c")]))
    assert policy.last_result.winner == "milp"
    assert re.fullmatch(
        r"optimal; kept solver \(highs\); gap 0\.00%; solve \d+\.\d\d s", solver_status(policy)
    )
