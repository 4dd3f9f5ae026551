"""Demand scenarios page (workforce planner): run the current scenario with replications, see cases, load,
waits and staffing over time with 95% bands, and compare results kept under a name."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.common import run_controls, runnable_scenario
from caseplan.explorer.explain import explanations, mechanism_frame, outcome_frame, plan_off_explanation
from caseplan.explorer.results import (
    COMPARE_CHARTS,
    DEMAND_CHARTS,
    KEPT_KEY,
    MEASURES,
    compare_results,
    compared_over_time,
    few_replications_caption,
    keep_result,
    over_time,
    result_key,
    session_cache,
    summary_table,
    unpaired_seeds,
    warmup_end,
)
from caseplan.explorer.views import show_table
from simulator.explain import summary_sentences
from simulator.figures import figure
from simulator.numbers import interval, number
from simulator.run import SUMMARY_KEYS

PLAN_OFF_KEY = "demand_plan_off"

HEADLINE = {
    "open_cases": "open cases",
    "unallocated_cases": "unallocated cases",
    "mean_load_ratio": "mean load ratio",
    "mean_wait_to_allocation_days": "wait (days)",
}


KEEP_PREFILLED = "demand_keep_prefilled"


def prefill_keep_name(label: str) -> None:
    """Put the shown result's name in 'Keep this result as' unless the user typed another name."""
    typed = st.session_state.get("demand_keep_name", "")
    if label and typed in ("", st.session_state.get(KEEP_PREFILLED)):
        st.session_state["demand_keep_name"] = label
        st.session_state[KEEP_PREFILLED] = label


def show_explanations(results: dict, reference: str) -> None:
    """Why each kept result differs from the reference: a paragraph, the outcomes and the mechanisms,
    and on request the same pair with the contingency plan switched off (``caseplan explain``)."""
    st.subheader("Why they differ")
    st.caption(
        "Mechanisms are what changed underneath: demand, capacity, the contingency plan's actions and "
        "allocation, each a paired difference with its 95% interval ('beyond noise': the interval excludes 0)."
    )
    for name, explanation in explanations(results, reference).items():
        with st.expander(f"{name} compared with {reference}", expanded=len(results) == 2):
            pair = tuple(
                result_key(results[n].scenario, len(results[n].replications)) for n in (reference, name)
            )
            plan_off = st.session_state.setdefault(PLAN_OFF_KEY, {}).get(pair)
            shown = plan_off or explanation
            st.markdown("\n".join(f"- {sentence}" for sentence in summary_sentences(shown)))
            st.dataframe(outcome_frame(shown), hide_index=True)
            st.dataframe(mechanism_frame(shown), hide_index=True)
            if plan_off is None and st.button(
                "Run the pair with the plan switched off", key=f"demand_plan_off_{reference}_{name}"
            ):
                bar = st.progress(0.0, text="runs with and without the plan")
                st.session_state[PLAN_OFF_KEY][pair] = plan_off_explanation(
                    results[reference], results[name], (reference, name),
                    progress=lambda done, total, bar=bar: bar.progress(done / total, text=f"{done}/{total} runs"),
                )  # fmt: skip
                st.rerun()


def band_chart(table: pd.DataFrame, title: str, color: str, warmup: pd.Timestamp | None = None):
    """Mean lines with their 95% bands over time, one colour per ``color`` value (the x axis names the
    month and year of each tick; the bands never go below 0, :func:`caseplan.explorer.results.over_time`)."""
    y_title = title.split("(")[-1].rstrip(")") if "(" in title else None  # the unit: "days", "FTE", …
    base = alt.Chart(table).encode(x=alt.X("week_start:T", title="week starting", axis=WEEK_AXIS))
    colour = alt.Color(
        f"{color}:N", title=None, scale=alt.Scale(scheme="tableau10"), legend=alt.Legend(orient="bottom")
    )
    band = base.mark_area(opacity=0.2).encode(y=alt.Y("low:Q", title=y_title), y2="high:Q", color=colour)
    line = base.mark_line().encode(
        y="mean:Q",
        color=colour,
        tooltip=[
            alt.Tooltip(f"{color}:N"),
            alt.Tooltip("week:Q"),
            alt.Tooltip("week_start:T", title="week start"),
            alt.Tooltip("mean:Q", format=".3~f"),
            alt.Tooltip("low:Q", title="95% CI low", format=".3~f"),
            alt.Tooltip("high:Q", title="95% CI high", format=".3~f"),
        ],
    )
    layers = [band, line]
    if warmup is not None:
        rule = pd.DataFrame({"date": [warmup], "label": ["end of warm-up"]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(x="date:T", tooltip=alt.Tooltip("label:N", title=None))
        )
    return alt.layer(*layers).properties(title=title, height=260)


WEEK_AXIS = alt.Axis(format="%b %Y", labelAngle=0, labelOverlap=True)  # 'Apr 2029', not 'April' on every tick


st.title("Demand scenarios")
st.caption(
    "Run the current scenario (pick or edit it on the Scenario page) several times with different random "
    "numbers: the lines are the mean over the replications and the shaded bands their 95% intervals. "
    "Keep results under a name to compare scenarios on the same axes."
)

cache = session_cache(st.session_state)
scenario = runnable_scenario()
runnable = scenario is not None

name = st.session_state.get("scenario_name", "scenario")
replications = st.slider(
    "Replications",
    min_value=1,
    max_value=50,
    value=5,
    key="demand_replications",
    help="Independent runs with different random numbers; more give narrower intervals but take longer.",
)

if runnable:
    stored = cache.get(scenario, replications)
    if stored is not None:
        st.caption(
            f"The run of '{stored.label}' with {replications} replications is stored: Run shows it again."
        )
run_controls(scenario, replications, name, cache, "demand", runnable)

entry = None
if runnable:
    entry = cache.get(scenario, replications) or cache.latest(scenario)
entry = entry or cache.latest()
if entry is None:
    st.info("Press Run to simulate the current scenario.")
else:
    result = entry.result
    reps = len(result.replications)
    if not runnable or entry.key[0] != result_key(scenario, reps)[0]:
        st.warning(
            f"These are the results of an earlier scenario, '{entry.label}'; press Run for the current one."
        )
    elif reps != replications:
        st.info(f"Showing the run with {reps} replications; press Run for {replications}.")
    st.subheader(f"Results: {entry.label}")
    figures = summary_table(result, list(HEADLINE), HEADLINE).set_index("figure")
    columns = st.columns(len(HEADLINE) + 1)
    columns[0].metric("Replications", reps)
    for column, key in zip(columns[1:], HEADLINE, strict=True):
        if key in figures.index:
            row = figures.loc[key]
            rough = (
                " (rough: few replications)" if row["few_replications"] and pd.notna(row["ci_low"]) else ""
            )
            unit = figure(key).unit
            column.metric(
                HEADLINE[key],
                number(row["mean"], unit),  # the label names the unit: the value fits a narrow column
                help=f"{figure(key).label}, after the warm-up: mean over replications with its 95% interval "
                f"{interval(row['mean'], row['ci_low'], row['ci_high'], unit)}{rough}",
            )
    if caption := few_replications_caption(figures):
        st.caption(caption)
    warmup = warmup_end(result.scenario)
    left, right = st.columns(2)
    for i, measure in enumerate(DEMAND_CHARTS):
        band = over_time(result.weekly, measure)
        if band.empty:
            continue
        with left if i % 2 == 0 else right:
            st.altair_chart(band_chart(band, MEASURES[measure].label, "series", warmup), width="stretch")
    with st.expander("Summary figures (after the warm-up, 95% intervals)"):
        st.caption(
            "Each interval is the t interval kept within the figure's possible range (counts and costs "
            "not below 0, shares within 0–1)."
        )
        show_table(summary_table(result, list(result.summary())), "summary")

# ------------------------------------------------------------------------------------- comparison

st.header("Compare scenarios")
kept = st.session_state.setdefault(KEPT_KEY, {})
keep_left, keep_right = st.columns([3, 1], vertical_alignment="bottom")
prefill_keep_name(entry.label if entry else "")
keep_name = keep_left.text_input(
    "Keep this result as",
    key="demand_keep_name",
    help="A name for the result shown above (prefilled with the scenario's name); a name already used is "
    "replaced.",
)
if keep_right.button("Keep", disabled=entry is None, key="demand_keep"):
    try:
        kept_as = keep_result(kept, keep_name, entry.result)
        st.success(f"Kept as '{kept_as}'.")
    except ValueError as exc:
        st.error(str(exc))

if len(kept) < 2:
    st.info(
        f"{len(kept)} result(s) kept. Keep two or more (run another scenario, then keep it too) to draw them "
        "on the same axes with their differences."
    )
else:
    chosen = st.multiselect("Results to compare", list(kept), default=list(kept), key="demand_compare_chosen")
    if len(chosen) < 2:
        st.error("Results to compare: choose at least two kept results")
    else:
        results = {n: kept[n] for n in chosen}
        measure = st.selectbox(
            "Measure", COMPARE_CHARTS, format_func=lambda m: MEASURES[m].label, key="demand_compare_measure"
        )
        table = compared_over_time(results, measure)
        if table.empty:
            st.info(f"{MEASURES[measure].label}: none of the chosen results recorded it.")
        else:
            st.altair_chart(band_chart(table, MEASURES[measure].label, "scenario"), width="stretch")
        reference = st.selectbox("Reference", chosen, key="demand_compare_reference")
        available = list(dict.fromkeys(k for r in results.values() for k in r.summary()))
        metrics = st.multiselect(
            "Figures",
            available,
            default=[k for k in SUMMARY_KEYS if k in available],
            key="demand_compare_metrics",
        )
        try:
            difference = compare_results(results, metrics or None, reference)
        except ValueError as exc:
            st.error(str(exc))
        else:
            others = unpaired_seeds(results, reference)
            if others:
                st.warning(
                    f"{', '.join(others)}: another seed than '{reference}', so the pairs share no random "
                    "numbers; the paired interval is then no narrower than the unpaired one."
                )
            st.caption(
                "diff: mean over replications of (result − reference) in the same replication, with its "
                "95% interval; unpaired ±: the half-width if the results were treated as independent."
            )
            show_table(difference, "comparison")
            if caption := few_replications_caption(difference):
                st.caption(caption)
            show_explanations(results, reference)
    if st.button("Forget the kept results", key="demand_forget"):
        kept.clear()
        st.rerun()
