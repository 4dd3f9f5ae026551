"""The sections of the page, in the order the page shows them (:data:`SECTIONS`).

Every section builder takes the run, the report's tables (:func:`report_tables`) and the page's
:class:`FigureEmbedder`, and returns one ``<section>`` element.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from caseplan.report.charts import (
    FigureEmbedder,
    caseload_distribution_figure,
    caseload_time_figure,
    cpd_figure,
    level_timeline_figure,
    load_ratio_figure,
    supervision_figure,
    waits_figure,
)
from caseplan.report.formatting import format_cell, format_figure
from caseplan.report.levels import LEVELS, level_grid
from caseplan.report.markup import escape, not_recorded, not_recorded_section, section, table_html
from caseplan.report.roles import asye_definition
from caseplan.report.run_data import RunData, figure_mean
from caseplan.report.supervision import ALL_WORKERS
from caseplan.report.waits import service_waits
from simulator.entities import DAYS_PER_WEEK
from simulator.model import MEETING_OFFSET_DAYS
from simulator.numbers import readable_id
from simulator.statistics import FEW_REPLICATIONS

Tables = dict[str, pd.DataFrame]
DEFAULT_MEETING_DAYS = 7
"""``allocation.meetings.other_every_days`` when the resolved scenario does not say."""
LEVEL_CHANGES_SHOWN = 40
CHECK_GROUPS = (
    ("breached", None),
    ("at risk", "At risk (a shortfall smaller than a breach):"),
    ("met", "Within the thresholds:"),
    ("not recorded", "Not recorded in this run:"),
)
"""Each status of a check, in the order the summary lists them, with the line above its list."""
RULE_PREFIX = {"breached": "breaches", "at risk": "threshold"}
"""The word before the rule of a check listed as breached or at risk."""


def summary_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """The plain-English summary of the checks (:func:`checks_html`)."""
    return section("summary", "Summary", checks_html(tables["checks"]))


def checks_html(checks: pd.DataFrame) -> str:
    """The plain-English summary: what breached or is at risk (with the figure), what was met, what was
    not recorded.

    Parameters
    ----------
    checks : DataFrame
        :func:`standards_checks`.

    Returns
    -------
    str
        HTML paragraphs and lists; each item carries ``data-check`` and ``data-status``.
    """
    parts = [_verdict_html(checks)]
    for status, title in CHECK_GROUPS:
        group = checks[checks["status"] == status]
        if group.empty:
            continue
        if title:
            parts.append(f'<p class="muted">{escape(title)}</p>')
        parts.append(_checks_list(status, group))
    return "\n".join(parts)


def _verdict_html(checks: pd.DataFrame) -> str:
    """The summary's first line: how many checks breached (and how many are at risk)."""
    breaches = int((checks["status"] == "breached").sum())
    at_risk = int((checks["status"] == "at risk").sum())
    risk_text = f", {at_risk} at risk" if at_risk else ""
    if not breaches:
        return f'<p id="verdict" class="met">No threshold was breached{risk_text}.</p>'
    return (
        f'<p id="verdict" class="breached"><strong>{breaches} of {len(checks)} checks breached'
        f"</strong>{risk_text} (thresholds and sources at the end of the report):</p>"
    )


def _checks_list(status: str, group: pd.DataFrame) -> str:
    """The ``<ul>`` of the checks with one status."""
    items = "".join(
        f'<li data-check="{escape(r.check)}" data-status="{escape(r.status)}"><strong>{escape(r.standard)}, '
        f"{escape(r.title)}</strong>: {escape(r.text)}"
        + (f" — {escape(RULE_PREFIX[r.status])}: {escape(r.rule)}" if r.status in RULE_PREFIX else "")
        + "</li>"
        for r in group.itertuples(index=False)
    )
    name = status.replace(" ", "-")
    return f'<ul id="checks-{name}" class="{name}">{items}</ul>'


def headline_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """The headline figures of ``summary.json`` (:func:`headline_html`) and how far to trust the intervals."""
    return section(
        "headline",
        "Headline figures",
        headline_html(tables["headline"]),
        '<p class="note">From summary.json, measured after the warm-up. '
        f"{escape(few_replications_note(tables['headline'], run.replications))}</p>",
    )


def few_replications_note(headline: pd.DataFrame, replications: int) -> str:
    """What the headline's mark * means, or how intervals are made when none is rough.

    Parameters
    ----------
    headline : DataFrame
        :func:`headline_table`.
    replications : int
        Replications of the run.

    Returns
    -------
    str
    """
    advice = f"{FEW_REPLICATIONS} or more replications are recommended."
    if replications < 2:
        return f"One replication: no intervals; {advice}"
    if headline["few_replications"].any():
        return f"* Intervals from fewer than {FEW_REPLICATIONS} replications are rough; {advice}"
    return "Intervals are 95% t intervals, kept within each figure's possible range."


def headline_html(headline: pd.DataFrame) -> str:
    """The headline table; each row carries ``data-key`` and each figure cell ``data-field``.

    Parameters
    ----------
    headline : DataFrame
        :func:`headline_table`.

    Returns
    -------
    str
        The ``<table id="headline-table">`` element.
    """
    rows = []
    for row in headline.itertuples(index=False):
        rows.append(
            f'<tr data-key="{escape(row.key)}"><td>{escape(row.figure)}</td>'
            f'<td data-field="mean">{escape(row.shown)}</td>'
            f'<td data-field="ci">{escape(row.shown_ci)}</td><td data-field="n">{escape(row.n)}</td>'
            f'<td data-field="rough">{"*" if row.few_replications and pd.notna(row.ci_low) else ""}</td></tr>'
        )
    head = "<tr><th>figure</th><th>mean</th><th>95% CI</th><th>replications</th><th></th></tr>"
    return f'<table id="headline-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def caseload_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Caseload per case-holding FTE: over time and its distribution (two charts)."""
    return section(
        "caseload",
        "Caseload per case-holding FTE (Standard 3)",
        figure(caseload_time_figure(tables["caseload_weekly"]), "fig-caseload-time"),
        figure(caseload_distribution_figure(tables["caseload_distribution"]), "fig-caseload-distribution"),
    )


def load_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Worker load by role: a table and a chart, or a note without a per-worker table."""
    title = "Worker load by role (Standard 3)"
    if tables["load_ratio"].empty:
        return not_recorded_section("load", title, "no per-worker table (outputs.per_worker was off)")
    formats = dict.fromkeys(["mean", "median", "p90", "max", "over_100_share", "over_110_share"], "percent")
    labels = {
        "role": "role",
        "worker_weeks": "worker-weeks",
        "mean": "mean",
        "median": "median",
        "p90": "90th percentile",
        "max": "highest",
        "over_100_share": "> 100%",
        "over_110_share": "> 110%",
    }
    return section(
        "load",
        title,
        table_html(tables["load_ratio"], "load-table", {**formats, "worker_weeks": "integer"}, labels),
        figure(load_ratio_figure(tables["load_ratio_bands"]), "fig-load-ratio"),
        '<p class="note">Load ÷ case capacity, over worker-weeks with a case capacity (absent workers and '
        "team managers have none). Worker-weeks are totals over all replications, and the highest is the "
        "highest worker-week of them all (the headline's highest worker load is each replication's highest, "
        f"averaged). {escape(asye_definition(run.scenario))}</p>",
    )


def waits_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Unallocated cases and waits: a summary in words and a chart."""
    return section(
        "waits",
        "Unallocated cases and waits (Standard 3)",
        _waits_summary(run),
        figure(waits_figure(tables["waits_weekly"]), "fig-waits"),
    )


def _waits_summary(run: RunData) -> str:
    """The waits in words: the headline's time average, then the counts at a week's end and why they differ."""
    service = service_waits(run.weekly)
    shown = {
        name: format_figure(value, kind)
        for name, value, kind in (
            ("time_average", figure_mean(run.figures, "unallocated_cases"), "number"),
            ("mean", service["unallocated"].mean(), "number"),
            ("max", service["unallocated"].max(), "integer"),
            ("over_14", service["over_14_days"].mean(), "number"),
            ("over_28", service["over_28_days"].mean(), "number"),
            ("max_28", service["over_28_days"].max(), "integer"),
        )
    }
    must = format_figure((service["must_allocate"] > 0).mean(), "percent")
    return (
        f"<p>Averaged over time (every moment of the measured weeks) {shown['time_average']} cases were "
        "waiting for a worker: the headline's unallocated cases. Counted at each week's end, as the checks "
        f"and the chart count them, the service had on average {shown['mean']} cases waiting (at most "
        f"{shown['max']}), {shown['over_14']} of them over 14 days and {shown['over_28']} over 28 days (at "
        f"most {shown['max_28']}). A must-allocate case was waiting at the end of {must} of weeks. "
        f"{escape(_week_end_note(run))} The chart shows the mean over replications.</p>"
    )


def _week_end_note(run: RunData) -> str:
    """Why the count at a week's end differs from the time average (the allocation meetings' timing)."""
    meetings = ((run.scenario.get("allocation") or {}).get("meetings")) or {}
    every = meetings.get("other_every_days", DEFAULT_MEETING_DAYS)
    if every == 0:
        return "Cases are allocated as they arrive (no routine meetings), so the two counts differ little."
    after = every - MEETING_OFFSET_DAYS if every == DAYS_PER_WEEK else None
    timing = (
        f"{format_figure(after, 'number')} days after the week's routine allocation meeting"
        if after is not None
        else f"at a point between routine allocation meetings (every {format_figure(every, 'number')} days)"
    )
    return (
        f"A week's end falls {timing}, when the cases referred since it are still waiting, so the count "
        "there is higher than the time average."
    )


def supervision_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Supervision by tenure: a table, notes, the reasons sessions were missed and a chart."""
    title = "Supervision by tenure (Standard 5)"
    supervision = tables["supervision"]
    if supervision.empty:
        return not_recorded_section(
            "supervision", title, "supervision was not tracked (supervision.track was off)"
        )
    formats = {c: "number" for c in ("due", "held", "held_on_time", "held_late", "missed")}
    labels = {
        "tenure": "tenure",
        "due": "due",
        "held": "held",
        "held_on_time": "on time",
        "held_late": "late",
        "missed": "missed",
        "on_time_share": "on-time share",
    }
    parts = [
        table_html(supervision, "supervision-table", {**formats, "on_time_share": "percent"}, labels),
        _tenure_note(run),
        '<p class="note">Sessions per replication over the measured weeks; due weekly for an ASYE\'s first 6 '
        "weeks, fortnightly to 6 months, monthly after and for everyone else. A session counts as due in the "
        "week it falls due and as held in the week it is held: on time in the same week, late in a later "
        "one; it is missed when still not held after supervision.missed_after_weeks. Held can therefore "
        "exceed due in a group.</p>",
    ]
    everyone = supervision[supervision["tenure"] == ALL_WORKERS].iloc[0]
    if math.isfinite(everyone["missed_supervisor_capacity"]):
        parts.append(_missed_reasons(everyone))
    parts.append(figure(supervision_figure(supervision), "fig-supervision"))
    return section("supervision", title, *parts)


def _tenure_note(run: RunData) -> str:
    """What the tenure rows count, or a note that the run has no per-worker table."""
    if run.workers is None:
        return not_recorded("supervision-tenure", "supervision by tenure (no per-worker table)")
    return (
        '<p class="note">The tenure rows count workers in post at each week\'s end (ASYE as defined under '
        "worker load); the all-workers row is the teams' count, as in the headline (it also holds sessions "
        "of workers who left during a week). Counts are per replication, averaged over all replications; "
        "the on-time share is each replication's share averaged over the replications that had sessions, "
        "as in the headline, so it need not equal the row's on-time ÷ (held + missed).</p>"
    )


def _missed_reasons(everyone: pd.Series) -> str:
    """Why sessions were missed, from the all-workers row of :func:`supervision_table`."""
    return (
        "<p>Missed sessions per replication: "
        f"{format_figure(everyone['missed_supervisor_capacity'], 'number')} because the supervisor had "
        f"no time, {format_figure(everyone['missed_supervisee_away'], 'number')} "
        "because the worker was away.</p>"
    )


def cpd_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """CPD time taken against planned: a table by team and a chart by week."""
    formats = dict.fromkeys(
        ["planned_hours", "taken_hours", "lost_to_pause_hours", "lost_to_overload_hours"], "number"
    )
    labels = {
        "team": "team",
        "planned_hours": "planned (h)",
        "taken_hours": "taken (h)",
        "lost_to_pause_hours": "lost to a pause (h)",
        "lost_to_overload_hours": "lost to overload (h)",
        "taken_share": "taken ÷ planned",
    }
    return section(
        "cpd",
        "CPD time taken against planned (Standard 6)",
        table_html(tables["cpd"], "cpd-table", {**formats, "taken_share": "percent"}, labels),
        '<p class="note">Hours per replication. A pause is the contingency plan\'s pause_cpd action; '
        "overload is case work beyond a worker's case capacity eating into the CPD reserve.</p>",
        figure(cpd_figure(tables["cpd_weekly"]), "fig-cpd"),
    )


def asye_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """ASYE protection: a table of measures, or a note without ASYE in the measured weeks."""
    title = "ASYE protection (Standard 6)"
    asye = tables["asye"]
    definition = f'<p class="note" id="asye-definition">{escape(asye_definition(run.scenario))}</p>'
    if asye.empty:
        return not_recorded_section(
            "asye", title, "no ASYE in their first year in the measured weeks", definition
        )
    rows = "".join(
        f"<tr><td>{escape(r.measure)}</td>"
        f'<td data-col="value">{escape(format_cell(r.value, r.kind))}</td></tr>'
        for r in asye.itertuples(index=False)
    )
    return section("asye", title, f'<table id="asye-table"><tbody>{rows}</tbody></table>', definition)


def levels_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Contingency levels and costs: a table by team, a heat map and the level changes."""
    title = "Contingency levels and costs (Standard 3)"
    if tables["levels"].empty:
        return not_recorded_section("levels", title, "no contingency plan (no contingency.parquet)")
    names = run.level_names
    levels = {f"weeks_at_level_{n}": f"weeks at {n} {names.get(n, '')}".strip() for n in LEVELS}
    labels = {
        "team": "team",
        **levels,
        "escalations": "escalations",
        "cost": "cost",
        "overtime_hours": "overtime (h)",
    }
    formats = {**dict.fromkeys([*levels, "escalations", "overtime_hours"], "number"), "cost": "money"}
    return section(
        "levels",
        title,
        table_html(tables["levels"], "levels-table", formats, labels),
        '<p class="note">Per replication over the measured weeks; cost is the plan\'s overtime, agency and '
        "borrowing.</p>",
        figure(level_timeline_figure(level_grid(run.timeline), names), "fig-levels"),
        *_level_changes_html(tables["level_changes"], names),
    )


def _level_changes_html(changes: pd.DataFrame, names: dict[int, str]) -> list[str]:
    """The first :data:`LEVEL_CHANGES_SHOWN` level changes of replication 0 under a heading."""
    parts = [
        f"<h3>Level changes in replication 0 ({len(changes)} in all)</h3>",
        '<p class="note">Each change lists what the plan started (+), ended (−) or could not start (×) from '
        "that week until the team's next change; an action of a later week (after its lead time, or at the "
        "end of its duration) carries that week.</p>",
    ]
    if len(changes):
        parts.append(level_changes_table(changes.head(LEVEL_CHANGES_SHOWN), names))
    else:
        parts.append('<p class="muted">No team changed level in the measured weeks of replication 0.</p>')
    if len(changes) > LEVEL_CHANGES_SHOWN:
        parts.append(
            f'<p class="note">… {len(changes) - LEVEL_CHANGES_SHOWN} more in report_level_changes.csv.</p>'
        )
    return parts


ACTION_SIGNS = (("+", "actions_started"), ("−", "actions_ended"), ("×", "actions_not_started"))
"""The sign before the actions of each level-change column (as ``caseplan run`` prints them)."""


def level_changes_table(changes: pd.DataFrame, names: dict[int, str]) -> str:
    """The level changes as an HTML table that fits a laptop screen: the actions of a change as a list,
    ids written as words, every cell left-aligned.

    Parameters
    ----------
    changes : DataFrame
        :func:`caseplan.report.levels.level_changes`.
    names : dict
        Level → name.

    Returns
    -------
    str
        The ``<table id="level-changes-table">`` element.
    """
    head = "".join(
        f"<th>{h}</th>" for h in ("date (week)", "team", "level", "triggered by", "what the plan did")
    )
    rows = []
    for row in changes.itertuples(index=False):
        actions = [
            f"<li>{sign} {escape(readable_id(a))}</li>"
            for sign, column in ACTION_SIGNS
            for a in str(getattr(row, column) or "").split(",")
            if a
        ]
        triggers = ", ".join(readable_id(t) for t in str(row.triggered_by or "").split(",") if t)
        rows.append(
            f'<tr><td data-col="date">{escape(pd.Timestamp(row.week_start).date())}<br>'
            f'<span class="muted">week {row.week}</span></td><td data-col="team">{escape(row.team)}</td>'
            f'<td data-col="level">{row.level} {escape(names.get(int(row.level), ""))}</td>'
            f'<td data-col="triggered_by">{escape(triggers) or "–"}</td>'
            f'<td data-col="actions"><ul class="actions">{"".join(actions)}</ul></td></tr>'
        )
    return f'<table id="level-changes-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def thresholds_section(run: RunData, tables: Tables, figure: FigureEmbedder) -> str:
    """Every threshold with its source (:data:`THRESHOLDS`)."""
    labels = {"standard": "standard", "title": "check", "rule": "breached if", "source": "source"}
    return section(
        "thresholds",
        "Thresholds and sources",
        table_html(tables["thresholds"], "thresholds-table", {}, labels),
        '<p class="note">DF: the project\'s domain-figures reference (sourced figures for England).</p>',
    )


SECTIONS: tuple[Callable[[RunData, Tables, FigureEmbedder], str], ...] = (
    summary_section,
    headline_section,
    caseload_section,
    load_section,
    waits_section,
    supervision_section,
    cpd_section,
    asye_section,
    levels_section,
    thresholds_section,
)
"""The section builders, in the order the page shows them."""
