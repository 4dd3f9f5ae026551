"""The Contingency dashboard's tables: levels by week, level changes, totals, compliance, the report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from caseplan.explorer.contingency import (
    CHANGE_COLUMNS,
    COMPLIANCE,
    TIMELINE_COLUMNS,
    compliance_table,
    contingency_totals,
    has_plan,
    health_check_html,
    level_changes,
    level_names,
    level_timeline,
)
from simulator.run import run_scenario
from tests.support import static_variant, variant

SHORT = {"horizon_weeks": 30, "warmup_weeks": 4}


@pytest.fixture(scope="module")
def pressured():
    """Demand far above capacity: the plan escalates within 30 weeks in both replications."""
    return run_scenario(variant(meta=SHORT, demand={"referrals_per_week": 25}), 2)


@pytest.fixture(scope="module")
def static():
    return run_scenario(static_variant(meta=SHORT, supervision={"track": False}), 1)


def test_level_names_come_from_the_plan():
    assert level_names(variant()) == {1: "normal", 2: "pressure", 3: "severe", 4: "critical"}
    renamed = variant(contingency={"levels": [{"level": 2, "name": "amber", "when": {"unallocated": 5}}]})
    assert level_names(renamed)[2] == "amber" and level_names(static_variant())[4] == "critical"
    assert has_plan(variant()) and not has_plan(static_variant())


def test_the_timeline_is_every_week_of_replication_0(pressured):
    table = level_timeline(pressured)
    assert list(table.columns) == TIMELINE_COLUMNS and len(table) == 30
    first = pressured.timeline[pressured.timeline["replication"] == 0]
    assert table["level"].tolist() == first["level"].tolist()
    assert (table["week_end"] - table["week_start"]).dt.days.eq(7).all()
    assert table["warmup"].sum() == 4 and set(table["level_name"]) <= {
        "normal",
        "pressure",
        "severe",
        "critical",
    }


def test_the_changes_are_those_of_replication_0(pressured):
    table = level_changes(pressured)
    first = pressured.timeline[(pressured.timeline["replication"] == 0) & pressured.timeline["level_changed"]]
    assert list(table.columns) == CHANGE_COLUMNS and len(table) == len(first) > 0
    assert table["week"].tolist() == first["week"].tolist()
    assert table["cost"].tolist() == first["cost"].tolist()
    assert str(table.iloc[0]["date"]) == str(first.iloc[0]["week_start"].date())
    assert table.iloc[0]["actions_started"] and table.iloc[0]["level"] > 1


def test_the_totals_are_the_plan_figures_of_the_summary(pressured):
    table = contingency_totals(pressured).set_index("figure")
    summary = pressured.summary()
    for key in (
        "team_weeks_at_level_2",
        "contingency_cost",
        "overtime_hours",
        "escalations",
        "cases_stepped_down",
    ):
        assert table.loc[key, "mean"] == pytest.approx(summary[key]["mean"])
    assert table.loc["contingency_cost", "mean"] > 0
    assert "(pressure)" in table.loc["team_weeks_at_level_2", "label"]
    weeks = sum(table.loc[f"team_weeks_at_level_{n}", "mean"] for n in (1, 2, 3, 4))
    assert weeks == pytest.approx(30 - 4)


def test_compliance_has_the_supervision_and_cpd_figures(pressured, static):
    table = compliance_table(pressured)
    assert list(table["figure"]) == list(COMPLIANCE)
    assert 0 <= table.set_index("figure").loc["cpd_taken_share", "mean"] <= 1
    untracked = compliance_table(static)
    assert "supervision_missed" not in set(untracked["figure"]) and "cpd_taken_share" in set(
        untracked["figure"]
    )


def test_without_a_plan_the_tables_are_empty(static):
    assert level_timeline(static).empty and list(level_timeline(static).columns) == TIMELINE_COLUMNS
    assert level_changes(static).empty and list(level_changes(static).columns) == CHANGE_COLUMNS
    assert contingency_totals(static).empty


def test_the_health_check_report_is_one_html_page_and_nothing_is_left_on_disk(pressured):
    before = set(Path(tempfile.gettempdir()).glob("caseplan-report-*"))
    page = health_check_html(pressured)
    assert isinstance(page, bytes) and len(page) > 100_000
    text = page.decode("utf-8")
    assert text.lstrip().lower().startswith("<!doctype html") and "Standard 3" in text
    assert set(Path(tempfile.gettempdir()).glob("caseplan-report-*")) == before
