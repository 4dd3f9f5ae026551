"""'Your team at a glance' (issue 18): the landing page shows the current scenario's run against the
report's thresholds, each check with a colour and its source, and one sentence on what matters most."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from caseplan.explorer.glance import team_checks, waiting_by_type, what_matters_most
from caseplan.report import THRESHOLDS
from simulator.run import run_scenario
from tests.app.test_pages import MAIN, button, short


def test_the_landing_page_is_the_glance_and_asks_for_a_run():
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state["scenario"] = short()
    at.run()
    assert not at.exception and at.title[0].value == "Your team at a glance"
    assert any("Press Run" in i.value for i in at.info)


def test_a_run_shows_every_check_with_its_status_source_and_what_matters_most():
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state["scenario"] = short()
    at.session_state["scenario_name"] = "short baseline"
    at.run()
    at.slider(key="glance_replications").set_value(2)
    button(at, "Run").click()
    at.run()
    assert not at.exception
    sentences = [m.value for m in [*at.error, *at.warning, *at.success]]
    assert any(s.startswith(("What matters most:", "Every standard checked is met")) for s in sentences)
    captions = [c.value for c in at.caption]
    assert sum(c.startswith("Threshold:") and "Source:" in c for c in captions) == len(THRESHOLDS)
    labels = {m.label: m.value for m in at.metric}
    assert labels["caseload per FTE"].endswith(" children") and labels["wait for a worker"].endswith(" days")
    waiting = next(d.value for d in at.dataframe if "case type" in d.value)
    assert "child protection" in set(waiting["case type"])


def test_what_matters_most_names_the_most_important_breach_first():
    checks = pd.DataFrame(
        {"check": ["caseload", "must_allocate", "cpd"], "standard": ["Standard 3", "Standard 3", "Standard 6"],
         "title": ["Average caseload", "Must-allocate cases waiting", "CPD time taken"],
         "status": ["breached", "breached", "at risk"], "text": ["16.4 children", "3 cases", "97%"]}
    )  # fmt: skip
    sentence = what_matters_most(checks)
    assert sentence.startswith(
        "What matters most: Must-allocate cases waiting (Standard 3, breached) — 3 cases"
    )
    assert "(1 other check breached too)" in sentence
    assert what_matters_most(checks.assign(status="met")).startswith("Every standard checked is met")


def test_the_checks_are_the_reports_and_waiting_types_are_counts():
    from tests.support import variant

    result = run_scenario(variant(meta={"horizon_weeks": 30, "warmup_weeks": 4}), 2)
    checks = team_checks(result)
    assert list(checks["check"]) == list(THRESHOLDS)
    assert set(checks["light"]) <= {"red", "amber", "green", "grey"}
    waiting = waiting_by_type(result.weekly)
    assert (waiting["waiting (mean)"] >= 0).all()
    assert (waiting["waiting (highest week)"] >= waiting["waiting (mean)"]).all()
