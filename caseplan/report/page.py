"""The report as one self-contained HTML page (plotly.js embedded once, so it opens offline)."""

from __future__ import annotations

import pandas as pd

from caseplan.report.charts import FigureEmbedder
from caseplan.report.markup import escape
from caseplan.report.run_data import RunData
from caseplan.report.sections import SECTIONS

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f4f4f4; }
.breached { color: #b71c1c; } .met { color: #1b5e20; } .muted, .not-recorded { color: #666; }
.not-recorded { font-style: italic; } .note { font-size: 0.88rem; color: #555; }
li { margin: 0.25rem 0; }
#level-changes-table td { text-align: left; vertical-align: top; }
#level-changes-table td[data-col="date"], #level-changes-table td[data-col="team"],
#level-changes-table td[data-col="level"] { white-space: nowrap; }
ul.actions { margin: 0; padding-left: 1.1rem; } ul.actions li { margin: 0; }
"""


def render_html(run: RunData, tables: dict[str, pd.DataFrame], plotly: str = "inline") -> str:
    """The whole report as one self-contained HTML page.

    Parameters
    ----------
    run : RunData
        The run (for its description, the level grid and the level names).
    tables : dict
        :func:`report_tables`.
    plotly : {"inline", "cdn"}
        Embed plotly.js once (the page opens offline) or load it from its CDN (a much smaller page).

    Returns
    -------
    str
        The HTML page, with plotly.js embedded once (or one CDN ``<script>``).
    """
    figure = FigureEmbedder(plotly)
    sections = [build(run, tables, figure) for build in SECTIONS]
    scenario = _scenario_name(run)
    title = f"Employer standards health check: {scenario}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n"
        '<p class="muted">Standards for employers of social workers in England: Standard 3 (safe workloads '
        "and case allocation), 5 (supervision) and 6 (CPD). Simulated with caseplan.</p>\n"
        f"{run_info_html(run)}\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def _scenario_name(run: RunData) -> str:
    """The scenario's name from ``summary.json`` (the run directory's name if it has none)."""
    return str(run.run.get("scenario", run.path.name))


def run_info_html(run: RunData) -> str:
    """The paragraph that describes the run: scenario, replications, seed and the measured weeks.

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    str
        The ``<p id="run-info">`` element.
    """
    info = run.run
    first, last = run.weekly["week_start"].min(), run.weekly["week_start"].max()
    return (
        f'<p id="run-info">Scenario <strong>{escape(_scenario_name(run))}</strong>: {run.replications} '
        f"replication(s), seed {escape(info.get('seed', '–'))}. Measured over weeks "
        f"{info['warmup_weeks']}–{info['horizon_weeks']} "
        f"({run.measured_weeks} weeks from {escape(pd.Timestamp(first).date())} to "
        f"{escape(pd.Timestamp(last).date())}) after a "
        f"{info['warmup_weeks']}-week warm-up. Figures are means over replications; counts are per "
        "replication over the measured weeks; 95% intervals are t-based across replications, kept inside "
        "the range each figure can take.</p>"
    )
