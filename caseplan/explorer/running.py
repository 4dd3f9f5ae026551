"""Running scenarios for the explorer: an estimate of the time before running, and bands for charts."""

from __future__ import annotations

import pandas as pd

from simulator.figures import UNBOUNDED, Bounds
from simulator.scenario import Scenario
from simulator.statistics import mean_ci

SECONDS_PER_WORKER_WEEK = 5.5e-5
"""Measured: the 400-FTE service (≈440 workers) runs 260 weeks in ≈5.5 s with dynamics (benchmarks)."""
MILP_FACTOR = 30.0
"""The MILP policy solves a model at every meeting: runs are about this much slower (scenario library)."""
REFERRALS_PER_FTE_WEEK = 0.58
"""National referrals per case-holding FTE per week (DF, as in ``demand.referrals_per_week``)."""
SLOW_SECONDS = 30.0
"""Above this estimate the explorer asks before running."""


def estimate_seconds(scenario: Scenario, replications: int) -> float:
    """Rough wall time of ``replications`` runs of ``scenario`` on one core."""
    workers = sum(g.count for g in scenario.team.workers) or len(scenario.team.open_cases) // 15 + 1
    # demand costs time as staff do: a team sized for its referrals (≈0.58 a week per case-holding FTE)
    sized_for_demand = scenario.demand.referrals_per_week / REFERRALS_PER_FTE_WEEK
    seconds = (
        SECONDS_PER_WORKER_WEEK
        * max(workers, 12, sized_for_demand)
        * scenario.meta.horizon_weeks
        * replications
    )
    return seconds * (MILP_FACTOR if scenario.allocation.policy == "milp" else 1.0)


def bands(
    weekly: pd.DataFrame, column: str, by: str | None = None, bounds: Bounds = UNBOUNDED
) -> pd.DataFrame:
    """Per week (and ``by`` group), the mean of ``column`` across replications with its 95% t interval.

    Teams are summed first (a service-level figure per replication and week), except ratios, rates,
    shares and day counts (waits), which are averaged over teams. The interval stays within ``bounds``,
    the range the column can take (:func:`simulator.statistics.mean_ci`).
    """
    keys = ["replication", "week", "week_start"] + ([by] if by else [])
    how = "mean" if column.endswith(("ratio", "rate", "share", "days")) else "sum"
    per_rep = weekly.groupby(keys, as_index=False)[column].agg(how)
    group = ["week", "week_start"] + ([by] if by else [])
    rows = []
    for key, part in per_rep.groupby(group):
        summary = mean_ci(part[column].tolist(), bounds=bounds)
        rows.append({**dict(zip(group, key, strict=True)), "mean": summary["mean"],
                     "low": summary["ci_low"] if summary["ci_low"] is not None else summary["mean"],
                     "high": summary["ci_high"] if summary["ci_high"] is not None else summary["mean"]})  # fmt: skip
    return pd.DataFrame(rows)
