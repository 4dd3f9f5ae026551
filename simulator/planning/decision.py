"""The decision a plan searches over (DESIGN §13): a count in the scenario, named by a dotted path with
list indices (``team.workers.0.count``), and the analytic first guess of its level.

Each level is built by setting the count in the resolved scenario and validating the result through the
schema again, so a level the schema does not allow (a count of 0) is refused like any scenario error.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.capacity import worker_capacity
from simulator.demand import ReferralRate
from simulator.distributions import DAYS_PER, mean_days
from simulator.planning.targets import PlanError
from simulator.scenario import Scenario, ScenarioError, WorkerGroup, validate_scenario
from simulator.work import stage_visits

EXPERIENCED_TENURE_WEEKS = 520
"""Tenure of a worker in the first guess: past every ASYE rule (ten years)."""


@dataclass(frozen=True)
class Decision:
    """The count at ``path`` tried between ``low`` and ``high`` (both included)."""

    path: str
    low: int
    high: int


_VARY = re.compile(r"^\s*([^=\s]+)\s*=\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")


def parse_vary(text: str) -> Decision:
    """Read ``"PATH=LO..HI"`` (whole numbers, LO ≤ HI).

    Raises
    ------
    PlanError
        Not of that form, or LO above HI.
    """
    match = _VARY.match(text)
    if match is None:
        raise PlanError(f"'{text}' is not a decision; write PATH=LO..HI, e.g. team.workers.0.count=8..16")
    path, low, high = match.group(1), int(match.group(2)), int(match.group(3))
    return checked_range(Decision(path, low, high))


def checked_range(decision: Decision) -> Decision:
    """``decision`` if its range is in order (LO ≤ HI, both at least 1)."""
    if decision.low < 1 or decision.low > decision.high:
        raise PlanError(f"{decision.path}={decision.low}..{decision.high}: the range must have 1 ≤ LO ≤ HI")
    return decision


def current_value(scenario: Scenario, path: str) -> int:
    """The count at ``path`` in ``scenario``.

    Raises
    ------
    PlanError
        A step the scenario does not have (with the nearest key), an index out of range, or a value that is
        not a whole number.
    """
    value = _walk(scenario.model_dump(mode="python"), path.split("."), path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{path}: is {value!r}, not a count (a whole number such as team.workers.0.count)")
    return value


def at_level(scenario: Scenario, path: str, level: int) -> Scenario:
    """``scenario`` with the count at ``path`` set to ``level``, validated through the schema."""
    current_value(scenario, path)
    data = scenario.model_dump(mode="python")
    *parents, last = path.split(".")
    holder = _walk(data, parents, path)
    holder[int(last) if isinstance(holder, list) else last] = level
    try:
        return validate_scenario(data, source=f"{path}={level}")
    except ScenarioError as exc:
        raise PlanError("; ".join(exc.messages)) from None


def _walk(data: Any, parts: list[str], path: str) -> Any:
    walked: list[str] = []
    for part in parts:
        if isinstance(data, dict):
            if part not in data:
                keys = [str(k) for k in data]
                close = difflib.get_close_matches(part, keys, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"valid here: {', '.join(keys)}"
                raise PlanError(f"{path}: '{'.'.join([*walked, part])}' is not in the scenario; {hint}")
            data = data[part]
        elif isinstance(data, list):
            if not part.isdigit() or int(part) >= len(data):
                raise PlanError(
                    f"{path}: '{'.'.join(walked)}' is a list of {len(data)}; give an index 0 to {len(data) - 1}"
                )
            data = data[int(part)]
        else:
            raise PlanError(f"{path}: '{'.'.join(walked)}' is a value, it has no '{part}'")
        walked.append(part)
    return data


# ------------------------------------------------------------------------------------ first guess


@dataclass(frozen=True)
class FirstGuess:
    """Workload demanded ÷ case hours per worker: the level at which the varied group and the others
    together have as many case hours as the cases need, before waits, absence spikes and vacancies."""

    demanded_hours: float
    """Case hours a week that the referrals need at steady state (Little's law over the held stages)."""
    other_hours: float
    """Case hours a week of every case-holding worker outside the varied group."""
    hours_per_worker: float
    """Case hours a week of one worker of the varied group."""

    @property
    def level(self) -> int:
        if self.hours_per_worker <= 0:
            return 1
        return max(1, math.ceil((self.demanded_hours - self.other_hours) / self.hours_per_worker - 1e-9))


def first_guess(scenario: Scenario, path: str) -> FirstGuess:
    """The analytic first guess for the count at ``path``.

    Parameters
    ----------
    scenario : Scenario
    path : str
        A dotted path; when it is the count of a worker group (``team.workers.N.count``) that group is the
        one varied, otherwise every case holder counts as "other" and the guess is per case-holding worker.

    Returns
    -------
    FirstGuess
    """
    groups = scenario.team.workers
    varied = _varied_group(path, len(groups))
    hours = [_case_hours(scenario, g) for g in groups]
    other = sum(h * g.count for i, (h, g) in enumerate(zip(hours, groups, strict=True)) if i != varied)
    if varied is not None:
        per_worker = hours[varied]
    else:
        holders = [h for h, g in zip(hours, groups, strict=True) if scenario.holds_cases(g)]
        per_worker = float(np.mean(holders)) if holders else 0.0
        other = 0.0
    return FirstGuess(demanded_hours(scenario), other, per_worker)


def _varied_group(path: str, groups: int) -> int | None:
    match = re.fullmatch(r"team\.workers\.(\d+)\.count", path)
    return int(match.group(1)) if match and int(match.group(1)) < groups else None


def demanded_hours(scenario: Scenario) -> float:
    """Case hours a week the referrals need after the warm-up: for each held stage, referrals a week ×
    visits per episode × episodes per referral × mean weeks in the stage × its weight (Little's law)."""
    meta = scenario.meta
    rate = ReferralRate(scenario.demand, meta.start, meta.horizon_weeks * 7.0)
    days = np.arange(meta.warmup_weeks * 7, meta.horizon_weeks * 7, dtype=float)
    per_week = float(np.mean([rate(d) for d in days])) * 7.0
    episodes = 1.0 / (1.0 - min(scenario.pathway.re_referral.probability, 0.99))
    visits = stage_visits(scenario)
    return sum(
        per_week * episodes * v * mean_days(ct.duration) / DAYS_PER["weeks"] * ct.weight_hours
        for v, ct in zip(visits, scenario.case_types.values(), strict=True)
        if ct.held
    )


def _case_hours(scenario: Scenario, group: WorkerGroup) -> float:
    """Case hours a week of one worker of ``group`` (an ASYE in the assessed year), expected absence out."""
    workforce = scenario.workforce
    absent = workforce.sickness.share if workforce is not None and workforce.sickness is not None else None
    return worker_capacity(
        fte=group.fte,
        role=group.role,
        tenure_weeks=0 if group.role == "asye" else EXPERIENCED_TENURE_WEEKS,
        params=scenario.capacity,
        case_holding=scenario.holds_cases(group),
        absent_share=absent,
        supervision=scenario.supervision,
        cpd=scenario.cpd,
    ).case_capacity
