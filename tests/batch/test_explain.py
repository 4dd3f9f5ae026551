"""Mechanisms of a batch's scenarios against the reference (``caseplan compare --explain``)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from batch.driver import run_batch
from batch.executors import Serial
from batch.explain import compare_mechanisms
from batch.store import WEEKLY, read_table
from caseplan.cli import app
from simulator.explain import MECHANISM_COLUMNS
from simulator.mechanisms import mechanism_figures
from tests.batch import write_grid

LOW, HIGH = "referrals_per_week=5", "referrals_per_week=7"


@pytest.fixture(scope="module")
def demand_batch(tmp_path_factory):
    """Two scenarios with clearly different demand, 40 weeks, 4 replications each."""
    directory = tmp_path_factory.mktemp("explain")
    grid = write_grid(
        directory,
        name="explain",
        overrides={"meta": {"horizon_weeks": 40, "warmup_weeks": 8}},
        include_base=False,
        parameters={"demand.referrals_per_week": [5.0, 7.0]},
        replications=4,
    )
    out = directory / "out"
    assert run_batch(grid, out, Serial()).done == 8
    return out


def test_mechanisms_pair_each_scenario_with_the_reference_replication_by_replication(demand_batch):
    table = compare_mechanisms(demand_batch)
    assert list(table.columns) == ["scenario", "reference", *MECHANISM_COLUMNS]
    assert set(table["scenario"]) == {HIGH} and set(table["reference"]) == {LOW}
    referrals = table.set_index("name").loc["referrals"]
    weekly = read_table(demand_batch, WEEKLY)
    by_run = {
        (name, rep): mechanism_figures(rows)["referrals"] for (name, rep), rows in weekly.groupby(["scenario", "replication"])
    }  # fmt: skip
    expected = sum(by_run[HIGH, r] - by_run[LOW, r] for r in range(4)) / 4
    assert referrals["diff"] == pytest.approx(expected)
    assert referrals["diff"] > 0 and referrals["differs"]  # 40% more referrals is beyond noise


def test_an_unknown_reference_lists_the_scenarios(demand_batch):
    with pytest.raises(ValueError, match="unknown reference scenario 'nope'; scenarios: "):
        compare_mechanisms(demand_batch, "nope")


def test_compare_explain_prints_the_mechanisms_and_writes_them_beside_the_csv(demand_batch, tmp_path):
    out = tmp_path / "compare.csv"
    result = CliRunner().invoke(
        app, ["compare", str(demand_batch), "--metric", "unallocated_cases", "--explain", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"Mechanisms: {HIGH} − {LOW}" in result.output
    assert "staff in post, FTE" in result.output
    written = pd.read_csv(tmp_path / "compare.mechanisms.csv")
    assert "case_capacity_hours" in set(written["name"])
