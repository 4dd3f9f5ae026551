"""Invariants of a run with workforce dynamics and a contingency plan, over random parameters."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.model import ServiceModel
from simulator.run import run_replication
from tests.support import variant

rates = st.floats(0.0, 0.6)


@st.composite
def scenarios(draw):
    workforce = {
        "sickness": {"share": draw(st.floats(0.0, 0.3))},
        "long_term_absence": {"spells_per_fte_year": draw(st.floats(0.0, 2.0))},
        "turnover": {"annual_rate": draw(rates), "notice_weeks": draw(st.integers(0, 6))},
        "recruitment": {"starts_at": draw(st.sampled_from(["notice", "leaving"]))},
        "agency": {"cover_vacancies": draw(st.floats(0, 1)), "annual_leaving_rate": draw(rates)},
        "annual_leave": draw(st.sampled_from([None, {"days_per_year": 35}])),
        "asye_cohorts": [{"date": "2026-06-01", "count": draw(st.integers(1, 3)),
                          "joins": draw(st.sampled_from(["vacancies_only", "vacancies_first", "extra_posts"]))}],
        "reallocate_after_absent_weeks": draw(st.integers(0, 6)),
    }  # fmt: skip
    low = draw(st.integers(1, 6))
    contingency = {
        "levels": [
            {"level": 2, "when": {"unallocated": low}, "enter_after_weeks": draw(st.integers(1, 3)),
             "actions": [{"kind": "overtime", "hours_per_week": 10},
                         {"kind": "agency", "workers": 1, "lead_weeks": draw(st.integers(0, 4))}]},
            {"level": 3, "when": {"unallocated": low + draw(st.integers(0, 10)), "absence_rate": 0.2},
             "actions": [{"kind": "pause_cpd", "duration_weeks": 3},
                         {"kind": "step_down", "cases_per_week": 2},
                         {"kind": "raise_threshold", "referral_factor": 0.8}]},
        ]
    }  # fmt: skip
    demand = {"referrals_per_week": draw(st.floats(2.0, 9.0))}
    return variant(meta={"horizon_weeks": 40, "warmup_weeks": 0, "seed": draw(st.integers(0, 10**6))},
                   workforce=workforce, contingency=contingency, demand=demand)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_weekly_figures_stay_in_range_and_costs_add_up(scenario):
    weekly = run_replication(scenario, 0).weekly
    assert weekly.level.isin([1, 2, 3]).all()
    assert (weekly.in_post_fte <= weekly.establishment_fte + 1e-9).all()
    assert (weekly.vacancies_fte >= 0).all() and weekly.absence_rate.between(0, 1).all()
    assert (weekly.supervision_held >= 0).all() and (weekly.cpd_taken_hours >= -1e-9).all()
    parts = weekly.overtime_cost + weekly.plan_agency_cost + weekly.borrow_cost
    assert (abs(weekly.contingency_cost - parts) < 1e-6).all()
    assert (weekly.cases_held >= 0).all() and (weekly.unallocated >= 0).all()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_cases_are_held_only_by_present_members_and_loads_match_cases(scenario):
    model = ServiceModel(scenario, 0)
    model.run()
    members = {w for team in model.teams.values() for w in team.workers}
    assert set(model.workers) == members
    for team in model.teams.values():
        for w in team.workers:
            assert not w.departed
            assert abs(w.load - sum(c.weight for c in w.cases)) < 1e-6
            assert all(c.worker is w and c.team == team.name for c in w.cases)
        for case in team.waiting:
            assert case.worker is None
