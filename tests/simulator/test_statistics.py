"""Across-replication mean and t interval, kept within the figure's possible range."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulator.figures import NON_NEGATIVE, SHARE, UNBOUNDED, difference_bounds
from simulator.statistics import FEW_REPLICATIONS, mean_ci


def test_t_interval_matches_the_textbook_formula():
    values = [1.0, 2.0, 4.0, 7.0]
    out = mean_ci(values)
    mean, sd = 3.5, stats.tstd(values)
    half = stats.t.ppf(0.975, 3) * sd / math.sqrt(4)
    assert (out["mean"], out["n"]) == (mean, 4)
    assert out["ci_low"] == pytest.approx(mean - half)
    assert out["ci_high"] == pytest.approx(mean + half)


def test_single_value_has_no_interval_and_nans_are_dropped():
    assert mean_ci([2.0]) == {"mean": 2.0, "ci_low": None, "ci_high": None, "n": 1, "few_replications": True}
    assert mean_ci([float("nan"), 3.0, 5.0])["n"] == 2
    assert mean_ci([None, 3.0])["n"] == 1
    assert mean_ci([]) == {"mean": None, "ci_low": None, "ci_high": None, "n": 0, "few_replications": True}


def test_constant_values_give_a_zero_width_interval():
    assert mean_ci([4.0, 4.0, 4.0])["ci_low"] == 4.0


def test_the_interval_is_the_t_interval_cut_at_the_bounds():
    """The issue's case: supervision sessions missed in 4 replications, whose t interval reached −16."""
    values = [0.0, 0.0, 3.0, 87.0]
    free, bounded = mean_ci(values), mean_ci(values, bounds=NON_NEGATIVE)
    assert free["ci_low"] < 0 and bounded["ci_low"] == 0.0
    assert bounded["ci_high"] == free["ci_high"] and bounded["mean"] == free["mean"]
    shares = mean_ci([1.0, 1.0, 0.98], bounds=SHARE)
    assert mean_ci([1.0, 1.0, 0.98])["ci_high"] > 1 and shares["ci_high"] == 1.0
    assert shares["ci_low"] == pytest.approx(mean_ci([1.0, 1.0, 0.98])["ci_low"])


def test_values_outside_the_range_by_rounding_are_read_as_the_bound():
    out = mean_ci([-8e-13, 0.0, 0.0], bounds=NON_NEGATIVE)
    assert (out["mean"], out["ci_low"], out["ci_high"]) == (0.0, 0.0, 0.0)


def test_few_replications_is_marked_below_the_threshold():
    assert mean_ci([1.0, 2.0] * (FEW_REPLICATIONS // 2 - 1) + [3.0])["few_replications"] is True
    assert mean_ci([1.0, 2.0] * (FEW_REPLICATIONS // 2))["few_replications"] is False
    assert mean_ci([1.0, 2.0] * (FEW_REPLICATIONS // 2) + [math.nan])["n"] == FEW_REPLICATIONS


def test_difference_bounds_are_the_width_of_the_range_either_side():
    assert difference_bounds(SHARE) == (-1.0, 1.0)
    assert difference_bounds(NON_NEGATIVE) == UNBOUNDED
    assert difference_bounds((2.0, 5.0)) == (-3.0, 3.0)


RANGES = st.sampled_from([SHARE, NON_NEGATIVE, (-1.0, 1.0), (0.0, 50.0), UNBOUNDED])


@st.composite
def samples_in_a_range(draw):
    """A range and 1–30 values inside it, often piled up at a bound (a count that is mostly 0)."""
    low, high = draw(RANGES)
    finite_low = low if math.isfinite(low) else -1e6
    finite_high = high if math.isfinite(high) else 1e6
    inside = st.floats(finite_low, finite_high, allow_nan=False)
    edge = st.sampled_from([v for v in (low, high) if math.isfinite(v)] or [0.0])
    values = draw(st.lists(st.one_of(inside, edge), min_size=1, max_size=30))
    return (low, high), values


@settings(max_examples=300, deadline=None)
@given(samples_in_a_range(), st.sampled_from([0.8, 0.95, 0.99]))
def test_an_interval_of_values_in_a_range_lies_in_the_range_and_holds_the_mean(sample, confidence):
    (low, high), values = sample
    out = mean_ci(values, confidence=confidence, bounds=(low, high))
    assert out["n"] == len(values) and out["few_replications"] == (len(values) < FEW_REPLICATIONS)
    assert out["mean"] == pytest.approx(float(np.mean(values)), rel=1e-9, abs=1e-9)
    if len(values) < 2:
        assert out["ci_low"] is None and out["ci_high"] is None
        return
    assert low <= out["ci_low"] <= out["ci_high"] <= high
    assert out["ci_low"] <= out["mean"] <= out["ci_high"]


@settings(max_examples=200, deadline=None)
@given(samples_in_a_range())
def test_the_bounded_interval_is_the_unbounded_one_where_it_fits(sample):
    """Cutting at the range changes only an end that was outside it: the coverage is the t interval's."""
    (low, high), values = sample
    free, bounded = mean_ci(values), mean_ci(values, bounds=(low, high))
    if free["ci_low"] is None:
        return
    assert bounded["ci_low"] == pytest.approx(max(free["ci_low"], low))
    assert bounded["ci_high"] == pytest.approx(min(free["ci_high"], high))
