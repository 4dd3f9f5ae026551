"""Comparing scenarios: paired (common random numbers) and unpaired intervals, and replications needed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from batch.compare import (
    _welch_half_width,
    compare,
    compare_row,
    default_reference,
    figures_of,
    replications_needed,
)
from batch.driver import run_batch
from batch.executors import Serial
from batch.store import read_table
from simulator.figures import figure
from simulator.statistics import mean_ci
from tests.batch import write_grid

LOW, HIGH = "referrals_per_week=5", "referrals_per_week=5.3"


@pytest.fixture(scope="module")
def crn_batch(tmp_path_factory):
    """Two scenarios 6% apart in demand, 60 weeks, 12 replications each."""
    directory = tmp_path_factory.mktemp("crn")
    grid = write_grid(
        directory,
        name="crn",
        overrides={"meta": {"horizon_weeks": 60, "warmup_weeks": 8}},
        include_base=False,
        parameters={"demand.referrals_per_week": [5.0, 5.3]},
        replications=12,
    )
    out = directory / "out"
    assert run_batch(grid, out, Serial()).done == 24
    return out


@pytest.mark.parametrize("metric", ["open_cases", "avg_caseload_per_fte", "unallocated_cases"])
def test_common_random_numbers_make_paired_differences_less_variable(crn_batch, metric):
    table = read_table(crn_batch).pivot_table(index="replication", columns="scenario", values=metric)
    low, high = table[LOW], table[HIGH]
    assert len(table) == 12
    assert (high - low).var() < low.var() + high.var()
    row = compare(crn_batch, [metric]).set_index("scenario").loc[HIGH]
    paired = (row["diff_ci_high"] - row["diff_ci_low"]) / 2
    assert paired < row["unpaired_half_width"]


def test_compare_rows_match_hand_computed_statistics(crn_batch):
    result = compare(crn_batch, ["open_cases", "unallocated_cases"])
    assert list(result.columns) == ["metric", "scenario", "n", "mean", "ci_low", "ci_high", "few_replications", "pairs", "diff",
                                    "diff_ci_low", "diff_ci_high", "unpaired_half_width"]  # fmt: skip
    assert list(zip(result["metric"], result["scenario"], strict=True)) == [
        ("open_cases", LOW), ("open_cases", HIGH), ("unallocated_cases", LOW), ("unallocated_cases", HIGH),
    ]  # fmt: skip
    table = read_table(crn_batch).pivot_table(index="replication", columns="scenario", values="open_cases")
    reference = result.iloc[0]  # no base and no grid reference: the first scenario
    assert (reference["pairs"], reference["n"]) == (0, 12)
    assert math.isnan(reference["diff"]) and pd.isna(reference["unpaired_half_width"])
    other = result.iloc[1]
    own = mean_ci(table[HIGH].tolist())
    assert (other["mean"], other["ci_low"], other["ci_high"]) == pytest.approx(
        (own["mean"], own["ci_low"], own["ci_high"])
    )
    diff = mean_ci((table[HIGH] - table[LOW]).tolist())
    assert other["pairs"] == 12
    assert (other["diff"], other["diff_ci_low"], other["diff_ci_high"]) == pytest.approx(
        (diff["mean"], diff["ci_low"], diff["ci_high"])
    )
    assert other["diff"] > 0  # more referrals, more open cases


def test_compare_against_another_reference(crn_batch):
    result = compare(crn_batch, ["open_cases"], reference=HIGH).set_index("scenario")
    assert result.loc[HIGH, "pairs"] == 0 and result.loc[LOW, "diff"] < 0


def test_compare_errors_name_the_valid_choices(crn_batch, tmp_path):
    with pytest.raises(ValueError, match=r"unknown metric\(s\) nope; stored figures: .*unallocated_cases"):
        compare(crn_batch, ["nope"])
    with pytest.raises(ValueError, match=f"unknown reference scenario 'base'; scenarios: {LOW}, {HIGH}"):
        compare(crn_batch, reference="base")
    with pytest.raises(ValueError, match="no runs stored"):
        compare(tmp_path)


def test_figures_leave_out_the_identifying_columns(crn_batch):
    figures = figures_of(read_table(crn_batch))
    assert "unallocated_cases" in figures and "open_cases" in figures
    assert not {"scenario", "scenario_hash", "replication", "seed", "seconds"} & set(figures)


def test_the_default_reference_is_the_grids_then_base_then_the_first(tmp_path):
    grid = write_grid(
        tmp_path,
        scenarios={"busy": {"demand": {"referrals_per_week": 7.0}}},
        replications=2,
        reference="busy",
    )
    out = tmp_path / "out"
    run_batch(grid, out, Serial())
    runs = read_table(out)
    assert default_reference(out, runs) == "busy"
    assert compare(out, ["open_cases"]).set_index("scenario").loc["busy", "pairs"] == 0
    assert default_reference(tmp_path / "no_manifest", runs) == "base"
    assert default_reference(tmp_path / "no_manifest", runs[runs["scenario"] == "busy"]) == "busy"


def test_welch_half_width_matches_scipy():
    a = pd.Series([2.1, 2.9, 3.4, 2.2, 2.8, 3.9])
    b = pd.Series([1.0, 4.5, 2.2, 3.3])
    interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert _welch_half_width(a, b) == pytest.approx((interval.high - interval.low) / 2, rel=1e-10)
    assert _welch_half_width(a, pd.Series([1.0])) is None
    assert _welch_half_width(pd.Series([1.0, 1.0]), pd.Series([2.0, 2.0])) == 0.0


# --------------------------------------------------------------------------- intervals in range


def test_a_paired_difference_of_shares_stays_within_minus_one_to_one():
    table = pd.DataFrame({"ref": [0.0, 0.0, 0.0], "other": [1.0, 1.0, 0.0]})
    free = compare_row(table, "other", "ref")
    row = compare_row(table, "other", "ref", bounds=figure("cpd_taken_share").bounds)
    assert free["diff_ci_high"] > 1 and row["diff_ci_high"] == 1.0
    assert row["diff_ci_low"] == pytest.approx(free["diff_ci_low"])  # inside the range: unchanged
    assert free["ci_high"] > 1 and (row["ci_low"], row["ci_high"]) == (0.0, 1.0)
    assert row["few_replications"] is True and row["pairs"] == 3


def test_every_interval_of_a_batch_comparison_lies_in_its_range(crn_batch):
    result = compare(crn_batch)
    assert len(set(result["metric"])) >= 30 and not result["few_replications"].any()  # 12 replications
    for row in result.itertuples():
        low, high = figure(row.metric).bounds
        if not pd.isna(row.ci_low):
            assert low <= row.ci_low <= row.mean <= row.ci_high <= high, row
        if row.pairs and not pd.isna(row.diff_ci_low):
            low, high = figure(row.metric).difference_bounds
            assert low <= row.diff_ci_low <= row.diff <= row.diff_ci_high <= high, row


# --------------------------------------------------------------------------- replications needed


def test_replications_needed_matches_the_t_formula():
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    s = np.std(values, ddof=1)  # 1.5811

    def half(n: int) -> float:
        return stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)

    assert half(12) > 1.0 >= half(13)  # 1.0046 and 0.9555
    assert replications_needed(values, 1.0) == 13
    assert replications_needed(values, 0.5) == next(n for n in range(2, 1000) if half(n) <= 0.5)


def test_replications_needed_edge_cases():
    assert replications_needed([3.0, 3.0, 3.0], 0.01) == 2  # no spread
    assert replications_needed([1.0, 2.0, 3.0], 100.0) == 2  # never fewer than two
    assert replications_needed([1.0, 5.0], 1e-6, cap=40) == 40  # the cap
    for pilot in ([], [1.0]):
        with pytest.raises(ValueError, match="at least two pilot replications"):
            replications_needed(pilot, 1.0)
