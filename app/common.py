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


def runnable_scenario() -> Scenario | None:
    """The current scenario if it can be run; otherwise its problems are shown and None is returned."""
    from caseplan.explorer.results import check_scenario

    try:
        return check_scenario(current_scenario(), st.session_state.get("scenario_valid"))
    except ScenarioError as exc:
        show_errors(exc)
        return None


def show_errors(error: ScenarioError) -> None:
    """One ``st.error`` per problem (each names the field and the allowed range)."""
    for message in error.messages:
        st.error(message)


def run_controls(scenario, replications: int, name: str, cache, key: str, runnable: bool) -> None:
    """Warn with an estimate before a slow run (ask to confirm), then the Run button with progress.

    A stored run (same scenario and replications) is shown again without running; a failed run leaves
    the stored results as they were.
    """
    from caseplan.explorer.results import estimate_message
    from caseplan.explorer.running import SLOW_SECONDS, estimate_seconds

    confirmed, estimate = True, 0.0
    if runnable and cache.get(scenario, replications) is None:
        estimate = estimate_seconds(scenario, replications)
        if estimate > SLOW_SECONDS:
            st.warning(
                f"This run may take {estimate_message(estimate)} ({replications} replications of "
                f"{scenario.meta.horizon_weeks} weeks); fewer replications or a shorter horizon run faster."
            )
            confirmed = st.checkbox(
                f"Run it anyway ({estimate_message(estimate)})", key=f"{key}_confirm_slow"
            )
    if not st.button("Run", type="primary", disabled=not (runnable and confirmed), key=f"{key}_run"):
        return
    try:
        with st.spinner(f"Running {replications} replication(s) of '{name}'…"):
            if estimate > 1:
                bar = st.progress(0.0, text=f"0 of {replications} replications")
                cache.run(scenario, replications, name, progress=lambda done: bar.progress(
                    done / replications, text=f"{done} of {replications} replications"))  # fmt: skip
                bar.empty()
            else:
                cache.run(scenario, replications, name)
    except Exception as exc:  # the page shows the problem; the results stored stay
        st.error(f"Run: the simulation failed ({type(exc).__name__}: {exc}); the previous results are kept.")
