"""The Batch results page's library: open a ``caseplan batch`` output directory, compare, export.

:func:`open_batch` checks a directory typed by the user and reads its runs; :func:`comparison` is the
table of ``caseplan compare`` (:func:`batch.compare.compare`) for the chosen scenarios and figure;
:func:`replication_values` the per-replication values behind it, for a distribution chart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from batch.compare import compare, default_reference, figures_of
from batch.driver import MANIFEST
from batch.store import RUNS, read_table
from caseplan.csv_output import csv_text

FIELD = "Batch directory"
"""The name of the text field, which every error message starts with."""


class BatchDirectoryError(ValueError):
    """A directory that is not a batch with stored runs; the message names the field and the problem."""


@dataclass
class Batch:
    """The stored runs of a batch output directory.

    Attributes
    ----------
    path : Path
    runs : DataFrame
        One row per run: ``scenario``, ``scenario_hash``, ``replication``, ``seed``, ``seconds`` and the
        summary figures (``batch.store.read_table(path, "runs")``).
    scenarios : list of str
        In the order stored.
    metrics : list of str
        The figures stored for the runs (:func:`batch.compare.figures_of`).
    reference : str
        The grid's reference, else ``base``, else the first scenario.
    problems : list of str
        Run files that could not be read (left out).
    status : str
        The manifest's ``status`` (``complete``, ``running``), or ``unknown``.
    grid_name : str
        The grid's name from the manifest ('' if unknown).
    """

    path: Path
    runs: pd.DataFrame
    scenarios: list[str]
    metrics: list[str]
    reference: str
    problems: list[str] = field(default_factory=list)
    status: str = "unknown"
    grid_name: str = ""


def open_batch(text: str) -> Batch:
    """Check the directory named in ``text`` and read its stored runs.

    Parameters
    ----------
    text : str
        What the user typed (``~`` is expanded; spaces around it are ignored).

    Returns
    -------
    Batch

    Raises
    ------
    BatchDirectoryError
        Nothing typed, no such directory, no ``runs/`` folder in it, or no readable runs; the message
        starts with :data:`FIELD`.
    """
    text = (text or "").strip()
    if not text:
        raise BatchDirectoryError(f"{FIELD}: enter the output directory of `caseplan batch` (its --out)")
    path = Path(text).expanduser()
    if not path.is_dir():
        what = "not a directory" if path.exists() else "no such directory"
        raise BatchDirectoryError(f"{FIELD}: {path}: {what}")
    if not (path / RUNS).is_dir():
        raise BatchDirectoryError(
            f"{FIELD}: {path}: no '{RUNS}/' folder; give the output directory of `caseplan batch`"
        )
    problems: list[str] = []
    runs = read_table(path, RUNS, problems=problems)
    if runs.empty or "scenario" not in runs:
        detail = f" ({len(problems)} unreadable run file(s))" if problems else ""
        raise BatchDirectoryError(f"{FIELD}: {path}: no runs stored yet{detail}")
    status, grid_name = _manifest(path)
    return Batch(
        path=path,
        runs=runs,
        scenarios=list(dict.fromkeys(runs["scenario"])),
        metrics=figures_of(runs),
        reference=default_reference(path, runs),
        problems=problems,
        status=status,
        grid_name=grid_name,
    )


def _manifest(path: Path) -> tuple[str, str]:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        return str(manifest.get("status", "unknown")), str(manifest["grid"].get("name", ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "unknown", ""


def comparison(batch: Batch, scenarios: list[str], metrics: list[str], reference: str) -> pd.DataFrame:
    """The ``caseplan compare`` table of the chosen scenarios and figures, differences from ``reference``.

    Parameters
    ----------
    batch : Batch
    scenarios : list of str
        The scenarios to show (at least one); the reference need not be among them.
    metrics : list of str
        Figures of ``batch.metrics`` (at least one).
    reference : str
        A scenario of the batch.

    Returns
    -------
    DataFrame
        The columns of :func:`batch.compare.compare`, rows of the chosen scenarios only.

    Raises
    ------
    ValueError
        Nothing chosen, or an unknown scenario, figure or reference; the message names the field.
    """
    if not scenarios:
        raise ValueError("Scenarios: choose at least one scenario")
    if not metrics:
        raise ValueError("Figure: choose at least one figure")
    unknown = [s for s in scenarios if s not in batch.scenarios]
    if unknown:
        raise ValueError(f"Scenarios: not in this batch: {', '.join(unknown)}")
    try:
        table = compare(batch.path, metrics, reference)
    except ValueError as exc:
        field_name = "Reference" if "reference" in str(exc) else "Figure"
        raise ValueError(f"{field_name}: {exc}") from None
    return table[table["scenario"].isin(scenarios)].reset_index(drop=True)


def replication_values(batch: Batch, scenarios: list[str], metric: str) -> pd.DataFrame:
    """The value of ``metric`` in every run of the chosen scenarios, for a distribution chart.

    Parameters
    ----------
    batch : Batch
    scenarios : list of str
    metric : str
        A figure of ``batch.metrics``.

    Returns
    -------
    DataFrame
        ``scenario``, ``replication``, ``value`` (runs where the figure is undefined left out), in the
        order of ``scenarios``.

    Raises
    ------
    ValueError
        An unknown figure.
    """
    if metric not in batch.metrics:
        raise ValueError(f"Figure: unknown figure '{metric}'; stored figures: {', '.join(batch.metrics)}")
    runs = batch.runs[batch.runs["scenario"].isin(scenarios)]
    table = runs.loc[:, ["scenario", "replication", metric]].rename(columns={metric: "value"})
    table = table.dropna(subset=["value"])
    order = {name: i for i, name in enumerate(scenarios)}
    table = table.sort_values(
        ["scenario", "replication"], key=lambda s: s.map(order) if s.name == "scenario" else s
    )
    return table.reset_index(drop=True)


def table_csv(table: pd.DataFrame) -> bytes:
    """``table`` as CSV (UTF-8, no index), for a download button.

    Parameters
    ----------
    table : DataFrame

    Returns
    -------
    bytes
    """
    return csv_text(table).encode("utf-8")
