"""``share_allocated_within_7_days``: a figure that separates a team with room from one under pressure."""

from __future__ import annotations

import math

import pytest

from simulator.metrics import ALLOCATED_WITHIN_DAYS, allocated_within_share
from simulator.run import run_scenario
from tests.support import static_variant

META = {"horizon_weeks": 130, "warmup_weeks": 52}


def team(social_workers: int) -> dict:
    return {
        "workers": [
            {"count": social_workers, "role": "social_worker", "fte": 1.0},
            {"count": 1, "role": "team_manager", "fte": 1.0, "supervises": True},
        ]
    }


def share_within_a_week(scenario) -> float:
    return run_scenario(scenario, 3).summary()["share_allocated_within_7_days"]["mean"]


def test_the_share_is_near_one_with_room_and_clearly_lower_under_pressure():
    well_staffed = share_within_a_week(static_variant(meta=META, team=team(15)))
    pressed = share_within_a_week(static_variant(meta=META, demand={"referrals_per_week": 6.0}))
    assert well_staffed > 0.95
    assert pressed < 0.85 and well_staffed - pressed > 0.15


def test_the_share_counts_waits_up_to_a_week_inclusive():
    assert ALLOCATED_WITHIN_DAYS == 7.0
    assert allocated_within_share([0.5, 6.5, 7.0, 7.5, 20.0], ALLOCATED_WITHIN_DAYS) == pytest.approx(0.6)
    assert math.isnan(allocated_within_share([], ALLOCATED_WITHIN_DAYS))
