"""The yearly cost of a staffing level (DESIGN §13): staff in post, agency cover and the contingency plan.

Staff cost is the establishment's FTE in post (establishment × (1 − vacancy rate)) × the scenario's cost
of a permanent worker's day (``workforce.agency.permanent_day_cost``: £40/h × 7.4 h, PSSRU 2013/14 unit
cost of social-work time with on-costs and overheads, DF §7) × 260 working days. Agency and plan costs are
the runs' own totals over the measured weeks, scaled to a year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from simulator.scenario import Scenario
from simulator.scenario.dynamics import Agency

WORKING_DAYS_PER_YEAR = 260
WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class YearlyCost:
    """£ a year at one level (means over its replications)."""

    staff: float
    agency: float
    plan: float

    @property
    def total(self) -> float:
        return self.staff + self.agency + self.plan

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "total": self.total}


def yearly_cost(scenario: Scenario, figures: Sequence[dict[str, float]]) -> YearlyCost:
    """The yearly cost of ``scenario`` from the headline figures of its replications.

    Parameters
    ----------
    scenario : Scenario
        The scenario at this level (its establishment and day costs).
    figures : sequence of dict
        :func:`simulator.run.headline_figures` of each replication.

    Returns
    -------
    YearlyCost
    """
    years = (scenario.meta.horizon_weeks - scenario.meta.warmup_weeks) / WEEKS_PER_YEAR
    establishment = sum(g.count * g.fte for g in scenario.team.workers)
    in_post = establishment * (1.0 - _mean(figures, "vacancy_rate"))
    return YearlyCost(
        staff=in_post * permanent_day_cost(scenario) * WORKING_DAYS_PER_YEAR,
        agency=_mean(figures, "agency_cost") / years,
        plan=_mean(figures, "contingency_cost") / years,
    )


def permanent_day_cost(scenario: Scenario) -> float:
    """£ per working day of a permanent worker (the scenario's, or the schema default)."""
    agency = scenario.workforce.agency if scenario.workforce is not None else Agency()
    return agency.permanent_day_cost


def _mean(figures: Sequence[dict[str, float]], name: str) -> float:
    """Mean of a figure over the replications that have it; 0 where no replication has it (no plan,
    no workforce section)."""
    values = [f[name] for f in figures if name in f and not math.isnan(f[name])]
    return sum(values) / len(values) if values else 0.0
