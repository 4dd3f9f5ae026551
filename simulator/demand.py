"""Referral demand (DESIGN §3): a non-homogeneous Poisson rate with seasonality and shocks.

Arrivals are drawn by thinning: candidates at the peak rate, each kept with probability rate(t)/peak.
"""

from __future__ import annotations

import datetime as dt

from simulator.rng import Stream
from simulator.scenario.base import MONTHS
from simulator.scenario.models import Demand, Shock


class ReferralRate:
    """Referrals per day at simulated time ``t`` (days since ``start``)."""

    def __init__(self, demand: Demand, start: dt.date, horizon_days: float):
        self.base_per_day = demand.referrals_per_week / 7.0
        self.shocks = list(demand.shocks)
        self._season: list[float] | None = None  # multiplier per simulated day; None = flat year
        if any(v != 1.0 for v in demand.seasonality.values()):
            multipliers = [demand.seasonality.get(m, 1.0) for m in MONTHS]
            days = int(horizon_days) + 2
            self._season = [multipliers[(start + dt.timedelta(days=d)).month - 1] for d in range(days)]
        peak_shock = 1.0
        for shock in self.shocks:
            peak_shock *= max(1.0, shock.factor)
        self.peak_per_day = self.base_per_day * max(self._season or [1.0]) * peak_shock

    def __call__(self, t: float) -> float:
        rate = self.base_per_day if self._season is None else self.base_per_day * self._season[int(t)]
        week = t / 7.0
        for shock in self.shocks:
            rate *= shock_factor(shock, week)
        return rate


def shock_factor(shock: Shock, week: float) -> float:
    """Multiplier of one shock at ``week`` (1 outside the shock)."""
    into = week - shock.start_week
    if into < 0:
        return 1.0
    if shock.kind == "step":
        return shock.factor if into < shock.weeks else 1.0
    if shock.kind == "ramp":
        return 1.0 + (shock.factor - 1.0) * min(1.0, into / shock.weeks)
    # spike: full effect at the start, decaying linearly back to 1
    return 1.0 + (shock.factor - 1.0) * (1.0 - into / shock.weeks) if into < shock.weeks else 1.0


def next_arrival(rate: ReferralRate, now: float, stream: Stream, until: float) -> float | None:
    """Time of the next referral after ``now`` by thinning, or None if none before ``until``."""
    peak = rate.peak_per_day
    if peak <= 0:
        return None
    mean_gap = 1.0 / peak
    t = now
    while True:
        t += stream.exponential(mean_gap)
        if t >= until:
            return None
        if stream.random() * peak < rate(t):
            return t
