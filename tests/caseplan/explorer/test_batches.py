"""The Batch results page's library: checking a batch directory, comparing, values and CSV export."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from batch.compare import compare
from batch.driver import run_batch
from batch.executors import Serial
from caseplan.explorer.batches import (
    FIELD,
    BatchDirectoryError,
    comparison,
    open_batch,
    replication_values,
    table_csv,
)
from tests.batch import write_grid

LOW, HIGH = "referrals_per_week=5", "referrals_per_week=6"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    directory = tmp_path_factory.mktemp("explorer-batch")
    grid = write_grid(directory, name="explorer", parameters={"demand.referrals_per_week": [5.0, 6.0]},
                      replications=3)  # fmt: skip
    out = directory / "out"
    assert run_batch(grid, out, Serial()).done == 9
    return out


def test_a_batch_directory_is_read_with_its_scenarios_figures_and_reference(out):
    batch = open_batch(f"  {out}  ")
    assert batch.path == out and batch.scenarios == ["base", LOW, HIGH]
    assert batch.reference == "base" and batch.status == "complete" and batch.grid_name == "explorer"
    assert "unallocated_cases" in batch.metrics and "seconds" not in batch.metrics
    assert len(batch.runs) == 9 and batch.problems == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: "", "enter the output directory"),
        (lambda tmp: str(tmp / "missing"), "no such directory"),
        (lambda tmp: str(_file(tmp)), "not a directory"),
        (lambda tmp: str(tmp), "no 'runs/' folder"),
        (lambda tmp: str(_empty_runs(tmp)), "no runs stored yet"),
    ],
)
def test_a_directory_that_is_not_a_batch_is_an_error_naming_the_field(tmp_path, make, message):
    with pytest.raises(BatchDirectoryError, match=message) as info:
        open_batch(make(tmp_path))
    assert str(info.value).startswith(f"{FIELD}: ")


def _file(tmp):
    path = tmp / "a.txt"
    path.write_text("x")
    return path


def _empty_runs(tmp):
    (tmp / "b" / "runs").mkdir(parents=True)
    return tmp / "b"


def test_the_comparison_is_that_of_caseplan_compare_for_the_chosen_scenarios(out):
    batch = open_batch(str(out))
    table = comparison(batch, [HIGH, "base"], ["open_cases"], "base")
    full = compare(out, ["open_cases"], "base")
    assert list(table["scenario"]) == ["base", HIGH]
    pd.testing.assert_frame_equal(table, full[full["scenario"] != LOW].reset_index(drop=True))
    other = comparison(batch, [HIGH], ["open_cases", "unallocated_cases"], LOW)
    assert list(other["metric"]) == ["open_cases", "unallocated_cases"] and other.iloc[0]["pairs"] == 3


def test_comparison_errors_name_the_field(out):
    batch = open_batch(str(out))
    with pytest.raises(ValueError, match="^Scenarios: choose"):
        comparison(batch, [], ["open_cases"], "base")
    with pytest.raises(ValueError, match="^Scenarios: not in this batch: nope"):
        comparison(batch, ["nope"], ["open_cases"], "base")
    with pytest.raises(ValueError, match="^Figure: choose"):
        comparison(batch, ["base"], [], "base")
    with pytest.raises(ValueError, match="^Figure: unknown metric"):
        comparison(batch, ["base"], ["nope"], "base")
    with pytest.raises(ValueError, match="^Reference: unknown reference"):
        comparison(batch, ["base"], ["open_cases"], "nope")


def test_the_values_are_one_per_run_in_the_chosen_order(out):
    batch = open_batch(str(out))
    values = replication_values(batch, [HIGH, "base"], "open_cases")
    assert list(values.columns) == ["scenario", "replication", "value"]
    assert values["scenario"].tolist() == [HIGH] * 3 + ["base"] * 3
    assert values["replication"].tolist() == [0, 1, 2] * 2
    stored = batch.runs.set_index(["scenario", "replication"])["open_cases"]
    assert values.iloc[0]["value"] == pytest.approx(stored[(HIGH, 0)])
    with pytest.raises(ValueError, match="^Figure: unknown figure 'nope'"):
        replication_values(batch, ["base"], "nope")


def test_the_csv_reads_back_as_the_table(out):
    table = comparison(open_batch(str(out)), ["base", LOW], ["open_cases"], "base")
    back = pd.read_csv(io.BytesIO(table_csv(table)))
    assert list(back.columns) == list(table.columns) and len(back) == 2
    assert back["mean"].tolist() == pytest.approx(table["mean"].tolist())
