"""Planning targets (DESIGN §13): a summary figure, a direction and a threshold.

A target is met at a staffing level when the whole confidence interval of the figure's mean lies on the
right side of the threshold, failed when the whole interval lies on the wrong side, and undecided while
the interval straddles it (more replications narrow it).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Literal

from simulator.figures import FIGURES

Status = Literal["met", "failed", "undecided"]
Direction = Literal["<=", ">="]


class PlanError(Exception):
    """Planning input that cannot be used; the message names what is wrong and what is allowed."""


@dataclass(frozen=True)
class Target:
    """``metric direction threshold``, e.g. ``mean_wait_to_allocation_days <= 10``."""

    metric: str
    direction: Direction
    threshold: float

    @property
    def text(self) -> str:
        return f"{self.metric}{self.direction}{self.threshold:g}"

    def status(self, low: float | None, high: float | None) -> Status:
        """Met, failed or undecided for the interval ``[low, high]`` (None: no interval yet)."""
        if low is None or high is None:
            return "undecided"
        inside, outside = (high, low) if self.direction == "<=" else (low, high)
        if self._holds(inside):
            return "met"
        if not self._holds(outside):
            return "failed"
        return "undecided"

    def _holds(self, value: float) -> bool:
        return value <= self.threshold if self.direction == "<=" else value >= self.threshold


_TARGET = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*(\S+)\s*$")


def parse_target(text: str) -> Target:
    """Read ``"METRIC<=X"`` or ``"METRIC>=X"``; METRIC is a figure of :mod:`simulator.figures`.

    Raises
    ------
    PlanError
        Not of that form, an unknown figure (with the nearest name) or a threshold outside its range.
    """
    match = _TARGET.match(text)
    if match is None:
        raise PlanError(
            f"'{text}' is not a target; write METRIC<=X or METRIC>=X, e.g. mean_wait_to_allocation_days<=10"
        )
    metric, direction, number = match.groups()
    if metric not in FIGURES:
        close = difflib.get_close_matches(metric, list(FIGURES), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (figures: {', '.join(FIGURES)})"
        raise PlanError(f"'{text}': unknown figure '{metric}'{hint}")
    try:
        threshold = float(number)
    except ValueError:
        raise PlanError(f"'{text}': the threshold '{number}' is not a number") from None
    low, high = FIGURES[metric].bounds
    if not (math.isfinite(threshold) and low <= threshold <= high):
        raise PlanError(f"'{text}': the threshold must lie in the range of {metric} ({low:g} to {high:g})")
    return Target(metric, direction, threshold)  # type: ignore[arg-type]  # the pattern allows only these two
