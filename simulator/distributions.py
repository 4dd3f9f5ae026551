"""Samplers for the duration distributions of the schema, returning calendar days.

Every sampler uses inversion, one or two uniforms per draw, so a change of parameters never changes how
many numbers a stream hands out (streams stay aligned across scenarios: common random numbers).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from statistics import NormalDist

from simulator.rng import Stream
from simulator.scenario.durations import Binned, Exponential, Fixed, Lognormal, Quantiles, Uniform

DAYS_PER = {
    "days": 1.0,
    "working_days": 7.0 / 5.0,  # five working days a calendar week; bank holidays ignored
    "weeks": 7.0,
    "months": 365.25 / 12.0,
    "years": 365.25,
}

Sampler = Callable[[Stream], float]
_STANDARD_NORMAL = NormalDist()


def sampler(dist: Fixed | Exponential | Uniform | Lognormal | Quantiles | Binned) -> Sampler:
    """A function drawing one duration, in calendar days, from ``dist``."""
    scale = DAYS_PER[dist.unit]
    if isinstance(dist, Fixed):
        value = dist.value * scale
        return lambda s: value
    if isinstance(dist, Exponential):
        mean = dist.mean * scale
        return lambda s: -mean * math.log1p(-s.random())
    if isinstance(dist, Uniform):
        low, width = dist.low * scale, (dist.high - dist.low) * scale
        return lambda s: low + width * s.random()
    if isinstance(dist, Lognormal):
        sigma = math.sqrt(math.log1p(dist.cv**2))
        mu = math.log(dist.mean * scale) - sigma**2 / 2
        inv = _STANDARD_NORMAL.inv_cdf
        return lambda s: math.exp(mu + sigma * inv(min(max(s.random(), 1e-12), 1 - 1e-12)))
    if isinstance(dist, Quantiles):
        return _quantile_sampler(dist.probs, [v * scale for v in dist.values])
    if isinstance(dist, Binned):
        return _binned_sampler(dist.edges, dist.shares, scale)
    raise TypeError(f"unknown distribution {dist!r}")


def mean_days(dist: Fixed | Exponential | Uniform | Lognormal | Quantiles | Binned) -> float:
    """Exact mean of ``dist`` in calendar days (used by capacity planning and tests)."""
    scale = DAYS_PER[dist.unit]
    if isinstance(dist, Fixed):
        return dist.value * scale
    if isinstance(dist, (Exponential, Lognormal)):
        return dist.mean * scale
    if isinstance(dist, Uniform):
        return (dist.low + dist.high) / 2 * scale
    if isinstance(dist, Quantiles):
        p, v = dist.probs, dist.values
        return scale * sum((p[i + 1] - p[i]) * (v[i] + v[i + 1]) / 2 for i in range(len(p) - 1))
    if isinstance(dist, Binned):
        e = dist.edges
        return scale * sum(w * (e[i] + e[i + 1]) / 2 for i, w in enumerate(dist.shares))
    raise TypeError(f"unknown distribution {dist!r}")


def _quantile_sampler(probs: list[float], values: list[float]) -> Sampler:
    def draw(s: Stream) -> float:
        u = s.random()
        i = min(bisect.bisect_right(probs, u), len(probs) - 1)
        p0, p1 = probs[i - 1], probs[i]
        v0, v1 = values[i - 1], values[i]
        return v0 + (v1 - v0) * (u - p0) / (p1 - p0)

    return draw


def _binned_sampler(edges: list[float], shares: list[float], scale: float) -> Sampler:
    cumulative = list(_accumulate(shares))

    def draw(s: Stream) -> float:
        i = s.choice(cumulative)
        return (edges[i] + (edges[i + 1] - edges[i]) * s.random()) * scale

    return draw


def _accumulate(shares: list[float]):
    total = 0.0
    for w in shares:
        total += w
        yield total


def residual(draw: Sampler, stream: Stream, age: float, tries: int = 100) -> float:
    """Days left of a duration that has already lasted ``age`` days (drawn given that it did).

    Draws until one exceeds ``age`` (rejection); if none does in ``tries`` draws, the stage is nearly
    over, so the rest is uniform over the next week.
    """
    for _ in range(tries):
        total = draw(stream)
        if total > age:
            return total - age
    return DAYS_PER["weeks"] * stream.random()
