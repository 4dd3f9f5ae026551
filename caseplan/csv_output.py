"""Every CSV file the project writes, written one way: text that a spreadsheet would run is neutralised.

A team, level or scenario name such as ``=HYPERLINK(...)`` or ``+1+2`` comes from a user's file; written
as it is, a spreadsheet opening the CSV runs it as a formula (CSV injection). A text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, which spreadsheets show as
text; numbers (numeric columns, and text that reads as a plain number such as ``-0.5``) are unchanged.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def neutralise(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised; numbers are untouched."""
    out = frame.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(out[column])
        ):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, file: IO[str]) -> None:
    """Write ``frame`` as CSV (no index, ``\\n`` line ends) with formula cells neutralised.

    Parameters
    ----------
    frame : DataFrame
        The table.
    file : text file
        Opened with ``newline=""``.
    """
    safe_frame(frame).to_csv(file, index=False, lineterminator="\n")


def write_csv_file(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` to the CSV file ``path`` as :func:`write_csv` does (UTF-8)."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        write_csv(frame, file)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (for a download), as :func:`write_csv` writes it."""
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue()
