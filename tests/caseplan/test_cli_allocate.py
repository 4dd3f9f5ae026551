"""``caseplan allocate``: the round trip on the example team, and bad input (exit 2, nothing written).

Bad CSVs live in tests/data/bad_csv: ``workers_*.csv`` run with ``good_cases.csv``, ``cases_*.csv``
with ``good_workers.csv``; each ``.expected`` lists substrings the error output must contain.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from caseplan.cli import app
from optimiser import POLICY_NAMES
from tests.support import BASELINE, ROOT

runner = CliRunner()
EXAMPLES = ROOT / "scenarios" / "examples"
WORKERS = EXAMPLES / "team_workers.csv"
CASES = EXAMPLES / "team_cases.csv"
DATE = "2026-11-02"
BAD = ROOT / "tests" / "data" / "bad_csv"
GOOD_WORKERS, GOOD_CASES = BAD / "good_workers.csv", BAD / "good_cases.csv"
BAD_FILES = sorted(p for p in BAD.glob("*.csv") if not p.stem.startswith("good"))
HAS_MILP = importlib.util.find_spec("optimiser.milp") is not None
POLICIES = [
    pytest.param(p, marks=pytest.mark.skipif(not HAS_MILP, reason="optimiser.milp is not there yet"))
    if p == "milp"
    else p
    for p in POLICY_NAMES
]
ALLOCATION_HEADER = "case_id,worker_id,weight_hours,reason,runner_up"
LOADS_HEADER = "worker_id,role,case_capacity_hours,load_hours_before,load_hours_after,load_ratio_after"


def allocate(*extra: str, workers: Path = WORKERS, cases: Path = CASES, date: str = DATE, out: Path):
    args = ["allocate", "--workers", str(workers), "--cases", str(cases), "--date", date, "--out", str(out)]
    return runner.invoke(app, [*args, *extra])


def check_rejected(result, out_dir: Path, *substrings: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stderr.startswith("error: "), result.stderr
    for substring in substrings:
        assert substring in result.stderr, f"{substring!r} not in stderr:\n{result.stderr}"
    assert result.stdout == ""
    assert list(out_dir.iterdir()) == [], "bad input must write nothing"


def header(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


# ------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("policy", POLICIES)
def test_round_trip_on_the_example_team(policy, tmp_path):
    out, loads = tmp_path / "allocations.csv", tmp_path / "loads.csv"
    result = allocate("--policy", policy, "--loads-out", str(loads), out=out)
    assert result.exit_code == 0, result.output
    assert header(out) == ALLOCATION_HEADER
    assert header(loads) == LOADS_HEADER
    allocations = pd.read_csv(out, dtype=str, keep_default_na=False)
    load_table = pd.read_csv(loads)
    assert len(allocations) == 14 and len(load_table) == 11
    assert (allocations["reason"] != "").all()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["allocations.csv", "loads.csv"]  # no temp files
    for text in ("C0116", "cp", "Worker loads", "W11", "team_manager", "allocated", "written:"):
        assert text in result.stdout, text
    assert ("solver status:" in result.stdout) == (policy == "milp")
    # loads.csv arithmetic: after = before + the weights allocated to the worker (3 decimals written)
    added = (
        allocations[allocations["worker_id"] != ""]
        .astype({"weight_hours": float})
        .groupby("worker_id")["weight_hours"]
        .sum()
    )
    expected = load_table["load_hours_before"] + load_table["worker_id"].map(added).fillna(0)
    assert load_table["load_hours_after"].tolist() == pytest.approx(expected.tolist(), abs=2e-3)


def test_without_loads_out_only_the_allocations_are_written(tmp_path):
    result = allocate(out=tmp_path / "a.csv")
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
    assert "least_loaded" in result.stdout  # the baseline's policy
    assert "solver status" not in result.stdout


def test_the_scenario_option_sets_the_default_policy(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"extends: {BASELINE}\nallocation: {{policy: round_robin}}\n", encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = allocate("--scenario", str(scenario), out=out_dir / "a.csv")
    assert result.exit_code == 0, result.output
    reasons = pd.read_csv(out_dir / "a.csv", dtype=str, keep_default_na=False)["reason"]
    assert reasons.str.contains("next in rotation").any()


def test_an_existing_output_is_replaced(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("old\n", encoding="utf-8")
    assert allocate(out=out).exit_code == 0
    assert header(out) == ALLOCATION_HEADER


# ------------------------------------------------------------------------------------ bad input


def test_the_bad_csv_catalogue_is_present():
    assert len(BAD_FILES) >= 35


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_csv_exits_2_and_writes_nothing(path, tmp_path):
    workers, cases = (path, GOOD_CASES) if path.stem.startswith("workers_") else (GOOD_WORKERS, path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = allocate(
        "--loads-out", str(out_dir / "l.csv"), workers=workers, cases=cases, out=out_dir / "a.csv"
    )
    lines = path.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    check_rejected(result, out_dir, *lines)


def test_bad_input_leaves_an_existing_output_untouched(tmp_path):
    out = tmp_path / "a.csv"
    out.write_text("yesterday's allocation\n", encoding="utf-8")
    result = allocate(cases=BAD / "cases_unknown_type.csv", workers=GOOD_WORKERS, out=out)
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "yesterday's allocation\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]


@pytest.mark.parametrize("date", ["2026-13-01", "02/11/2026", "2026-11-2", "tomorrow", ""])
def test_a_bad_date_exits_2(date, tmp_path):
    result = allocate(date=date, out=tmp_path / "a.csv")
    check_rejected(result, tmp_path, f"--date: {date!r} is not a date", "expected YYYY-MM-DD")


def test_a_date_before_the_team_started_names_the_rows(tmp_path):
    result = allocate(date="2026-05-01", out=tmp_path / "a.csv")
    check_rejected(
        result, tmp_path, "team_workers.csv: row 10, column start_date: 2026-07-02 is after the snapshot date"
    )


def test_an_unknown_policy_exits_2(tmp_path):
    result = allocate("--policy", "best_fit", out=tmp_path / "a.csv")
    check_rejected(result, tmp_path, "--policy: unknown policy 'best_fit'", "least_loaded")


def test_a_missing_input_file_exits_2(tmp_path):
    result = allocate(workers=tmp_path / "nope.csv", out=tmp_path / "a.csv")
    check_rejected(result, tmp_path, "nope.csv: file not found")


def test_a_missing_output_folder_is_created(tmp_path):
    result = allocate(out=tmp_path / "missing" / "deeper" / "a.csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "missing" / "deeper" / "a.csv").is_file()


def test_an_output_folder_that_is_a_file_exits_2(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "notes").write_text("a file, not a folder", encoding="utf-8")
    result = allocate(out=out_dir / "notes" / "a.csv")
    (out_dir / "notes").unlink()  # what remains must be nothing
    check_rejected(result, out_dir, "--out:", "is a file, not a folder")


def test_an_output_that_would_overwrite_an_input_exits_2(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_bytes(CASES.read_bytes())
    result = allocate(cases=cases, out=cases)
    assert result.exit_code == 2 and "--out: " in result.stderr and "also given as --cases" in result.stderr
    assert cases.read_bytes() == CASES.read_bytes()


def test_a_bad_scenario_exits_2(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    bad = ROOT / "tests" / "data" / "bad" / "unknown_key.yaml"
    result = allocate("--scenario", str(bad), out=out_dir / "a.csv")
    check_rejected(result, out_dir, "unknown key 'horizon_week'")


def test_a_100000_row_file_is_rejected_fast_and_nothing_is_written(tmp_path):
    cases = tmp_path / "big.csv"
    rows = "".join(f"C{i:06d},cin,2026-01-01,W01\n" for i in range(100_000))
    cases.write_text("id,type,opened,worker_id\n" + rows, encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = allocate(cases=cases, out=out_dir / "a.csv")
    check_rejected(result, out_dir, "big.csv: more than 50,000 data rows")


def test_bad_input_in_a_subprocess_exits_2_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "caseplan", "allocate", "--workers", str(BAD / "workers_not_utf8.csv"),
         "--cases", str(GOOD_CASES), "--date", DATE, "--out", str(tmp_path / "a.csv")],
        capture_output=True, text=True, encoding="utf-8", errors="replace", cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "workers_not_utf8.csv: the file is not UTF-8 text" in proc.stderr
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []
