"""`caseplan batch`, `caseplan compare` and `caseplan replications` through the CLI (CliRunner, in-process)."""

from __future__ import annotations

import re
import socket

import pandas as pd
import pytest
from typer.testing import CliRunner

from batch.compare import replications_needed
from caseplan.cli import app
from simulator.run import run_scenario
from simulator.scenario import load_scenario
from tests.batch import stored_files, write_grid
from tests.support import BASELINE

runner = CliRunner()


def batch(grid, out, *extra: str):
    return runner.invoke(app, ["batch", str(grid), "--out", str(out), *extra])


def one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception), result.exception  # only SystemExit(2)
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A batch run through the CLI: (grid, out, first result)."""
    directory = tmp_path_factory.mktemp("cli")
    grid = write_grid(directory, parameters={"demand.referrals_per_week": [4.0, 6.0]}, replications=2)
    out = directory / "out"
    return grid, out, batch(grid, out)


def test_batch_runs_and_reports(finished):
    _, out, result = finished
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert f"6 runs planned: 6 done now, 0 already stored, 0 failed; outputs in {out}/" in text
    assert len(list((out / "runs").rglob("*.parquet"))) == 6


def test_batch_again_resumes(finished):
    grid, out, _ = finished
    result = batch(grid, out)
    assert result.exit_code == 0, result.output
    assert "6 runs planned: 0 done now, 6 already stored, 0 failed" in " ".join(result.stdout.split())


def test_batch_with_processes(tmp_path):
    grid = write_grid(tmp_path, replications=2)
    result = batch(grid, tmp_path / "out", "--executor", "processes", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "2 runs planned: 2 done now" in result.stdout


GRID_ERRORS = [
    ({"parameters": {"demand.referals_per_week": [4.0]}, "replications": 2},
     "did you mean 'demand.referrals_per_week'?"),
    ({"include_base": False, "replications": 2}, "the grid is empty"),
    ({"replications": 0}, "replications: must be greater than or equal to 1 (got 0)"),
    ({"parameters": {"demand.referrals_per_week": []}, "replications": 2},
     "parameters.demand.referrals_per_week: needs at least one value"),
    ({"replication": 2}, "unknown key 'replication'; did you mean 'replications'?"),
    ({"parameters": {"demand.referrals_per_week": [-1.0]}, "replications": 2},
     "scenario 'referrals_per_week=-1'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "expected"),
    GRID_ERRORS,
    ids=["unknown_parameter", "empty_grid", "zero_replications", "no_values", "unknown_key", "negative"],
)
def test_batch_rejects_a_bad_grid_and_writes_nothing(tmp_path, fields, expected):
    out = tmp_path / "out"
    line = one_error_line(batch(write_grid(tmp_path, **fields), out))
    assert expected in line
    assert not out.exists()


def test_batch_rejects_an_unknown_executor(tmp_path):
    out = tmp_path / "out"
    line = one_error_line(batch(write_grid(tmp_path, replications=1), out, "--executor", "threads"))
    assert "unknown executor 'threads'" in line and not out.exists()


def test_batch_rejects_an_unreachable_scheduler(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out"
    args = ["--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "1"]
    line = one_error_line(batch(write_grid(tmp_path, replications=1), out, *args))
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 1 s" in line
    assert not out.exists()


def test_batch_refuses_another_batch_without_force(finished, tmp_path):
    _, out, _ = finished
    before = stored_files(out)
    other = write_grid(tmp_path, name="other", replications=1)
    line = one_error_line(batch(other, out))
    assert "holds another batch ('demo')" in line and "--force" in line
    assert stored_files(out) == before


def test_batch_replaces_another_batch_with_force(tmp_path):
    out = tmp_path / "out"
    assert batch(write_grid(tmp_path, filename="a.yaml", replications=2), out).exit_code == 0
    result = batch(write_grid(tmp_path, name="other", filename="b.yaml", replications=1), out, "--force")
    assert result.exit_code == 0, result.output
    assert "1 runs planned: 1 done now" in result.stdout
    assert len(stored_files(out)) == 2


# -------------------------------------------------------------------------------------- compare


def test_compare_prints_one_table_per_metric_and_writes_csv(finished, tmp_path):
    _, out, _ = finished
    csv = tmp_path / "compare.csv"
    result = runner.invoke(
        app,
        ["compare", str(out), "--metric", "unallocated_cases", "--metric", "open_cases", "--out", str(csv)],
    )
    assert result.exit_code == 0, result.output
    titles = [
        line.strip()
        for line in result.stdout.splitlines()
        if line.strip() in ("unallocated_cases", "open_cases")
    ]
    assert titles == ["unallocated_cases", "open_cases"]
    assert result.stdout.count("┏") == 2  # two tables
    assert result.stdout.count("reference") == 2  # base is the reference in each
    table = pd.read_csv(csv)
    assert len(table) == 6
    assert set(table["metric"]) == {"unallocated_cases", "open_cases"}
    assert set(table["scenario"]) == {"base", "referrals_per_week=4", "referrals_per_week=6"}


def test_compare_with_a_reference(finished):
    _, out, _ = finished
    result = runner.invoke(
        app, ["compare", str(out), "--metric", "open_cases", "--reference", "referrals_per_week=6"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("reference") == 1


def test_compare_rejects_a_directory_that_is_not_a_batch(tmp_path):
    line = one_error_line(runner.invoke(app, ["compare", str(tmp_path)]))
    assert "not a batch output directory" in line


def test_compare_rejects_an_unknown_metric_listing_the_figures(finished):
    _, out, _ = finished
    line = one_error_line(runner.invoke(app, ["compare", str(out), "--metric", "unalocated"]))
    assert "unknown metric(s) unalocated; stored figures:" in line
    assert "unallocated_cases" in line and "open_cases" in line


def test_compare_rejects_an_unknown_reference(finished):
    _, out, _ = finished
    line = one_error_line(runner.invoke(app, ["compare", str(out), "--reference", "nobody"]))
    assert "unknown reference scenario 'nobody'" in line


# --------------------------------------------------------------------------------- replications


@pytest.fixture
def short_scenario(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {BASELINE}\nmeta: {{horizon_weeks: 30, warmup_weeks: 8}}\n")
    return path


def test_replications_prints_the_number_needed(short_scenario):
    args = [
        "replications",
        str(short_scenario),
        "--metric",
        "open_cases",
        "--half-width",
        "2",
        "--pilot",
        "4",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    found = re.search(r"open_cases: pilot of 4 replications, mean [\d.]+; (\d+) replications give", text)
    assert found, text
    pilot = run_scenario(load_scenario(short_scenario), 4)
    expected = replications_needed([r.figures["open_cases"] for r in pilot.replications], 2.0)
    assert int(found.group(1)) == expected > 2


def test_replications_rejects_an_unknown_metric(short_scenario):
    result = runner.invoke(app, ["replications", str(short_scenario), "--metric", "nope", "--pilot", "2"])
    line = one_error_line(result)
    assert "--metric: unknown figure 'nope'; figures:" in line and "unallocated_cases" in line


def test_replications_suggests_the_metric_meant(short_scenario):
    result = runner.invoke(
        app, ["replications", str(short_scenario), "--metric", "open_case", "--pilot", "2"]
    )
    assert "did you mean 'open_cases'? figures:" in one_error_line(result)
