"""Contingency dashboard (strategic lead): each team's escalation level by week, the level changes with
their triggers, actions and costs, the plan's totals, supervision and CPD compliance, and the health-check
report of the run."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.common import run_controls, runnable_scenario
from batch.store import slug
from caseplan.explorer.contingency import (
    compliance_table,
    contingency_totals,
    has_plan,
    health_check_html,
    level_changes,
    level_names,
    level_timeline,
)
from caseplan.explorer.results import few_replications_caption, session_cache
from caseplan.explorer.views import show_table
from simulator.figures import figure
from simulator.numbers import interval, number, readable_id

REPORT_KEY = "explorer_report"
SHORT_LABELS = {
    "supervision_on_time_share": "supervision on time",
    "supervision_missed": "sessions missed",
    "cpd_taken_share": "CPD taken",
    "cpd_hours_lost": "CPD hours lost",
    "asye_protected_kept_share": "ASYE time kept",
}
LEVEL_COLOURS = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828"]  # 1 normal … 4 critical


def level_chart(timeline: pd.DataFrame, names: dict[int, str]):
    """Each team's level by week as a heat map (replication 0)."""
    labels = " : ".join(f"datum.label == '{n}' ? '{n} {names[n]}'" for n in sorted(names)) + " : datum.label"
    return (
        alt.Chart(timeline)
        .mark_rect()
        .encode(
            x=alt.X("week_start:T", title="week starting", axis=alt.Axis(format="%b %Y", labelAngle=0)),
            x2="week_end:T",
            y=alt.Y("team:N", title=None),
            color=alt.Color(
                "level:O",
                scale=alt.Scale(domain=[1, 2, 3, 4], range=LEVEL_COLOURS),
                legend=alt.Legend(title="level", orient="bottom", labelExpr=labels),
            ),
            tooltip=[
                alt.Tooltip("team:N"),
                alt.Tooltip("week:Q"),
                alt.Tooltip("week_start:T", title="week start"),
                alt.Tooltip("level:O"),
                alt.Tooltip("level_name:N", title="name"),
                alt.Tooltip("warmup:N", title="warm-up"),
            ],
        )
        .properties(height=alt.Step(28), title="Escalation level by week (replication 0)")
    )


def figure_metric(column, key: str, label: str, row) -> None:
    """One figure as an ``st.metric``: its mean (the label names the unit, so the value fits a narrow column);
    the figure's full label, interval and period in the help."""
    unit = figure(key).unit
    column.metric(
        label,
        number(row["mean"], unit),
        help=f"{row['label']}: after the warm-up, mean over replications; 95% interval "
        f"{interval(row['mean'], row['ci_low'], row['ci_high'], unit)}",
    )


def readable_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """The level changes with their triggers and actions in words, one action per line."""
    shown = changes.assign(
        level_shown=[f"{lv} {name}" for lv, name in zip(changes["level"], changes["level_name"], strict=True)]
    )
    for column in ("triggered_by", "actions_started", "actions_ended", "actions_not_started"):
        if column in shown:
            joiner = ", " if column == "triggered_by" else "; "
            shown[column] = [
                joiner.join(readable_id(a) for a in str(v or "").split(",") if a) for v in shown[column]
            ]
    return shown


CHANGE_COLUMNS_SHOWN = ["date", "team", "level_shown", "triggered_by", "actions_started", "actions_ended",
                        "actions_not_started", "cost"]  # fmt: skip
CHANGE_COLUMN_CONFIG = {  # labels and help of the level-changes table's columns
    "level_shown": st.column_config.TextColumn(
        "level", help="1 normal, 2 pressure, 3 severe, 4 critical (OPEL-style levels of the plan)."
    ),
    "date": st.column_config.DateColumn("week starting", help="The first day of the week the level changed."),
    "week": st.column_config.NumberColumn(
        "week", help="Week number from the scenario's start (warm-up included)."
    ),
    "team": st.column_config.TextColumn("team"),
    "level": st.column_config.NumberColumn(
        "level", help="1 normal, 2 pressure, 3 severe, 4 critical (OPEL-style)."
    ),
    "level_name": st.column_config.TextColumn("name"),
    "triggered_by": st.column_config.TextColumn("triggered by", help="The thresholds met that week."),
    "actions_started": st.column_config.TextColumn(
        "actions started", help="Started from this week until the next change."
    ),
    "actions_ended": st.column_config.TextColumn("actions ended"),
    "actions_not_started": st.column_config.TextColumn("not started (why)"),
    "cost": st.column_config.NumberColumn("cost (£)", format="£%d", help="The plan's cost in that week."),
}


st.title("Contingency dashboard")
st.caption(
    "When the contingency plan's triggers fire, what level each team is at, which actions were taken and "
    "what they cost; and whether supervision (Standard 5) and CPD (Standard 6) held up. The timeline is "
    "replication 0, as `caseplan run` prints it; totals are after the warm-up, mean over replications."
)

cache = session_cache(st.session_state)
scenario = runnable_scenario()
runnable = scenario is not None

name = st.session_state.get("scenario_name", "scenario")
entry = cache.latest(scenario) if runnable else cache.latest()  # invalid input: the previous results stay

with st.expander("Run", expanded=entry is None):
    replications = st.slider(
        "Replications",
        min_value=1,
        max_value=50,
        value=5,
        key="contingency_replications",
        help="The same runs as on the Demand page: a scenario already run there is not run again.",
    )
    run_controls(scenario, replications, name, cache, "contingency", runnable)
entry = cache.latest(scenario) if runnable else cache.latest()  # a run just done is the latest
if runnable and not has_plan(scenario):
    st.info(
        "The current scenario has no contingency section, so there are no escalation levels, actions or "
        "costs to show. Load a scenario with a plan (the baseline has one) on the Scenario page; "
        "supervision and CPD compliance are shown below once the scenario has been run."
    )

if entry is None:
    st.info("The current scenario has not been run yet: press Run (above), or run it on the Demand page.")
else:
    result = entry.result
    if not runnable:
        st.warning(f"These are the results of an earlier scenario, '{entry.label}'.")
    st.subheader(f"Results: {entry.label}, {len(result.replications)} replication(s)")
    if has_plan(result.scenario):
        names = level_names(result.scenario)
        timeline = level_timeline(result)
        st.altair_chart(level_chart(timeline, names), width="stretch")

        totals = contingency_totals(result).set_index("figure")
        shown = [("contingency_cost", "contingency cost"), ("overtime_hours", "overtime (hours)"),
                 ("escalations", "escalations"), ("cases_stepped_down", "cases stepped down")]  # fmt: skip
        for column, (key, label) in zip(st.columns(len(shown)), shown, strict=True):
            if key in totals.index:
                figure_metric(column, key, label, totals.loc[key])

        st.markdown("**Level changes (replication 0)**")
        changes = level_changes(result)
        if changes.empty:
            st.success("No team left level 1 (normal) in replication 0.")
        else:
            st.dataframe(readable_changes(changes), hide_index=True, column_config=CHANGE_COLUMN_CONFIG,
                         column_order=CHANGE_COLUMNS_SHOWN)  # fmt: skip
        st.markdown("**Totals after the warm-up** (mean over replications, 95% interval)")
        show_table(totals.reset_index(), "summary")
        if caption := few_replications_caption(totals):
            st.caption(caption)

    st.markdown("**Supervision (Standard 5), CPD and ASYE protected time (Standard 6)**")
    compliance = compliance_table(result)
    if compliance.empty:
        st.info("The run recorded no supervision or CPD figures.")
    else:
        indexed = compliance.set_index("figure")
        for column, key in zip(st.columns(len(indexed)), indexed.index, strict=True):
            figure_metric(column, key, SHORT_LABELS.get(key, indexed.loc[key, "label"]), indexed.loc[key])
        show_table(compliance, "summary")
        if caption := few_replications_caption(compliance):
            st.caption(caption)
        if "supervision_missed" not in indexed.index:
            st.caption("Supervision sessions were not tracked (supervision.track is off).")

    st.markdown("**Health-check report**")
    st.caption(
        "The employer-standards page of `caseplan report` for this run (one HTML file that opens offline, "
        "about 5 MB)."
    )
    if st.button("Prepare the health-check report", key="contingency_prepare_report"):
        try:
            with st.spinner("Writing the run and building the report…"):
                st.session_state[REPORT_KEY] = (entry.key, health_check_html(result))
        except Exception as exc:  # e.g. a run too short to measure anything
            st.error(f"Health-check report: could not be built ({type(exc).__name__}: {exc})")
    report = st.session_state.get(REPORT_KEY)
    if report is not None and report[0] == entry.key:
        st.download_button(
            "Download the health-check report (HTML)",
            data=report[1],
            file_name=f"{slug(entry.label)}_health_check.html",
            mime="text/html",
            key="contingency_download_report",
        )
