"""The pages' tables of figures keep every interval in its figure's range and say when intervals come
from few replications (AppTest)."""

from __future__ import annotations

import pandas as pd
import pytest

from batch.driver import run_batch
from batch.executors import Serial
from simulator.figures import figure
from simulator.statistics import FEW_REPLICATIONS
from tests.app.test_pages import BATCH, CONTINGENCY, DEMAND, no_problem, open_page, run, table
from tests.batch import write_grid

ROUGH = f"Intervals from fewer than {FEW_REPLICATIONS} replications"


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    """A batch of two scenarios with 3 replications each (short horizon)."""
    directory = tmp_path_factory.mktemp("rough-batch")
    grid = write_grid(
        directory, name="rough", parameters={"demand.referrals_per_week": [5.0, 6.0]}, replications=3
    )
    out = directory / "out"
    assert run_batch(grid, out, Serial()).done == 9
    return out


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def assert_in_range(frame: pd.DataFrame, name_column: str) -> None:
    for _, row in frame.dropna(subset=["ci_low"]).iterrows():
        low, high = figure(row[name_column]).bounds
        assert low <= row["ci_low"] <= row["ci_high"] <= high, row


def test_the_demand_page_marks_rough_intervals_and_keeps_them_in_range():
    at = run(open_page(DEMAND), 3)
    assert no_problem(at)
    summary = table(at, "figure", "supervision_missed")
    assert summary["few_replications"].all() and len(summary) >= 30
    assert_in_range(summary, "figure")
    assert any(c.startswith(ROUGH) for c in captions(at))


def test_the_batch_page_marks_rough_intervals(batch_dir):
    at = open_page(BATCH)
    at.text_input(key="batch_dir").set_value(str(batch_dir)).run()
    assert no_problem(at)
    shown = table(at, "diff")
    assert shown["few_replications"].all()  # 3 replications
    assert_in_range(shown, "metric")
    assert any(c.startswith(ROUGH) for c in captions(at))


def test_enough_replications_need_no_caption():
    at = run(open_page(DEMAND), FEW_REPLICATIONS)
    assert no_problem(at)
    assert not table(at, "figure", "open_cases")["few_replications"].any()
    assert not any(c.startswith(ROUGH) for c in captions(at))


def test_the_contingency_page_marks_rough_totals_and_keeps_them_in_range():
    at = run(open_page(CONTINGENCY), 3, slider="contingency_replications")
    assert no_problem(at)
    for key in ("contingency_cost", "cpd_taken_share"):
        shown = table(at, "figure", key)
        assert shown["few_replications"].all()
        assert_in_range(shown, "figure")
    assert sum(c.startswith(ROUGH) for c in captions(at)) == 2  # under the totals and the compliance table
