"""Direction of change with the contingency plan switched off (issue 13): the plan absorbs pressure, so the
scenario's own effect is tested without it, paired on common random numbers and beyond noise."""

from __future__ import annotations

import pytest

from batch.executors import Processes
from simulator.explain import explain
from tests.support import variant

REPLICATIONS = 8
NO_PLAN = {"contingency": None}


def _team(social_workers: int) -> dict:
    return {"workers": [
        {"count": social_workers, "role": "social_worker", "fte": 1.0},
        {"count": 2, "role": "asye", "fte": 1.0, "start": "2026-03-01"},
        {"count": 1, "role": "team_manager", "fte": 1.0, "supervises": True},
    ]}  # fmt: skip


def _difference(a: dict, b: dict, metrics: list[str]):
    """The paired outcome rows of B − A, both without a plan."""
    result = explain(
        variant(**NO_PLAN, **a), variant(**NO_PLAN, **b), REPLICATIONS, metrics, run=Processes(2).run
    )
    assert not result.plan_off_run  # neither has a plan, so nothing is run twice
    return result.outcomes.set_index("name")


@pytest.mark.slow
def test_more_staff_means_fewer_unallocated_cases_and_shorter_waits():
    rows = _difference({}, {"team": _team(12)}, ["unallocated_cases", "mean_wait_to_allocation_days"])
    for name in ("unallocated_cases", "mean_wait_to_allocation_days"):
        assert rows.loc[name, "diff"] < 0 and rows.loc[name, "differs"], name


@pytest.mark.slow
def test_more_turnover_means_more_unallocated_cases():
    rows = _difference({}, {"workforce": {"turnover": {"annual_rate": 0.3}}}, ["unallocated_cases"])
    assert rows.loc["unallocated_cases", "diff"] > 0 and rows.loc["unallocated_cases", "differs"]


@pytest.mark.slow
def test_more_referrals_mean_a_higher_load():
    # from a team with room (13 social workers): at the baseline's capacity the allocation cap holds the
    # load and extra referrals wait instead, so the waiting list is what rises there
    staffed = {"team": _team(13)}
    busier = {**staffed, "demand": {"referrals_per_week": 6.0}}
    rows = _difference(staffed, busier, ["mean_load_ratio", "avg_caseload_per_fte"])
    for name in ("mean_load_ratio", "avg_caseload_per_fte"):
        assert rows.loc[name, "diff"] > 0 and rows.loc[name, "differs"], name
    at_capacity = _difference({}, {"demand": {"referrals_per_week": 6.0}}, ["unallocated_cases"])
    assert (
        at_capacity.loc["unallocated_cases", "diff"] > 0 and at_capacity.loc["unallocated_cases", "differs"]
    )
