"""How figures are shown on the page: :func:`format_figure`, :func:`format_against` and
:func:`format_interval`."""

from __future__ import annotations

import math
from typing import Any

from simulator.numbers import number

MISSING = "–"
"""What the page shows for a figure that is not recorded."""


def format_figure(value: float | None, kind: str) -> str:
    """Format one figure for the page.

    Parameters
    ----------
    value : float or None
        The figure; None or NaN shows as a dash.
    kind : str
        ``"percent"`` (a share, one decimal), ``"money"`` (whole pounds), ``"integer"`` or
        ``"number"`` (one decimal).

    Returns
    -------
    str
        The formatted figure, e.g. ``"13.6"``, ``"87.1%"``, ``"£151,233"``, ``"−£2,300"``.
    """
    if value is None or not math.isfinite(value):
        return MISSING
    if kind == "percent":  # shares and money as everywhere else (simulator.numbers)
        return "<0.1%" if 0 < value < 0.0005 else number(value, "share")
    if kind == "money":
        return number(value, "£")
    if kind == "integer":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_against(value: float | None, kind: str, *limits: float | None) -> str:
    """Format a figure that is compared with limits, so that rounding never shows it on a limit it is past.

    A caseload of 16.04 against a limit of 16.0 shows as ``"16.04"``, not ``"16.0"``, and 99.96% of
    protected time kept as ``"99.96%"``, not ``"100.0%"``.

    Parameters
    ----------
    value : float or None
        The figure.
    kind : str
        ``"number"`` or ``"percent"`` (as in :func:`format_figure`; other kinds are not refined).
    *limits : float or None
        The limits it is compared with (None is ignored).

    Returns
    -------
    str
        :func:`format_figure`, with up to two more decimals while it reads as one of the limits.
    """
    shown = format_figure(value, kind)
    if value is None or not math.isfinite(value) or kind not in ("number", "percent"):
        return shown
    rounded_limits = {format_figure(limit, kind) for limit in limits if limit is not None and limit != value}
    for decimals in (2, 3):
        if shown not in rounded_limits:
            break
        shown = f"{value:.{decimals}%}" if kind == "percent" else f"{value:,.{decimals}f}"
    return shown


def format_interval(figure: dict[str, Any], kind: str) -> str:
    """Format the 95% confidence interval of a summary figure.

    Parameters
    ----------
    figure : dict
        ``{"mean", "ci_low", "ci_high", "n"}`` from ``summary.json``.
    kind : str
        As in :func:`format_figure`.

    Returns
    -------
    str
        ``"low–high"`` (as :func:`simulator.numbers.interval` writes it), or a dash when there is no
        interval (one replication).
    """
    if figure.get("ci_low") is None or figure.get("ci_high") is None:
        return MISSING
    return f"{format_figure(figure['ci_low'], kind)}–{format_figure(figure['ci_high'], kind)}"


def format_cell(value: object, kind: str) -> str:
    """Format a table cell that should hold a figure (anything not a finite number shows as a dash).

    Parameters
    ----------
    value : object
        The cell.
    kind : str
        As in :func:`format_figure`.

    Returns
    -------
    str
    """
    return format_figure(finite_or_none(value), kind)


def finite_or_none(value: object) -> float | None:
    """``value`` as a finite float, or None if it is not a number or not finite.

    Parameters
    ----------
    value : object
        A table cell.

    Returns
    -------
    float or None
    """
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
