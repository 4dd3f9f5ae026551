"""The level changes of a contingency timeline, each with what the plan did until the team's next change.

The timeline (``contingency.parquet``, :data:`simulator.contingency.TIMELINE_COLUMNS`) lists in each
team-week the actions that started, ended or could not start that week. An action often starts weeks
after the change that asked for it (its lead time), and one with a duration ends in a week without a
change; a table of the change weeks alone would show such an action only ending, or not at all.
:func:`level_changes` therefore gathers, for each change, the actions of every week from the change up
to the week before the team's next change, and marks those of a later week with it.
"""

from __future__ import annotations

import pandas as pd

ACTION_COLUMNS = ("actions_started", "actions_ended", "actions_not_started")
"""The timeline's action columns (comma-separated labels), gathered over the weeks a change governs."""

_KEYS = ["replication", "team"]


def level_changes(timeline: pd.DataFrame) -> pd.DataFrame:
    """One row per level change, with the actions of the weeks up to the team's next change.

    Parameters
    ----------
    timeline : DataFrame
        A contingency timeline (one or more replications, one or more teams), with ``replication``,
        ``week``, ``team``, ``level_changed`` and the :data:`ACTION_COLUMNS` (a missing
        ``actions_not_started``, as in runs written before it existed, counts as empty).

    Returns
    -------
    DataFrame
        The timeline's rows of the weeks with a level change, in the timeline's order, with each
        :data:`ACTION_COLUMNS` entry replaced by the actions of that week and of the following weeks
        before the team's next change; an action of a later week reads ``agency@3 (week 170)``
        (not started: ``borrow@3 (week 169: no team could lend)``).
    """
    table = timeline if "actions_not_started" in timeline else timeline.assign(actions_not_started="")
    ordered = table.sort_values([*_KEYS, "week"], kind="stable")
    period = ordered["level_changed"].astype(int).groupby([ordered[k] for k in _KEYS]).cumsum()
    governed = ordered[period > 0].assign(_period=period[period > 0])
    groups = [*_KEYS, "_period"]
    changed = governed.groupby(groups)["week"].transform("min")
    gathered = {
        column: governed.assign(_items=_dated(governed[column], governed["week"], changed))
        .groupby(groups)["_items"]
        .agg(lambda items: ",".join(item for item in items if item))
        for column in ACTION_COLUMNS
    }
    changes = table[table["level_changed"].astype(bool)]
    index = pd.MultiIndex.from_arrays([changes[k] for k in _KEYS] + [period.loc[changes.index]])
    return changes.assign(**{c: gathered[c].reindex(index).fillna("").to_numpy() for c in ACTION_COLUMNS})


def _dated(actions: pd.Series, week: pd.Series, change_week: pd.Series) -> list[str]:
    """Each week's comma-separated actions; those of a week after the change marked with the week."""
    return [
        text if at == start else ",".join(_with_week(a, at) for a in text.split(",") if a)
        for text, at, start in zip(actions.fillna(""), week, change_week, strict=True)
    ]


def _with_week(action: str, week: int) -> str:
    """``agency@3 (week 170)``; a reason already in brackets takes the week: ``borrow@3 (week 169: …)``."""
    label, bracket, reason = action.partition(" (")
    return f"{label} (week {week}: {reason}" if bracket else f"{label} (week {week})"
