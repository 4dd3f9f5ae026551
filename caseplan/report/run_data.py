"""Reading and checking a run directory written by ``caseplan run``.

:func:`read_run` is the entry point: it checks the directory, reads ``summary.json`` (:func:`read_summary`),
the Parquet tables (:func:`read_table`) and the resolved scenario (:func:`read_scenario`), and keeps only
the weeks after the warm-up, as a :class:`RunData`. Every problem is a :class:`ReportError` whose message
names the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow

from simulator.contingency import TIMELINE_COLUMNS
from simulator.metrics import WORKER_COLUMNS, WORKER_EXTRA_COLUMNS
from simulator.scenario import ScenarioError
from simulator.scenario.loader import MAX_FILE_BYTES, parse_yaml_mapping
from simulator.text_input import UserFileError, read_user_file

DEFAULT_LEVEL_NAMES = {1: "normal", 2: "pressure", 3: "severe", 4: "critical"}
RUN_KEYS = ("replications", "warmup_weeks", "horizon_weeks")
FIGURE_KEYS = frozenset({"mean", "ci_low", "ci_high", "n"})
WEEKLY_REQUIRED = (
    "replication", "week", "week_start", "warmup", "team", "case_holding_fte", "cases_held", "unallocated",
    "unallocated_must_allocate", "unallocated_over_14_days", "unallocated_over_28_days", "mean_wait_days",
    "allocations", "workers_excessive", "cpd_planned_hours", "cpd_taken_hours", "cpd_lost_to_pause_hours",
    "cpd_lost_to_overload_hours", "asye_protected_hours", "asye_protected_kept_hours",
)  # fmt: skip
SUPERVISION_COLUMNS = ("supervision_due", "supervision_held", "supervision_late", "supervision_missed")
WORKERS_REQUIRED = ("replication", *WORKER_COLUMNS, *WORKER_EXTRA_COLUMNS)
TIMELINE_REQUIRED = (
    "replication",
    "week_start",
    *(c for c in TIMELINE_COLUMNS if c != "actions_not_started"),
)
"""The timeline's columns the report needs (runs written before ``actions_not_started`` existed have none)."""


class ReportError(Exception):
    """A run directory that cannot be reported on; the message names the file and the problem."""


@dataclass
class RunData:
    """The measured (post-warm-up) part of a run directory.

    Attributes
    ----------
    path : Path
        The run directory.
    figures : dict
        The figures of ``summary.json``, each ``{"mean", "ci_low", "ci_high", "n"}``.
    run : dict
        The ``"run"`` block of ``summary.json`` (scenario, replications, seed, weeks).
    weekly : DataFrame
        ``weekly.parquet``, weeks after the warm-up only.
    workers : DataFrame or None
        ``workers_weekly.parquet`` after the warm-up; None if the run did not write it.
    timeline : DataFrame or None
        ``contingency.parquet`` after the warm-up; None without a contingency plan.
    scenario : dict
        ``scenario.resolved.yaml`` as plain data (empty if the file is absent).
    """

    path: Path
    figures: dict[str, dict[str, Any]]
    run: dict[str, Any]
    weekly: pd.DataFrame
    workers: pd.DataFrame | None
    timeline: pd.DataFrame | None
    scenario: dict[str, Any]

    @property
    def replications(self) -> int:
        """Number of replications in the weekly table."""
        return int(self.weekly["replication"].nunique())

    @property
    def measured_weeks(self) -> int:
        """Weeks after the warm-up."""
        return int(self.weekly["week"].nunique())

    @property
    def supervision_tracked(self) -> bool:
        """Whether the run tracked supervision sessions (``supervision.track``)."""
        return all(column in self.weekly for column in SUPERVISION_COLUMNS)

    @property
    def level_names(self) -> dict[int, str]:
        """Contingency level → name, from the resolved scenario's plan (defaults otherwise)."""
        names = dict(DEFAULT_LEVEL_NAMES)
        plan = self.scenario.get("contingency") or {}
        for level in plan.get("levels") or []:
            if isinstance(level, dict) and isinstance(level.get("level"), int) and level.get("name"):
                names[level["level"]] = str(level["name"])
        return names


def read_run(run_dir: Path) -> RunData:
    """Read and check a run directory written by ``caseplan run``.

    Parameters
    ----------
    run_dir : Path
        The directory holding ``summary.json`` and ``weekly.parquet`` (and, depending on the run,
        ``workers_weekly.parquet``, ``contingency.parquet`` and ``scenario.resolved.yaml``).

    Returns
    -------
    RunData
        The run, restricted to the weeks after the warm-up.

    Raises
    ------
    ReportError
        If the directory does not exist, is not a run directory, or a file in it is corrupt; the message
        names the file.
    """
    run_dir = Path(run_dir)
    _check_run_dir(run_dir)
    figures, run = read_summary(run_dir / "summary.json")
    weekly = read_table(run_dir / "weekly.parquet", WEEKLY_REQUIRED)
    measured = weekly[~weekly["warmup"].astype(bool)].reset_index(drop=True)
    if measured.empty:
        raise ReportError(f"{run_dir / 'weekly.parquet'}: no weeks after the warm-up")
    warmup = run["warmup_weeks"]
    workers = _read_measured(run_dir / "workers_weekly.parquet", WORKERS_REQUIRED, warmup)
    timeline = _read_measured(run_dir / "contingency.parquet", TIMELINE_REQUIRED, warmup)
    scenario = read_scenario(run_dir / "scenario.resolved.yaml")
    return RunData(run_dir, figures, run, measured, workers, timeline, scenario)


def _check_run_dir(run_dir: Path) -> None:
    """Raise a :class:`ReportError` unless ``run_dir`` holds ``summary.json`` and ``weekly.parquet``."""
    if not run_dir.exists():
        raise ReportError(f"{run_dir}: no such directory; give the output directory of 'caseplan run'")
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir}: not a directory; give the output directory of 'caseplan run'")
    missing = [name for name in ("summary.json", "weekly.parquet") if not (run_dir / name).is_file()]
    if missing:
        raise ReportError(
            f"{run_dir}: not a run directory ({' and '.join(missing)} missing); "
            "give the output directory of 'caseplan run'"
        )


def _read_measured(path: Path, required: tuple[str, ...], warmup_weeks: int) -> pd.DataFrame | None:
    """An optional table of the run from week ``warmup_weeks`` on; None if the run did not write it."""
    if not path.is_file():
        return None
    table = read_table(path, required)
    return table[table["week"] >= warmup_weeks].reset_index(drop=True)


def read_summary(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Read ``summary.json`` and check its shape.

    Parameters
    ----------
    path : Path
        The ``summary.json`` of a run.

    Returns
    -------
    figures : dict
        Figure name → ``{"mean", "ci_low", "ci_high", "n"}``.
    run : dict
        The ``"run"`` block.

    Raises
    ------
    ReportError
        If the file is not JSON or not a caseplan summary.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("run"), dict):
        raise ReportError(f"{path}: not a caseplan summary (no 'run' block)")
    run = data["run"]
    _check_run_block(path, run)
    figures = {}
    for key, figure in data.items():
        if key == "run":
            continue
        _check_figure(path, key, figure)
        figures[key] = figure
    return figures, run


def _check_run_block(path: Path, run: dict[str, Any]) -> None:
    """Raise a :class:`ReportError` unless every :data:`RUN_KEYS` entry is a whole number ≥ 0."""
    for key in RUN_KEYS:
        if not isinstance(run.get(key), int) or isinstance(run.get(key), bool) or run[key] < 0:
            raise ReportError(f"{path}: run.{key}: must be a whole number ≥ 0 (got {run.get(key)!r})")


def _check_figure(path: Path, key: str, figure: object) -> None:
    """Raise a :class:`ReportError` unless ``figure`` is ``{mean, ci_low, ci_high, n}`` with numbers."""
    if not isinstance(figure, dict) or not figure.keys() >= FIGURE_KEYS:
        raise ReportError(f"{path}: {key}: not a figure {{mean, ci_low, ci_high, n}}")
    for part in ("mean", "ci_low", "ci_high"):
        value = figure[part]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ReportError(f"{path}: {key}.{part}: must be a number or null (got {value!r})")


def read_table(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    """Read one Parquet table of a run and check that it has the columns the report needs.

    Parameters
    ----------
    path : Path
        The Parquet file.
    required : tuple of str
        Columns that must be present.

    Returns
    -------
    DataFrame
        The whole table.

    Raises
    ------
    ReportError
        If the file cannot be read as Parquet or lacks a required column.
    """
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError, pyarrow.ArrowException) as exc:
        raise ReportError(f"{path}: not a readable Parquet table ({_first_line(exc)})") from None
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ReportError(
            f"{path}: missing column(s) {', '.join(missing)}; not a table written by 'caseplan run'"
        )
    return table


def read_scenario(path: Path) -> dict[str, Any]:
    """Read the resolved scenario of a run as plain data (level names, capacity rules).

    Parameters
    ----------
    path : Path
        ``scenario.resolved.yaml``; it may be absent.

    Returns
    -------
    dict
        The scenario, or an empty dict if the file is absent.

    Raises
    ------
    ReportError
        If the file exists but cannot be read as a YAML mapping by the scenario reader.
    """
    if not path.is_file():
        return {}
    try:  # the one reader of scenario YAML (size cap, regular files only, nesting and alias limits)
        raw = read_user_file(path, MAX_FILE_BYTES, "scenario file")
        return parse_yaml_mapping(raw, str(path)) if raw.strip() else {}
    except UserFileError as exc:
        raise ReportError(f"{path}: not a readable YAML file ({exc.reason})") from None
    except ScenarioError as exc:
        detail = exc.messages[0].removeprefix(f"{path}: ")
        raise ReportError(f"{path}: not a readable YAML file ({detail})") from None


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name if the message is empty)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def figure_mean(figures: dict[str, dict[str, Any]], key: str) -> float | None:
    """The mean of a summary figure, None if absent or undefined.

    Parameters
    ----------
    figures : dict
        The figures of ``summary.json`` (:attr:`RunData.figures`).
    key : str
        The figure's name.

    Returns
    -------
    float or None
    """
    value = figures.get(key, {}).get("mean")
    return None if value is None or not math.isfinite(value) else float(value)
