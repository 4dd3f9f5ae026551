"""Across-replication mean and t interval."""

import math

import pytest
from scipy import stats

from simulator.statistics import mean_ci


def test_t_interval_matches_the_textbook_formula():
    values = [1.0, 2.0, 4.0, 7.0]
    out = mean_ci(values)
    mean, sd = 3.5, stats.tstd(values)
    half = stats.t.ppf(0.975, 3) * sd / math.sqrt(4)
    assert (out["mean"], out["n"]) == (mean, 4)
    assert out["ci_low"] == pytest.approx(mean - half)
    assert out["ci_high"] == pytest.approx(mean + half)


def test_single_value_has_no_interval_and_nans_are_dropped():
    assert mean_ci([2.0]) == {"mean": 2.0, "ci_low": None, "ci_high": None, "n": 1}
    assert mean_ci([float("nan"), 3.0, 5.0])["n"] == 2
    assert mean_ci([]) == {"mean": None, "ci_low": None, "ci_high": None, "n": 0}


def test_constant_values_give_a_zero_width_interval():
    assert mean_ci([4.0, 4.0, 4.0])["ci_low"] == 4.0
