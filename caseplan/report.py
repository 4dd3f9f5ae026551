"""The employer-standards health-check report of a run (``caseplan report``).

A strategic lead takes this report to a board as evidence for Standard 3 (safe workloads and case
allocation), Standard 5 (supervision) and Standard 6 (CPD and ASYE protected time). The work is split
into small steps:

1. :func:`read_run` reads and checks a run directory written by ``caseplan run``.
2. The table functions (:func:`headline_table`, :func:`caseload_over_time`, ...) turn it into pandas
   DataFrames, measured after the warm-up.
3. :func:`standards_checks` compares the figures with :data:`THRESHOLDS`.
4. The figure functions draw the tables with plotly, and :func:`render_html` puts everything into one
   self-contained HTML page (plotly.js embedded once, so the page opens offline).
5. :func:`write_report` writes the page and the tables (CSV) atomically.

:func:`build_report` runs steps 2–4. Nothing except :func:`write_report` writes anything.
"""

from __future__ import annotations

import html
import json
import math
import os
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow
import yaml
from plotly.subplots import make_subplots

from simulator.contingency import TIMELINE_COLUMNS
from simulator.metrics import WORKER_COLUMNS, WORKER_EXTRA_COLUMNS

# ------------------------------------------------------------------------------------ thresholds

DFE_AVERAGE_CASELOAD = (15.2, 16.0)
"""National average caseload per case-holding FTE, 2025 and 2023 (DfE workforce census; DF §1)."""


@dataclass(frozen=True)
class Threshold:
    """One check of the report: which standard, when it is breached, and where the limit comes from.

    Attributes
    ----------
    standard : str
        The employer standard the check belongs to.
    title : str
        Short name of the check.
    breached_if : str
        ``"above"`` or ``"below"``: the side of ``limit`` on which the figure breaches.
    limit : float
        The limit itself (in the unit of the figure: a share, children or team-weeks).
    rule : str
        The threshold in plain English.
    source : str
        Where the limit comes from (``DF`` is ``../shared/reference/domain-figures.md``).
    """

    standard: str
    title: str
    breached_if: str
    limit: float
    rule: str
    source: str


THRESHOLDS: dict[str, Threshold] = {
    "caseload": Threshold(
        "Standard 3", "Average caseload", "above", DFE_AVERAGE_CASELOAD[1],
        "average caseload above 16.0 children per case-holding FTE (national average 15.2–16.0)",
        "DfE children's social work workforce census: 16.0 (2023) to 15.2 (2025) (DF §1)",
    ),
    "over_100": Threshold(
        "Standard 3", "Workers over capacity", "above", 0.0,
        "any worker-week with a load above 100% of case capacity",
        "Local escalation procedures: individual load above 100–110% of capacity (DF §6)",
    ),
    "excessive": Threshold(
        "Standard 3", "Excessive workloads", "above", 0.0,
        "any worker above 110% of case capacity for 4 weeks in a row",
        "HMPPS probation Workload Measurement Tool 'excessive workload' rule (DF §5, §6)",
    ),
    "must_allocate": Threshold(
        "Standard 3", "Must-allocate cases waiting", "above", 0.0,
        "any child-protection, looked-after or court case without a worker at a week's end",
        "Walsall and Cumberland procedures: CP and CLA cases are always allocated (DF §6)",
    ),
    "waits_28": Threshold(
        "Standard 3", "Long waits for a worker", "above", 0.0,
        "any case waiting more than 28 days for a worker at a week's end",
        "Walsall procedure: escalate after 4 weeks unallocated (Cumberland: 2 weeks) (DF §6)",
    ),
    "supervision": Threshold(
        "Standard 5", "Supervision on time", "below", 0.95,
        "fewer than 95% of supervision sessions held on time",
        "Employer Standard 5 (weekly, fortnightly, monthly sessions of 1.5 hours; DF §4); "
        "the 95% mark is an assumption",
    ),
    "supervision_asye": Threshold(
        "Standard 5", "ASYE supervision on time", "below", 0.95,
        "fewer than 95% of ASYE supervision sessions held on time",
        "Employer Standard 5: NQSW supervision weekly for 6 weeks, fortnightly to 6 months (DF §4); "
        "the 95% mark is an assumption",
    ),
    "cpd": Threshold(
        "Standard 6", "CPD time taken", "below", 1.0,
        "less CPD time taken than planned",
        "Employer Standard 6: dedicated time for CPD; the size of the reserve (2.5%) is an assumption "
        "(DF §4)",
    ),
    "asye_protected": Threshold(
        "Standard 6", "ASYE protected time", "below", 1.0,
        "less ASYE protected development time kept than reserved",
        "Skills for Care / Suffolk: 10% protected development time in the ASYE year (DF §4)",
    ),
    "severe_levels": Threshold(
        "Standard 3", "Contingency levels 3–4", "above", 0.0,
        "any team-week at contingency level 3 (severe) or 4 (critical)",
        "NHS OPEL escalation levels as adapted by the contingency plan (DF §6)",
    ),
}  # fmt: skip
"""Every check of the report with its limit and source, in the order the report lists them."""

TOLERANCE = 1e-9
DEFAULT_LEVEL_NAMES = {1: "normal", 2: "pressure", 3: "severe", 4: "critical"}
LOAD_BAND_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, math.inf)
LOAD_BAND_LABELS = (
    "≤50%", "50–60%", "60–70%", "70–80%", "80–90%", "90–100%", "100–110%", "110–120%", ">120%",
)  # fmt: skip
ROLE_ORDER = ("social_worker", "senior_practitioner", "asye", "agency", "team_manager")
LEVEL_COLOURS = {1: "#4caf50", 2: "#ffc107", 3: "#ff7043", 4: "#c62828"}
LEVEL_CHANGES_SHOWN = 40

HEADLINE: tuple[tuple[str, str, str], ...] = (
    ("avg_caseload_per_fte", "Average caseload (children per case-holding FTE)", "number"),
    ("mean_load_ratio", "Mean worker load (load ÷ case capacity)", "percent"),
    ("max_load_ratio", "Highest worker load", "percent"),
    ("worker_weeks_over_100_share", "Worker-weeks above 100% of case capacity", "percent"),
    ("unallocated_cases", "Unallocated cases (time average)", "number"),
    ("mean_wait_to_allocation_days", "Mean wait to allocation (days)", "number"),
    ("overdue_assessments", "Assessments beyond 45 working days (weekly average)", "number"),
    ("referrals_per_week", "Referrals per week", "number"),
    ("open_cases", "Open cases (time average)", "number"),
    ("supervision_on_time_share", "Supervision sessions held on time", "percent"),
    ("supervision_on_time_share_asye", "Supervision held on time: ASYE", "percent"),
    ("supervision_on_time_share_others", "Supervision held on time: other workers", "percent"),
    ("supervision_missed", "Supervision sessions missed", "number"),
    ("cpd_taken_share", "CPD time taken ÷ planned", "percent"),
    ("cpd_hours_lost", "CPD hours lost", "number"),
    ("asye_protected_kept_share", "ASYE protected time kept", "percent"),
    ("absence_rate", "Absence rate", "percent"),
    ("vacancy_rate", "Vacancy rate", "percent"),
    ("agency_cost", "Agency cost", "money"),
    ("team_weeks_at_level_3", "Team-weeks at level 3 (severe)", "number"),
    ("team_weeks_at_level_4", "Team-weeks at level 4 (critical)", "number"),
    ("escalations", "Escalations", "number"),
    ("contingency_cost", "Contingency plan cost", "money"),
)
"""The summary.json figures of the headline table: key, label, format (see :func:`format_figure`)."""

RUN_KEYS = ("replications", "warmup_weeks", "horizon_weeks")
WEEKLY_REQUIRED = (
    "replication", "week", "week_start", "warmup", "team", "case_holding_fte", "cases_held", "unallocated",
    "unallocated_must_allocate", "unallocated_over_14_days", "unallocated_over_28_days", "mean_wait_days",
    "allocations", "workers_excessive", "cpd_planned_hours", "cpd_taken_hours", "cpd_lost_to_pause_hours",
    "cpd_lost_to_overload_hours", "asye_protected_hours", "asye_protected_kept_hours",
)  # fmt: skip
SUPERVISION_COLUMNS = ("supervision_due", "supervision_held", "supervision_late", "supervision_missed")
WORKERS_REQUIRED = ("replication", *WORKER_COLUMNS, *WORKER_EXTRA_COLUMNS)
TIMELINE_REQUIRED = ("replication", "week_start", *TIMELINE_COLUMNS)


class ReportError(Exception):
    """A run directory that cannot be reported on; the message names the file and the problem."""


# ------------------------------------------------------------------------------------ reading


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
    figures, run = read_summary(run_dir / "summary.json")
    weekly = read_table(run_dir / "weekly.parquet", WEEKLY_REQUIRED)
    measured = weekly[~weekly["warmup"].astype(bool)].reset_index(drop=True)
    if measured.empty:
        raise ReportError(f"{run_dir / 'weekly.parquet'}: no weeks after the warm-up")
    workers = timeline = None
    if (run_dir / "workers_weekly.parquet").is_file():
        workers = read_table(run_dir / "workers_weekly.parquet", WORKERS_REQUIRED)
        workers = workers[workers["week"] >= run["warmup_weeks"]].reset_index(drop=True)
    if (run_dir / "contingency.parquet").is_file():
        timeline = read_table(run_dir / "contingency.parquet", TIMELINE_REQUIRED)
        timeline = timeline[timeline["week"] >= run["warmup_weeks"]].reset_index(drop=True)
    scenario = read_scenario(run_dir / "scenario.resolved.yaml")
    return RunData(run_dir, figures, run, measured, workers, timeline, scenario)


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
    for key in RUN_KEYS:
        if not isinstance(run.get(key), int) or isinstance(run.get(key), bool) or run[key] < 0:
            raise ReportError(f"{path}: run.{key}: must be a whole number ≥ 0 (got {run.get(key)!r})")
    figures = {}
    for key, figure in data.items():
        if key == "run":
            continue
        if not isinstance(figure, dict) or not {"mean", "ci_low", "ci_high", "n"} <= figure.keys():
            raise ReportError(f"{path}: {key}: not a figure {{mean, ci_low, ci_high, n}}")
        for part in ("mean", "ci_low", "ci_high"):
            value = figure[part]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ReportError(f"{path}: {key}.{part}: must be a number or null (got {value!r})")
        figures[key] = figure
    return figures, run


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
        If the file exists but is not a YAML mapping.
    """
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ReportError(f"{path}: not a readable YAML file ({_first_line(exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ReportError(f"{path}: not a scenario (expected a mapping)")
    return data


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# ------------------------------------------------------------------------------------ formatting


def format_figure(value: float | None, kind: str) -> str:
    """Format one figure for the page.

    Parameters
    ----------
    value : float or None
        The figure; None or NaN shows as a dash.
    kind : str
        ``"percent"`` (a share, one decimal), ``"money"`` (whole pounds), ``"integer"`` or
        ``"number"`` (one decimal).

    Returns
    -------
    str
        The formatted figure, e.g. ``"13.6"``, ``"87.1%"``, ``"£151,233"``.
    """
    if value is None or not math.isfinite(value):
        return "–"
    if kind == "percent":
        return "<0.1%" if 0 < value < 0.0005 else f"{value:.1%}"
    if kind == "money":
        return f"£{value:,.0f}"
    if kind == "integer":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def format_interval(figure: dict[str, Any], kind: str) -> str:
    """Format the 95% confidence interval of a summary figure.

    Parameters
    ----------
    figure : dict
        ``{"mean", "ci_low", "ci_high", "n"}`` from ``summary.json``.
    kind : str
        As in :func:`format_figure`.

    Returns
    -------
    str
        ``"low – high"``, or a dash when there is no interval (one replication).
    """
    if figure.get("ci_low") is None or figure.get("ci_high") is None:
        return "–"
    return f"{format_figure(figure['ci_low'], kind)} – {format_figure(figure['ci_high'], kind)}"


def _mean(figures: dict[str, dict[str, Any]], key: str) -> float | None:
    """The mean of a summary figure, None if absent or undefined."""
    value = figures.get(key, {}).get("mean")
    return None if value is None or not math.isfinite(value) else float(value)


# ------------------------------------------------------------------------------------ tables


def headline_table(figures: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The headline figures, exactly as in ``summary.json``.

    Parameters
    ----------
    figures : dict
        The figures of ``summary.json``.

    Returns
    -------
    DataFrame
        One row per :data:`HEADLINE` figure present in the run: ``key``, ``figure`` (label), ``kind``,
        ``mean``, ``ci_low``, ``ci_high``, ``n``, ``shown`` and ``shown_ci`` (as on the page).
    """
    rows = []
    for key, label, kind in HEADLINE:
        if key not in figures:
            continue
        f = figures[key]
        rows.append(
            {
                "key": key,
                "figure": label,
                "kind": kind,
                "mean": f["mean"],
                "ci_low": f["ci_low"],
                "ci_high": f["ci_high"],
                "n": f["n"],
                "shown": format_figure(f["mean"], kind),
                "shown_ci": format_interval(f, kind),
            }
        )
    columns = ["key", "figure", "kind", "mean", "ci_low", "ci_high", "n", "shown", "shown_ci"]
    return pd.DataFrame(rows, columns=columns)


def service_caseload(weekly: pd.DataFrame) -> pd.DataFrame:
    """Children held per case-holding FTE of the whole service, per replication and week.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table (one row per replication × week × team).

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``cases_held``, ``case_holding_fte``, ``caseload``.
    """
    keys = ["replication", "week", "week_start"]
    service = weekly.groupby(keys, as_index=False)[["cases_held", "case_holding_fte"]].sum()
    fte = service["case_holding_fte"].where(service["case_holding_fte"] > 0)
    service["caseload"] = service["cases_held"] / fte
    return service


def caseload_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """The service's caseload per case-holding FTE by week, across replications.

    The average of ``mean`` over the weeks is the headline ``avg_caseload_per_fte``.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``mean``, ``low`` and ``high`` (lowest and highest replication).
    """
    by_week = service_caseload(weekly).groupby(["week", "week_start"])["caseload"]
    table = by_week.agg(mean="mean", low="min", high="max").reset_index()
    return table


def caseload_distribution(weekly: pd.DataFrame) -> pd.DataFrame:
    """How team-weeks spread over caseloads, in bands one child wide.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``caseload_from``, ``caseload_to``, ``team_weeks`` and ``share`` of all team-weeks with a
        case-holding FTE.
    """
    fte = weekly["case_holding_fte"].where(weekly["case_holding_fte"] > 0)
    values = (weekly["cases_held"] / fte).dropna().to_numpy()
    columns = ["caseload_from", "caseload_to", "team_weeks", "share"]
    if values.size == 0:
        return pd.DataFrame(columns=columns)
    edges = np.arange(math.floor(values.min()), math.floor(values.max()) + 2, dtype=float)
    counts, _ = np.histogram(values, bins=edges)
    return pd.DataFrame(
        {
            "caseload_from": edges[:-1],
            "caseload_to": edges[1:],
            "team_weeks": counts,
            "share": counts / values.size,
        }
    )


def _measured_load(workers: pd.DataFrame) -> pd.DataFrame:
    """Worker-weeks with a case capacity (a defined load ratio)."""
    ratio = workers["load_ratio"].replace([np.inf, -np.inf], np.nan)
    return workers[ratio.notna() & (workers["case_capacity_hours"] > 0)]


def _role_order(roles: pd.Series) -> list[str]:
    present = set(roles)
    return [r for r in ROLE_ORDER if r in present] + sorted(present - set(ROLE_ORDER))


def load_ratio_by_role(workers: pd.DataFrame | None) -> pd.DataFrame:
    """Worker load ratios (load ÷ case capacity) by role, over the measured worker-weeks.

    Parameters
    ----------
    workers : DataFrame or None
        The measured per-worker table; None gives an empty table.

    Returns
    -------
    DataFrame
        One row per role and one for all roles: ``role``, ``worker_weeks``, ``mean``, ``median``,
        ``p90``, ``max``, ``over_100_share`` and ``over_110_share``.
    """
    columns = ["role", "worker_weeks", "mean", "median", "p90", "max", "over_100_share", "over_110_share"]
    if workers is None:
        return pd.DataFrame(columns=columns)
    loaded = _measured_load(workers)
    rows = []
    groups = [(role, loaded[loaded["role"] == role]) for role in _role_order(loaded["role"])]
    for role, group in [*groups, ("all roles", loaded)]:
        ratio = group["load_ratio"]
        if ratio.empty:
            continue
        rows.append(
            {
                "role": role,
                "worker_weeks": len(ratio),
                "mean": ratio.mean(),
                "median": ratio.median(),
                "p90": ratio.quantile(0.9),
                "max": ratio.max(),
                "over_100_share": (ratio > 1.0 + TOLERANCE).mean(),
                "over_110_share": (ratio > 1.1 + TOLERANCE).mean(),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def load_ratio_bands(workers: pd.DataFrame | None) -> pd.DataFrame:
    """The share of each role's worker-weeks in each load band (≤50%, 50–60%, …, >120%).

    Parameters
    ----------
    workers : DataFrame or None
        The measured per-worker table; None gives an empty table.

    Returns
    -------
    DataFrame
        ``role``, ``band``, ``worker_weeks`` and ``share`` (of the role's worker-weeks).
    """
    columns = ["role", "band", "worker_weeks", "share"]
    if workers is None:
        return pd.DataFrame(columns=columns)
    loaded = _measured_load(workers)
    bands = pd.cut(loaded["load_ratio"], LOAD_BAND_EDGES, labels=LOAD_BAND_LABELS, include_lowest=True)
    rows = []
    for role in _role_order(loaded["role"]):
        counts = bands[loaded["role"] == role].value_counts().reindex(LOAD_BAND_LABELS, fill_value=0)
        total = counts.sum()
        for band, count in counts.items():
            rows.append({"role": role, "band": band, "worker_weeks": int(count), "share": count / total})
    return pd.DataFrame(rows, columns=columns)


def _on_time_share(held: pd.Series, late: pd.Series, missed: pd.Series) -> pd.Series:
    """Sessions held on time ÷ sessions held or missed (NaN where none was due)."""
    whole = held + missed
    return ((held - late) / whole.where(whole > 0)).astype(float)


def _per_replication(totals: pd.DataFrame, replications: int) -> pd.Series:
    """Column totals per replication, averaged over all replications (absent ones count as zero)."""
    return totals.sum() / replications


def supervision_table(run: RunData) -> pd.DataFrame:
    """Supervision sessions due, held (on time, late) and missed, by tenure (Standard 5).

    Counts are per replication over the measured weeks. The ASYE and other-worker rows come from the
    per-worker table (workers in post at each week's end); the all-workers row is the teams' count, as
    in the headline (it also holds sessions of workers who left during a week). The on-time share is
    the mean over replications of each replication's share, as in ``summary.json``.

    Parameters
    ----------
    run : RunData
        The run; without supervision tracking the table is empty, without a per-worker table it has
        only the all-workers row.

    Returns
    -------
    DataFrame
        ``tenure``, ``due``, ``held``, ``held_on_time``, ``held_late``, ``missed``, ``on_time_share``,
        ``missed_supervisor_capacity`` and ``missed_supervisee_away`` (all-workers row only).
    """
    columns = [
        "tenure",
        "due",
        "held",
        "held_on_time",
        "held_late",
        "missed",
        "on_time_share",
        "missed_supervisor_capacity",
        "missed_supervisee_away",
    ]
    if not run.supervision_tracked:
        return pd.DataFrame(columns=columns)
    reps = run.replications
    groups: list[tuple[str, pd.DataFrame]] = []
    if run.workers is not None:
        for flag, label in ((True, "ASYE (first year)"), (False, "other workers")):
            groups.append((label, run.workers[run.workers["asye"].astype(bool) == flag]))
    groups.append(("all workers", run.weekly))
    rows = []
    for label, table in groups:
        per_rep = table.groupby("replication")[list(SUPERVISION_COLUMNS)].sum()
        if (
            label != "all workers"
            and per_rep["supervision_due"].sum() + per_rep["supervision_missed"].sum() == 0
        ):
            continue
        totals = _per_replication(per_rep, reps)
        share = _on_time_share(
            per_rep["supervision_held"], per_rep["supervision_late"], per_rep["supervision_missed"]
        ).mean()
        row = {
            "tenure": label,
            "due": totals["supervision_due"],
            "held": totals["supervision_held"],
            "held_on_time": totals["supervision_held"] - totals["supervision_late"],
            "held_late": totals["supervision_late"],
            "missed": totals["supervision_missed"],
            "on_time_share": share,
            "missed_supervisor_capacity": math.nan,
            "missed_supervisee_away": math.nan,
        }
        if label == "all workers":
            for reason in ("supervisor_capacity", "supervisee_away"):
                column = f"supervision_missed_{reason}"
                if column in table:
                    row[f"missed_{reason}"] = table[column].sum() / reps
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def cpd_table(weekly: pd.DataFrame) -> pd.DataFrame:
    """CPD hours planned, taken and lost (to a pause, to overload) by team and in all (Standard 6).

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``team``, ``planned_hours``, ``taken_hours``, ``lost_to_pause_hours``, ``lost_to_overload_hours``
        (per replication) and ``taken_share`` (mean over replications of taken ÷ planned; the all-teams
        row is the headline ``cpd_taken_share``).
    """
    names = {
        "cpd_planned_hours": "planned_hours",
        "cpd_taken_hours": "taken_hours",
        "cpd_lost_to_pause_hours": "lost_to_pause_hours",
        "cpd_lost_to_overload_hours": "lost_to_overload_hours",
    }
    reps = weekly["replication"].nunique()
    teams = [(team, weekly[weekly["team"] == team]) for team in sorted(weekly["team"].unique())]
    rows = []
    for team, table in [*teams, ("all teams", weekly)]:
        per_rep = table.groupby("replication")[list(names)].sum()
        planned = per_rep["cpd_planned_hours"]
        share = (per_rep["cpd_taken_hours"] / planned.where(planned > 0)).mean()
        rows.append(
            {"team": team, **_per_replication(per_rep, reps).rename(names).to_dict(), "taken_share": share}
        )
    return pd.DataFrame(rows, columns=["team", *names.values(), "taken_share"])


def cpd_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """The service's CPD hours taken and lost each week, averaged over replications.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``planned_hours``, ``taken_hours``, ``lost_to_pause_hours``,
        ``lost_to_overload_hours``.
    """
    columns = [
        "cpd_planned_hours",
        "cpd_taken_hours",
        "cpd_lost_to_pause_hours",
        "cpd_lost_to_overload_hours",
    ]
    service = weekly.groupby(["replication", "week", "week_start"], as_index=False)[columns].sum()
    table = service.groupby(["week", "week_start"], as_index=False)[columns].mean()
    return table.rename(columns=lambda c: c.removeprefix("cpd_"))


def asye_table(run: RunData) -> pd.DataFrame:
    """ASYE protection: protected development time kept, supervision and load in the first year.

    Parameters
    ----------
    run : RunData
        The run; the table is empty when no ASYE in their first year worked in the measured weeks.

    Returns
    -------
    DataFrame
        ``measure``, ``value`` and ``kind`` (the format of the value, see :func:`format_figure`).
        Hours and worker-weeks are per replication; shares are the ``summary.json`` figures where the
        run has them.
    """
    columns = ["measure", "value", "kind"]
    weekly, reps = run.weekly, run.replications
    planned = weekly["asye_protected_hours"].sum() / reps
    if planned <= 0:
        return pd.DataFrame(columns=columns)
    kept = weekly["asye_protected_kept_hours"].sum() / reps
    rows = [
        ("protected development hours reserved (per replication)", planned, "number"),
        ("protected development hours kept (per replication)", kept, "number"),
        ("protected development hours lost to overload (per replication)", planned - kept, "number"),
        ("share of protected time kept", _mean(run.figures, "asye_protected_kept_share"), "percent"),
    ]
    on_time = _mean(run.figures, "supervision_on_time_share_asye")
    if on_time is None and run.supervision_tracked and run.workers is not None:
        tenure = supervision_table(run).set_index("tenure")
        if "ASYE (first year)" in tenure.index:
            on_time = tenure.loc["ASYE (first year)", "on_time_share"]
    if run.supervision_tracked:
        rows.append(("supervision sessions held on time", on_time, "percent"))
    if run.workers is not None:
        first_year = _measured_load(run.workers[run.workers["asye"].astype(bool)])
        rows.append(
            ("ASYE worker-weeks in the first year (per replication)", len(first_year) / reps, "number")
        )
        ratio = first_year["load_ratio"].mean() if len(first_year) else math.nan
        rows.append(("mean load of ASYE in the first year (load ÷ case capacity)", ratio, "percent"))
    return pd.DataFrame(rows, columns=columns)


WAIT_COUNTS = {
    "unallocated": "unallocated",
    "unallocated_over_14_days": "over_14_days",
    "unallocated_over_28_days": "over_28_days",
    "unallocated_must_allocate": "must_allocate",
}


def service_waits(weekly: pd.DataFrame) -> pd.DataFrame:
    """The whole service's unallocated cases and mean wait to allocation, per replication and week.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``unallocated``, ``over_14_days``, ``over_28_days``,
        ``must_allocate`` (cases waiting at the week's end) and ``mean_wait_days`` (of the cases
        allocated that week, NaN if none was).
    """
    keys = ["replication", "week", "week_start"]
    table = weekly.assign(wait_days=weekly["mean_wait_days"].fillna(0) * weekly["allocations"])
    service = table.groupby(keys, as_index=False)[[*WAIT_COUNTS, "wait_days", "allocations"]].sum()
    allocations = service["allocations"].where(service["allocations"] > 0)
    service["mean_wait_days"] = service["wait_days"] / allocations
    return service.loc[:, [*keys, *WAIT_COUNTS, "mean_wait_days"]].rename(columns=WAIT_COUNTS)


def waits_over_time(weekly: pd.DataFrame) -> pd.DataFrame:
    """:func:`service_waits` by week, averaged over replications.

    Parameters
    ----------
    weekly : DataFrame
        The measured weekly table.

    Returns
    -------
    DataFrame
        ``week``, ``week_start``, ``unallocated``, ``over_14_days``, ``over_28_days``,
        ``must_allocate`` and ``mean_wait_days``.
    """
    service = service_waits(weekly)
    columns = [*WAIT_COUNTS.values(), "mean_wait_days"]
    return service.groupby(["week", "week_start"], as_index=False)[columns].mean()


def levels_table(run: RunData) -> pd.DataFrame:
    """Weeks at each contingency level, escalations and the plan's cost, by team and in all.

    Parameters
    ----------
    run : RunData
        The run; the table is empty without a contingency timeline (no plan).

    Returns
    -------
    DataFrame
        ``team``, ``weeks_at_level_1`` … ``weeks_at_level_4``, ``escalations``, ``cost``,
        ``overtime_hours``, ``cases_stepped_down`` and ``referrals_screened_out``, per replication.
        The all-teams row matches the ``team_weeks_at_level_*``, ``escalations`` and
        ``contingency_cost`` figures of ``summary.json``.
    """
    extras = {
        "escalations": "escalations",
        "contingency_cost": "cost",
        "overtime_hours": "overtime_hours",
        "stepped_down": "cases_stepped_down",
        "screened_out": "referrals_screened_out",
    }
    levels = [f"weeks_at_level_{n}" for n in (1, 2, 3, 4)]
    columns = ["team", *levels, *extras.values()]
    if run.timeline is None:
        return pd.DataFrame(columns=columns)
    source = (
        run.weekly
        if "contingency_cost" in run.weekly
        else run.timeline.rename(columns={"cost": "contingency_cost"})
    )
    reps = run.replications
    rows = []
    teams = [(team, source[source["team"] == team]) for team in sorted(source["team"].unique())]
    for team, table in [*teams, ("all teams", source)]:
        counts = table["level"].value_counts()
        row = {"team": team, **{f"weeks_at_level_{n}": counts.get(n, 0) / reps for n in (1, 2, 3, 4)}}
        for column, name in extras.items():
            row[name] = table[column].sum() / reps if column in table else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def level_grid(timeline: pd.DataFrame | None) -> pd.DataFrame:
    """Each team's contingency level by week in the first replication (the one ``caseplan run`` prints).

    Parameters
    ----------
    timeline : DataFrame or None
        The measured contingency timeline.

    Returns
    -------
    DataFrame
        Teams as rows, week start dates as columns, levels as values; empty without a timeline.
    """
    if timeline is None or timeline.empty:
        return pd.DataFrame()
    first = timeline[timeline["replication"] == timeline["replication"].min()]
    return first.pivot(index="team", columns="week_start", values="level").sort_index()


def level_changes(run: RunData) -> pd.DataFrame:
    """The level changes of the first replication: when, which team, why and what was done.

    Parameters
    ----------
    run : RunData
        The run; the table is empty without a contingency timeline.

    Returns
    -------
    DataFrame
        ``replication``, ``week``, ``week_start``, ``team``, ``level``, ``level_name``,
        ``triggered_by``, ``actions_started``, ``actions_ended``.
    """
    columns = [
        "replication",
        "week",
        "week_start",
        "team",
        "level",
        "level_name",
        "triggered_by",
        "actions_started",
        "actions_ended",
    ]
    timeline = run.timeline
    if timeline is None or timeline.empty:
        return pd.DataFrame(columns=columns)
    first = timeline[(timeline["replication"] == timeline["replication"].min()) & timeline["level_changed"]]
    table = first.assign(level_name=first["level"].map(run.level_names).fillna(""))
    return table.loc[:, columns].reset_index(drop=True)


def thresholds_table() -> pd.DataFrame:
    """:data:`THRESHOLDS` as a table (for the page and its CSV).

    Returns
    -------
    DataFrame
        ``check``, ``standard``, ``title``, ``breached_if``, ``limit``, ``rule``, ``source``.
    """
    rows = [{"check": key, **asdict(t)} for key, t in THRESHOLDS.items()]
    return pd.DataFrame(
        rows, columns=["check", "standard", "title", "breached_if", "limit", "rule", "source"]
    )


# ------------------------------------------------------------------------------------ checks


@dataclass(frozen=True)
class Outcome:
    """A check's figure and the sentence that reports it (``value`` None: not recorded)."""

    value: float | None
    text: str


def _check_caseload(run: RunData) -> Outcome:
    key = "avg_caseload_per_fte"
    value = _mean(run.figures, key)
    if value is None:
        return Outcome(None, "average caseload not in summary.json")
    low, high = DFE_AVERAGE_CASELOAD
    ci = format_interval(run.figures[key], "number")
    ci_text = f" (95% CI {ci})" if ci != "–" else ""
    return Outcome(
        value,
        f"average caseload {format_figure(value, 'number')} children per case-holding FTE{ci_text}; "
        f"DfE national average {low}–{high}",
    )


def _check_over_100(run: RunData) -> Outcome:
    value = _mean(run.figures, "worker_weeks_over_100_share")
    if value is None:
        return Outcome(None, "no worker-weeks with a case capacity were measured")
    top = format_figure(_mean(run.figures, "max_load_ratio"), "percent")
    return Outcome(
        value,
        f"{format_figure(value, 'percent')} of worker-weeks above 100% of case capacity (highest {top})",
    )


def _check_excessive(run: RunData) -> Outcome:
    capacity = run.scenario.get("capacity") or {}
    ratio, weeks = capacity.get("excessive_ratio", 1.1), capacity.get("excessive_weeks", 4)
    value = run.weekly["workers_excessive"].sum() / run.replications
    return Outcome(
        float(value),
        f"{format_figure(value, 'number')} worker-weeks per replication above {ratio:.0%} of case capacity "
        f"for {weeks} weeks or more in a row",
    )


def _check_must_allocate(run: RunData) -> Outcome:
    waiting = run.weekly["unallocated_must_allocate"]
    value = (waiting > 0).sum() / run.replications
    return Outcome(
        float(value),
        f"must-allocate cases (CP, CLA, court) waiting at the end of {format_figure(value, 'number')} "
        f"team-weeks per replication (up to {int(waiting.max())} at once; this counts cases waiting for the "
        "next urgent allocation meeting too)",
    )


def _check_waits_28(run: RunData) -> Outcome:
    over = run.weekly["unallocated_over_28_days"]
    value = (over > 0).sum() / run.replications
    wait = format_figure(_mean(run.figures, "mean_wait_to_allocation_days"), "number")
    return Outcome(
        float(value),
        f"cases waiting over 28 days for a worker at the end of {format_figure(value, 'number')} team-weeks "
        f"per replication (up to {int(over.max())} at once); mean wait to allocation {wait} days",
    )


def _check_supervision(run: RunData) -> Outcome:
    value = _mean(run.figures, "supervision_on_time_share")
    if not run.supervision_tracked or value is None:
        return Outcome(None, "supervision was not tracked in this run")
    missed = format_figure(_mean(run.figures, "supervision_missed"), "number")
    return Outcome(
        value,
        f"{format_figure(value, 'percent')} of supervision sessions held on time; {missed} sessions missed "
        "per replication",
    )


def _check_supervision_asye(run: RunData) -> Outcome:
    if not run.supervision_tracked:
        return Outcome(None, "supervision was not tracked in this run")
    value = _mean(run.figures, "supervision_on_time_share_asye")
    note = ""
    if value is None and run.workers is not None:
        tenure = supervision_table(run).set_index("tenure")
        if "ASYE (first year)" in tenure.index and math.isfinite(
            tenure.loc["ASYE (first year)", "on_time_share"]
        ):
            value = float(tenure.loc["ASYE (first year)", "on_time_share"])
            note = " (from the per-worker table; not in summary.json)"
    if value is None:
        return Outcome(None, "no ASYE supervision sessions were recorded in the measured weeks")
    return Outcome(
        value, f"{format_figure(value, 'percent')} of ASYE supervision sessions held on time{note}"
    )


def _check_cpd(run: RunData) -> Outcome:
    value = _mean(run.figures, "cpd_taken_share")
    if value is None:
        return Outcome(None, "no CPD time was planned in the measured weeks")
    weekly, reps = run.weekly, run.replications
    pause = weekly["cpd_lost_to_pause_hours"].sum() / reps
    overload = weekly["cpd_lost_to_overload_hours"].sum() / reps
    return Outcome(
        value,
        f"{format_figure(value, 'percent')} of planned CPD time taken; per replication "
        f"{format_figure(pause, 'number')} hours lost to a CPD pause and {format_figure(overload, 'number')} "
        "to overload",
    )


def _check_asye_protected(run: RunData) -> Outcome:
    value = _mean(run.figures, "asye_protected_kept_share")
    if value is None:
        return Outcome(None, "no ASYE in their first year in the measured weeks")
    lost = (
        run.weekly["asye_protected_hours"] - run.weekly["asye_protected_kept_hours"]
    ).sum() / run.replications
    return Outcome(
        value,
        f"{format_figure(value, 'percent')} of ASYE protected development time kept "
        f"({format_figure(lost, 'number')} hours lost per replication)",
    )


def _check_severe_levels(run: RunData) -> Outcome:
    if run.timeline is None:
        return Outcome(None, "no contingency plan in this run")
    levels = levels_table(run).set_index("team").loc["all teams"]
    severe, critical = levels["weeks_at_level_3"], levels["weeks_at_level_4"]
    cost = _mean(run.figures, "contingency_cost")
    cost = levels["cost"] if cost is None else cost
    escalations = format_figure(levels["escalations"], "number")
    return Outcome(
        float(severe + critical),
        f"{format_figure(severe, 'number')} team-weeks at level 3 and {format_figure(critical, 'number')} at "
        f"level 4 per replication; the plan cost {format_figure(cost, 'money')} per replication "
        f"({escalations} escalations)",
    )


CHECKS = {
    "caseload": _check_caseload, "over_100": _check_over_100, "excessive": _check_excessive,
    "must_allocate": _check_must_allocate, "waits_28": _check_waits_28, "supervision": _check_supervision,
    "supervision_asye": _check_supervision_asye, "cpd": _check_cpd, "asye_protected": _check_asye_protected,
    "severe_levels": _check_severe_levels,
}  # fmt: skip


def breached(value: float | None, threshold: Threshold) -> bool | None:
    """Whether a figure breaches a threshold.

    Parameters
    ----------
    value : float or None
        The figure (None: not recorded).
    threshold : Threshold
        The threshold.

    Returns
    -------
    bool or None
        None if the figure is not recorded.
    """
    if value is None or not math.isfinite(value):
        return None
    if threshold.breached_if == "above":
        return value > threshold.limit + TOLERANCE
    return value < threshold.limit - TOLERANCE


def standards_checks(run: RunData) -> pd.DataFrame:
    """Every check of :data:`THRESHOLDS` applied to the run.

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    DataFrame
        ``check``, ``standard``, ``title``, ``status`` (``breached``, ``met`` or ``not recorded``),
        ``value``, ``text`` (the figure in words), ``rule`` and ``source``.
    """
    rows = []
    for key, threshold in THRESHOLDS.items():
        outcome = CHECKS[key](run)
        verdict = breached(outcome.value, threshold)
        status = "not recorded" if verdict is None else ("breached" if verdict else "met")
        rows.append(
            {
                "check": key,
                "standard": threshold.standard,
                "title": threshold.title,
                "status": status,
                "value": outcome.value,
                "text": outcome.text,
                "rule": threshold.rule,
                "source": threshold.source,
            }
        )
    return pd.DataFrame(
        rows, columns=["check", "standard", "title", "status", "value", "text", "rule", "source"]
    )


# ------------------------------------------------------------------------------------ figures


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title,
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return fig


def caseload_time_figure(over_time: pd.DataFrame) -> go.Figure:
    """Caseload per case-holding FTE by week: mean, range over replications and the DfE average.

    Parameters
    ----------
    over_time : DataFrame
        :func:`caseload_over_time`.

    Returns
    -------
    plotly Figure
    """
    x = over_time["week_start"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x, y=over_time["high"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=over_time["low"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(33,102,172,0.2)",
            name="range over replications",
        )
    )
    fig.add_trace(go.Scatter(x=x, y=over_time["mean"], mode="lines", line={"color": "#2166ac"}, name="mean"))
    low, high = DFE_AVERAGE_CASELOAD
    fig.add_hrect(
        y0=low,
        y1=high,
        fillcolor="#d6604d",
        opacity=0.2,
        line_width=0,
        annotation_text=f"DfE average {low}–{high}",
        annotation_position="top left",
    )
    return _layout(fig, "Caseload per case-holding FTE", "week", "children per case-holding FTE")


def caseload_distribution_figure(distribution: pd.DataFrame) -> go.Figure:
    """The share of team-weeks at each caseload, with the DfE average marked.

    Parameters
    ----------
    distribution : DataFrame
        :func:`caseload_distribution`.

    Returns
    -------
    plotly Figure
    """
    centres = (distribution["caseload_from"] + distribution["caseload_to"]) / 2
    fig = go.Figure(
        go.Bar(
            x=centres,
            y=distribution["share"],
            width=0.95,
            marker_color="#2166ac",
            name="team-weeks",
            customdata=distribution[["caseload_from", "caseload_to"]],
            hovertemplate="%{customdata[0]:.0f}–%{customdata[1]:.0f}: %{y:.1%}<extra></extra>",
        )
    )
    low, high = DFE_AVERAGE_CASELOAD
    fig.add_vrect(
        x0=low,
        x1=high,
        fillcolor="#d6604d",
        opacity=0.25,
        line_width=0,
        annotation_text="DfE average",
        annotation_position="top left",
    )
    fig.update_yaxes(tickformat=".0%")
    return _layout(
        fig, "Distribution of team caseloads (team-weeks)", "children per case-holding FTE", "share"
    )


def load_ratio_figure(bands: pd.DataFrame) -> go.Figure:
    """Each role's worker-weeks by load band (grouped bars).

    Parameters
    ----------
    bands : DataFrame
        :func:`load_ratio_bands`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    for role, group in bands.groupby("role", sort=False):
        fig.add_trace(go.Bar(x=group["band"], y=group["share"], name=str(role)))
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, "Worker load (load ÷ case capacity) by role", "load band", "share of worker-weeks")


def supervision_figure(supervision: pd.DataFrame) -> go.Figure:
    """Supervision sessions held on time, held late and missed by tenure (stacked bars).

    Parameters
    ----------
    supervision : DataFrame
        :func:`supervision_table`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    parts = (
        ("held_on_time", "held on time", "#4caf50"),
        ("held_late", "held late", "#ffc107"),
        ("missed", "missed", "#c62828"),
    )
    for column, name, colour in parts:
        fig.add_trace(go.Bar(x=supervision["tenure"], y=supervision[column], name=name, marker_color=colour))
    fig.update_layout(barmode="stack")
    return _layout(fig, "Supervision sessions by tenure (Standard 5)", "", "sessions per replication")


def cpd_figure(over_time: pd.DataFrame) -> go.Figure:
    """CPD hours taken and lost each week (stacked areas).

    Parameters
    ----------
    over_time : DataFrame
        :func:`cpd_over_time`.

    Returns
    -------
    plotly Figure
    """
    fig = go.Figure()
    parts = (
        ("taken_hours", "taken", "#4caf50"),
        ("lost_to_pause_hours", "lost to a CPD pause", "#c62828"),
        ("lost_to_overload_hours", "lost to overload", "#ff7043"),
    )
    for column, name, colour in parts:
        fig.add_trace(
            go.Scatter(
                x=over_time["week_start"],
                y=over_time[column],
                name=name,
                mode="lines",
                stackgroup="cpd",
                line={"width": 0.5, "color": colour},
            )
        )
    return _layout(fig, "CPD time each week (Standard 6)", "week", "hours (mean over replications)")


def waits_figure(waits: pd.DataFrame) -> go.Figure:
    """Unallocated cases by age and the mean wait to allocation, by week.

    Parameters
    ----------
    waits : DataFrame
        :func:`waits_over_time`.

    Returns
    -------
    plotly Figure
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    parts = (
        ("unallocated", "unallocated", "#2166ac"),
        ("over_14_days", "waiting > 14 days", "#ff7043"),
        ("over_28_days", "waiting > 28 days", "#c62828"),
        ("must_allocate", "must-allocate waiting", "#000000"),
    )
    for column, name, colour in parts:
        fig.add_trace(
            go.Scatter(
                x=waits["week_start"], y=waits[column], name=name, mode="lines", line={"color": colour}
            )
        )
    fig.add_trace(
        go.Scatter(
            x=waits["week_start"],
            y=waits["mean_wait_days"],
            name="mean wait (days, right)",
            mode="lines",
            line={"color": "#7b3294", "dash": "dot"},
        ),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="days", secondary_y=True)
    return _layout(fig, "Unallocated cases and waits (end of week)", "week", "cases (mean over replications)")


def level_timeline_figure(grid: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """Each team's contingency level by week (heat map, first replication).

    Parameters
    ----------
    grid : DataFrame
        :func:`level_grid`.
    names : dict
        Level → name, for the colour bar.

    Returns
    -------
    plotly Figure
    """
    scale = []
    for level in (1, 2, 3, 4):
        colour = LEVEL_COLOURS[level]
        scale += [[(level - 1) / 4, colour], [level / 4, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            zmin=0.5,
            zmax=4.5,
            colorscale=scale,
            colorbar={
                "tickvals": [1, 2, 3, 4],
                "ticktext": [f"{n} {names.get(n, '')}" for n in (1, 2, 3, 4)],
            },
            hovertemplate="%{y}, week of %{x}: level %{z}<extra></extra>",
        )
    )
    height = min(1400, 160 + 28 * len(grid.index))
    return _layout(fig, "Contingency level by team and week (replication 0)", "week", "", height=height)


# ------------------------------------------------------------------------------------ HTML

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
"""


def _e(text: object) -> str:
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
    head = "".join(f"<th>{_e(label)}</th>" for label in labels.values())
    body = []
    for _, row in table.iterrows():
        cells = []
        for column in labels:
            value = row[column]
            shown = format_figure(_number(value), formats[column]) if column in formats else str(value)
            cells.append(f'<td data-col="{_e(column)}">{_e(shown)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table id="{_e(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
            f'<tr data-key="{_e(row.key)}"><td>{_e(row.figure)}</td>'
            f'<td data-field="mean">{_e(row.shown)}</td>'
            f'<td data-field="ci">{_e(row.shown_ci)}</td><td data-field="n">{_e(row.n)}</td></tr>'
        )
    head = "<tr><th>figure</th><th>mean</th><th>95% CI</th><th>replications</th></tr>"
    return f'<table id="headline-table"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def checks_html(checks: pd.DataFrame) -> str:
    """The plain-English summary: what breached (with the figure), what was met, what was not recorded.

    Parameters
    ----------
    checks : DataFrame
        :func:`standards_checks`.

    Returns
    -------
    str
        HTML paragraphs and lists; each item carries ``data-check`` and ``data-status``.
    """
    parts = []
    breaches = checks[checks["status"] == "breached"]
    if breaches.empty:
        parts.append('<p id="verdict" class="met">No threshold was breached.</p>')
    else:
        parts.append(
            f'<p id="verdict" class="breached"><strong>{len(breaches)} of {len(checks)} checks breached'
            "</strong> (thresholds and sources at the end of the report):</p>"
        )
    for status, title in (
        ("breached", None),
        ("met", "Within the thresholds:"),
        ("not recorded", "Not recorded in this run:"),
    ):
        group = checks[checks["status"] == status]
        if group.empty:
            continue
        if title:
            parts.append(f'<p class="muted">{_e(title)}</p>')
        items = "".join(
            f'<li data-check="{_e(r.check)}" data-status="{_e(r.status)}"><strong>{_e(r.standard)}, '
            f"{_e(r.title)}</strong>: {_e(r.text)}"
            + (f" — breaches: {_e(r.rule)}" if r.status == "breached" else "")
            + "</li>"
            for r in group.itertuples(index=False)
        )
        parts.append(
            f'<ul id="checks-{status.replace(" ", "-")}" class="{status.replace(" ", "-")}">{items}</ul>'
        )
    return "\n".join(parts)


def _not_recorded(section: str, why: str) -> str:
    return (
        f'<p class="not-recorded" data-not-recorded="{_e(section)}">Not recorded in this run: {_e(why)}.</p>'
    )


def _section(section_id: str, title: str, *parts: str) -> str:
    return f'<section id="{_e(section_id)}">\n<h2>{_e(title)}</h2>\n' + "\n".join(parts) + "\n</section>"


class _Figures:
    """Turns figures into HTML, embedding plotly.js (inline) with the first one only."""

    def __init__(self) -> None:
        self.embedded = False

    def __call__(self, fig: go.Figure, div_id: str) -> str:
        include = not self.embedded
        self.embedded = True
        return fig.to_html(
            full_html=False,
            include_plotlyjs=include,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
            default_height=f"{fig.layout.height or 380}px",
        )


@dataclass
class Report:
    """A built report: the HTML page, its tables (name → DataFrame, written as ``report_<name>.csv``)
    and its checks."""

    html: str
    tables: dict[str, pd.DataFrame]
    checks: pd.DataFrame


def report_tables(run: RunData) -> dict[str, pd.DataFrame]:
    """Every table of the report, by the name its CSV file takes (``report_<name>.csv``).

    Parameters
    ----------
    run : RunData
        The run.

    Returns
    -------
    dict
        Name → DataFrame; a table whose data the run did not record is empty (headers only).
    """
    return {
        "headline": headline_table(run.figures),
        "checks": standards_checks(run),
        "caseload_weekly": caseload_over_time(run.weekly),
        "caseload_distribution": caseload_distribution(run.weekly),
        "load_ratio": load_ratio_by_role(run.workers),
        "load_ratio_bands": load_ratio_bands(run.workers),
        "supervision": supervision_table(run),
        "asye": asye_table(run),
        "cpd": cpd_table(run.weekly),
        "cpd_weekly": cpd_over_time(run.weekly),
        "waits_weekly": waits_over_time(run.weekly),
        "levels": levels_table(run),
        "level_changes": level_changes(run),
        "thresholds": thresholds_table(),
    }


def render_html(run: RunData, tables: dict[str, pd.DataFrame]) -> str:
    """The whole report as one self-contained HTML page.

    Parameters
    ----------
    run : RunData
        The run (for its description, the level grid and the level names).
    tables : dict
        :func:`report_tables`.

    Returns
    -------
    str
        The HTML page, with plotly.js embedded once.
    """
    figure = _Figures()
    info = run.run
    weeks = run.measured_weeks
    first, last = run.weekly["week_start"].min(), run.weekly["week_start"].max()
    scenario = str(info.get("scenario", run.path.name))
    intro = (
        f'<p id="run-info">Scenario <strong>{_e(scenario)}</strong>: {run.replications} replication(s), seed '
        f"{_e(info.get('seed', '–'))}. Measured over weeks "
        f"{info['warmup_weeks']}–{info['horizon_weeks']} "
        f"({weeks} weeks from {_e(pd.Timestamp(first).date())} to {_e(pd.Timestamp(last).date())}) after a "
        f"{info['warmup_weeks']}-week warm-up. Figures are means over replications; counts are per "
        "replication over the measured weeks; 95% intervals are t-based across replications (with few "
        "replications they are wide and may fall outside the possible range).</p>"
    )
    sections = [_section("summary", "Summary", tables["checks"].pipe(checks_html))]
    sections.append(
        _section(
            "headline",
            "Headline figures",
            headline_html(tables["headline"]),
            '<p class="note">From summary.json, measured after the warm-up.</p>',
        )
    )
    sections.append(
        _section(
            "caseload",
            "Caseload per case-holding FTE (Standard 3)",
            figure(caseload_time_figure(tables["caseload_weekly"]), "fig-caseload-time"),
            figure(
                caseload_distribution_figure(tables["caseload_distribution"]), "fig-caseload-distribution"
            ),
        )
    )
    sections.append(_load_section(tables, figure))
    sections.append(_waits_section(run, tables, figure))
    sections.append(_supervision_section(run, tables, figure))
    sections.append(_cpd_section(tables, figure))
    sections.append(_asye_section(tables))
    sections.append(_levels_section(run, tables, figure))
    sections.append(
        _section(
            "thresholds",
            "Thresholds and sources",
            table_html(
                tables["thresholds"],
                "thresholds-table",
                {},
                {"standard": "standard", "title": "check", "rule": "breached if", "source": "source"},
            ),
            '<p class="note">DF: the project\'s domain-figures reference (sourced figures for England).</p>',
        )
    )
    title = f"Employer standards health check: {scenario}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(title)}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n<h1>{_e(title)}</h1>\n"
        '<p class="muted">Standards for employers of social workers in England: Standard 3 (safe workloads '
        "and case allocation), 5 (supervision) and 6 (CPD). Simulated with caseplan.</p>\n"
        f"{intro}\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def _load_section(tables: dict[str, pd.DataFrame], figure: _Figures) -> str:
    title = "Worker load by role (Standard 3)"
    if tables["load_ratio"].empty:
        return _section(
            "load", title, _not_recorded("load", "no per-worker table (outputs.per_worker was off)")
        )
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
    return _section(
        "load",
        title,
        table_html(tables["load_ratio"], "load-table", {**formats, "worker_weeks": "integer"}, labels),
        figure(load_ratio_figure(tables["load_ratio_bands"]), "fig-load-ratio"),
        '<p class="note">Load ÷ case capacity, over worker-weeks with a case capacity (absent workers and '
        "team managers have none). Worker-weeks are totals over all replications.</p>",
    )


def _waits_section(run: RunData, tables: dict[str, pd.DataFrame], figure: _Figures) -> str:
    service = service_waits(run.weekly)
    shown = {
        name: format_figure(value, "number")
        for name, value in (
            ("mean", service["unallocated"].mean()),
            ("max", service["unallocated"].max()),
            ("over_14", service["over_14_days"].mean()),
            ("over_28", service["over_28_days"].mean()),
            ("max_28", service["over_28_days"].max()),
        )
    }
    must = format_figure((service["must_allocate"] > 0).mean(), "percent")
    summary = (
        f"<p>At a week's end the service had on average {shown['mean']} cases waiting for a worker (at most "
        f"{shown['max']}), {shown['over_14']} of them over 14 days and {shown['over_28']} over 28 days (at "
        f"most {shown['max_28']}). A must-allocate case was waiting at the end of {must} of weeks. The "
        "chart shows the mean over replications.</p>"
    )
    return _section(
        "waits",
        "Unallocated cases and waits (Standard 3)",
        summary,
        figure(waits_figure(tables["waits_weekly"]), "fig-waits"),
    )


def _supervision_section(run: RunData, tables: dict[str, pd.DataFrame], figure: _Figures) -> str:
    title = "Supervision by tenure (Standard 5)"
    supervision = tables["supervision"]
    if supervision.empty:
        return _section(
            "supervision",
            title,
            _not_recorded("supervision", "supervision was not tracked (supervision.track was off)"),
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
    parts = [table_html(supervision, "supervision-table", {**formats, "on_time_share": "percent"}, labels)]
    if run.workers is None:
        parts.append(_not_recorded("supervision-tenure", "supervision by tenure (no per-worker table)"))
    else:
        parts.append(
            '<p class="note">The tenure rows count workers in post at each week\'s end; the all-workers row '
            "is the teams' count, as in the headline (it also holds sessions of workers who left during a "
            "week).</p>"
        )
    parts.append(
        '<p class="note">Sessions per replication over the measured weeks; due weekly for an ASYE\'s first 6 '
        "weeks, fortnightly to 6 months, monthly after and for everyone else. A session counts as due in the "
        "week it falls due and as held in the week it is held: on time in the same week, late in a later "
        "one; it is missed when still not held after supervision.missed_after_weeks. Held can therefore "
        "exceed due in a group.</p>"
    )
    everyone = supervision[supervision["tenure"] == "all workers"].iloc[0]
    if math.isfinite(everyone["missed_supervisor_capacity"]):
        parts.append(
            "<p>Missed sessions per replication: "
            f"{format_figure(everyone['missed_supervisor_capacity'], 'number')} because the supervisor had "
            f"no time, {format_figure(everyone['missed_supervisee_away'], 'number')} "
            "because the worker was away.</p>"
        )
    parts.append(figure(supervision_figure(supervision), "fig-supervision"))
    return _section("supervision", title, *parts)


def _cpd_section(tables: dict[str, pd.DataFrame], figure: _Figures) -> str:
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
    return _section(
        "cpd",
        "CPD time taken against planned (Standard 6)",
        table_html(tables["cpd"], "cpd-table", {**formats, "taken_share": "percent"}, labels),
        '<p class="note">Hours per replication. A pause is the contingency plan\'s pause_cpd action; '
        "overload is case work beyond a worker's case capacity eating into the CPD reserve.</p>",
        figure(cpd_figure(tables["cpd_weekly"]), "fig-cpd"),
    )


def _asye_section(tables: dict[str, pd.DataFrame]) -> str:
    title = "ASYE protection (Standard 6)"
    asye = tables["asye"]
    if asye.empty:
        return _section(
            "asye", title, _not_recorded("asye", "no ASYE in their first year in the measured weeks")
        )
    rows = "".join(
        f"<tr><td>{_e(r.measure)}</td>"
        f'<td data-col="value">{_e(format_figure(_number(r.value), r.kind))}</td></tr>'
        for r in asye.itertuples(index=False)
    )
    return _section("asye", title, f'<table id="asye-table"><tbody>{rows}</tbody></table>')


def _levels_section(run: RunData, tables: dict[str, pd.DataFrame], figure: _Figures) -> str:
    title = "Contingency levels and costs (Standard 3)"
    if tables["levels"].empty:
        return _section(
            "levels", title, _not_recorded("levels", "no contingency plan (no contingency.parquet)")
        )
    names = run.level_names
    levels = {f"weeks_at_level_{n}": f"weeks at {n} {names.get(n, '')}".strip() for n in (1, 2, 3, 4)}
    labels = {
        "team": "team",
        **levels,
        "escalations": "escalations",
        "cost": "cost",
        "overtime_hours": "overtime (h)",
    }
    formats = {**dict.fromkeys([*levels, "escalations", "overtime_hours"], "number"), "cost": "money"}
    changes = tables["level_changes"]
    shown = changes.head(LEVEL_CHANGES_SHOWN).assign(date=changes["week_start"].dt.date.astype(str))
    change_labels = {
        "week": "week",
        "date": "date",
        "team": "team",
        "level": "level",
        "level_name": "name",
        "triggered_by": "triggered by",
        "actions_started": "actions started",
        "actions_ended": "actions ended",
    }
    parts = [
        table_html(tables["levels"], "levels-table", formats, labels),
        '<p class="note">Per replication over the measured weeks; cost is the plan\'s overtime, agency and '
        "borrowing.</p>",
        figure(level_timeline_figure(level_grid(run.timeline), names), "fig-levels"),
        f"<h3>Level changes in replication 0 ({len(changes)} in all)</h3>",
        table_html(shown, "level-changes-table", {"week": "integer", "level": "integer"}, change_labels)
        if len(changes)
        else '<p class="muted">No team changed level in the measured weeks of replication 0.</p>',
    ]
    if len(changes) > LEVEL_CHANGES_SHOWN:
        parts.append(
            f'<p class="note">… {len(changes) - LEVEL_CHANGES_SHOWN} more in report_level_changes.csv.</p>'
        )
    return _section("levels", title, *parts)


def build_report(run: RunData) -> Report:
    """Build the report of a run: tables, checks and the HTML page (nothing is written).

    Parameters
    ----------
    run : RunData
        :func:`read_run`.

    Returns
    -------
    Report
    """
    tables = report_tables(run)
    return Report(render_html(run, tables), tables, tables["checks"])


# ------------------------------------------------------------------------------------ writing


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
    temps: list[tuple[Path, Path]] = []
    try:
        for path, content in targets:
            temp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
            temps.append((temp, path))
            with open(temp, "x", encoding="utf-8", newline="") as f:
                if isinstance(content, str):
                    f.write(content)
                else:
                    content.to_csv(f, index=False, lineterminator="\n")
        for temp, path in temps:
            os.replace(temp, path)
    finally:
        for temp, _ in temps:
            if temp.exists():
                temp.unlink()
    return [path for path, _ in targets]
