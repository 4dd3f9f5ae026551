"""Checks that do not stop a run but point at a plan that cannot work as written (issue 5).

A contingency threshold that no week can meet is almost always a typo (a share written as a
percentage, a worker count larger than the team); the run goes ahead and the user is told.
"""

from __future__ import annotations

from simulator.scenario.contingency import INDICATORS, parse_threshold
from simulator.scenario.models import Scenario


def scenario_warnings(scenario: Scenario) -> list[str]:
    """One ``dotted.path: why`` line per threshold that can never be reached."""
    plan = scenario.contingency
    if plan is None:
        return []
    warnings = []
    for i, level in enumerate(plan.levels):
        conditions = [(("when",), level.when)]
        conditions += [(("actions", j, "only_if"), a.only_if) for j, a in enumerate(level.actions)]
        for where, table in conditions:
            for name, threshold in table.items():
                op, value = parse_threshold(threshold)
                why = _unreachable(scenario, name, op, value)
                if why:
                    path = ".".join(str(p) for p in ("contingency", "levels", i, *where, name))
                    warnings.append(f"{path}: '{op} {value:g}' can never be met: {why}")
    return warnings


def _unreachable(scenario: Scenario, name: str, op: str, value: float) -> str | None:
    kind = INDICATORS.get(name, ("waiting cases of one type", "count"))[1]
    upward = op in (">=", ">")
    if not upward and (value < 0 or (op == "<" and value == 0)):
        return "it is never negative"
    if kind == "share" and upward and (value > 1 or (op == ">" and value == 1)):
        return "it is a share between 0 and 1 (write 0.2, not 20)"
    if kind == "workers" and upward:
        largest = max(_team_sizes(scenario).values())
        if value > largest:
            return f"the largest team starts with {largest} case-holding workers"
    if upward and value > 0:
        return _never_counted(scenario, name)
    return None


def _never_counted(scenario: Scenario, name: str) -> str | None:
    if name == "unallocated_must_allocate" and not any(
        ct.must_allocate for ct in scenario.case_types.values()
    ):
        return "no case type is must_allocate"
    if name.startswith("supervision") and not scenario.supervision.track:
        return "supervision.track is false, so no session is counted"
    if name == "vacancy_rate" and (scenario.workforce is None or scenario.workforce.turnover is None):
        return "without workforce.turnover no post falls vacant"
    if name == "absence_rate" and scenario.workforce is None:
        return "without a workforce section nobody is absent (capacity.absence_share is a fixed deduction)"
    return None


def _team_sizes(scenario: Scenario) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for group in scenario.team.workers:
        if scenario.holds_cases(group):
            sizes[group.team] = sizes.get(group.team, 0) + group.count
    return sizes
