"""The contingency plan: levels with hysteresis, actions with lead times and durations, and their costs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from simulator.contingency import NOT_STARTED, LevelTracker, met
from simulator.run import run_replication
from simulator.scenario import ScenarioError, load_scenario
from simulator.scenario.contingency import Level
from tests.support import ROOT, static_variant, variant

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


def surge_run(contingency: dict, replication: int = 0, weeks: int = 130, surge: dict = SURGE):
    scenario = static_variant(
        meta={"horizon_weeks": weeks, "warmup_weeks": 0}, demand=surge, contingency=contingency
    )
    return run_replication(scenario, replication)


def test_a_demand_surge_fires_the_levels_in_order():
    # demand ×2.2: at ×1.8 the 25 cases over 28 days of level 4 were reached only in some replications
    strong = {"shocks": [{**SURGE["shocks"][0], "factor": 2.2}]}
    result = surge_run(plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "enter_after_weeks": 2},
        {"level": 3, "when": {"unallocated_over_28_days": 8}, "enter_after_weeks": 2},
        {"level": 4, "when": {"unallocated_over_28_days": 25}, "enter_after_weeks": 2},
    ), surge=strong)  # fmt: skip
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


def borrowing_scenario(shares: tuple[float, float] = (0.8, 0.2), weeks: int = 100):
    """Two teams, the busier one borrowing from the other at level 2."""
    two_teams = {
        "workers": [
            {"count": 6, "role": "social_worker", "team": "north"},
            {"count": 6, "role": "social_worker", "team": "south"},
        ]
    }
    return static_variant(
        meta={"horizon_weeks": weeks, "warmup_weeks": 0}, team=two_teams,
        demand={**SURGE, "team_shares": dict(zip(("north", "south"), shares, strict=True))},
        contingency=plan({"level": 2, "when": {"unallocated_over_14_days": 3},
                          "actions": [{"kind": "borrow", "fte": 1.0, "lender_max_load_ratio": 0.9}]}),
    )  # fmt: skip


def test_borrowing_needs_a_team_at_level_one_with_room():
    weekly = run_replication(borrowing_scenario(), 0).weekly
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


# --------------------------------------------------------------------------- the timeline's actions


def labels(text: str) -> list[str]:
    return [label for label in text.split(",") if label]


def assert_ends_follow_starts(timeline: pd.DataFrame) -> int:
    """Every ended action started earlier in the same replication and team, and ``actions_active`` counts
    exactly the actions started and not yet ended; returns how many actions ended."""
    ends = 0
    for (replication, team), rows in timeline.groupby(["replication", "team"]):
        running: Counter[str] = Counter()
        for row in rows.sort_values("week").itertuples():
            for label in labels(row.actions_ended):
                assert running[label] > 0, (
                    f"replication {replication}, {team}, week {row.week}: {label} ended"
                )
                running[label] -= 1
                ends += 1
            running.update(a for a in labels(row.actions_started) if not a.startswith("escalate"))
            assert row.actions_active == sum(running.values()), (replication, team, row.week)
    return ends


def short(name: str, weeks: int | None = None):
    overrides = {"meta": {"horizon_weeks": weeks, "warmup_weeks": 0}} if weeks else None
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides)


def lending_teams():
    """Two teams that take turns at level 2: borrowing starts, ends, and sometimes finds no lender."""
    return borrowing_scenario((0.6, 0.4), 160)


@pytest.mark.parametrize(
    "scenario",
    [lambda: short("baseline"), lambda: short("vacancy_crisis"), lambda: short("service_400fte", 60),
     lending_teams],
    ids=["baseline", "vacancy_crisis", "service_400fte", "two_teams_borrowing"],
)  # fmt: skip
def test_the_timeline_never_ends_an_action_that_did_not_start(scenario):
    timeline = run_replication(scenario(), 0).timeline
    assert timeline["level_changed"].any()  # the plan acted: the property is not empty
    ended = assert_ends_follow_starts(timeline)
    assert ended > 0


def test_a_one_team_service_never_borrows_and_says_why():
    # the baseline's plan (borrow at level 3) under a surge that takes the one team to level 3 and above
    surge = {"shocks": [{"kind": "step", "start_week": 60, "weeks": 40, "factor": 2.0}]}
    timeline = run_replication(
        variant(meta={"horizon_weeks": 130, "warmup_weeks": 0}, demand=surge), 0
    ).timeline
    assert (timeline["level"] >= 3).any()
    for column in ("actions_started", "actions_ended"):
        assert not timeline[column].str.contains("borrow").any(), column
    not_started = timeline["actions_not_started"]
    assert not_started.str.contains(f"borrow@3 ({NOT_STARTED['no_lender']})", regex=False).any()
    # listed once each time the level asks for it, not every week it waits
    entries = ((timeline["level"] >= 3) & (timeline["level"].shift(fill_value=1) < 3)).sum()
    assert not_started.str.count("borrow@").sum() <= entries
    assert_ends_follow_starts(timeline)


def test_a_borrow_between_teams_starts_and_ends_and_may_find_no_lender():
    timeline = run_replication(lending_teams(), 0).timeline
    for column in ("actions_started", "actions_ended", "actions_not_started"):
        assert timeline[column].str.contains("borrow@2").any(), column
    assert_ends_follow_starts(timeline)


def test_an_action_cancelled_in_its_lead_time_is_not_started_not_ended():
    # without cumulative actions, moving up to level 3 ends level 2's actions: the agency request, with its
    # 52-week lead time, is cancelled before it starts, and the timeline says so
    timeline = surge_run({"cumulative_actions": False, **plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "actions": [{"kind": "agency", "lead_weeks": 52}]},
        {"level": 3, "when": {"unallocated_over_28_days": 6}, "enter_after_weeks": 1, "leave_after_weeks": 2},
    )}).timeline  # fmt: skip
    for column in ("actions_started", "actions_ended"):
        assert not timeline[column].str.contains("agency").any(), column
    reason = f"agency@2 ({NOT_STARTED['cancelled']})"
    assert timeline["actions_not_started"].str.contains(reason, regex=False).any()
    assert_ends_follow_starts(timeline)


def test_an_action_held_back_by_only_if_is_listed_once_per_level_entry():
    result = surge_run(plan(
        {"level": 2, "when": {"unallocated_over_14_days": 3}, "leave_after_weeks": 52,
         "actions": [{"kind": "overtime", "hours_per_week": 10, "only_if": {"vacancy_rate": 0.99}}]},
    ))  # fmt: skip
    timeline = result.timeline
    held = timeline["actions_not_started"].str.contains(f"overtime@2 ({NOT_STARTED['only_if']})", regex=False)
    entries = ((timeline["level"] == 2) & (timeline["level"].shift(fill_value=1) == 1)).sum()
    assert entries >= 1 and held.sum() == entries
    assert not timeline["actions_started"].str.contains("overtime").any()
