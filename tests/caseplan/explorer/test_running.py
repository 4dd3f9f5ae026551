"""Run-time estimates and the CI bands the explorer's charts draw."""

from __future__ import annotations

import pytest

from caseplan.explorer.running import bands, estimate_seconds
from simulator.run import run_scenario
from simulator.statistics import mean_ci
from tests.support import static_variant, variant


def test_the_estimate_grows_with_replications_horizon_and_the_milp():
    base = static_variant()
    assert estimate_seconds(base, 10) == pytest.approx(10 * estimate_seconds(base, 1))
    longer = static_variant(meta={"horizon_weeks": 520})
    assert estimate_seconds(longer, 1) == pytest.approx(2 * estimate_seconds(base, 1))
    assert estimate_seconds(static_variant(allocation={"policy": "milp"}), 1) > 10 * estimate_seconds(base, 1)


def test_the_baseline_estimate_is_in_the_measured_range():
    # measured: 0.13 s for the 12-FTE baseline, 260 weeks (benchmarks)
    assert 0.05 < estimate_seconds(variant(), 1) < 0.5


def test_bands_are_the_mean_and_t_interval_across_replications_per_week():
    result = run_scenario(static_variant(meta={"horizon_weeks": 12, "warmup_weeks": 2}), 3)
    band = bands(result.weekly, "unallocated")
    assert list(band.week) == list(range(12))
    week5 = result.weekly[result.weekly.week == 5].unallocated.tolist()
    expected = mean_ci(week5)
    row = band[band.week == 5].iloc[0]
    assert row["mean"] == pytest.approx(expected["mean"])
    assert row["low"] == pytest.approx(
        expected["ci_low"] if expected["ci_low"] is not None else expected["mean"]
    )
