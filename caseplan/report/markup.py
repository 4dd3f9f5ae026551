"""HTML building blocks of the page: escaping, tables of figures and sections."""

from __future__ import annotations

import html

import pandas as pd

from caseplan.report.formatting import format_cell


def escape(text: object) -> str:
    """``text`` as HTML text or attribute value (quotes escaped too).

    Parameters
    ----------
    text : object
        Anything; it is shown as ``str(text)``.

    Returns
    -------
    str
    """
    return html.escape(str(text), quote=True)


def table_html(table: pd.DataFrame, table_id: str, formats: dict[str, str], labels: dict[str, str]) -> str:
    """An HTML table of selected columns, each cell formatted and marked with ``data-col``.

    Parameters
    ----------
    table : DataFrame
        The table.
    table_id : str
        The ``id`` of the ``<table>`` element.
    formats : dict
        Column → kind for :func:`format_figure`; other columns are shown as text.
    labels : dict
        Column → header, in the order the columns are shown.

    Returns
    -------
    str
        The ``<table>`` element.
    """
    head = "".join(f"<th>{escape(label)}</th>" for label in labels.values())
    body = "".join(_row_html(row, formats, labels) for _, row in table.iterrows())
    return f'<table id="{escape(table_id)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _row_html(row: pd.Series, formats: dict[str, str], labels: dict[str, str]) -> str:
    """One ``<tr>`` of :func:`table_html`."""
    cells = []
    for column in labels:
        value = row[column]
        shown = format_cell(value, formats[column]) if column in formats else str(value)
        cells.append(f'<td data-col="{escape(column)}">{escape(shown)}</td>')
    return "<tr>" + "".join(cells) + "</tr>"


def section(section_id: str, title: str, *parts: str) -> str:
    """A ``<section>`` with an ``<h2>`` title and the given HTML parts, one a line.

    Parameters
    ----------
    section_id : str
        The section's ``id``.
    title : str
        The section's heading.
    *parts : str
        HTML.

    Returns
    -------
    str
    """
    return (
        f'<section id="{escape(section_id)}">\n<h2>{escape(title)}</h2>\n' + "\n".join(parts) + "\n</section>"
    )


def not_recorded(section_id: str, why: str) -> str:
    """A note that the run did not record what a section shows, marked ``data-not-recorded``.

    Parameters
    ----------
    section_id : str
        What is missing (a section's ``id``, or a part of one).
    why : str
        Why it is missing.

    Returns
    -------
    str
        A ``<p>`` element.
    """
    return (
        f'<p class="not-recorded" data-not-recorded="{escape(section_id)}">'
        f"Not recorded in this run: {escape(why)}.</p>"
    )


def not_recorded_section(section_id: str, title: str, why: str, *notes: str) -> str:
    """A :func:`section` holding a :func:`not_recorded` note (and any further notes).

    Parameters
    ----------
    section_id : str
        The section's ``id``.
    title : str
        The section's heading.
    why : str
        Why the run did not record it.
    *notes : str
        HTML shown after the note (e.g. a definition).

    Returns
    -------
    str
    """
    return section(section_id, title, not_recorded(section_id, why), *notes)
