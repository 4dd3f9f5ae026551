"""How much simulation a request asks for, estimated before anything runs (issue 14).

A scenario is legal up to 10,400 weeks and 100,000 referrals a week, and a batch up to 100,000
replications of any number of scenarios, so legal input can ask for days of work and gigabytes of memory.
The estimate is in simulated **case- and worker-weeks**: each week of each open case and each worker is
a unit of the simulator's work (the cost of a run grows with both). Open cases are estimated with Little's
law from the scenario's own referral rate (seasonality and shocks included), the expected number of stages
of an episode and their mean durations, and re-referrals. Above :data:`MAX_WORK` a command refuses to
start unless the user confirms with ``--confirm-large``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from simulator.demand import ReferralRate
from simulator.distributions import DAYS_PER, mean_days
from simulator.scenario import CLOSE, Scenario

MAX_WORK = 200_000_000
"""Case- and worker-weeks a command runs without ``--confirm-large`` (about 15 minutes on one core)."""
WORK_PER_SECOND = 250_000
"""Measured: the five-year baseline is ≈40,000 case- and worker-weeks and takes ≈0.15 s per run."""
CONFIRM_FLAG = "--confirm-large"


class WorkTooLarge(Exception):
    """A request above :data:`MAX_WORK`; the message gives the estimate and how to go ahead."""


@dataclass(frozen=True)
class Work:
    """The estimated work of some runs."""

    runs: int
    units: float
    """Simulated case- and worker-weeks, all runs together."""

    @property
    def seconds(self) -> float:
        """Rough time on one core."""
        return self.units / WORK_PER_SECOND


def run_units(scenario: Scenario) -> float:
    """Estimated simulated case- and worker-weeks of one replication of ``scenario``."""
    horizon = scenario.meta.horizon_weeks
    weeks = np.arange(horizon, dtype=float)
    rate = ReferralRate(scenario.demand, scenario.meta.start, horizon * 7.0)
    arrivals = np.array([rate(w * 7.0) * 7.0 for w in weeks])  # referrals in each week
    episode = episode_weeks(scenario)
    open_case_weeks = float(np.sum(arrivals * np.minimum(episode, horizon - weeks)))
    workers = sum(g.count for g in scenario.team.workers)
    return open_case_weeks + (len(scenario.team.open_cases) + workers) * horizon


def episode_weeks(scenario: Scenario) -> float:
    """Expected weeks a referral spends in the system: its stages' mean durations, weighted by how often
    the pathway visits each (transition tables solved as an absorbing Markov chain), times the episodes a
    referral leads to through re-referrals. Time waiting for allocation is not included."""
    visits = stage_visits(scenario)
    days = np.array([mean_days(ct.duration) for ct in scenario.case_types.values()])
    episodes = 1.0 / (1.0 - min(scenario.pathway.re_referral.probability, 0.99))
    return float(visits @ days) / DAYS_PER["weeks"] * episodes


def stage_visits(scenario: Scenario) -> np.ndarray:
    """Expected visits of one episode to each case type (in ``scenario.case_types`` order), from the
    pathway's transition tables solved as an absorbing Markov chain."""
    names = list(scenario.case_types)
    index = {name: i for i, name in enumerate(names)}
    moves = np.zeros((len(names), len(names)))
    for name, case_type in scenario.case_types.items():
        for target, probability in case_type.next.items():
            if target != CLOSE:
                moves[index[name], index[target]] = probability
    entry = np.array([scenario.pathway.entry.get(name, 0.0) for name in names])
    return np.linalg.solve((np.eye(len(names)) - moves).T, entry)  # every type reaches close (schema)


def estimate(runs: Iterable[tuple[Scenario, int]]) -> Work:
    """The work of ``(scenario, replications)`` pairs."""
    count, units = 0, 0.0
    for scenario, replications in runs:
        count += replications
        units += run_units(scenario) * replications
    return Work(count, units)


def check_work(work: Work, what: str, confirmed: bool) -> None:
    """Refuse ``work`` above :data:`MAX_WORK` unless ``confirmed``.

    Raises
    ------
    WorkTooLarge
        With the estimate, the limit and the flag that goes ahead anyway.
    """
    if work.units <= MAX_WORK or confirmed:
        return
    raise WorkTooLarge(
        f"{what}: {work.runs:,} run(s) estimated at {work.units:.3g} simulated case- and worker-weeks "
        f"(about {_duration(work.seconds)} on one core); the limit is {MAX_WORK:.3g} — pass "
        f"{CONFIRM_FLAG} to run it anyway, or shorten the horizon, lower the demand or run fewer "
        "replications"
    )


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} seconds"
