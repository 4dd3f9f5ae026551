"""The Allocation tester's library: uploads read with the command line's checks, policies compared."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from caseplan.explorer.allocation import (
    DECISION_COLUMNS,
    EXAMPLE_CASES,
    EXAMPLE_DATE,
    EXAMPLE_WORKERS,
    LOAD_CHART_COLUMNS,
    SUMMARY_COLUMNS,
    allocations_csv,
    compare_decisions,
    decisions_table,
    load_chart_data,
    read_example_snapshot,
    read_uploaded_snapshot,
    reference_lines,
    run_policies,
    summary_table,
    upload_name,
)
from simulator.snapshot import SnapshotError, read_snapshot
from simulator.team_allocation import ALLOCATION_COLUMNS, allocate_team
from tests.support import variant

WORKERS = EXAMPLE_WORKERS.read_bytes()
CASES = EXAMPLE_CASES.read_bytes()


@pytest.fixture(scope="module")
def snapshot(baseline):
    return read_example_snapshot(baseline)


@pytest.fixture(scope="module")
def runs(snapshot, baseline):
    return run_policies(snapshot, baseline, ["least_loaded", "round_robin", "points_threshold", "milp"])


def test_an_upload_reads_like_the_files_on_disk(baseline):
    uploaded = read_uploaded_snapshot(WORKERS, CASES, EXAMPLE_DATE, baseline)
    on_disk = read_snapshot(EXAMPLE_WORKERS, EXAMPLE_CASES, EXAMPLE_DATE, baseline)
    assert uploaded == on_disk
    assert len(uploaded.waiting) == 14 and len(uploaded.workers) == 11


def test_text_uploads_are_accepted(baseline):
    uploaded = read_uploaded_snapshot(WORKERS.decode(), CASES.decode(), EXAMPLE_DATE, baseline)
    assert len(uploaded.cases) == 129


def test_a_wrong_column_names_the_uploaded_file_row_and_column(baseline):
    bad = WORKERS.replace(b"fte", b"ftee", 1)
    with pytest.raises(SnapshotError) as caught:
        read_uploaded_snapshot(bad, CASES, EXAMPLE_DATE, baseline, "team.csv", "open cases.csv")
    assert caught.value.messages == [
        "team.csv: row 1, column ftee: unknown column; did you mean 'fte'? "
        "(allowed columns: id, role, fte, start_date, skills, team)",
        "team.csv: row 1: missing column fte (expected columns: id, role, fte, start_date, skills, team)",
    ]


def test_problems_in_both_files_are_reported_together_without_temporary_paths(baseline):
    workers = WORKERS.replace(b"W01,social_worker,1.0", b"W01,social_worker,2.5")
    cases = CASES.replace(b"C0003,assessment", b"C0003,visit")
    with pytest.raises(SnapshotError) as caught:
        read_uploaded_snapshot(workers, cases, EXAMPLE_DATE, baseline, "data.csv", "data.csv")
    messages = caught.value.messages
    assert messages[0].startswith("data.csv: row 2, column fte: 2.5 is out of range")
    assert messages[1].startswith("data.csv: row 4, column type: unknown case type 'visit'")
    assert all("caseplan-upload-" not in m and "/" not in m.split(":")[0] for m in messages)


def test_an_undecodable_upload_is_a_message_not_an_exception(baseline):
    with pytest.raises(SnapshotError) as caught:
        read_uploaded_snapshot(b"id,role\n\xff\xfe,x\n", CASES, EXAMPLE_DATE, baseline)
    assert caught.value.messages[0].startswith("workers.csv: the file is not UTF-8 text")


def test_a_worker_who_starts_after_the_date_is_checked_against_the_chosen_date(baseline):
    with pytest.raises(SnapshotError) as caught:
        read_uploaded_snapshot(WORKERS, CASES, pd.Timestamp("2026-01-01").date(), baseline)
    assert any("is after the snapshot date 2026-01-01" in m for m in caught.value.messages)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("workers.csv", "workers.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\tm\\my team.csv", "my team.csv"),
        ("", "workers.csv"),
        (None, "workers.csv"),
        ("..", "workers.csv"),
        ("tëam;rm.csv", "t_am_rm.csv"),
    ],
)
def test_upload_names_are_plain_file_names(name, expected):
    assert upload_name(name, "workers.csv") == expected


def test_each_policy_matches_the_command_line_allocation(runs, snapshot, baseline):
    assert [run.policy for run in runs] == ["least_loaded", "round_robin", "points_threshold", "milp"]
    for run in runs:
        assert not run.errors and run.seconds >= 0
        direct = allocate_team(snapshot.workers, snapshot.cases, EXAMPLE_DATE, baseline, run.policy)
        pd.testing.assert_frame_equal(run.result.allocations, direct.allocations)
    assert runs[-1].result.status.startswith("optimal")


def test_unknown_or_no_policies_are_refused(snapshot, baseline):
    with pytest.raises(ValueError, match="'fifo'"):
        run_policies(snapshot, baseline, ["least_loaded", "fifo"])
    with pytest.raises(ValueError, match="none chosen"):
        run_policies(snapshot, baseline, [])


def test_a_policy_that_cannot_run_does_not_stop_the_others(snapshot, baseline, monkeypatch):
    import caseplan.explorer.allocation as module

    real = module.allocate_team

    def flaky(workers, cases, as_of, scenario, policy):
        if policy == "milp":
            raise ModuleNotFoundError("No module named 'highspy'")
        return real(workers, cases, as_of, scenario, policy)

    monkeypatch.setattr(module, "allocate_team", flaky)
    done = run_policies(snapshot, baseline, ["milp", "least_loaded"])
    assert done[0].result is None and "milp policy is not available" in done[0].errors[0]
    assert done[1].result is not None
    summary = summary_table(done, snapshot, baseline)
    assert summary["solver status"].iloc[0].startswith("failed: the milp policy")
    assert list(compare_decisions(done).columns) == ["case", "least_loaded", "differs"]


def test_the_decisions_table_has_every_waiting_case_with_type_reason_and_status(runs, snapshot, baseline):
    table = decisions_table(runs[0].result, snapshot, baseline)
    assert tuple(table.columns) == DECISION_COLUMNS
    assert table["case"].tolist() == [c.id for c in snapshot.waiting]
    assert set(table["type"]) <= set(baseline.case_types)
    assert (table["status"] == "allocated").all()
    assert table.loc[table["case"] == "C0120", "reason"].item() == "continuity"


def test_a_must_allocate_case_left_waiting_is_marked_for_escalation(snapshot):
    tight = variant(allocation={"max_load_ratio": 0.5})  # nobody has room
    result = allocate_team(snapshot.workers, snapshot.cases, EXAMPLE_DATE, tight, "least_loaded")
    table = decisions_table(result, snapshot, tight)
    assert (table["worker"] == "").all()
    must = {c.id for c in snapshot.waiting if tight.case_types[c.type].must_allocate or c.must_allocate}
    assert must  # the example has CP and court cases
    assert set(table.loc[table["status"] == "waiting: escalate", "case"]) == must
    assert set(table.loc[table["status"] == "waiting", "case"]) == {c.id for c in snapshot.waiting} - must


def test_the_comparison_puts_the_policies_side_by_side(runs):
    table = compare_decisions(runs)
    assert list(table.columns) == [
        "case",
        "least_loaded",
        "round_robin",
        "points_threshold",
        "milp",
        "differs",
    ]
    assert len(table) == 14
    assert table.loc[table["case"] == "C0129", "points_threshold"].item() == "waiting"
    same = table[["least_loaded", "milp"]].nunique(axis=1) == 1
    assert (table["differs"] | same).all() and table["differs"].any()


def test_the_summary_counts_allocations_and_the_highest_ratio(runs, snapshot, baseline):
    summary = summary_table(runs, snapshot, baseline)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    row = summary.set_index("policy").loc["points_threshold"]
    assert row["allocated"] == 13 and row["waiting"] == 1 and row["must-allocate waiting"] == 0
    milp = summary.set_index("policy").loc["milp"]
    ratios = runs[-1].result.loads["load_ratio_after"].dropna()
    assert milp["highest load ratio"] == pytest.approx(ratios.max())
    assert milp["workers over capacity"] == 0
    assert summary.set_index("policy").loc["least_loaded", "solver status"] == "heuristic"


def test_the_chart_data_has_case_holding_workers_with_asye_and_bands(runs, snapshot, baseline):
    data = load_chart_data(runs[0].result, snapshot, baseline)
    assert tuple(data.columns) == LOAD_CHART_COLUMNS
    assert "W11" not in set(data["worker_id"])  # the team manager has no case capacity
    assert data.set_index("worker_id")["asye"].to_dict() == {
        **{f"W{n:02d}": False for n in range(1, 9)},
        "W09": True,
        "W10": True,
    }
    assert (data["load_ratio_after"] >= data["load_ratio_before"]).all()
    assert set(data["band"]) == {"within capacity"}


def test_bands_follow_the_scenario_ratios(snapshot):
    squeezed = variant(capacity={"overload_ratio": 0.5, "excessive_ratio": 0.85})
    result = allocate_team(snapshot.workers, snapshot.cases, EXAMPLE_DATE, squeezed, "least_loaded")
    data = load_chart_data(result, snapshot, squeezed)
    over = data["load_ratio_after"] > 0.85
    assert (data.loc[over, "band"] == "excessive").all()
    assert (data.loc[~over, "band"] == "over capacity").all()
    lines = reference_lines(squeezed)
    assert lines["ratio"].tolist() == [0.5, 0.85]


def test_the_reference_lines_are_capacity_and_excessive(baseline):
    lines = reference_lines(baseline)
    assert lines["ratio"].tolist() == [1.0, 1.1]
    assert lines["label"].tolist() == ["capacity (100%)", "excessive (110%)"]


def test_the_download_is_the_command_line_csv(runs):
    data = allocations_csv(runs[2].result)
    table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert tuple(table.columns) == ALLOCATION_COLUMNS
    assert len(table) == 14
    assert table.loc[table["case_id"] == "C0129", "worker_id"].item() == ""
    assert data.endswith(b"\n") and b"\r\n" not in data
