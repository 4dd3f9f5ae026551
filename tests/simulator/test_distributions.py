"""Duration samplers: units, means and quantiles."""

import numpy as np
import pytest
from pydantic import TypeAdapter

from simulator.distributions import DAYS_PER, mean_days, sampler
from simulator.rng import Stream
from simulator.scenario.durations import Duration

ADAPTER = TypeAdapter(Duration)


def draws(spec: dict, n: int = 40_000) -> np.ndarray:
    dist = ADAPTER.validate_python(spec)
    draw, stream = sampler(dist), Stream(11, 0, "d")
    return np.array([draw(stream) for _ in range(n)])


def test_units_convert_to_calendar_days():
    assert DAYS_PER["working_days"] == pytest.approx(1.4)
    assert draws({"kind": "fixed", "value": 5, "unit": "working_days"}, 3).tolist() == [7.0] * 3
    assert draws({"kind": "fixed", "value": 2, "unit": "weeks"}, 1)[0] == 14.0


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "exponential", "mean": 3, "unit": "weeks"},
        {"kind": "uniform", "low": 1, "high": 5, "unit": "days"},
        {"kind": "lognormal", "mean": 2.5, "cv": 1.0, "unit": "years"},
        {
            "kind": "quantiles",
            "probs": [0, 0.25, 0.5, 0.75, 1],
            "values": [1, 17, 33, 43, 60],
            "unit": "working_days",
        },
        {
            "kind": "binned",
            "edges": [0, 3, 6, 12, 24, 36],
            "shares": [0.16, 0.11, 0.44, 0.25, 0.04],
            "unit": "months",
        },
    ],
)
def test_sample_mean_matches_exact_mean(spec):
    sample = draws(spec)
    exact = mean_days(ADAPTER.validate_python(spec))
    assert sample.mean() == pytest.approx(exact, rel=0.03)
    assert (sample >= 0).all()


def test_quantile_distribution_hits_its_quantiles():
    # DfE assessment durations: P25 17, median 33, P75 43 working days
    spec = {
        "kind": "quantiles",
        "probs": [0, 0.25, 0.5, 0.75, 1],
        "values": [1, 17, 33, 43, 90],
        "unit": "working_days",
    }
    q = np.quantile(draws(spec), [0.25, 0.5, 0.75]) / 1.4
    assert q == pytest.approx([17, 33, 43], rel=0.02)


def test_binned_distribution_shares():
    spec = {"kind": "binned", "edges": [0, 3, 6, 12], "shares": [0.2, 0.3, 0.5], "unit": "months"}
    months = draws(spec) / DAYS_PER["months"]
    shares = np.histogram(months, bins=[0, 3, 6, 12])[0] / len(months)
    assert shares == pytest.approx([0.2, 0.3, 0.5], abs=0.01)


def test_each_draw_uses_a_fixed_count_of_uniforms():
    """Changing parameters must not change how many numbers a stream hands out (CRN alignment)."""
    for spec in (
        {"kind": "exponential", "mean": 1},
        {"kind": "exponential", "mean": 9},
        {"kind": "lognormal", "mean": 1, "cv": 0.3},
    ):
        s = Stream(5, 0, "d")
        sampler(ADAPTER.validate_python(spec))(s)
        assert s._pos == 1
