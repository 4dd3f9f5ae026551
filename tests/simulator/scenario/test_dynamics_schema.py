"""The ``workforce``, ``supervision`` and ``cpd`` sections: sourced defaults, bounds and cohort rules."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pydantic import ValidationError

from simulator.scenario import ScenarioError
from simulator.scenario.durations import Lognormal, Uniform
from simulator.scenario.dynamics import (
    Agency,
    AnnualLeave,
    AsyeCohort,
    Cpd,
    LongTermAbsence,
    Recruitment,
    Sickness,
    Supervision,
    Turnover,
    Workforce,
)
from tests.support import variant

DATE = dt.date(2026, 9, 7)


def description(model, field: str) -> str:
    return model.model_fields[field].description or ""


def percent_range(text: str) -> tuple[float, float]:
    """'DfE 11.8-15.9%' → (0.118, 0.159)."""
    match = re.search(r"(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)%", text)
    assert match, text
    return float(match.group(1)) / 100, float(match.group(2)) / 100


def cohort_messages(**cohort) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        variant(workforce={"asye_cohorts": [{"date": DATE, **cohort}]})
    return caught.value.messages


# ---------------------------------------------------------------------------- sourced defaults


def test_sickness_default_is_the_dfe_rate():
    assert Sickness().share == 0.035
    assert "3.5%" in description(Sickness, "share") and "DF §1" in description(Sickness, "share")
    assert Sickness().mean_spell_working_days == 3.0


def test_turnover_default_lies_inside_the_published_range():
    assert Turnover().annual_rate == 0.14
    low, high = percent_range(description(Turnover, "annual_rate"))
    assert (low, high) == pytest.approx((0.118, 0.159)) and low <= Turnover().annual_rate <= high
    assert (Turnover().first_year_factor, Turnover().notice_weeks) == (1.5, 4)
    assert Turnover().new_cases_in_notice is False


def test_agency_defaults():
    agency = Agency()
    assert agency.day_rate == 350.0 and "Sheffield" in description(Agency, "day_rate")
    assert agency.cover_vacancies == 0.8
    assert agency.lead_time == Uniform(kind="uniform", low=1, high=2, unit="weeks")
    assert "1-2 weeks" in description(Agency, "lead_time")
    assert (agency.annual_leaving_rate, agency.notice_weeks) == (0.5, 1)


def test_recruitment_lag_is_uniform_twelve_to_sixteen_weeks():
    recruitment = Recruitment()
    assert recruitment.lag == Uniform(kind="uniform", low=12, high=16, unit="weeks")
    assert "12-16 weeks" in description(Recruitment, "lag")
    assert recruitment.starts_at == "leaving"


def test_long_term_absence_and_leave_defaults():
    absence = LongTermAbsence()
    assert absence.spells_per_fte_year == 0.04
    assert absence.duration == Lognormal(kind="lognormal", mean=10, cv=0.6, unit="weeks")
    assert "mean 10 weeks" in description(LongTermAbsence, "duration")
    leave = AnnualLeave()
    assert leave.days_per_year == 35.0 and "27 days + 8 bank holidays" in description(
        AnnualLeave, "days_per_year"
    )
    assert leave.month_weights == {"jul": 1.2, "aug": 1.6, "dec": 0.8}


def test_supervision_defaults_follow_standard_five():
    supervision = Supervision()
    assert supervision.session_hours == 1.5 and "Standard 5" in description(Supervision, "session_hours")
    assert supervision.interval_weeks == pytest.approx(52 / 12)  # monthly
    assert supervision.track is True
    assert (supervision.supervisor_share, supervision.missed_after_weeks) == (0.2, 2)


def test_cpd_default():
    assert Cpd().share == 0.025
    assert "Standard 6" in description(Cpd, "share")


def test_workforce_defaults_switch_every_part_on():
    workforce = Workforce()
    assert workforce.sickness == Sickness() and workforce.long_term_absence == LongTermAbsence()
    assert workforce.annual_leave == AnnualLeave() and workforce.turnover == Turnover()
    assert workforce.recruitment == Recruitment() and workforce.agency == Agency()
    assert workforce.asye_cohorts == [] and workforce.reallocate_after_absent_weeks == 4


def test_default_factories_give_fresh_objects():
    assert Workforce().agency is not Workforce().agency
    assert AnnualLeave().month_weights is not AnnualLeave().month_weights


@pytest.mark.parametrize("part", ["sickness", "long_term_absence", "annual_leave", "turnover"])
def test_parts_can_be_switched_off(part):
    assert getattr(Workforce(**{part: None}), part) is None


@pytest.mark.parametrize("part", ["recruitment", "agency"])
def test_recruitment_and_agency_cannot_be_null(part):
    with pytest.raises(ValidationError):
        Workforce(**{part: None})


def test_sections_in_a_scenario(baseline):
    assert variant(workforce=None).workforce is None  # a static team
    assert baseline.workforce is not None and baseline.workforce.turnover.annual_rate == 0.14
    assert baseline.supervision.session_hours == 1.5 and baseline.cpd.share == 0.025


def test_agency_day_rate_falls_back_to_the_default(baseline):
    assert variant(workforce=None).agency_day_rate == 350.0
    assert variant(workforce={"agency": {"day_rate": 410}}).agency_day_rate == 410
    assert baseline.agency_day_rate == baseline.workforce.agency.day_rate


# ---------------------------------------------------------------------------- shares and rates

SHARES = [(Sickness, "share"), (Supervision, "supervisor_share"), (Cpd, "share")]
PROBABILITIES = [(Turnover, "annual_rate"), (Agency, "cover_vacancies"), (Agency, "annual_leaving_rate")]


@pytest.mark.parametrize(("model", "field"), SHARES)
@pytest.mark.parametrize("value", [0.0, 0.5, 0.999])
def test_shares_inside_zero_to_one_pass(model, field, value):
    assert getattr(model(**{field: value}), field) == value


@pytest.mark.parametrize(("model", "field"), SHARES)
@pytest.mark.parametrize("value", [-0.01, 1.0, 1.4, 20])
def test_shares_outside_zero_to_one_fail(model, field, value):
    with pytest.raises(ValidationError) as caught:
        model(**{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


@pytest.mark.parametrize(("model", "field"), PROBABILITIES)
def test_rates_may_be_one_but_not_more(model, field):
    assert getattr(model(**{field: 1.0}), field) == 1.0
    assert getattr(model(**{field: 0.0}), field) == 0.0
    for value in (-0.1, 1.01, 14):
        with pytest.raises(ValidationError):
            model(**{field: value})


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Sickness, {"mean_spell_working_days": 0}),
        (LongTermAbsence, {"spells_per_fte_year": -1}),
        (AnnualLeave, {"days_per_year": 101}),
        (AnnualLeave, {"month_weights": {"august": 1.5}}),
        (AnnualLeave, {"month_weights": {"aug": -1}}),
        (Turnover, {"first_year_factor": -1}),
        (Turnover, {"notice_weeks": 27}),
        (Recruitment, {"starts_at": "advert"}),
        (Recruitment, {"lag": {"kind": "uniform", "low": 16, "high": 12}}),
        (Agency, {"day_rate": -1}),
        (Agency, {"day_rate": 10_001}),
        (Workforce, {"reallocate_after_absent_weeks": -1}),
        (Supervision, {"session_hours": 8.5}),
        (Supervision, {"session_hours": -1}),
        (Supervision, {"interval_weeks": 0}),
        (Supervision, {"missed_after_weeks": 0}),
    ],
)
def test_bounds(model, fields):
    with pytest.raises(ValidationError):
        model(**fields)


@pytest.mark.parametrize("model", [Sickness, Turnover, Recruitment, Agency, Workforce, Supervision, Cpd])
def test_unknown_keys_are_rejected(model):
    with pytest.raises(ValidationError) as caught:
        model(bogus=1)
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_supervision_session_may_be_zero_hours():
    assert Supervision(session_hours=0).session_hours == 0


# ---------------------------------------------------------------------------------- ASYE cohorts


def test_cohort_defaults():
    cohort = AsyeCohort(date=DATE)
    assert (cohort.count, cohort.fte, cohort.teams, cohort.repeat_yearly) == (1, 1.0, None, False)
    assert cohort.joins == "vacancies_first"


@pytest.mark.parametrize("joins", ["vacancies_only", "vacancies_first", "extra_posts"])
def test_cohort_joins_literal(joins):
    assert AsyeCohort(date=DATE, joins=joins).joins == joins


@pytest.mark.parametrize("joins", ["vacancies", "extra", "VACANCIES_ONLY", "", None])
def test_cohort_joins_rejects_other_words(joins):
    with pytest.raises(ValidationError) as caught:
        AsyeCohort(date=DATE, joins=joins)
    assert caught.value.errors()[0]["loc"] == ("joins",)


def test_cohort_needs_a_date_and_at_least_one_worker():
    with pytest.raises(ValidationError):
        AsyeCohort()
    with pytest.raises(ValidationError):
        AsyeCohort(date=DATE, count=0)
    with pytest.raises(ValidationError):
        AsyeCohort(date="September", count=1)


def test_cohort_joins_message_lists_the_choices():
    with pytest.raises(ScenarioError) as caught:
        variant(workforce={"asye_cohorts": [{"date": DATE, "joins": "extra"}]})
    [message] = caught.value.messages
    assert "workforce.asye_cohorts.0.joins: " in message
    assert "vacancies_only" in message and "extra_posts" in message


def test_cohort_dates_inside_the_horizon_pass(baseline):
    start, end = baseline.meta.start, baseline.horizon_end
    assert end == dt.date(2031, 3, 26)
    for date in (start, end - dt.timedelta(days=1)):
        assert variant(workforce={"asye_cohorts": [{"date": date}]}).workforce.asye_cohorts[0].date == date


@pytest.mark.parametrize("date", [dt.date(2026, 3, 31), dt.date(2025, 9, 1), dt.date(2031, 3, 26)])
def test_cohort_dates_outside_the_horizon_fail(date):
    with pytest.raises(ScenarioError) as caught:
        variant(workforce={"asye_cohorts": [{"date": date}]})
    [message] = caught.value.messages
    assert f": workforce.asye_cohorts.0.date: {date} is outside the simulated period" in message
    assert "2026-04-01" in message and "2031-03-26" in message


def test_the_horizon_follows_meta():
    late = dt.date(2032, 9, 6)
    scenario = variant(meta={"horizon_weeks": 520}, workforce={"asye_cohorts": [{"date": late}]})
    assert scenario.workforce.asye_cohorts[0].date == late


def test_only_the_offending_cohort_is_named():
    cohorts = [{"date": DATE}, {"date": dt.date(2040, 1, 1)}]
    with pytest.raises(ScenarioError) as caught:
        variant(workforce={"asye_cohorts": cohorts})
    assert "workforce.asye_cohorts.1.date" in caught.value.messages[0]


def test_cohort_teams_must_exist():
    [message] = cohort_messages(teams=["team-1", "team-2"])
    assert ": workforce.asye_cohorts.0.teams: names unknown team(s) team-2; teams are team-1" in message
    assert variant(workforce={"asye_cohorts": [{"date": DATE, "teams": ["team-1"]}]})


def test_cohorts_are_not_checked_for_a_static_team():
    assert variant(workforce=None).workforce is None


# ------------------------------------------------------------------------------------ reserves


def test_cpd_share_counts_towards_the_reserves():
    variant(cpd={"share": 0.7})  # 0.09 + 0.7 + 0.10 = 0.89
    for share in (0.81, 0.85):  # 1.00 and 1.04
        with pytest.raises(ScenarioError) as caught:
            variant(cpd={"share": share})
        [message] = caught.value.messages
        assert (
            ": cpd.share: capacity.non_case_share + cpd.share + capacity.asye_protected_share = " in message
        )
