"""Workforce dynamics: hazards and steady states by hand, then the simulated workforce against them."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.distributions import DAYS_PER
from simulator.model import ServiceModel
from simulator.run import run_replication
from simulator.scenario.dynamics import AnnualLeave, AsyeCohort, Turnover, Workforce
from simulator.workforce import (
    cohort_dates,
    leave_share_by_month,
    mean_tenure_days,
    steady_state_fill,
    weekly_hazard,
)
from tests.support import static_variant, variant

YEAR = DAYS_PER["years"]

# no dynamics at all: every part switched off
ALL_OFF = {
    "sickness": None, "long_term_absence": None, "annual_leave": None, "turnover": None,
    "agency": {"cover_vacancies": 0.0}, "asye_cohorts": [],
}  # fmt: skip


def big_team(workforce: dict, weeks: int = 780, warmup: int = 260, count: int = 300, **sections):
    """A large team with little demand: a cheap way to watch the workforce itself."""
    defaults = {
        "meta": {"horizon_weeks": weeks, "warmup_weeks": warmup},
        "team": {
            "workers": [
                {"count": count, "role": "social_worker"},
                {"role": "team_manager", "supervises": True},
            ]
        },
        "demand": {"referrals_per_week": 1.0},
        "workforce": {**ALL_OFF, **workforce},
        "contingency": None,
        "outputs": {"per_worker": False},
    }
    return variant(**{**defaults, **sections})


# ------------------------------------------------------------------------------ formulas by hand


def test_hazard_gives_the_annual_rate_as_one_year_leaving_probability():
    h = weekly_hazard(0.14)
    assert 1 - math.exp(-h * YEAR) == pytest.approx(0.14)
    assert weekly_hazard(0.0) == 0.0


def test_mean_tenure_without_a_first_year_effect_is_one_over_the_hazard():
    turnover = Turnover(annual_rate=0.14, first_year_factor=1.0)
    assert mean_tenure_days(turnover) == pytest.approx(1 / weekly_hazard(0.14))


def test_a_higher_first_year_hazard_shortens_mean_tenure_by_the_piecewise_formula():
    h = weekly_hazard(0.2)
    h1 = 2 * h
    expected = (1 - math.exp(-h1 * YEAR)) / h1 + math.exp(-h1 * YEAR) / h
    assert mean_tenure_days(Turnover(annual_rate=0.2, first_year_factor=2.0)) == pytest.approx(expected)


def test_steady_state_fill_is_tenure_over_tenure_plus_vacancy():
    wf = Workforce(turnover=Turnover(annual_rate=0.14, first_year_factor=1.0, notice_weeks=4))
    tenure, notice, lag = 1 / weekly_hazard(0.14), 28.0, 98.0
    assert steady_state_fill(wf, lag) == pytest.approx((tenure + notice) / (tenure + notice + lag))
    wf.recruitment.starts_at = "notice"  # the search runs during the notice: 70 vacant days, not 98
    assert steady_state_fill(wf, lag) == pytest.approx((tenure + notice) / (tenure + notice + 70.0))
    assert steady_state_fill(Workforce(turnover=None), lag) == 1.0


def test_leave_shares_add_up_to_the_yearly_days_and_follow_the_month_weights():
    leave = AnnualLeave(days_per_year=35, month_weights={"aug": 2.0, "dec": 0.5})
    shares = leave_share_by_month(leave)
    assert sum(shares.values()) / 12 == pytest.approx(35 / 260)
    assert shares[8] == pytest.approx(4 * shares[12])
    assert shares[3] == pytest.approx(2 * shares[12])
    assert set(leave_share_by_month(None).values()) == {0.0}


def test_cohort_dates_repeat_yearly_inside_the_horizon_only():
    cohort = AsyeCohort(date=dt.date(2026, 9, 7), repeat_yearly=True)
    assert cohort_dates(cohort, dt.date(2029, 9, 7)) == [dt.date(y, 9, 7) for y in (2026, 2027, 2028)]
    once = AsyeCohort(date=dt.date(2026, 9, 7))
    assert cohort_dates(once, dt.date(2031, 1, 1)) == [dt.date(2026, 9, 7)]


# ----------------------------------------------------------------------------- simulated workforce


def test_with_every_dynamic_off_the_run_equals_the_foundation_model_exactly():
    foundation = run_replication(static_variant(), 0).weekly
    dynamic_off = run_replication(variant(workforce=ALL_OFF, contingency=None), 0).weekly
    shared = [c for c in foundation.columns if c in dynamic_off.columns]
    pd.testing.assert_frame_equal(foundation[shared], dynamic_off[shared])
    assert dynamic_off["vacancies_fte"].eq(0).all() and dynamic_off["leavers"].eq(0).all()


@pytest.mark.parametrize("starts_at", ["leaving", "notice"])
def test_long_run_workforce_in_post_matches_the_steady_state_formula(starts_at):
    scenario = big_team({"turnover": {"annual_rate": 0.14, "first_year_factor": 1.5, "notice_weeks": 4},
                         "recruitment": {"starts_at": starts_at}})  # fmt: skip
    weekly = run_replication(scenario, 0).weekly
    measured = weekly[~weekly.warmup]
    fill = (measured.in_post_fte / measured.establishment_fte).mean()
    lag = scenario.workforce.recruitment.lag
    expected = steady_state_fill(scenario.workforce, (lag.low + lag.high) / 2 * 7)
    assert fill == pytest.approx(expected, abs=0.006)
    assert measured.leavers.sum() > 300  # enough turnover to test anything


def test_measured_sickness_share_matches_the_fixed_rate_within_its_confidence_interval():
    scenario = big_team(
        {"sickness": {"share": 0.05, "mean_spell_working_days": 3}}, weeks=156, warmup=0, count=60
    )
    shares = [run_replication(scenario, r).figures["absence_rate"] for r in range(8)]
    low, high = stats.t.interval(0.95, len(shares) - 1, loc=np.mean(shares), scale=stats.sem(shares))
    assert low <= 0.05 <= high
    assert high - low < 0.01  # a CI narrow enough to mean something


def test_absent_or_leaving_workers_get_no_cases_and_long_absence_returns_cases_to_the_pool():
    scenario = variant(
        meta={"horizon_weeks": 156, "warmup_weeks": 0},
        workforce={**ALL_OFF, "sickness": {"share": 0.1}, "turnover": {"annual_rate": 0.3},
                   "long_term_absence": {"spells_per_fte_year": 1.0}, "reallocate_after_absent_weeks": 2},
        contingency=None,
    )  # fmt: skip
    model = ServiceModel(scenario, 0)
    returned, decided = [], []
    return_cases, place = model.return_cases, model.place  # least_loaded decides case by case

    def spy_return(worker):
        returned.append((len(worker.cases), worker.absent > 0))
        return_cases(worker)

    def spy_place(case, workers, max_load_ratio, continuity):
        chosen = place(case, workers, max_load_ratio, continuity)
        if chosen is not None:
            decided.append((chosen.absent, chosen.on_notice, chosen.departed))
        return chosen

    model.return_cases, model.place = spy_return, spy_place
    model.run()
    assert any(n > 0 and absent for n, absent in returned)  # long absences handed cases back
    assert len(decided) > 500
    assert not any(absent or notice or departed for absent, notice, departed in decided)
    assert all(not w.cases for team in model.teams.values() for w in team.workers if w.departed)


def test_an_asye_cohort_joins_into_vacancies_and_becomes_social_workers_after_twelve_months():
    scenario = big_team(
        {"turnover": {"annual_rate": 0.3},
         "asye_cohorts": [{"date": "2026-09-07", "count": 3, "joins": "vacancies_first"}]},
        weeks=130, warmup=0, count=30, outputs={"per_worker": True},
    )  # fmt: skip
    workers = run_replication(scenario, 0).workers
    asye = workers[workers.role == "asye"]
    joined = asye.groupby("worker_id").week.min()
    assert len(joined) == 3 and (joined == 22).all()  # 2026-09-07 falls in week 22 after 2026-04-01
    for worker_id, rows in asye.groupby("worker_id"):
        flags = rows.set_index("week").asye
        assert flags.loc[: 22 + 51].all() and not flags.loc[22 + 53 :].any(), worker_id


def test_vacant_posts_start_empty_then_fill_after_the_recruitment_lag():
    scenario = big_team(
        {"recruitment": {"lag": {"kind": "fixed", "value": 10, "unit": "weeks"}}, "turnover": {"annual_rate": 0.0},
         "agency": {"cover_vacancies": 1.0, "lead_time": {"kind": "fixed", "value": 2, "unit": "weeks"}}},
        weeks=20, warmup=0, count=6,
        team={"workers": [{"count": 6, "role": "social_worker"}, {"count": 3, "role": "social_worker", "vacant": True},
                          {"role": "team_manager", "supervises": True}]},
    )  # fmt: skip
    weekly = run_replication(scenario, 0).weekly.set_index("week")
    assert weekly.establishment_fte.eq(10).all()
    # rows are taken at the end of each week: the starters arrive on day 70, the end of week 9
    assert weekly.vacancies_fte.loc[:8].eq(3).all() and weekly.vacancies_fte.loc[9:].eq(0).all()
    assert weekly.cover_agency_fte.loc[0] == 0 and weekly.cover_agency_fte.loc[2:8].eq(3).all()
    assert weekly.cover_agency_fte.loc[9:].eq(0).all() and weekly.starters.sum() == 3


def test_vacant_posts_need_turnover_to_be_filled():
    with pytest.raises(Exception, match="vacant posts need a workforce section"):
        variant(workforce=None, team={"workers": [{"count": 2}, {"count": 1, "vacant": True}]})


def test_an_outbreak_sends_its_share_of_staff_off_sick_at_once():
    scenario = big_team(
        {"sickness": {"share": 0.0, "outbreaks": [{"start_week": 3, "share_affected": 0.5, "mean_working_days": 10}]}},
        weeks=8, warmup=0, count=200,
    )  # fmt: skip
    weekly = run_replication(scenario, 0).weekly.set_index("week")
    assert weekly.absence_rate.loc[:2].eq(0).all()
    assert 0.3 < weekly.absence_rate.loc[3] < 0.5  # half fell sick during the week; spells of two weeks
    assert weekly.absence_rate.loc[7] < weekly.absence_rate.loc[4]


def test_a_group_that_resigns_together_leaves_vacancies_after_its_notice():
    scenario = big_team(
        {"turnover": {"annual_rate": 0.0, "notice_weeks": 4},
         "recruitment": {"lag": {"kind": "fixed", "value": 10, "unit": "weeks"}}},
        weeks=30, warmup=0,
        team={"workers": [{"count": 6, "role": "social_worker"},
                          {"count": 2, "role": "social_worker", "resign_at_week": 5},
                          {"role": "team_manager", "supervises": True}]},
    )  # fmt: skip
    weekly = run_replication(scenario, 0).weekly.set_index("week")
    assert weekly.vacancies_fte.loc[:7].eq(0).all()  # notice given in week 5, worked until week 9
    assert weekly.vacancies_fte.loc[9:17].eq(2).all() and weekly.vacancies_fte.loc[20:].eq(0).all()
    assert weekly.leavers.sum() == 2 and weekly.starters.sum() == 2


def test_rates_too_small_to_matter_never_start_a_spell():
    # found by hypothesis: 5e-324 spells a year underflowed to a zero rate
    scenario = big_team(
        {"sickness": {"share": 5e-324}, "long_term_absence": {"spells_per_fte_year": 5e-324}},
        weeks=10, warmup=0, count=5,
    )  # fmt: skip
    assert run_replication(scenario, 0).weekly.absence_rate.eq(0).all()
