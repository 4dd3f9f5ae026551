"""Landing page (team manager, director): the current scenario at a glance, each figure green, amber or red
against the health-check report's thresholds with its source, and one sentence on what matters most."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.common import run_controls, runnable_scenario
from caseplan.explorer.glance import LIGHTS, team_checks, waiting_by_type, what_matters_most
from caseplan.explorer.results import session_cache, summary_table
from simulator.figures import LEVEL_NAMES, figure
from simulator.numbers import interval, with_unit

CHECKS_KEY = "glance_checks"  # (result key, checks) of the last result shown
BADGE_COLOURS: dict[str, Any] = {"red": "red", "amber": "orange", "green": "green", "grey": "gray"}
BADGE_ICONS = {"red": ":material/error:", "amber": ":material/warning:", "green": ":material/check_circle:",
               "grey": ":material/help:"}  # fmt: skip
FIGURES = {
    "avg_caseload_per_fte": "caseload per FTE",
    "mean_load_ratio": "workload (load ÷ capacity)",
    "mean_wait_to_allocation_days": "wait for a worker",
    "unallocated_cases": "cases waiting",
    "supervision_on_time_share": "supervision on time",
    "cpd_taken_share": "CPD time taken",
}


def checks_of(entry):
    """The report's checks of ``entry``'s result, computed once per result."""
    stored = st.session_state.get(CHECKS_KEY)
    if stored is None or stored[0] != entry.key:
        stored = (entry.key, team_checks(entry.result))
        st.session_state[CHECKS_KEY] = stored
    return stored[1]


st.title("Your team at a glance")
st.caption(
    "The current scenario (pick or edit it on the Scenario page) against the thresholds of the health-check "
    "report: green is within the standard, amber at risk, red breached. Figures are after the warm-up, mean "
    "over replications."
)

cache = session_cache(st.session_state)
scenario = runnable_scenario()
runnable = scenario is not None
name = st.session_state.get("scenario_name", "baseline")
entry = cache.latest(scenario) if runnable else cache.latest()
with st.expander("Run", expanded=entry is None):
    replications = st.slider(
        "Replications", min_value=1, max_value=50, value=5, key="glance_replications",
        help="Runs with different random numbers (the same runs as the Demand and Contingency pages use); "
        "10 or more give firm intervals.",
    )  # fmt: skip
    run_controls(scenario, replications, name, cache, "glance", runnable)
entry = cache.latest(scenario) if runnable else cache.latest()

if entry is None:
    st.info("Press Run (above) to simulate the current scenario and see it against the standards.")
else:
    result = entry.result
    if not runnable:
        st.warning(f"These are the results of an earlier scenario, '{entry.label}'.")
    st.subheader(f"{entry.label}: {len(result.replications)} replication(s)")
    try:
        checks = checks_of(entry)
    except Exception as exc:  # e.g. a run too short to measure anything
        st.error(f"The standards could not be checked ({type(exc).__name__}: {exc}).")
    else:
        sentence = what_matters_most(checks)
        worst = next((s for s in ("breached", "at risk") if (checks["status"] == s).any()), "met")
        {"breached": st.error, "at risk": st.warning, "met": st.success}[worst](sentence)

        figures = summary_table(result, list(FIGURES)).set_index("figure")
        shown = [k for k in FIGURES if k in figures.index]
        columns = [c for _ in range(0, len(shown), 3) for c in st.columns(3)]  # rows of three: values fit
        for column, key in zip(columns, shown, strict=False):
            row, unit = figures.loc[key], figure(key).unit
            column.metric(
                FIGURES[key], with_unit(row["mean"], unit),
                help=f"{figure(key).label}: {interval(row['mean'], row['ci_low'], row['ci_high'], unit)} "
                "(mean with its 95% interval)",
            )  # fmt: skip

        st.markdown("**Against the standards**")
        for check in checks.itertuples(index=False):
            badge, text = st.columns([1, 6], vertical_alignment="top")
            light = LIGHTS.get(check.status, "grey")
            badge.badge(check.status, icon=BADGE_ICONS[light], color=BADGE_COLOURS[light])
            text.markdown(f"**{check.title}** ({check.standard}): {check.text}")
            text.caption(f"Threshold: {check.rule}. Source: {check.source}.")

        left, right = st.columns(2)
        with left:
            st.markdown("**Cases waiting for a worker, by type**")
            waiting = waiting_by_type(result.weekly)
            st.dataframe(
                waiting, hide_index=True,
                column_config={
                    "waiting (mean)": st.column_config.NumberColumn(
                        help="Cases of the type without a worker at a week's end, mean over the weeks", format="%.1f"),
                    "waiting (highest week)": st.column_config.NumberColumn(
                        help="The week with the most such cases (mean over replications)", format="%.1f"),
                },
            )  # fmt: skip
        with right:
            levels = summary_table(result, [f"team_weeks_at_level_{n}" for n in LEVEL_NAMES])
            if not levels.empty:
                st.markdown("**Weeks at each contingency level** (team-weeks)")
                for column, row in zip(st.columns(len(levels)), levels.itertuples(index=False), strict=True):
                    level = int(row.figure.rsplit("_", 1)[1])
                    column.metric(
                        f"{level} {LEVEL_NAMES[level]}", with_unit(row.mean, ""),
                        help=f"{row.label}: {interval(row.mean, row.ci_low, row.ci_high, 'team-weeks')}",
                    )  # fmt: skip
