"""Time integrals of piecewise-constant quantities (counts that change at events)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TimeAverage:
    """Time integral of a piecewise-constant quantity from ``since`` onwards."""

    since: float
    value: float = 0.0
    area: float = 0.0
    last: float = field(init=False)  # time up to which ``area`` is integrated (never before since)

    def __post_init__(self) -> None:
        self.last = self.since

    def change(self, now: float, delta: float) -> None:
        if now > self.last:
            self.area += self.value * (now - self.last)
            self.last = now
        self.value += delta

    def mean(self, now: float) -> float:
        span = now - self.since
        if span <= 0:
            return float("nan")
        return (self.area + self.value * max(0.0, now - self.last)) / span

    def take(self, now: float) -> float:
        """The integral since the last take (or ``since``); integration restarts at ``now``."""
        total = self.area + self.value * max(0.0, now - self.last)
        self.area, self.last, self.since = 0.0, now, now
        return total
