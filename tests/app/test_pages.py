"""The Demand, Contingency and Batch pages (AppTest): they render, Run changes the results, bad input is an
``st.error`` (never a traceback) that disables Run and keeps the previous results."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import caseplan.explorer.results as results_module
from batch.driver import run_batch
from batch.executors import Serial
from caseplan.explorer.results import KEPT_KEY, RESULTS_KEY
from tests.batch import write_grid
from tests.support import static_variant, variant

MAIN = str(Path(__file__).resolve().parents[2] / "app" / "main.py")
SHORT = {"horizon_weeks": 30, "warmup_weeks": 4}
DEMAND, CONTINGENCY, BATCH = "views/demand.py", "views/contingency.py", "views/batch.py"


def short(**sections):
    return variant(meta=SHORT, **sections)


def open_page(page: str, scenario=None, **state) -> AppTest:
    """The app on ``page`` with ``scenario`` (default: the baseline, 30 weeks) as the current scenario."""
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state["scenario"] = scenario if scenario is not None else short()
    at.session_state["scenario_name"] = "short baseline"
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    return at.switch_page(page).run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def metric(at: AppTest, label: str) -> str:
    return next(m for m in at.metric if m.label == label).value


def table(at: AppTest, column: str, value=None):
    """The first table shown with ``column`` (holding ``value``, if given) as a DataFrame."""
    for frame in at.dataframe:
        data = frame.value
        if column in data and (value is None or (data[column] == value).any()):
            return data
    raise LookupError(f"no table with {column}={value}")


def charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


def set_scenario(at: AppTest, scenario, name: str) -> None:
    at.session_state["scenario"] = scenario
    at.session_state["scenario_name"] = name


def run(at: AppTest, replications: int | None = None, slider: str = "demand_replications") -> AppTest:
    if replications is not None:
        at.slider(key=slider).set_value(replications)
    button(at, "Run").click()
    return at.run()


def no_problem(at: AppTest) -> bool:
    return not at.exception and not at.error


# ------------------------------------------------------------------------------------- demand


def test_the_demand_page_renders_and_asks_for_a_run():
    at = open_page(DEMAND)
    assert no_problem(at)
    assert at.title[0].value == "Demand scenarios"
    assert at.slider(key="demand_replications").value == 5
    assert not button(at, "Run").disabled and button(at, "Keep").disabled
    assert any("Press Run" in i.value for i in at.info) and charts(at) == 0


def test_running_draws_the_charts_and_more_replications_change_the_results():
    at = run(open_page(DEMAND), 2)
    assert no_problem(at)
    assert metric(at, "Replications") == "2" and charts(at) == 5
    summary = table(at, "figure", "open_cases")
    assert set(summary["n"]) == {2}
    run(at, 3)
    assert no_problem(at) and metric(at, "Replications") == "3"
    assert set(table(at, "figure", "open_cases")["n"]) == {3}
    cache = at.session_state[RESULTS_KEY]
    assert len(cache) == 2
    run(at, 2)  # the same scenario and replications: shown from the cache, not run again
    assert len(cache) == 2 and metric(at, "Replications") == "2"


def test_another_scenario_in_the_session_gives_other_results():
    at = run(open_page(DEMAND), 2)
    before = metric(at, "unallocated cases")
    set_scenario(at, short(demand={"referrals_per_week": 8.0}), "busier")
    at.run()
    assert any("earlier scenario" in w.value for w in at.warning)  # the old results stay, marked
    run(at)
    assert no_problem(at) and metric(at, "unallocated cases") != before
    assert at.subheader[0].value == "Results: busier"


def test_results_survive_a_page_switch():
    at = run(open_page(DEMAND), 2)
    at.switch_page("views/scenario.py").run()
    at.switch_page(DEMAND).run()
    assert no_problem(at) and metric(at, "Replications") == "2"


def test_invalid_scenario_edits_show_an_error_disable_run_and_keep_the_results():
    at = run(open_page(DEMAND), 2)
    at.session_state["scenario_valid"] = False
    at.run()
    assert not at.exception
    assert any(e.value.startswith("Scenario:") for e in at.error)
    assert button(at, "Run").disabled
    assert metric(at, "Replications") == "2"  # previous results still shown


def test_a_scenario_that_does_not_validate_names_the_field():
    at = open_page(DEMAND)
    set_scenario(at, {"demand": {"referrals_per_week": -1}}, "broken")
    at.run()
    assert not at.exception and button(at, "Run").disabled
    assert any("demand.referrals_per_week" in e.value for e in at.error)


def test_a_slow_run_needs_a_confirmation():
    at = open_page(DEMAND, variant(allocation={"policy": "milp"}))
    at.slider(key="demand_replications").set_value(10).run()
    assert not at.exception
    assert any("may take about" in w.value for w in at.warning)
    assert button(at, "Run").disabled
    at.checkbox(key="demand_confirm_slow").check().run()
    assert not button(at, "Run").disabled


def test_a_failed_run_is_an_error_and_keeps_the_previous_results(monkeypatch):
    at = run(open_page(DEMAND), 2)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(results_module, "run_scenario", broken)
    set_scenario(at, short(demand={"referrals_per_week": 8.0}), "busier")
    run(at)
    assert not at.exception
    assert any(e.value.startswith("Run:") and "simulated failure" in e.value for e in at.error)
    assert len(at.session_state[RESULTS_KEY]) == 1 and metric(at, "Replications") == "2"


def test_kept_results_are_compared_on_the_same_axes_with_paired_differences():
    at = run(open_page(DEMAND), 2)
    at.text_input(key="demand_keep_name").set_value("  ").run()
    button(at, "Keep").click().run()
    assert any(e.value.startswith("Keep this result as") for e in at.error)
    at.text_input(key="demand_keep_name").set_value("base").run()
    button(at, "Keep").click().run()
    set_scenario(at, short(demand={"referrals_per_week": 6.5}), "busier")
    run(at)
    at.text_input(key="demand_keep_name").set_value("busier").run()
    button(at, "Keep").click().run()
    assert no_problem(at) and list(at.session_state[KEPT_KEY]) == ["base", "busier"]
    assert charts(at) == 6  # five for the result, one comparison
    shown = table(at, "diff")
    assert (
        set(shown["scenario"]) == {"base", "busier"}
        and (shown["pairs"][shown["scenario"] == "busier"] == 2).all()
    )
    at.selectbox(key="demand_compare_reference").set_value("busier").run()
    shown = table(at, "diff")
    assert (shown["pairs"][shown["scenario"] == "base"] == 2).all()
    at.multiselect(key="demand_compare_chosen").set_value(["base"]).run()
    assert any(e.value.startswith("Results to compare") for e in at.error) and not at.exception


def test_kept_results_are_explained_and_the_plan_off_pair_runs_on_request():
    at = run(open_page(DEMAND), 2)
    at.text_input(key="demand_keep_name").set_value("base").run()
    button(at, "Keep").click().run()
    set_scenario(at, short(demand={"referrals_per_week": 9.0}), "busier")
    run(at)
    at.text_input(key="demand_keep_name").set_value("busier").run()
    button(at, "Keep").click().run()
    assert no_problem(at)
    assert any("busier" in m.value and "base" in m.value for m in at.markdown)  # the paragraph
    mechanisms = table(at, "mechanism")
    assert "referrals (new and re-referrals), a week" in set(mechanisms["mechanism"])
    assert set(mechanisms["beyond noise"]) <= {"yes", "no"}
    outcomes = table(at, "outcome")
    assert "plan off: difference (95% CI)" not in outcomes
    button(at, "Run the pair with the plan switched off").click()
    at.run()
    assert no_problem(at)
    outcomes = table(at, "outcome")
    assert "plan off: difference (95% CI)" in outcomes and "absorbed by the plan" in outcomes


# ------------------------------------------------------------------------------------- contingency

PRESSURED = {"referrals_per_week": 25}


def test_the_contingency_page_renders_and_offers_a_run():
    at = open_page(CONTINGENCY)
    assert no_problem(at) and at.title[0].value == "Contingency dashboard"
    assert not button(at, "Run").disabled
    assert any("not been run" in i.value for i in at.info) and charts(at) == 0


def test_running_shows_levels_changes_totals_and_compliance_and_another_scenario_changes_them():
    at = run(open_page(CONTINGENCY), 2, slider="contingency_replications")
    assert no_problem(at) and charts(at) == 1
    assert metric(at, "contingency cost") == "£0"
    assert any("No team left level 1" in s.value for s in at.success)
    compliance = table(at, "figure", "cpd_taken_share")
    assert "cpd_taken_share" in set(compliance["figure"])
    set_scenario(at, short(demand=PRESSURED), "pressured")
    at.run()
    assert any("not been run" in i.value for i in at.info)
    run(at)
    assert no_problem(at)
    assert metric(at, "contingency cost") != "£0"
    changes = table(at, "triggered_by")
    assert len(changes) > 0 and changes["level"].max() > 1
    totals = table(at, "figure", "contingency_cost")
    assert totals[totals["figure"] == "contingency_cost"]["mean"].iloc[0] > 0


def test_a_run_on_the_demand_page_is_used_and_the_report_can_be_downloaded():
    at = run(open_page(DEMAND, short(demand=PRESSURED)), 2)
    at.switch_page(CONTINGENCY).run()
    assert no_problem(at) and charts(at) == 1 and len(at.session_state[RESULTS_KEY]) == 1
    assert not at.get("download_button")
    button(at, "Prepare the health-check report").click().run()
    assert no_problem(at)
    download = at.get("download_button")
    assert len(download) == 1 and download[0].label == "Download the health-check report (HTML)"
    key, page = at.session_state["explorer_report"]
    assert page.lstrip().lower().startswith(b"<!doctype html")


def test_a_scenario_without_a_plan_says_so_instead_of_charts():
    at = run(open_page(CONTINGENCY, static_variant(meta=SHORT)), 1, slider="contingency_replications")
    assert no_problem(at)
    assert any("no contingency section" in i.value for i in at.info)
    assert charts(at) == 0 and "cpd_taken_share" in set(table(at, "figure", "cpd_taken_share")["figure"])


def test_invalid_input_on_the_contingency_page_is_an_error_and_disables_run():
    at = run(open_page(CONTINGENCY), 1, slider="contingency_replications")
    at.session_state["scenario_valid"] = False
    at.run()
    assert not at.exception and button(at, "Run").disabled
    assert any(e.value.startswith("Scenario:") for e in at.error)
    assert charts(at) == 1  # the previous results stay


# ------------------------------------------------------------------------------------- batch


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("app-batch")
    grid = write_grid(
        directory, name="app", parameters={"demand.referrals_per_week": [5.0, 6.0]}, replications=3
    )
    out = directory / "out"
    assert run_batch(grid, out, Serial()).done == 9
    return out


def test_the_batch_page_renders_and_asks_for_a_directory():
    at = open_page(BATCH)
    assert no_problem(at) and at.title[0].value == "Batch results"
    assert at.text_input(key="batch_dir").value == ""
    assert any("Enter the output directory" in i.value for i in at.info)


def test_a_batch_is_compared_and_the_choices_change_the_table(batch_dir):
    at = open_page(BATCH)
    at.text_input(key="batch_dir").set_value(str(batch_dir)).run()
    assert no_problem(at) and charts(at) == 1
    shown = table(at, "diff")
    assert len(shown) == 3 and set(shown["metric"]) == {"unallocated_cases"}
    assert at.get("download_button")[0].label == "Download the table (CSV)"
    at.selectbox(key=f"batch_metric:{batch_dir}").set_value("open_cases").run()
    shown = table(at, "diff")
    assert set(shown["metric"]) == {"open_cases"}
    at.multiselect(key=f"batch_scenarios:{batch_dir}").set_value(["base", "referrals_per_week=6"]).run()
    assert len(table(at, "diff")) == 2
    at.multiselect(key=f"batch_scenarios:{batch_dir}").set_value([]).run()
    assert not at.exception and any(e.value.startswith("Scenarios:") for e in at.error)


def test_a_bad_directory_is_an_error_and_the_last_batch_stays(batch_dir, tmp_path):
    at = open_page(BATCH)
    at.text_input(key="batch_dir").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception and any(e.value.startswith("Batch directory:") for e in at.error)
    assert not at.dataframe
    at.text_input(key="batch_dir").set_value(str(batch_dir)).run()
    at.text_input(key="batch_dir").set_value(str(tmp_path)).run()  # a directory without runs/
    assert not at.exception and any("no 'runs/' folder" in e.value for e in at.error)
    assert len(table(at, "diff")) == 3  # the last batch read is still shown
