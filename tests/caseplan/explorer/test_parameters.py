"""The explorer's editable parameters come from the schema, with its sources, bounds and validation."""

from __future__ import annotations

import pytest

from caseplan.explorer.parameters import (
    EDITABLE,
    apply_edits,
    apply_tables,
    case_type_table,
    parameters,
    scenario_from_text,
    scenario_yaml,
    team_table,
    threshold_table,
    with_snapshot,
)
from simulator.scenario import ScenarioError, load_scenario
from tests.support import BASELINE, static_variant


def test_every_editable_parameter_of_the_baseline_has_help_naming_a_source_and_a_current_value():
    found = parameters(load_scenario(BASELINE))
    assert [p.path for p in found] == [path for _, path in EDITABLE]
    referrals = next(p for p in found if p.path == "demand.referrals_per_week")
    assert referrals.value == 5.3 and referrals.minimum == 0 and "DF" in referrals.help
    policy = next(p for p in found if p.path == "allocation.policy")
    assert "milp" in policy.choices


def test_parameters_of_absent_sections_are_left_out():
    paths = {p.path for p in parameters(static_variant())}
    assert "workforce.turnover.annual_rate" not in paths and "demand.referrals_per_week" in paths


def test_edits_are_validated_by_the_schema_and_name_the_field():
    scenario = load_scenario(BASELINE)
    assert apply_edits(scenario, {"demand.referrals_per_week": 7.0}).demand.referrals_per_week == 7.0
    with pytest.raises(ScenarioError, match=r"capacity.asye_load_cap: .*\(allowed: > 0 and ≤ 1\)"):
        apply_edits(scenario, {"capacity.asye_load_cap": 1.5})


def test_a_downloaded_scenario_uploads_back_to_the_same_scenario():
    scenario = apply_edits(load_scenario(BASELINE), {"demand.referrals_per_week": 6.5})
    again = scenario_from_text(scenario_yaml(scenario), "mine.yaml")
    assert again == scenario


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("meta: [unclosed", "mine.yaml: not valid YAML"),
        ("extends: baseline.yaml\n", "cannot extend another"),
        ("team: {workers: [{count: -1}]}\ncase_types: {}\n", "mine.yaml: team.workers.0.count"),
    ],
)
def test_a_bad_upload_gives_a_clear_message(text, message):
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, "mine.yaml")
    assert any(message in m for m in caught.value.messages)


def test_tables_round_trip_and_edits_are_validated():
    scenario = load_scenario(BASELINE)
    team, cases, levels = team_table(scenario), case_type_table(scenario), threshold_table(scenario)
    assert apply_tables(scenario, team=team, case_types=cases, thresholds=levels) == scenario
    team.loc[0, "count"] = 12
    cases.loc[cases.case_type == "cin", "weight_hours"] = 1.2
    levels.loc[0, "threshold"] = "< 0.5"
    levels.loc[0, "indicator"] = "cpd_taken_share"
    edited = apply_tables(scenario, team=team, case_types=cases, thresholds=levels)
    assert (
        edited.team.workers[0].count == 12 and edited.team.workers[1].start == scenario.team.workers[1].start
    )
    assert edited.case_types["cin"].weight_hours == 1.2
    assert edited.contingency.levels[0].when["cpd_taken_share"] == "< 0.5"
    team.loc[1, "fte"] = -1
    with pytest.raises(ScenarioError, match=r"team.workers.1.fte: must be greater than 0"):
        apply_tables(scenario, team=team)


def test_a_snapshot_upload_starts_the_run_on_its_date_with_its_team(tmp_path):
    import datetime as dt

    from caseplan.explorer.allocation import read_uploaded_snapshot
    from tests.support import ROOT

    examples = ROOT / "scenarios" / "examples"
    scenario = load_scenario(BASELINE)
    snapshot = read_uploaded_snapshot(
        (examples / "team_workers.csv").read_bytes(), (examples / "team_cases.csv").read_bytes(),
        dt.date(2026, 11, 2), scenario,
    )  # fmt: skip
    started = with_snapshot(scenario, snapshot)
    assert started.meta.start == dt.date(2026, 11, 2) and started.meta.warmup_weeks == 0
    assert len(started.team.workers) == 11 and len(started.team.open_cases) == 129
