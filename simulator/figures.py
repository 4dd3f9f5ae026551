"""The summary figures of a run (the keys of ``summary.json``): a plain-English label, a unit and the
range each figure can take.

The range is what the figure's definition allows, whatever the scenario: counts, hours, days and costs are
never below 0, shares lie between 0 and 1. Intervals across replications are kept inside it
(:func:`simulator.statistics.mean_ci`), and paired differences inside :attr:`Figure.difference_bounds`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Bounds = tuple[float, float]
"""The lowest and the highest value a figure can take (``±math.inf``: no limit)."""

UNBOUNDED: Bounds = (-math.inf, math.inf)
NON_NEGATIVE: Bounds = (0.0, math.inf)
SHARE: Bounds = (0.0, 1.0)


@dataclass(frozen=True)
class Figure:
    """One summary figure.

    Attributes
    ----------
    name : str
        The key in ``summary.json``.
    label : str
        A short name a team manager understands.
    unit : str
        ``"cases"``, ``"days"``, ``"£"``, ``"share"``, ``"hours"``, ``"team-weeks"``, …
    low, high : float
        The range the figure can take (``±math.inf``: no limit on that side).
    """

    name: str
    label: str
    unit: str
    low: float = -math.inf
    high: float = math.inf

    @property
    def bounds(self) -> Bounds:
        """``(low, high)``."""
        return (self.low, self.high)

    @property
    def difference_bounds(self) -> Bounds:
        """The range of a difference between two values of the figure (:func:`difference_bounds`)."""
        return difference_bounds(self.bounds)


def difference_bounds(bounds: Bounds) -> Bounds:
    """The range of ``a − b`` for ``a`` and ``b`` within ``bounds``: ``(low − high, high − low)``."""
    low, high = bounds
    return (low - high, high - low)


def _count(name: str, label: str, unit: str) -> Figure:
    return Figure(name, label, unit, *NON_NEGATIVE)


def _share(name: str, label: str) -> Figure:
    return Figure(name, label, "share", *SHARE)


LEVEL_NAMES = {1: "normal", 2: "pressure", 3: "severe", 4: "critical"}
"""The contingency levels by number (OPEL-style, DESIGN §6)."""

_FIGURES = (
    # headline (simulator.run.headline_figures)
    _count("avg_caseload_per_fte", "children per case-holding FTE (average caseload)", "children"),
    _count("mean_load_ratio", "worker load ÷ case capacity (mean over worker-weeks)", "ratio"),
    _count("max_load_ratio", "worker load ÷ case capacity (highest worker-week)", "ratio"),
    _count("unallocated_cases", "cases waiting for a worker (time average)", "cases"),
    _count("mean_wait_to_allocation_days", "days a case waits for a worker (mean)", "days"),
    _share("share_allocated_within_7_days", "share of allocations made within 7 days of joining the queue"),
    # the figure it replaced, still in the summary.json of older runs
    _share("share_allocated_without_wait", "share of cases allocated without waiting (older runs)"),
    _count("referrals_per_week", "referrals per week (new and re-referrals)", "referrals"),
    _share("re_referral_share", "share of referrals that are re-referrals"),
    _count("open_cases", "open cases (time average)", "cases"),
    _count("mean_episode_days", "days a case stays open (mean)", "days"),
    _share("worker_weeks_over_100_share", "share of worker-weeks above 100% of case capacity"),
    # chance figures: shares of measured weeks (simulator.run.week_share_figures)
    _share(
        "weeks_no_must_allocate_waiting_share",
        "share of weeks with no CP, CLA or court case waiting at the week's end",
    ),
    _share("weeks_no_case_waiting_over_28_days_share", "share of weeks with no case waiting over 28 days"),
    # workforce, supervision, CPD and the contingency plan (simulator.run.dynamics_figures)
    _share("absence_rate", "share of staff time absent"),
    _count("agency_fte_weeks", "agency staff (FTE-weeks)", "FTE-weeks"),
    _count("agency_cost", "agency cost", "£"),
    # a scenario's agency day rate may be below its permanent day cost: the premium can be negative
    Figure("agency_premium", "agency cost above the cost of permanent staff", "£"),
    _count("cpd_hours_lost", "CPD hours lost (to a pause or to overload)", "hours"),
    _share("cpd_taken_share", "share of planned CPD time taken"),
    _share("asye_protected_kept_share", "share of ASYE protected time kept"),
    _count("overdue_assessments", "assessments beyond 45 working days (weekly average)", "assessments"),
    _share("vacancy_rate", "share of posts vacant"),
    _count("leavers", "workers who left", "workers"),
    _count("starters", "workers who started", "workers"),
    _count("supervision_missed", "supervision sessions missed", "sessions"),
    _share("supervision_on_time_share", "share of supervision sessions held on time"),
    *(
        _count(f"team_weeks_at_level_{n}", f"team-weeks at contingency level {n} ({name})", "team-weeks")
        for n, name in LEVEL_NAMES.items()
    ),
    _count("contingency_cost", "cost of the contingency plan's actions", "£"),
    _count("overtime_hours", "overtime worked under the plan", "hours"),
    _count("cases_stepped_down", "cases stepped down by the plan", "cases"),
    _count("referrals_screened_out", "referrals screened out by the plan", "referrals"),
    _count("escalations", "escalations to senior managers", "escalations"),
    _count("cpd_pause_team_weeks", "team-weeks with CPD paused", "team-weeks"),
    # supervision by tenure (simulator.run.supervision_by_tenure)
    _share("supervision_on_time_share_asye", "share of supervision sessions held on time: ASYE"),
    _share("supervision_on_time_share_others", "share of supervision sessions held on time: other workers"),
)

FIGURES: dict[str, Figure] = {f.name: f for f in _FIGURES}
"""Every summary figure by name."""


def figure(name: str) -> Figure:
    """The registered figure ``name``; an unknown name is unbounded, labelled with its name.

    Parameters
    ----------
    name : str
        A key of ``summary.json``.

    Returns
    -------
    Figure
    """
    return FIGURES.get(name) or Figure(name, name, "")
