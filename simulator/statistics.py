"""Across-replication statistics: mean and a t-based 95% confidence interval (scipy)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> dict[str, float | None]:
    """Mean of ``values`` with a two-sided t interval; the interval is None for fewer than two values.

    NaNs (a replication where the metric is undefined) are left out and counted in ``n``.
    """
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if data.size == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
    mean = float(data.mean())
    if data.size < 2:
        return {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}
    sem = float(stats.sem(data))
    if sem == 0.0:
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "n": int(data.size)}
    low, high = stats.t.interval(confidence, data.size - 1, loc=mean, scale=sem)
    return {"mean": mean, "ci_low": float(low), "ci_high": float(high), "n": int(data.size)}
