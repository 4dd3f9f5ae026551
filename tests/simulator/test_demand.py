"""Referral rate: seasonality, shocks and thinning."""

import datetime as dt

import numpy as np
import pytest

from simulator.demand import ReferralRate, next_arrival, shock_factor
from simulator.rng import Stream
from simulator.scenario.models import Demand, Shock


def test_shock_shapes():
    step = Shock(kind="step", start_week=10, weeks=4, factor=1.5)
    assert [shock_factor(step, w) for w in (9.9, 10, 13.9, 14)] == [1, 1.5, 1.5, 1]
    ramp = Shock(kind="ramp", start_week=10, weeks=4, factor=2.0)
    assert [shock_factor(ramp, w) for w in (10, 12, 14, 30)] == [1, 1.5, 2, 2]
    spike = Shock(kind="spike", start_week=0, weeks=2, factor=3.0)
    assert [shock_factor(spike, w) for w in (0, 1, 2)] == [3, 2, 1]


def test_seasonal_rate_follows_calendar_month():
    demand = Demand(referrals_per_week=7, seasonality={"aug": 0.5})
    rate = ReferralRate(demand, dt.date(2026, 7, 30), horizon_days=30)
    assert rate(0) == pytest.approx(1.0)  # 30 July
    assert rate(3) == pytest.approx(0.5)  # 2 August
    assert rate.peak_per_day == pytest.approx(1.0)


def count_arrivals(demand: Demand, days: float, seed: int) -> list[float]:
    rate = ReferralRate(demand, dt.date(2026, 1, 1), days)
    stream, t, times = Stream(seed, 0, "arrivals"), 0.0, []
    while (t := next_arrival(rate, t, stream, days)) is not None:
        times.append(t)
    return times


def test_thinning_gives_the_integrated_rate():
    # 10/week for 100 weeks, ×2 during weeks 20-40: expected 1000 + 200 = 1200 arrivals
    demand = Demand(
        referrals_per_week=10, shocks=[{"kind": "step", "start_week": 20, "weeks": 20, "factor": 2}]
    )
    counts = [len(count_arrivals(demand, 700, seed)) for seed in range(20)]
    assert np.mean(counts) == pytest.approx(1200, rel=0.02)
    times = np.array(count_arrivals(demand, 700, 0)) / 7
    assert ((times >= 20) & (times < 40)).sum() > ((times >= 0) & (times < 20)).sum() * 1.5


def test_zero_demand_has_no_arrivals():
    assert count_arrivals(Demand(referrals_per_week=0), 70, 1) == []
