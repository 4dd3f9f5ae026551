"""The contingency plan: levels with hysteresis, actions with lead times and durations, and their costs."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.contingency import LevelTracker, met
from simulator.run import run_replication
from simulator.scenario import ScenarioError
from simulator.scenario.contingency import Level
from tests.support import static_variant

L2 = Level(level=2, when={"unallocated": 5}, enter_after_weeks=2, leave_after_weeks=3)
L3 = Level(level=3, when={"unallocated": 10}, enter_after_weeks=2, leave_after_weeks=2)
L4 = Level(level=4, when={"unallocated_must_allocate": 1}, enter_after_weeks=1, leave_after_weeks=2)


def levels_for(series: list[dict]) -> list[int]:
    tracker = LevelTracker([L2, L3, L4])
    return [tracker.update({lv.level: bool(met(lv.when, row)) for lv in (L2, L3, L4)}) for row in series]


def rows(*unallocated: int, must: int = 0) -> list[dict]:
    return [{"unallocated": u, "unallocated_must_allocate": must} for u in unallocated]


def test_thresholds_read_as_written():
    row = {"unallocated": 5, "cpd_taken_share": 0.4}
    assert met({"unallocated": 5}, row) == ["unallocated"]  # a bare number means ≥
    assert met({"unallocated": "> 5"}, row) == []
    assert met({"cpd_taken_share": "< 0.5", "unallocated": 9}, row) == ["cpd_taken_share"]


def test_a_level_is_entered_only_after_its_weeks_above():
    assert levels_for(rows(6, 0, 6, 0, 6, 6)) == [1, 1, 1, 1, 1, 2]


def test_hysteresis_keeps_the_level_through_short_dips():
    # at level 2, one or two weeks below do not end it; three do
    assert levels_for(rows(6, 6, 0, 0, 6, 0, 0, 0)) == [1, 2, 2, 2, 2, 2, 2, 1]


def test_alternating_indicators_never_flap_the_level():
    levels = levels_for(rows(*[6, 0] * 20))
    assert set(levels) == {1}
    held = levels_for(rows(6, 6, *[0, 0, 6] * 10))
    assert held[1:] == [2] * (len(held) - 1)  # never three weeks below: stays at 2


def test_a_surge_climbs_the_levels_in_order_and_steps_down_one_level_at_a_time():
    series = rows(6, 6, 11, 11, 11, 11, 2, 2, 2, 2)
    # level 3 is left after 2 weeks below; level 2 had 2 weeks below then, and is left after its third
    assert levels_for(series) == [1, 2, 2, 3, 3, 3, 3, 2, 1, 1]
    assert levels_for(rows(0, 0, 0, 0, 0, must=1)[:2] + rows(0, 0, 0, 0)) == [4, 4, 4, 3, 2, 1]


def test_a_critical_indicator_jumps_straight_to_level_four():
    assert levels_for(rows(0, 0, must=1)) == [4, 4]


# --------------------------------------------------------------------------- plan in the model

SURGE = {"shocks": [{"kind": "step", "start_week": 40, "weeks": 40, "factor": 1.8}]}


def plan(*levels: dict) -> dict:
    return {"levels": list(levels)}


def surge_run(contingency: dict, replication: int = 0, weeks: int = 130):
    scenario = static_variant(
        meta={"horizon_weeks": weeks, "warmup_weeks": 0}, demand=SURGE, contingency=contingency
    )
    return run_replication(scenario, replication)


def test_a_demand_surge_fires_the_levels_in_order():
    result = surge_run(plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "enter_after_weeks": 2},
        {"level": 3, "when": {"unallocated_over_28_days": 8}, "enter_after_weeks": 2},
        {"level": 4, "when": {"unallocated_over_28_days": 25}, "enter_after_weeks": 2},
    ))  # fmt: skip
    timeline = result.timeline
    first = {n: timeline.week[timeline.level == n].min() for n in (2, 3, 4)}
    assert 40 < first[2] < first[3] < first[4]
    assert timeline.level.iloc[:40].eq(1).all()
    changes = timeline[timeline.level_changed]
    assert (changes.triggered_by[changes.level > 1] != "").all()  # every rise names its indicator


def agency_plan(lead_weeks: int) -> dict:
    return plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "enter_after_weeks": 2, "leave_after_weeks": 4,
         "actions": [{"kind": "agency", "workers": 3, "lead_weeks": lead_weeks}]},
        {"level": 3, "when": {"unallocated_over_28_days": 6}, "enter_after_weeks": 1, "leave_after_weeks": 2},
    )  # fmt: skip


def test_a_longer_agency_lead_time_means_more_weeks_at_high_levels():
    def high_weeks(lead: int) -> list[int]:
        return [int((surge_run(agency_plan(lead), r).timeline.level >= 3).sum()) for r in range(4)]

    quick, slow = np.array(high_weeks(0)), np.array(high_weeks(10))
    assert slow.sum() > quick.sum()
    assert (slow >= quick).sum() >= 3  # paired by common random numbers: nearly every replication


def test_costs_add_up_to_actions_times_rates():
    result = surge_run(plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3},
         "actions": [{"kind": "overtime", "hours_per_week": 12, "rate_per_hour": 55},
                     {"kind": "agency", "workers": 2, "fte": 0.5, "lead_weeks": 1, "day_rate": 400},
                     {"kind": "escalate", "to": "service_manager"}]},
    ))  # fmt: skip
    weekly = result.weekly
    overtime_weeks = (weekly.overtime_hours > 0).sum()
    agency_weeks = (weekly.plan_agency_fte > 0).sum()
    assert overtime_weeks > 5 and agency_weeks > 5
    assert weekly.overtime_hours.sum() == pytest.approx(12 * overtime_weeks)
    assert weekly.overtime_cost.sum() == pytest.approx(12 * 55 * overtime_weeks)
    assert weekly.plan_agency_cost.sum() == pytest.approx(2 * 0.5 * 400 * 5 * agency_weeks)
    assert weekly.contingency_cost.sum() == pytest.approx(
        weekly.overtime_cost.sum() + weekly.plan_agency_cost.sum()
    )
    assert result.figures["contingency_cost"] == pytest.approx(weekly[~weekly.warmup].contingency_cost.sum())
    entries = int(((weekly.level == 2) & (weekly.level.shift(fill_value=1) == 1)).sum())
    assert weekly.escalations.sum() == entries  # one report each time the level is entered
    # the agency workers the plan brought are costed in the team's agency figures too
    assert weekly.agency_cost.sum() == pytest.approx(weekly.plan_agency_cost.sum(), rel=0.02)


def test_an_action_with_a_duration_ends_and_waits_for_the_level_to_be_left():
    result = surge_run(plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "leave_after_weeks": 52,
         "actions": [{"kind": "pause_cpd", "duration_weeks": 4}]},
    ))  # fmt: skip
    weekly = result.weekly
    assert weekly.cpd_paused.sum() == 4  # one pause of four weeks while the level held
    assert weekly.cpd_lost_to_pause_hours.gt(0).sum() == 4


def test_stepping_down_and_raising_thresholds_reduce_the_work():
    base = surge_run(plan({"level": 2, "when": {"unallocated": 8}}))
    relief = surge_run(plan(
        {"level": 2, "when": {"unallocated": 8},
         "actions": [{"kind": "step_down", "case_types": ["cin"], "cases_per_week": 3},
                     {"kind": "raise_threshold", "referral_factor": 0.7}]},
    ))  # fmt: skip
    assert relief.weekly.stepped_down.sum() > 0 and relief.weekly.screened_out.sum() > 0
    assert relief.weekly.unallocated.mean() < base.weekly.unallocated.mean()


def test_borrowing_needs_a_team_at_level_one_with_room():
    two_teams = {
        "workers": [
            {"count": 6, "role": "social_worker", "team": "north"},
            {"count": 6, "role": "social_worker", "team": "south"},
        ]
    }
    scenario = static_variant(
        meta={"horizon_weeks": 100, "warmup_weeks": 0}, team=two_teams,
        demand={**SURGE, "team_shares": {"north": 0.8, "south": 0.2}},
        contingency=plan({"level": 2, "when": {"unallocated_over_14_days": 3},
                          "actions": [{"kind": "borrow", "fte": 1.0, "lender_max_load_ratio": 0.9}]}),
    )  # fmt: skip
    weekly = run_replication(scenario, 0).weekly
    north, south = (weekly[weekly.team == t].set_index("week") for t in ("north", "south"))
    assert north.borrowed_fte.sum() > 0 and south.borrowed_fte.sum() == 0
    lending = north.borrowed_fte > 0
    # the lender's case capacity drops by a worker's hours while it lends
    assert south.case_capacity_hours[lending].mean() < south.case_capacity_hours[~lending].mean()


def test_waiting_cases_of_one_type_are_an_indicator():
    result = surge_run(plan({"level": 2, "when": {"waiting_assessment": 8}}))
    weekly = result.weekly
    assert {"waiting_cin", "waiting_cp", "waiting_assessment"} <= set(weekly.columns)
    waiting = sum(weekly[f"waiting_{name}"] for name in result.metrics.case_types)
    assert (waiting == weekly.unallocated).all()
    above = weekly.waiting_assessment >= 8
    assert above.any()
    first = weekly.week[weekly.level == 2].min()
    assert first == weekly.week[above].min()  # the row's level is set by that week's review


def test_a_waiting_indicator_must_name_a_case_type():
    with pytest.raises(ScenarioError, match="unknown indicator 'waiting_xx'.*case types: assessment"):
        static_variant(contingency=plan({"level": 2, "when": {"waiting_xx": 1}}))
