"""Worker capacity (DESIGN §2): the one place that turns a contract into case hours per week.

``available = contract × fte × (1 − absence)``; ``reserved = supervision + CPD + ASYE protected time +
non-case time + other duties``; ``case capacity = max(0, available − reserved) × load cap``.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.scenario.dynamics import Cpd, Supervision
from simulator.scenario.models import Capacity

DEFAULT_SUPERVISION = Supervision()
DEFAULT_CPD = Cpd()

WEEKS_PER_MONTH = 52 / 12
ASYE_WEEKLY_UNTIL_WEEK = 6  # Standard 5: weekly supervision for the first six weeks
ASYE_FORTNIGHTLY_UNTIL_WEEK = 26  # then at least fortnightly to six months


@dataclass(frozen=True, slots=True)
class CapacityBreakdown:
    """Hours per week of one worker in one week."""

    contract: float
    available: float
    supervision: float
    cpd: float
    asye_protected: float
    non_case: float
    other_duties: float
    load_cap: float
    case_capacity: float

    @property
    def reserved(self) -> float:
        return self.supervision + self.cpd + self.asye_protected + self.non_case + self.other_duties


def asye_weeks(params: Capacity) -> float:
    """Length of the assessed year in weeks."""
    return params.asye_months * WEEKS_PER_MONTH


def is_asye(role: str, tenure_weeks: float, params: Capacity) -> bool:
    """True while an ASYE-role worker is inside the assessed year."""
    return role == "asye" and tenure_weeks < asye_weeks(params)


def supervision_sessions_per_week(
    role: str, tenure_weeks: float, params: Capacity, supervision: Supervision = DEFAULT_SUPERVISION
) -> float:
    """Standard 5 cadence: ASYE weekly to week 6, fortnightly to month 6, then monthly (as everyone)."""
    if is_asye(role, tenure_weeks, params):
        if tenure_weeks < ASYE_WEEKLY_UNTIL_WEEK:
            return 1.0
        if tenure_weeks < ASYE_FORTNIGHTLY_UNTIL_WEEK:
            return 0.5
    return 1.0 / supervision.interval_weeks


def worker_capacity(
    *,
    fte: float,
    role: str,
    tenure_weeks: float,
    params: Capacity,
    case_holding: bool = True,
    absent_share: float | None = None,
    supervision: Supervision = DEFAULT_SUPERVISION,
    cpd: Cpd = DEFAULT_CPD,
    cpd_paused: bool = False,
    extra_hours: float = 0.0,
) -> CapacityBreakdown:
    """Capacity of one worker for one week.

    Parameters
    ----------
    fte
        Full-time equivalent of the contract.
    role
        Worker role; ``asye`` gets protected time and the load cap while in the assessed year.
    tenure_weeks
        Weeks since the worker started (drives the ASYE rules and supervision cadence).
    params
        The scenario's ``capacity`` section.
    case_holding
        False for roles that hold no cases (case capacity 0, reserves still reported).
    absent_share
        Share of the week absent; default the expected ``params.absence_share``.
    supervision, cpd
        The scenario's ``supervision`` and ``cpd`` sections (session length and cadence, CPD share).
    cpd_paused
        A contingency action has paused CPD: its reserve goes to cases (a Standard 6 breach).
    extra_hours
        Hours added to (overtime) or taken from (lent to another team) the available time.

    Returns
    -------
    CapacityBreakdown
        Hours per week, with ``case_capacity`` the hours available for cases.
    """
    absence = params.absence_share if absent_share is None else absent_share
    contract = params.contract_hours * fte
    asye = is_asye(role, tenure_weeks, params)
    sessions = supervision_sessions_per_week(role, tenure_weeks, params, supervision)
    supervision_hours = sessions * supervision.session_hours
    cpd_hours = 0.0 if cpd_paused else cpd.share * contract
    protected = params.asye_protected_share * contract if asye else 0.0
    non_case = params.non_case_share * contract
    load_cap = params.asye_load_cap if asye else 1.0
    available = max(0.0, contract * (1.0 - absence) + extra_hours)
    reserved = supervision_hours + cpd_hours + protected + non_case + params.other_duties_hours
    case_capacity = max(0.0, available - reserved) * load_cap if case_holding else 0.0
    return CapacityBreakdown(
        contract=contract,
        available=available,
        supervision=supervision_hours,
        cpd=cpd_hours,
        asye_protected=protected,
        non_case=non_case,
        other_duties=params.other_duties_hours,
        load_cap=load_cap,
        case_capacity=case_capacity,
    )


def hours_to_points(hours: float, contract_hours: float) -> float:
    """Points view of hours per week: 100 points = one full-time contract."""
    return hours * 100.0 / contract_hours


def points_to_hours(points: float, contract_hours: float) -> float:
    """Hours per week of a weight given in points."""
    return points * contract_hours / 100.0
