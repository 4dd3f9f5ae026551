"""Widgets shared by the explorer's pages: the current scenario and the results kept in session state."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator.scenario import Scenario, ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "baseline.yaml"


def shipped_scenarios() -> dict[str, Path]:
    """The shipped scenario files by name (baseline first)."""
    files = sorted(SCENARIOS.glob("*.yaml"), key=lambda p: (p.stem != "baseline", p.stem))
    return {p.stem: p for p in files}


def current_scenario() -> Scenario:
    """The scenario the user is working on (the baseline until they pick or edit another)."""
    if "scenario" not in st.session_state:
        st.session_state["scenario"] = load_scenario(DEFAULT)
        st.session_state["scenario_name"] = "baseline"
    return st.session_state["scenario"]


def show_errors(error: ScenarioError) -> None:
    """One ``st.error`` per problem (each names the field and the allowed range)."""
    for message in error.messages:
        st.error(message)
