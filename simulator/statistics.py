"""Across-replication statistics: the mean and a 95% t interval kept inside the figure's possible range.

The interval is Student's t interval of the mean intersected with the range the figure can take (a count
is never below 0, a share never outside [0, 1]). The true mean lies in that range, so the intersection
covers it exactly when the t interval does: the coverage is that of the t interval, and no end is ever
outside the range. With fewer than :data:`FEW_REPLICATIONS` values the interval is marked as rough.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from simulator.figures import UNBOUNDED, Bounds

CONFIDENCE = 0.95
FEW_REPLICATIONS = 10
"""Below this many values an interval is marked ``few_replications``: with few values the t interval
leans on the values being roughly normal, and its width itself is poorly estimated."""


def mean_ci(
    values: Sequence[float | None], confidence: float = CONFIDENCE, bounds: Bounds = UNBOUNDED
) -> dict[str, float | int | bool | None]:
    """Mean of ``values`` with a two-sided t interval inside ``bounds``.

    Parameters
    ----------
    values : sequence of float
        One value per replication; None and NaN (the figure is undefined in that replication) are left
        out and not counted in ``n``.
    confidence : float
        Two-sided confidence level of the interval.
    bounds : (float, float)
        The range the figure can take (:attr:`simulator.figures.Figure.bounds`). Values outside it by
        rounding (such as −8e-13 hours) are read as the bound.

    Returns
    -------
    dict
        ``mean``, ``ci_low``, ``ci_high`` (None for fewer than two values), ``n`` (values used) and
        ``few_replications`` (``n`` below :data:`FEW_REPLICATIONS`).
    """
    low, high = bounds
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    data = np.clip(data, low, high)
    n = int(data.size)
    out: dict[str, float | int | bool | None] = {
        "mean": float(data.mean()) if n else None,
        "ci_low": None,
        "ci_high": None,
        "n": n,
        "few_replications": n < FEW_REPLICATIONS,
    }
    if n < 2:
        return out
    mean = float(data.mean())
    sem = float(stats.sem(data))
    if sem == 0.0:
        out.update(ci_low=mean, ci_high=mean)
        return out
    t_low, t_high = stats.t.interval(confidence, n - 1, loc=mean, scale=sem)
    out.update(ci_low=float(np.clip(t_low, low, high)), ci_high=float(np.clip(t_high, low, high)))
    return out
