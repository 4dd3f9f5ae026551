"""Batch results page (analyst): open the output directory of `caseplan batch`, pick scenarios and a figure,
and read the `caseplan compare` table (paired differences from a reference) with the spread of the
replications; download the table as CSV."""

from __future__ import annotations

import altair as alt
import streamlit as st

from caseplan.explorer.batches import (
    BatchDirectoryError,
    comparison,
    open_batch,
    replication_values,
    table_csv,
)
from caseplan.explorer.results import few_replications_caption
from caseplan.explorer.views import show_table
from simulator.figures import figure

BATCH_KEY = "explorer_batch"  # the last batch read: (text typed, Batch)


def distribution_chart(values, metric: str):
    """Box plots of the per-replication values by scenario, with the values as points: one row per
    scenario, so every scenario's name is written out however many there are."""
    order = list(dict.fromkeys(values["scenario"]))
    shown = figure(metric)
    percent = shown.unit in ("share", "ratio")
    y = alt.Y("scenario:N", title=None, sort=order, axis=alt.Axis(labelLimit=400, labelOverlap=False))
    x = alt.X("value:Q", title=f"{shown.label}" + ("" if shown.unit in ("", "share", "ratio") else f" ({shown.unit})"),
              scale=alt.Scale(zero=False), axis=alt.Axis(format=".0%" if percent else ",.3~g"))  # fmt: skip
    base = alt.Chart(values)
    box = base.mark_boxplot(extent="min-max", size=22, opacity=0.5).encode(x=x, y=y)
    points = base.mark_circle(size=30, color="black", opacity=0.6).encode(
        x=x,
        y=y,
        tooltip=["scenario:N", "replication:Q", alt.Tooltip("value:Q", format=".1%" if percent else ",.3~g")],
    )
    return (box + points).properties(height=alt.Step(34), title=f"{shown.label}: one point per replication")


def read(text: str, reload: bool):
    """The batch at ``text``, read once per directory (Reload reads it again)."""
    last = st.session_state.get(BATCH_KEY)
    if last is not None and last[0] == text.strip() and not reload:
        return last[1]
    batch = open_batch(text)
    st.session_state[BATCH_KEY] = (text.strip(), batch)
    return batch


st.title("Batch results")
st.caption(
    "Compare the scenarios of a batch run with `caseplan batch`: each scenario's mean with its 95% "
    "interval and the paired difference from a reference scenario (replication r of every scenario shares "
    "its random numbers, so the paired interval is usually much narrower than the unpaired one)."
)

left, right = st.columns([4, 1], vertical_alignment="bottom")
text = left.text_input(
    "Batch directory",
    key="batch_dir",
    placeholder="runs/surge_study",
    help="The --out directory of `caseplan batch` (it holds manifest.json, runs/ and weekly/).",
)
reload = right.button("Reload", key="batch_reload", help="Read the directory again (a batch still running).")

batch = None
if not text.strip():
    st.info("Enter the output directory of a batch (`caseplan batch GRID --out DIR`).")
else:
    try:
        batch = read(text, reload)
    except BatchDirectoryError as exc:
        st.error(str(exc))
        last = st.session_state.get(BATCH_KEY)
        if last is not None:
            batch = last[1]
            st.caption(f"Showing the last batch read: {batch.path}")

if batch is not None:
    about = (
        f"**{batch.grid_name or batch.path.name}**: {len(batch.scenarios)} scenarios, {len(batch.runs)} runs"
    )
    st.markdown(about)
    if batch.status != "complete":
        st.warning(
            f"The manifest's status is '{batch.status}': the batch is still running or was interrupted."
        )
    for problem in batch.problems:
        st.warning(problem)

    scenarios = st.multiselect(
        "Scenarios",
        batch.scenarios,
        default=batch.scenarios,
        key=f"batch_scenarios:{batch.path}",
        help="The grid's scenarios to show (the reference need not be among them).",
    )
    metric_col, reference_col = st.columns(2)
    default_metric = "unallocated_cases" if "unallocated_cases" in batch.metrics else batch.metrics[0]
    metric = metric_col.selectbox(
        "Figure",
        batch.metrics,
        index=batch.metrics.index(default_metric),
        key=f"batch_metric:{batch.path}",
        format_func=lambda m: figure(m).label,
        help="A figure of each run's summary.json, after the warm-up.",
    )
    reference = reference_col.selectbox(
        "Reference",
        batch.scenarios,
        index=batch.scenarios.index(batch.reference),
        key=f"batch_reference:{batch.path}",
        help="Differences are taken from this scenario, replication by replication.",
    )
    try:
        table = comparison(batch, scenarios, [metric], reference)
        values = replication_values(batch, scenarios, metric)
    except ValueError as exc:
        st.error(str(exc))
    else:
        st.markdown(f"**{figure(metric).label}** (after the warm-up)")
        show_table(table, "comparison", one_figure=True)
        if caption := few_replications_caption(table):
            st.caption(caption)
        st.download_button(
            "Download the table (CSV)",
            data=table_csv(table),
            file_name=f"compare_{metric}.csv",
            mime="text/csv",
            key="batch_download",
        )
        if values.empty:
            st.info(f"{metric}: no run of the chosen scenarios has a value.")
        else:
            st.altair_chart(distribution_chart(values, metric), width="stretch")
