"""The report's thresholds: which standard each check belongs to, its limit and where the limit comes from."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

DFE_AVERAGE_CASELOAD = (15.2, 16.0)
"""National average caseload per case-holding FTE, 2025 and 2023 (DfE workforce census; DF §1)."""

TOLERANCE = 1e-9
"""How far past a limit a figure must be to count as past it (guards against rounding)."""


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
        Where the limit comes from (``DF`` is ``../shared/reference/domain-figures.md``).
    """

    standard: str
    title: str
    breached_if: str
    limit: float
    rule: str
    source: str


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
        "any child-protection, looked-after or court case without a worker at a week's end",
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
        "Standard 6", "CPD time taken", "below", 1.0,
        "less CPD time taken than planned",
        "Employer Standard 6: dedicated time for CPD; the size of the reserve (2.5%) is an assumption "
        "(DF §4)",
    ),
    "asye_protected": Threshold(
        "Standard 6", "ASYE protected time", "below", 1.0,
        "less ASYE protected development time kept than reserved",
        "Skills for Care / Suffolk: 10% protected development time in the ASYE year (DF §4)",
    ),
    "severe_levels": Threshold(
        "Standard 3", "Contingency levels 3–4", "above", 0.0,
        "any team-week at contingency level 3 (severe) or 4 (critical)",
        "NHS OPEL escalation levels as adapted by the contingency plan (DF §6)",
    ),
}  # fmt: skip
"""Every check of the report with its limit and source, in the order the report lists them."""

THRESHOLD_COLUMNS = ["check", "standard", "title", "breached_if", "limit", "rule", "source"]


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
    if threshold.breached_if == "above":
        return value > threshold.limit + TOLERANCE
    return value < threshold.limit - TOLERANCE


def thresholds_table() -> pd.DataFrame:
    """:data:`THRESHOLDS` as a table (for the page and its CSV).

    Returns
    -------
    DataFrame
        ``check``, ``standard``, ``title``, ``breached_if``, ``limit``, ``rule``, ``source``.
    """
    rows = [{"check": key, **asdict(t)} for key, t in THRESHOLDS.items()]
    return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)
