"""Allocation tester (team manager): a team snapshot through one or more policies, side by side."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app.common import current_scenario, show_errors
from caseplan.explorer.allocation import (
    EXAMPLE_DATE,
    allocations_csv,
    compare_decisions,
    decisions_table,
    load_chart_data,
    read_example_snapshot,
    read_uploaded_snapshot,
    reference_lines,
    run_policies,
    summary_table,
)
from optimiser import POLICY_NAMES
from simulator.snapshot import SnapshotError

RESULTS = "allocation_results"
BAND_COLOURS = {"within capacity": "#4c78a8", "over capacity": "#f58518", "excessive": "#e45756"}


def load_chart(result, snapshot, scenario) -> alt.LayerChart:
    data = load_chart_data(result, snapshot, scenario)
    data["worker"] = [f"{w} (ASYE)" if asye else w for w, asye in zip(data["worker_id"], data["asye"])]
    lines = reference_lines(scenario)
    top = max(1.2, float(data["load_ratio_after"].max()) * 1.05 if len(data) else 1.2)
    y = alt.Y(
        "load_ratio_after:Q",
        title="load ratio after the meeting",
        axis=alt.Axis(format="%"),
        scale=alt.Scale(domain=[0, top]),
    )
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("worker:N", title="worker", sort=None),
            y=y,
            color=alt.Color(
                "band:N",
                title="after the meeting",
                scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())),
            ),
            tooltip=[
                alt.Tooltip("worker_id:N", title="worker"),
                alt.Tooltip("role:N"),
                alt.Tooltip("case_capacity_hours:Q", title="case capacity (h/week)", format=".1f"),
                alt.Tooltip("load_hours_before:Q", title="load before (h/week)", format=".1f"),
                alt.Tooltip("load_hours_after:Q", title="load after (h/week)", format=".1f"),
                alt.Tooltip("load_ratio_before:Q", title="ratio before", format=".0%"),
                alt.Tooltip("load_ratio_after:Q", title="ratio after", format=".0%"),
            ],
        )
    )
    rules = alt.Chart(lines).mark_rule(strokeDash=[6, 4], color="#444").encode(y="ratio:Q")
    labels = (
        alt.Chart(lines)
        .mark_text(align="left", dx=4, dy=-6, color="#444")
        .encode(y="ratio:Q", x=alt.value(0), text="label:N")
    )
    return (bars + rules + labels).properties(height=320)


st.title("Allocation tester")
st.caption(
    "Upload your team and its cases (the two CSV files of `caseplan allocate`) or use the shipped example "
    "team, choose the allocation policies to compare and press Run. Nothing is stored: the files stay in "
    "this browser session."
)

scenario = current_scenario()
left, right = st.columns(2)
with left:
    workers_upload = st.file_uploader(
        "workers.csv (id, role, fte, start_date, skills, team)", type=["csv"], key="upload_workers"
    )
with right:
    cases_upload = st.file_uploader(
        "cases.csv (id, type, opened, worker_id; optional priority, flags, previous_worker_id, team)",
        type=["csv"],
        key="upload_cases",
    )
uploaded = workers_upload is not None and cases_upload is not None
partial = (workers_upload is None) != (cases_upload is None)
if uploaded:
    source = f"your files {workers_upload.name} and {cases_upload.name}"
elif partial:
    missing = "cases.csv" if cases_upload is None else "workers.csv"
    st.warning(f"Upload {missing} as well, or remove the uploaded file to use the shipped example.")
    source = ""
else:
    source = "the shipped example team (scenarios/examples: 11 workers, 14 waiting cases)"
    st.info(f"No files uploaded: Run uses {source} on {EXAMPLE_DATE:%A %d %B %Y}.")

left, right = st.columns([1, 2])
with left:
    as_of = st.date_input("Snapshot date", value=EXAMPLE_DATE, key="allocation_date")
with right:
    default = list(dict.fromkeys([scenario.allocation.policy, "milp"]))
    policies = st.multiselect(
        "Policies to compare",
        list(POLICY_NAMES),
        default=default,
        key="allocation_policies",
        help="milp: the optimiser; least_loaded, round_robin, points_threshold: the simple rules.",
    )
st.caption(
    f"Capacity rules, case weights and policy settings come from the current scenario "
    f"({st.session_state.get('scenario_name', 'baseline')}; change it on the Scenario page)."
)

if st.button("Run", type="primary", disabled=partial or not policies, key="run_allocation"):
    try:
        if uploaded:
            snapshot = read_uploaded_snapshot(
                workers_upload.getvalue(),
                cases_upload.getvalue(),
                as_of,
                scenario,
                workers_upload.name,
                cases_upload.name,
            )
        else:
            snapshot = read_example_snapshot(scenario, as_of)
    except SnapshotError as exc:
        show_errors(exc)  # the previous results stay in place
        if RESULTS in st.session_state:
            st.caption("The results below are from the previous run.")
    else:
        with st.spinner("Allocating…"):
            runs = run_policies(snapshot, scenario, policies)
        st.session_state[RESULTS] = {
            "runs": runs,
            "snapshot": snapshot,
            "scenario": scenario,
            "source": source,
        }

kept = st.session_state.get(RESULTS)
if kept is not None:
    runs, snapshot, used = kept["runs"], kept["snapshot"], kept["scenario"]
    st.subheader(f"{len(snapshot.waiting)} waiting case(s), {len(snapshot.workers)} workers")
    st.caption(f"From {kept['source']} on {snapshot.as_of:%d %B %Y}.")
    st.dataframe(
        summary_table(runs, snapshot, used),
        hide_index=True,
        column_config={"highest load ratio": st.column_config.NumberColumn(format="percent")},
    )
    if sum(run.result is not None for run in runs) > 1:
        st.markdown("**Side by side: who takes each case**")
        st.dataframe(compare_decisions(runs), hide_index=True)
    cap = used.capacity.asye_load_cap
    for tab, run in zip(st.tabs([run.policy for run in runs]), runs, strict=True):
        with tab:
            if run.result is None:
                for message in run.errors:
                    st.error(message)
                continue
            st.caption(f"{run.policy}: {run.result.status}, {run.seconds:.2f} s")
            st.dataframe(decisions_table(run.result, snapshot, used), hide_index=True)
            st.altair_chart(load_chart(run.result, snapshot, used), width="stretch")
            st.caption(
                "Load ratio = hours of cases held ÷ case capacity (hours per week). An ASYE in the "
                f"assessed year has case capacity capped at {cap:.0%} of an experienced worker's "
                "(capacity.asye_load_cap), so an ASYE bar at 100% is that capped load. Workers without "
                "case capacity (team managers) are not drawn."
            )
            st.download_button(
                f"Download allocations ({run.policy}, CSV)",
                allocations_csv(run.result),
                file_name=f"allocations_{run.policy}.csv",
                mime="text/csv",
                key=f"download:{run.policy}",
            )
