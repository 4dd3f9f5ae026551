"""The Scenario page (AppTest): renders, edits validate through the schema, errors disable Apply."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

MAIN = str(Path(__file__).resolve().parents[2] / "app" / "main.py")


def app() -> AppTest:
    return AppTest.from_file(MAIN, default_timeout=60).run().switch_page("views/scenario.py").run()


def test_the_scenario_page_renders_the_baseline_without_exception():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Scenario"
    labels = [n.label for n in at.number_input]
    assert "referrals per week" in labels and at.number_input[0].value == 5.3


def test_an_invalid_value_shows_the_schema_error_and_disables_apply():
    at = app()
    at.number_input[0].set_value(-5.0).run()
    assert not at.exception
    assert any("demand.referrals_per_week" in e.value and "allowed" in e.value for e in at.error)
    apply = next(b for b in at.button if b.label == "Apply changes")
    assert apply.disabled


def test_a_valid_change_is_applied_to_the_session_scenario():
    at = app()
    at.number_input[0].set_value(7.0).run()
    apply = next(b for b in at.button if b.label == "Apply changes")
    assert not apply.disabled
    apply.click().run()
    assert at.session_state["scenario"].demand.referrals_per_week == 7.0
    assert not at.error


def test_loading_another_shipped_scenario_replaces_the_current_one():
    at = app()
    at.selectbox[0].set_value("referral_surge").run()
    next(b for b in at.button if b.label == "Load").click().run()
    assert at.session_state["scenario"].meta.name == "referral_surge"
    assert not at.exception


def test_the_team_case_weights_and_thresholds_are_offered_as_tables():
    at = app()
    expanders = [e.label for e in at.expander]
    assert {
        "Team (worker groups)",
        "Case weights (hours a week while held)",
        "Contingency thresholds",
    } <= set(expanders)
    assert not at.exception


def test_a_snapshot_upload_with_a_name_column_is_refused_and_the_scenario_kept():
    from tests.support import ROOT

    examples = ROOT / "scenarios" / "examples"
    at = app()
    bad_workers = (examples / "team_workers.csv").read_text().replace("id,role", "full_name,role", 1)
    uploaders = {u.label: u for u in at.get("file_uploader")}
    uploaders["workers.csv"].set_value(("workers.csv", bad_workers.encode(), "text/csv"))
    uploaders["cases.csv"].set_value(("cases.csv", (examples / "team_cases.csv").read_bytes(), "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Use the snapshot").click().run()
    assert not at.exception
    assert any("workers.csv" in e.value for e in at.error)
    assert at.session_state["scenario"].meta.name == "baseline"
