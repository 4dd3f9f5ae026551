"""The report's thresholds: which standard each check belongs to, its limit and where the limit comes from."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

DFE_AVERAGE_CASELOAD = (15.2, 16.0)
"""National average caseload per case-holding FTE, 2025 and 2023 (DfE workforce census; DF §1)."""

TOLERANCE = 1e-9
"""How far past a limit a figure must be to count as past it (guards against rounding)."""

KEPT_SHARE_BREACH = 0.95
"""Share of reserved CPD or ASYE protected time below which the check is breached; a smaller shortfall
is "at risk". An assumption, the same 95% mark as for supervision on time (no published tolerance)."""

STATUSES = ("breached", "at risk", "met", "not recorded")
"""The statuses of a check, from the worst."""


@dataclass(frozen=True)
class Threshold:
    """One check of the report: which standard, when it is breached, and where the limit comes from.

    Attributes
    ----------
    standard : str
        The employer standard the check belongs to.
    title : str
        Short name of the check.
    breached_if : str
        ``"above"`` or ``"below"``: the side of ``limit`` on which the figure breaches.
    limit : float
        The limit itself (in the unit of the figure: a share, children or team-weeks).
    rule : str
        The threshold in plain English.
    source : str
        Where the limit comes from (``DF`` is the project's domain-figures reference).
    at_risk_limit : float or None
        A stricter limit on the same side: a figure past it but not past ``limit`` is "at risk" (a small
        shortfall), not breached. None: no such band.
    """

    standard: str
    title: str
    breached_if: str
    limit: float
    rule: str
    source: str
    at_risk_limit: float | None = None


THRESHOLDS: dict[str, Threshold] = {
    "caseload": Threshold(
        "Standard 3", "Average caseload", "above", DFE_AVERAGE_CASELOAD[1],
        "average caseload above 16.0 children per case-holding FTE (national average 15.2–16.0)",
        "DfE children's social work workforce census: 16.0 (2023) to 15.2 (2025) (DF §1)",
    ),
    "over_100": Threshold(
        "Standard 3", "Workers over capacity", "above", 0.0,
        "any worker-week with a load above 100% of case capacity",
        "Local escalation procedures: individual load above 100–110% of capacity (DF §6)",
    ),
    "excessive": Threshold(
        "Standard 3", "Excessive workloads", "above", 0.0,
        "any worker above 110% of case capacity for 4 weeks in a row",
        "HMPPS probation Workload Measurement Tool 'excessive workload' rule (DF §5, §6)",
    ),
    "must_allocate": Threshold(
        "Standard 3", "Must-allocate cases waiting", "above", 0.0,
        "any child-protection, looked-after or court case without a worker at a week's end, after an "
        "urgent allocation meeting passed it by",
        "Walsall and Cumberland procedures: CP and CLA cases are always allocated (DF §6)",
    ),
    "waits_28": Threshold(
        "Standard 3", "Long waits for a worker", "above", 0.0,
        "any case waiting more than 28 days for a worker at a week's end",
        "Walsall procedure: escalate after 4 weeks unallocated (Cumberland: 2 weeks) (DF §6)",
    ),
    "supervision": Threshold(
        "Standard 5", "Supervision on time", "below", 0.95,
        "fewer than 95% of supervision sessions held on time",
        "Employer Standard 5 (weekly, fortnightly, monthly sessions of 1.5 hours; DF §4); "
        "the 95% mark is an assumption",
    ),
    "supervision_asye": Threshold(
        "Standard 5", "ASYE supervision on time", "below", 0.95,
        "fewer than 95% of ASYE supervision sessions held on time",
        "Employer Standard 5: NQSW supervision weekly for 6 weeks, fortnightly to 6 months (DF §4); "
        "the 95% mark is an assumption",
    ),
    "cpd": Threshold(
        "Standard 6", "CPD time taken", "below", KEPT_SHARE_BREACH,
        "less than 95% of planned CPD time taken (at risk: any smaller shortfall)",
        "Employer Standard 6: dedicated time for CPD; the size of the reserve (2.5%) and the 95% mark are "
        "assumptions (DF §4)",
        1.0,
    ),
    "asye_protected": Threshold(
        "Standard 6", "ASYE protected time", "below", KEPT_SHARE_BREACH,
        "less than 95% of reserved ASYE protected development time kept (at risk: any smaller shortfall)",
        "Skills for Care / Suffolk: 10% protected development time in the ASYE year (DF §4); the 95% mark "
        "is an assumption, as for supervision",
        1.0,
    ),
    "severe_levels": Threshold(
        "Standard 3", "Contingency levels 3–4", "above", 0.0,
        "any team-week at contingency level 3 (severe) or 4 (critical)",
        "NHS OPEL escalation levels as adapted by the contingency plan (DF §6)",
    ),
}  # fmt: skip
"""Every check of the report with its limit and source, in the order the report lists them."""

THRESHOLD_COLUMNS = ["check", "standard", "title", "breached_if", "limit", "rule", "source", "at_risk_limit"]


def breached(value: float | None, threshold: Threshold) -> bool | None:
    """Whether a figure breaches a threshold.

    Parameters
    ----------
    value : float or None
        The figure (None: not recorded).
    threshold : Threshold
        The threshold.

    Returns
    -------
    bool or None
        None if the figure is not recorded.
    """
    if value is None or not math.isfinite(value):
        return None
    return _past(value, threshold.limit, threshold.breached_if)


def check_status(value: float | None, threshold: Threshold) -> str:
    """A figure's status against a threshold: one of :data:`STATUSES`.

    Parameters
    ----------
    value : float or None
        The figure (None: not recorded).
    threshold : Threshold
        The threshold.

    Returns
    -------
    str
        ``"breached"`` past ``limit``; ``"at risk"`` past ``at_risk_limit`` only; ``"met"``;
        ``"not recorded"`` if the figure is not recorded.
    """
    verdict = breached(value, threshold)
    if verdict is None:
        return "not recorded"
    if verdict:
        return "breached"
    risk = threshold.at_risk_limit
    if risk is not None and value is not None and _past(value, risk, threshold.breached_if):
        return "at risk"
    return "met"


def _past(value: float, limit: float, side: str) -> bool:
    """Whether ``value`` lies past ``limit`` on ``side`` (``"above"`` or ``"below"``), beyond rounding."""
    return value > limit + TOLERANCE if side == "above" else value < limit - TOLERANCE


def thresholds_table() -> pd.DataFrame:
    """:data:`THRESHOLDS` as a table (for the page and its CSV).

    Returns
    -------
    DataFrame
        ``check``, ``standard``, ``title``, ``breached_if``, ``limit``, ``rule``, ``source``.
    """
    rows = [{"check": key, **asdict(t)} for key, t in THRESHOLDS.items()]
    return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)
