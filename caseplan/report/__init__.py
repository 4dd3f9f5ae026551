"""The employer-standards health-check report of a run (``caseplan report``).

A strategic lead takes this report to a board as evidence for Standard 3 (safe workloads and case
allocation), Standard 5 (supervision) and Standard 6 (CPD and ASYE protected time). The work is split
into small steps, one module each:

1. :func:`read_run` (:mod:`~caseplan.report.run_data`) reads and checks a run directory written by
   ``caseplan run``.
2. The table functions turn it into pandas DataFrames, measured after the warm-up:
   :mod:`~caseplan.report.headline`, :mod:`~caseplan.report.workload`, :mod:`~caseplan.report.waits`,
   :mod:`~caseplan.report.supervision`, :mod:`~caseplan.report.cpd`, :mod:`~caseplan.report.asye` and
   :mod:`~caseplan.report.levels` (shared steps in :mod:`~caseplan.report.aggregate`).
3. :func:`~caseplan.report.checks.standards_checks` compares the figures with :data:`THRESHOLDS`
   (:mod:`~caseplan.report.thresholds`).
4. The figure functions (:mod:`~caseplan.report.charts`) draw the tables with plotly, and
   :func:`~caseplan.report.page.render_html` puts everything into one self-contained HTML page
   (:mod:`~caseplan.report.sections`, :mod:`~caseplan.report.markup`; plotly.js embedded once, so the
   page opens offline). Figures are formatted by :mod:`~caseplan.report.formatting`.
5. :func:`write_report` (:mod:`~caseplan.report.writer`) writes the page and the tables (CSV) atomically.

:func:`build_report` (:mod:`~caseplan.report.build`) runs steps 2–4. Nothing except :func:`write_report`
writes anything. Importing this package imports plotly; ``caseplan.cli`` imports it only when the
``report`` command runs.
"""

from caseplan.report.build import Report, build_report
from caseplan.report.formatting import format_against, format_figure, format_interval
from caseplan.report.headline import HEADLINE
from caseplan.report.run_data import ReportError, read_run
from caseplan.report.thresholds import THRESHOLDS, breached, check_status
from caseplan.report.writer import csv_path, write_report

__all__ = [
    "HEADLINE",
    "THRESHOLDS",
    "Report",
    "ReportError",
    "breached",
    "build_report",
    "check_status",
    "csv_path",
    "format_against",
    "format_figure",
    "format_interval",
    "read_run",
    "write_report",
]
