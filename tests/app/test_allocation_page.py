"""The Allocation tester page (AppTest): the example runs, policies compare, bad uploads are explained."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from caseplan.explorer.allocation import EXAMPLE_CASES, EXAMPLE_WORKERS

MAIN = str(Path(__file__).resolve().parents[2] / "app" / "main.py")
WAITING = [f"C0{n}" for n in range(116, 130)]  # the example's 14 waiting cases (scenarios/examples)


def page() -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    return at.switch_page("views/allocation.py").run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def frame_with(at: AppTest, *columns: str):
    """The first dataframe on the page that has all ``columns``."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def decisions(at: AppTest):
    return frame_with(at, "case", "worker", "reason", "runner-up")


def test_the_page_renders_with_the_example_and_default_policies():
    at = page()
    assert not at.exception
    assert at.title[0].value == "Allocation tester"
    assert len(at.file_uploader) == 2
    assert str(at.date_input[0].value) == "2026-11-02"
    assert at.multiselect[0].value == ["least_loaded", "milp"]  # the scenario's policy and the optimiser
    assert any("shipped example" in i.value for i in at.info)
    assert not button(at, "Run").disabled
    assert not at.dataframe  # nothing run yet


def test_run_with_the_example_decides_every_waiting_case_with_each_policy():
    at = page()
    button(at, "Run").click().run()
    assert not at.exception and not at.error
    tables = [d.value for d in at.dataframe if {"case", "reason", "runner-up"} <= set(d.value.columns)]
    assert len(tables) == 2  # one per policy (least_loaded, milp)
    for table in tables:
        assert table["case"].tolist() == WAITING
        assert (table["worker"] != "").all()  # the example team has room for all 14
        assert table["reason"].str.len().gt(0).all()
    summary = frame_with(at, "policy", "allocated", "solver status")
    assert summary["policy"].tolist() == ["least_loaded", "milp"]
    assert summary["allocated"].tolist() == [14, 14]
    assert summary["solver status"].iloc[1].startswith("optimal")
    side_by_side = frame_with(at, "case", "least_loaded", "milp", "differs")
    assert side_by_side["case"].tolist() == WAITING
    assert len(at.get("vega_lite_chart")) == 2  # the load bars of each policy
    downloads = at.get("download_button")
    assert len(downloads) == 2


def test_choosing_another_policy_changes_the_decisions_table():
    at = page()
    at.multiselect[0].set_value(["least_loaded"]).run()
    button(at, "Run").click().run()
    first = decisions(at)
    assert first["reason"].str.startswith("lowest load ratio").sum() >= 10

    at.multiselect[0].set_value(["round_robin"]).run()
    button(at, "Run").click().run()
    assert not at.exception
    second = decisions(at)
    assert second["case"].tolist() == first["case"].tolist()
    assert second["reason"].str.startswith("next in rotation").all()
    assert second["worker"].tolist() != first["worker"].tolist()


def test_no_policy_chosen_disables_run():
    at = page()
    at.multiselect[0].set_value([]).run()
    assert button(at, "Run").disabled


def test_a_bad_csv_upload_shows_the_library_message_and_keeps_the_previous_results():
    at = page()
    button(at, "Run").click().run()
    before = decisions(at)

    bad = EXAMPLE_WORKERS.read_bytes().replace(b"fte", b"hours", 1)
    at.file_uploader[0].set_value(("my_team.csv", bad, "text/csv"))
    at.file_uploader[1].set_value(("my_cases.csv", EXAMPLE_CASES.read_bytes(), "text/csv"))
    at.run()
    button(at, "Run").click().run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any(m.startswith("my_team.csv: row 1, column hours: unknown column") for m in messages)
    assert any("missing column fte" in m for m in messages)
    assert all("caseplan-upload-" not in m for m in messages)  # no temporary path shown
    assert decisions(at).equals(before)  # the previous run is still shown


def test_a_bad_row_names_the_file_row_and_column():
    at = page()
    cases = EXAMPLE_CASES.read_bytes().replace(b"C0003,assessment,2026-10-20", b"C0003,assessment,20/10/2026")
    at.file_uploader[0].set_value(("workers.csv", EXAMPLE_WORKERS.read_bytes(), "text/csv"))
    at.file_uploader[1].set_value(("cases.csv", cases, "text/csv"))
    at.run()
    button(at, "Run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "cases.csv: row 4, column opened: '20/10/2026' is not a date (expected YYYY-MM-DD, e.g. 2026-04-01)"
    ]
    assert not at.dataframe  # nothing to keep from before


def test_good_uploads_run_like_the_example():
    at = page()
    at.file_uploader[0].set_value(("workers.csv", EXAMPLE_WORKERS.read_bytes(), "text/csv"))
    at.file_uploader[1].set_value(("cases.csv", EXAMPLE_CASES.read_bytes(), "text/csv"))
    at.run()
    assert not at.info  # the example notice is gone
    at.multiselect[0].set_value(["points_threshold"]).run()
    button(at, "Run").click().run()
    assert not at.exception and not at.error
    assert decisions(at)["case"].tolist() == WAITING
    assert any("workers.csv and cases.csv" in c.value for c in at.caption)


@pytest.mark.parametrize("index, missing", [(0, "cases.csv"), (1, "workers.csv")])
def test_one_file_alone_disables_run_and_says_which_is_missing(index, missing):
    at = page()
    at.file_uploader[index].set_value(("x.csv", b"id\n", "text/csv")).run()
    assert button(at, "Run").disabled
    assert any(f"Upload {missing}" in w.value for w in at.warning)
