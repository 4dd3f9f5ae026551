"""Scenario page: pick a shipped scenario or upload one, edit its main parameters, download it."""

from __future__ import annotations

import streamlit as st

from app.common import current_scenario, shipped_scenarios, show_errors
from caseplan.explorer.parameters import apply_edits, parameters, scenario_from_text, scenario_yaml
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
            st.session_state["scenario"] = scenario_from_text(
                upload.getvalue().decode("utf-8", "replace"), upload.name
            )
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

changed = (
    {path: value for path, value in edits.items() if value != _value_at(scenario, path)} if edits else {}
)
valid = True
try:
    edited = apply_edits(scenario, changed) if changed else scenario
except ScenarioError as exc:
    valid, edited = False, scenario
    show_errors(exc)

if st.button("Apply changes", disabled=not valid or not changed, key="apply"):
    st.session_state["scenario"] = edited
    st.session_state["scenario_name"] = f"{st.session_state.get('scenario_name', 'scenario')} (edited)"
    st.success("Changes applied; run the scenario on the Demand or Contingency page.")
st.download_button(
    "Download the scenario (YAML)", scenario_yaml(edited), file_name="scenario.yaml", disabled=not valid
)
st.session_state["scenario_valid"] = valid
