"""Writing a built report: the HTML page and its CSV tables, all or nothing."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd

from caseplan.csv_output import write_csv
from caseplan.report.build import Report


def csv_path(out_path: Path, name: str) -> Path:
    """Where a report table is written: ``report_<name>.csv`` beside the HTML file.

    Parameters
    ----------
    out_path : Path
        The HTML file.
    name : str
        The table's name in :attr:`Report.tables`.

    Returns
    -------
    Path
    """
    return Path(out_path).parent / f"report_{name}.csv"


def write_report(report: Report, out_path: Path) -> list[Path]:
    """Write the HTML page and every table (CSV) atomically.

    Each file is written to a temporary file beside its target and the temporaries are renamed into
    place only when all of them are complete, so a failure leaves no partial output.

    Parameters
    ----------
    report : Report
        :func:`build_report`.
    out_path : Path
        The HTML file; the CSV files go into its directory.

    Returns
    -------
    list of Path
        The files written, the HTML page first.
    """
    out_path = Path(out_path)
    targets: list[tuple[Path, str | pd.DataFrame]] = [(out_path, report.html)]
    targets += [(csv_path(out_path, name), table) for name, table in report.tables.items()]
    write_atomically(targets)
    return [path for path, _ in targets]


def write_atomically(targets: list[tuple[Path, str | pd.DataFrame]]) -> None:
    """Write each text or table (as CSV) to a temporary file beside its target, then move them all in.

    Parameters
    ----------
    targets : list of (Path, str or DataFrame)
        Each file and what goes into it.

    Raises
    ------
    OSError
        If a file cannot be written; no temporary file is left behind and no target is touched
        unless every temporary file was complete.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for path, content in targets:
            path.parent.mkdir(parents=True, exist_ok=True)  # --out board/report.html creates board/
            temp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
            temps.append((temp, path))
            with open(temp, "x", encoding="utf-8", newline="") as f:
                if isinstance(content, str):
                    f.write(content)
                else:
                    write_csv(content, f)
        for temp, path in temps:
            os.replace(temp, path)
    finally:
        for temp, _ in temps:
            if temp.exists():
                temp.unlink()
