"""Level changes with what the plan did until the team's next change (simulator/level_changes.py)."""

from __future__ import annotations

import pandas as pd

from simulator.level_changes import ACTION_COLUMNS, level_changes
from simulator.run import run_replication
from tests.support import variant


def timeline(rows: list[tuple]) -> pd.DataFrame:
    """A timeline from (replication, week, team, level, changed, started, ended, not started) rows."""
    columns = ["replication", "week", "team", "level", "level_changed", *ACTION_COLUMNS]
    table = pd.DataFrame(rows, columns=columns)
    return table.assign(
        week_start=pd.Timestamp("2026-04-01") + pd.to_timedelta(table["week"] * 7, unit="D"),
        triggered_by="",
    )


TIMELINE = timeline([
    (0, 10, "a", 1, False, "", "", ""),
    (0, 11, "a", 3, True, "escalate:head_of_service@3,step_down@3", "", ""),
    (0, 12, "a", 3, False, "", "", "borrow@3 (no team could lend)"),
    (0, 13, "a", 3, False, "agency@3", "", ""),
    (0, 11, "b", 2, True, "overtime@2", "", ""),
    (0, 12, "b", 2, False, "", "", ""),
    (0, 14, "a", 2, True, "", "agency@3,step_down@3", ""),
    (0, 15, "a", 2, False, "", "pause_cpd@2", ""),
    (1, 11, "a", 2, True, "overtime@2", "", ""),
])  # fmt: skip


def test_actions_of_later_weeks_show_on_the_change_that_asked_for_them():
    changes = level_changes(TIMELINE).set_index(["replication", "team", "week"])
    assert len(changes) == 4  # one row per change, of each replication and team
    severe = changes.loc[(0, "a", 11)]
    assert severe["actions_started"] == "escalate:head_of_service@3,step_down@3,agency@3 (week 13)"
    assert severe["actions_not_started"] == "borrow@3 (week 12: no team could lend)"
    pressure = changes.loc[(0, "a", 14)]
    assert pressure["actions_ended"] == "agency@3,step_down@3,pause_cpd@2 (week 15)"
    assert pressure["actions_started"] == ""
    assert changes.loc[(0, "b", 11), "actions_started"] == "overtime@2"  # teams do not mix
    assert changes.loc[(1, "a", 11), "actions_started"] == "overtime@2"  # nor replications


def test_the_change_rows_keep_the_timeline_columns_and_order():
    changes = level_changes(TIMELINE)
    assert list(changes.columns) == list(TIMELINE.columns)
    assert list(changes.index) == list(TIMELINE.index[TIMELINE["level_changed"]])


def test_an_old_timeline_without_not_started_and_an_empty_one():
    old = TIMELINE.drop(columns="actions_not_started")
    assert (level_changes(old)["actions_not_started"] == "").all()
    empty = level_changes(TIMELINE.iloc[:0])
    assert empty.empty and set(ACTION_COLUMNS) <= set(empty.columns)
    assert level_changes(TIMELINE[~TIMELINE["level_changed"]]).empty


def test_every_action_of_the_timeline_appears_once_in_the_changes():
    # baseline under a surge: the counts of starts and ends after the first change are kept, only regrouped
    surge = {"shocks": [{"kind": "step", "start_week": 60, "weeks": 40, "factor": 2.0}]}
    table = run_replication(variant(meta={"horizon_weeks": 130, "warmup_weeks": 0}, demand=surge), 0).timeline
    changes = level_changes(table)
    first = table["week"][table["level_changed"]].min()
    for column in ACTION_COLUMNS:
        items = [a for text in table.loc[table["week"] >= first, column] for a in text.split(",") if a]
        gathered = [a for text in changes[column] for a in text.split(",") if a]
        assert len(gathered) == len(items), column
    assert changes["actions_started"].str.contains(r"agency@\d \(week \d+\)").any()
