"""One way to show a figure, used by the command line, the explorer, the report and ``caseplan explain``.

Shares and load ratios as percentages, money in pounds, thousands separators, about three significant
digits, a true minus sign, the unit after the number and an interval as ``12.4 (11.1–13.8) days``; ids
of triggers and actions as words (:func:`readable_id`).
"""

from __future__ import annotations

import math
import re

MISSING = "–"
"""What a figure that is not recorded (None or NaN) shows as."""

PERCENT_UNITS = ("share", "ratio")
"""Units shown as percentages (a load ratio is the 'workload %' of a weighting tool)."""

UNWRITTEN_UNITS = (*PERCENT_UNITS, "£", "")
"""Units that are part of the number itself (``45.0%``, ``£1,200``), not written after it."""


def number(value: float | None, unit: str = "", difference: bool = False) -> str:
    """A figure as a reader wants it, without its unit word.

    Parameters
    ----------
    value : float or None
        The figure; None or NaN shows as :data:`MISSING`.
    unit : str
        The figure's unit (:class:`simulator.figures.Figure`): ``"share"`` and ``"ratio"`` show as
        percentages, ``"£"`` as whole pounds.
    difference : bool
        A difference of shares shows in percentage points.

    Returns
    -------
    str
        e.g. ``"12.4"``, ``"1,234"``, ``"45.0%"``, ``"£151,233"``, ``"−3.2 points"``.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    sign = "−" if value < 0 else ""
    size = abs(value)
    if unit in PERCENT_UNITS:
        text = f"{size * 100:.1f} points" if difference else f"{size:.1%}"
    elif unit == "£":
        text = f"£{size:,.0f}"  # whole pounds
    else:
        text = f"{size:,.0f}" if size >= 100 else f"{size:.1f}" if size >= 10 else f"{size:.2f}"
    if not nonzero(text):
        sign = ""  # a value that rounds to zero has no sign
    return sign + text


def nonzero(text: str) -> bool:
    """Whether a formatted number shows a digit other than 0."""
    return any(c in "123456789" for c in text)


def with_unit(value: float | None, unit: str = "") -> str:
    """:func:`number` followed by its unit word, e.g. ``"12.4 days"``, ``"45.0%"``, ``"£1,200"``.

    Parameters
    ----------
    value : float or None
    unit : str

    Returns
    -------
    str
    """
    text = number(value, unit)
    return text if unit in UNWRITTEN_UNITS or text == MISSING else f"{text} {unit}"


def interval(mean: float | None, low: float | None, high: float | None, unit: str = "") -> str:
    """A mean with its 95% interval and unit: ``"12.4 (11.1–13.8) days"``, ``"51.7% (26.5%–76.9%)"``.

    Parameters
    ----------
    mean, low, high : float or None
        The mean and the interval's ends (None: no interval, from one replication).
    unit : str

    Returns
    -------
    str
        The mean alone (with its unit) when there is no interval.
    """
    text = number(mean, unit)
    if (
        text != MISSING
        and low is not None
        and high is not None
        and math.isfinite(low)
        and math.isfinite(high)
    ):
        text += f" ({number(low, unit)}–{number(high, unit)})"
    return text if unit in UNWRITTEN_UNITS or text == MISSING else f"{text} {unit}"


def readable_id(name: str) -> str:
    """A trigger or action id as words: ``escalate:service_manager@2`` → ``escalate: service manager@2``
    (a narrow column then wraps it between words).

    Parameters
    ----------
    name : str

    Returns
    -------
    str
    """
    return re.sub(r":(?=\S)", ": ", name.replace("_", " "))
