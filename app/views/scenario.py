"""Scenario page: pick a shipped scenario or upload one, edit its main parameters, download it."""

from __future__ import annotations

import streamlit as st

from app.common import current_scenario, shipped_scenarios, show_errors
from caseplan.explorer.allocation import read_uploaded_snapshot
from caseplan.explorer.parameters import (
    apply_edits,
    apply_tables,
    case_type_table,
    parameters,
    scenario_from_text,
    scenario_yaml,
    team_table,
    threshold_table,
    with_snapshot,
)
from simulator.scenario import ScenarioError, load_scenario


def _value_at(scenario, path):
    owner = scenario
    for part in path.split("."):
        owner = getattr(owner, part)
    return owner


st.title("Scenario")
st.caption(
    "Pick a shipped scenario or upload your own, change what you want to test, then run it on the other pages."
)

files = shipped_scenarios()
left, right = st.columns(2)
with left:
    choice = st.selectbox("Shipped scenario", list(files), key="shipped_choice")
    if st.button("Load", key="load_shipped"):
        st.session_state["scenario"] = load_scenario(files[choice])
        st.session_state["scenario_name"] = choice
        st.session_state.pop("edit_errors", None)
with right:
    upload = st.file_uploader("…or upload a scenario (YAML)", type=["yaml", "yml"], key="upload_yaml")
    if upload is not None and st.button("Use the uploaded file", key="use_upload"):
        try:
            st.session_state["scenario"] = scenario_from_text(upload.getvalue(), upload.name)
            st.session_state["scenario_name"] = upload.name
        except ScenarioError as exc:
            show_errors(exc)  # the previous scenario stays in place

scenario = current_scenario()
st.subheader(f"Editing: {st.session_state.get('scenario_name', 'baseline')}")

edits = {}
for section in dict.fromkeys(p.section for p in parameters(scenario)):
    with st.expander(section, expanded=section == "Demand"):
        for p in (q for q in parameters(scenario) if q.section == section):
            key = f"edit:{p.path}"
            if p.choices:
                edits[p.path] = st.selectbox(
                    p.label, p.choices, index=p.choices.index(p.value), help=p.help, key=key
                )
            elif isinstance(p.value, bool) or p.value is None:
                continue
            elif isinstance(p.value, int):
                edits[p.path] = int(st.number_input(p.label, value=p.value, step=1, help=p.help, key=key))
            else:
                edits[p.path] = st.number_input(
                    p.label, value=float(p.value), help=p.help, key=key, format="%.4g"
                )

tables = {}
with st.expander("Team (worker groups)"):
    st.caption("One row per group of identical workers; ASYEs are NQSWs in their assessed year (DF §4).")
    tables["team"] = st.data_editor(team_table(scenario), num_rows="dynamic", key="edit_team")
with st.expander("Case weights (hours a week while held)"):
    st.caption("Defaults from the Wirral/Slough/Swindon points schemes (100 points = 37 h, DF §5).")
    tables["case_types"] = st.data_editor(case_type_table(scenario), disabled=["case_type"], key="edit_cases")
if scenario.contingency is not None:
    with st.expander("Contingency thresholds"):
        st.caption(
            "A level holds when any of its thresholds is met; '3' means ≥ 3, write '< 0.8' for ≤ (DF §6)."
        )
        tables["thresholds"] = st.data_editor(
            threshold_table(scenario), num_rows="dynamic", key="edit_levels"
        )
with st.expander("Start from a team snapshot (workers.csv and cases.csv)"):
    st.caption("Pseudonymous ids only: a name, birth-date, address or contact column is refused.")
    snapshot_workers = st.file_uploader("workers.csv", type=["csv"], key="snapshot_workers")
    snapshot_cases = st.file_uploader("cases.csv", type=["csv"], key="snapshot_cases")
    snapshot_date = st.date_input("Snapshot date", value=scenario.meta.start, key="snapshot_date")
    if st.button("Use the snapshot", disabled=not (snapshot_workers and snapshot_cases), key="use_snapshot"):
        try:
            snapshot = read_uploaded_snapshot(snapshot_workers.getvalue(), snapshot_cases.getvalue(), snapshot_date,
                                              scenario, snapshot_workers.name, snapshot_cases.name)  # fmt: skip
            st.session_state["scenario"] = scenario = with_snapshot(scenario, snapshot)
            st.session_state["scenario_name"] = f"snapshot of {snapshot_date}"
            st.success("The team and its open cases are in place on the snapshot's date (no warm-up).")
        except ScenarioError as exc:
            show_errors(exc)  # the previous scenario stays in place

changed = (
    {path: value for path, value in edits.items() if value != _value_at(scenario, path)} if edits else {}
)
changed_tables = {
    name: table for name, table in tables.items()
    if not table.equals({"team": team_table, "case_types": case_type_table, "thresholds": threshold_table}[name](scenario))
}  # fmt: skip
valid = True
try:
    edited = apply_edits(scenario, changed) if changed else scenario
    edited = apply_tables(edited, **changed_tables) if changed_tables else edited
except ScenarioError as exc:
    valid, edited = False, scenario
    show_errors(exc)
changed = changed or changed_tables

if st.button("Apply changes", disabled=not valid or not changed, key="apply"):
    st.session_state["scenario"] = edited
    st.session_state["scenario_name"] = f"{st.session_state.get('scenario_name', 'scenario')} (edited)"
    st.success("Changes applied; run the scenario on the Demand or Contingency page.")
st.download_button(
    "Download the scenario (YAML)", scenario_yaml(edited), file_name="scenario.yaml", disabled=not valid
)
st.session_state["scenario_valid"] = valid
