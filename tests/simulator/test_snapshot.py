"""Reading the snapshot CSVs: every bad input is named by file, row and column; privacy; size limits."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError
from simulator.snapshot import (
    MAX_MESSAGES,
    MAX_ROWS,
    SnapshotError,
    cap_messages,
    parse_date,
    personal_data_kind,
    read_cases,
    read_snapshot,
    read_workers,
)
from tests.support import ROOT

BAD = ROOT / "tests" / "data" / "bad_csv"
GOOD_WORKERS = BAD / "good_workers.csv"
GOOD_CASES = BAD / "good_cases.csv"
BAD_FILES = sorted(p for p in BAD.glob("*.csv") if not p.stem.startswith("good"))
EXAMPLES = ROOT / "scenarios" / "examples"
AS_OF = dt.date(2026, 11, 2)

WORKERS_HEADER = "id,role,fte,start_date,skills,team\n"
CASES_HEADER = "id,type,opened,worker_id\n"


def pair(path: Path) -> tuple[Path, Path]:
    """A bad file with the good partner file (bad_csv/workers_* go with good_cases and vice versa)."""
    return (path, GOOD_CASES) if path.stem.startswith("workers_") else (GOOD_WORKERS, path)


def expected(path: Path) -> list[str]:
    lines = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    assert lines, f"{path.with_suffix('.expected')} lists no expected message"
    return lines


def problems(workers: Path, cases: Path, baseline, as_of: dt.date = AS_OF) -> list[str]:
    with pytest.raises(SnapshotError) as info:
        read_snapshot(workers, cases, as_of, baseline)
    return info.value.messages


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------- catalogue


def test_the_bad_file_catalogue_is_complete():
    assert len(BAD_FILES) >= 35
    assert all(p.with_suffix(".expected").exists() for p in BAD_FILES)


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file_is_rejected_with_file_row_and_column(path, baseline):
    messages = problems(*pair(path), baseline)
    text = "\n".join(messages)
    for substring in expected(path):
        assert substring in text, f"{substring!r} not in:\n{text}"
    assert all(m.startswith(str(path)) or m.startswith("... and") for m in messages), text


def test_snapshot_error_is_a_scenario_error_so_every_caller_reports_it():
    assert issubclass(SnapshotError, ScenarioError)


def test_good_files_parse(baseline):
    snap = read_snapshot(GOOD_WORKERS, GOOD_CASES, AS_OF, baseline)
    assert [w.id for w in snap.workers] == ["W01", "W02", "W03", "W04"]
    w1, w2 = snap.workers[:2]
    assert (w1.role, w1.fte, w1.start_date, w1.skills, w1.team) == (
        "social_worker", 1.0, dt.date(2015, 1, 12), frozenset({"court"}), "north",
    )  # fmt: skip
    assert w2.fte == 0.8 and w2.skills == frozenset()
    assert len(snap.cases) == 8 and len(snap.waiting) == 5 and len(snap.held) == 3
    by_id = {c.id: c for c in snap.cases}
    assert by_id["C06"].sibling_group == by_id["C07"].sibling_group == "G1"
    assert by_id["C08"].previous_worker_id == "W02"
    assert by_id["C04"].priority is None and by_id["C04"].row == 5
    assert all(c.team == "north" for c in snap.cases)  # one team: inferred


def test_the_example_team_parses(baseline):
    snap = read_snapshot(EXAMPLES / "team_workers.csv", EXAMPLES / "team_cases.csv", AS_OF, baseline)
    roles = [w.role for w in snap.workers]
    assert roles.count("social_worker") == 8 and roles.count("asye") == 2
    assert roles.count("team_manager") == 1
    assert 100 <= len(snap.held) <= 120 and len(snap.waiting) == 14
    waiting_types = {c.type for c in snap.waiting}
    assert {"cp", "court", "cin", "assessment", "s47"} <= waiting_types
    assert any(c.previous_worker_id for c in snap.waiting)
    assert any("court" in c.extra_skills for c in snap.waiting if c.type == "court")
    assert sum(c.sibling_group is not None for c in snap.waiting) == 2


# ------------------------------------------------------------------------------- specific checks


def test_every_value_problem_is_collected_not_just_the_first(tmp_path, baseline):
    workers = write(
        tmp_path / "w.csv",
        WORKERS_HEADER
        + "W01,wizard,1.0,2015-01-01,,north\n"
        + "W02,social_worker,lots,2015-01-01,,north\n"
        + "W03,social_worker,1.0,yesterday,,north\n",
    )
    cases = write(tmp_path / "c.csv", CASES_HEADER + "C1,cin,2026-10-01,\nC2,bogus,2026-10-01,\n")
    text = "\n".join(problems(workers, cases, baseline))
    assert "w.csv: row 2, column role" in text
    assert "w.csv: row 3, column fte" in text
    assert "w.csv: row 4, column start_date" in text
    assert "c.csv: row 3, column type: unknown case type 'bogus'" in text  # cases checked too


def test_the_list_is_capped_and_says_how_many_more(tmp_path, baseline):
    rows = "".join(f"W{i:02d},wizard,1.0,2015-01-01,,north\n" for i in range(1, 31))
    messages = problems(write(tmp_path / "w.csv", WORKERS_HEADER + rows), GOOD_CASES, baseline)
    assert len(messages) == MAX_MESSAGES + 1
    assert messages[-1] == "... and 10 more problems"
    assert cap_messages(["a", "b"], limit=1) == ["a", "... and 1 more problem"]


def test_rows_are_counted_as_a_spreadsheet_shows_them(tmp_path, baseline):
    text = WORKERS_HEADER + "W01,social_worker,1.0,2015-01-01,,north\n\n,,,,,\nW02,asye,9,2026-01-01,,north\n"
    messages = problems(write(tmp_path / "w.csv", text), GOOD_CASES, baseline)
    assert any("row 5, column fte" in m for m in messages), messages


def test_byte_order_mark_whitespace_and_header_case_are_accepted(tmp_path):
    text = "\ufeffID , Role,FTE,start_date,skills,team\n W01 ,social_worker, 1.0 ,2015-01-01, Court ; disability ,north\n"
    (worker,) = read_workers(write(tmp_path / "w.csv", text), AS_OF)
    assert (worker.id, worker.fte, worker.skills) == ("W01", 1.0, frozenset({"court", "disability"}))


def test_trailing_columns_without_name_or_value_are_ignored(tmp_path):
    text = WORKERS_HEADER.rstrip("\n") + ",,\nW01,social_worker,1.0,2015-01-01,,north,,\n"
    (worker,) = read_workers(write(tmp_path / "w.csv", text), AS_OF)
    assert worker.team == "north"


def test_a_missing_file(tmp_path, baseline):
    messages = problems(tmp_path / "nope.csv", GOOD_CASES, baseline)
    assert messages == [f"{tmp_path / 'nope.csv'}: file not found"]


def test_cases_are_not_cross_checked_when_the_workers_file_is_unreadable(tmp_path, baseline):
    messages = problems(tmp_path / "nope.csv", GOOD_CASES, baseline)
    assert not any("unknown worker" in m for m in messages)


def test_a_manager_may_give_the_priority_flags_and_team(tmp_path):
    text = (
        "id,type,opened,worker_id,priority,flags,previous_worker_id,team\n"
        "C1,assessment,2026-10-01,,4,sibling:G7; exclude:W02 ;skill:Court;experienced;must_allocate,W01,north\n"
    )
    (case,) = read_cases(
        write(tmp_path / "c.csv", text), AS_OF, ["assessment"], read_workers(GOOD_WORKERS, AS_OF)
    )
    assert case.priority == 4 and case.sibling_group == "G7"
    assert case.excluded_workers == frozenset({"W02"}) and case.extra_skills == frozenset({"court"})
    assert case.needs_experienced and case.must_allocate
    assert case.previous_worker_id == "W01" and case.team == "north"


# ---------------------------------------------------------------------------------------- teams


def two_teams(tmp_path: Path) -> Path:
    return write(
        tmp_path / "w.csv",
        WORKERS_HEADER + "W01,social_worker,1.0,2015-01-01,,north\nW02,social_worker,1.0,2015-01-01,,south\n",
    )


def test_several_teams_need_a_team_column_for_new_cases(tmp_path, baseline):
    cases = write(tmp_path / "c.csv", CASES_HEADER + "C1,cin,2026-10-01,\n")
    (message,) = problems(two_teams(tmp_path), cases, baseline)
    assert "c.csv: row 2, column team: is missing" in message
    assert "north, south" in message and "add a 'team' column" in message


def test_a_case_takes_the_team_column_else_its_holder_or_previous_worker(tmp_path, baseline):
    cases = write(
        tmp_path / "c.csv",
        "id,type,opened,worker_id,previous_worker_id,team\n"
        "C1,cin,2026-10-01,,,south\nC2,cin,2026-10-01,W02,,\nC3,cin,2026-10-01,,W02,\n",
    )
    snap = read_snapshot(two_teams(tmp_path), cases, AS_OF, baseline)
    assert [c.team for c in snap.cases] == ["south", "south", "south"]


def test_waiting_siblings_in_two_teams_are_rejected(tmp_path, baseline):
    cases = write(
        tmp_path / "c.csv",
        "id,type,opened,worker_id,flags,team\nC1,cin,2026-10-01,,sibling:G1,north\n"
        "C2,cin,2026-10-01,,sibling:G1,south\n",
    )
    (message,) = problems(two_teams(tmp_path), cases, baseline)
    assert "column flags: sibling group G1" in message and "north (row 2), south (row 3)" in message


# -------------------------------------------------------------------------------------- privacy


@pytest.mark.parametrize(
    "column",
    ["name", "first_name", "surname", "full_name", "dob", "date_of_birth", "birth_date",
     "First Name", "child_name", "DOB", "address", "postcode", "email"],
)  # fmt: skip
def test_personal_data_columns_are_rejected(column, tmp_path, baseline):
    cases = write(tmp_path / "c.csv", f"id,type,opened,worker_id,{column}\nC1,cin,2026-10-01,,x\n")
    messages = problems(GOOD_WORKERS, cases, baseline)
    assert any(f"c.csv: row 1, column {column.lower()}: looks like personal data" in m for m in messages), (
        messages
    )


@pytest.mark.parametrize("column", ["id", "team", "type", "opened", "worker_id", "flags", "priority"])
def test_format_columns_are_not_taken_for_personal_data(column):
    assert personal_data_kind(column) is None


# ----------------------------------------------------------------------------------------- size


def test_a_100000_row_file_is_rejected_quickly(tmp_path, baseline):
    rows = "".join(f"C{i:06d},cin,2026-01-01,W01\n" for i in range(100_000))
    cases = write(tmp_path / "c.csv", CASES_HEADER + rows)
    start = time.perf_counter()
    messages = problems(GOOD_WORKERS, cases, baseline)
    elapsed = time.perf_counter() - start
    assert messages == [
        f"{cases}: more than {MAX_ROWS:,} data rows (about 100,000); a snapshot may hold at most "
        f"{MAX_ROWS:,} rows — split the file by team"
    ]
    assert elapsed < 5, f"took {elapsed:.1f} s"


def test_an_oversize_file_is_rejected_before_it_is_read(tmp_path, baseline, monkeypatch):
    import simulator.snapshot as snapshot

    monkeypatch.setattr(snapshot, "MAX_FILE_BYTES", 500)
    (message,) = problems(GOOD_WORKERS, write(tmp_path / "c.csv", CASES_HEADER + "x" * 600), baseline)
    assert "c.csv: the file is 625 bytes; a snapshot file may be at most 500 bytes" in message


# ---------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "value"),
    [("2026-11-02", dt.date(2026, 11, 2)), (" 2026-01-31 ", dt.date(2026, 1, 31)), ("2026-02-29", None),
     ("02/11/2026", None), ("20261102", None), ("2026-11-2", None), ("", None), ("2026-11-02T00:00", None)],
)  # fmt: skip
def test_parse_date_accepts_only_real_yyyy_mm_dd(text, value):
    assert parse_date(text) == value
