"""Allocation policies inside the simulation, on the same demand (common random numbers)."""

import importlib.util

import pandas as pd
import pytest

from optimiser import make_policy
from simulator.model import ServiceModel
from tests.support import static_variant

needs_milp = pytest.mark.skipif(
    importlib.util.find_spec("optimiser.milp") is None, reason="optimiser.milp not built yet"
)

WEEKS = 104


def scenario(policy: str, **milp):
    return static_variant(
        meta={"horizon_weeks": WEEKS, "warmup_weeks": 2},
        # busy enough that workers are often near full when a held case escalates (CIN → s47 → CP)
        demand={"referrals_per_week": 5.6},
        allocation={"policy": policy, "milp": {"time_limit_seconds": 5, **milp}},
    )


def overload_after_meetings(policy: str, **milp) -> list[float]:
    """Largest load ratio in the team just after each daily meeting."""
    model = ServiceModel(scenario(policy, **milp), 0)
    worst = []
    for day in range(WEEKS * 7):
        model.run(until_day=day + 0.5 + 1e-6)  # meetings sit at mid-day
        worst.append(max(w.load / w.case_capacity for w in model.workers if w.case_capacity > 0))
    return worst


@needs_milp
@pytest.mark.slow
def test_milp_keeps_every_worker_within_capacity_where_round_robin_does_not():
    """Cases that escalate with their worker (CIN → s47 → CP) push loads up between meetings.

    The MILP may move held cases of an overloaded worker at the next meeting; round robin cannot.
    """
    round_robin = overload_after_meetings("round_robin")
    milp = overload_after_meetings("milp", move_cost=1.0)
    assert sum(ratio > 1.0 + 1e-6 for ratio in round_robin) >= 5  # over the cap on several days
    assert max(milp) <= 1.0 + 1e-6


@pytest.mark.parametrize("policy", ["least_loaded", "round_robin", "points_threshold"])
def test_every_heuristic_runs_the_baseline(policy):
    metrics = ServiceModel(scenario(policy), 0).run()
    assert sum(r["allocations"] for r in metrics.team_rows) > 100


class SnapshotOnly:
    """A policy seen only through ``allocate``: the model must build a snapshot at every meeting."""

    def __init__(self, policy):
        self.name, self.allocate = policy.name, policy.allocate


@pytest.mark.parametrize("policy", ["least_loaded", "round_robin", "points_threshold"])
@pytest.mark.parametrize("meetings", [(0, 0), (0, 7)])
def test_placing_case_by_case_decides_as_the_policy_does_on_a_snapshot(policy, meetings):
    """Continuous allocation with a sequential policy places one case at a time without a snapshot;
    the run must be the same as one where every meeting hands a snapshot to ``allocate``."""
    urgent, other = meetings
    scenario = static_variant(
        meta={"horizon_weeks": 60, "warmup_weeks": 2},
        demand={"referrals_per_week": 6.0},
        allocation={"policy": policy, "meetings": {"urgent_every_days": urgent, "other_every_days": other}},
    )
    case_by_case = ServiceModel(scenario, 0)
    assert case_by_case.place is not None
    with_snapshots = ServiceModel(scenario, 0, policy=SnapshotOnly(make_policy(policy)))
    assert with_snapshots.place is None
    first, second = case_by_case.run(), with_snapshots.run()
    assert sum(row["allocations"] for row in first.team_rows) > 200
    pd.testing.assert_frame_equal(pd.DataFrame(first.team_rows), pd.DataFrame(second.team_rows))
    assert first.waits == second.waits
