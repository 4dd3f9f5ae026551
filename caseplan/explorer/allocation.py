"""The Allocation tester behind the explorer's page: read a team snapshot, run several policies, compare.

A team manager uploads the two snapshot CSVs of ``caseplan allocate`` (or uses the shipped example). The
uploads are read by the same checks as the command line (:func:`simulator.snapshot.read_snapshot`), so a
bad file gives the same messages — ``<file>: row <n>, column <name>: ...`` — naming the uploaded file
rather than a temporary path. Each chosen policy then allocates the waiting cases of the same snapshot
(:func:`simulator.team_allocation.allocate_team`), and the tables here turn the results into what the
page shows: the decisions, the side-by-side comparison, the loads the bar chart draws and the CSV to
download (the format of ``caseplan allocate --out``).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from caseplan.csv_output import csv_text
from optimiser import POLICY_NAMES
from simulator.capacity import is_asye
from simulator.scenario.models import Scenario
from simulator.snapshot import SnapshotError, TeamSnapshot, read_snapshot
from simulator.team_allocation import ALLOCATION_COLUMNS, DAYS_PER_WEEK, AllocationResult, allocate_team

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "scenarios" / "examples"
EXAMPLE_WORKERS = EXAMPLES / "team_workers.csv"
EXAMPLE_CASES = EXAMPLES / "team_cases.csv"
EXAMPLE_DATE = dt.date(2026, 11, 2)
"""The date of the shipped example snapshot (``scenarios/examples/README.md``)."""

DECISION_COLUMNS = ("case", "type", "worker", "reason", "runner-up", "weight (h/week)", "status")
SUMMARY_COLUMNS = (
    "policy",
    "allocated",
    "waiting",
    "must-allocate waiting",
    "highest load ratio",
    "workers over capacity",
    "solver status",
    "seconds",
)
LOAD_CHART_COLUMNS = (
    "worker_id",
    "role",
    "asye",
    "case_capacity_hours",
    "load_hours_before",
    "load_hours_after",
    "load_ratio_before",
    "load_ratio_after",
    "band",
)
WAITING = "waiting"
ESCALATE = "waiting: escalate"
ALLOCATED = "allocated"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")


@dataclass(frozen=True)
class PolicyRun:
    """One policy's allocation of a snapshot: its result, or why it could not run.

    Attributes
    ----------
    policy
        One of ``optimiser.POLICY_NAMES``.
    result
        The decisions and loads, or None when the policy failed.
    errors
        Messages for ``st.error`` when the policy failed (empty otherwise).
    seconds
        Wall time of the allocation.
    """

    policy: str
    result: AllocationResult | None
    errors: tuple[str, ...]
    seconds: float


def upload_name(name: str | None, default: str) -> str:
    """The file name an upload is reported under: its base name with unusual characters replaced.

    Parameters
    ----------
    name
        The name the browser sent (may be None, empty or hold a path).
    default
        Used when ``name`` leaves nothing usable (``workers.csv`` or ``cases.csv``).

    Returns
    -------
    str
        A plain file name (no directory part).
    """
    base = Path((name or "").replace("\\", "/")).name
    base = _SAFE_NAME.sub("_", base).strip(" .")
    return base[:100] or default


def read_example_snapshot(scenario: Scenario, as_of: dt.date = EXAMPLE_DATE) -> TeamSnapshot:
    """The shipped example team (``scenarios/examples``), checked against ``scenario``.

    Raises
    ------
    SnapshotError
        If the scenario does not fit the example (e.g. a scenario without its case types).
    """
    return read_snapshot(EXAMPLE_WORKERS, EXAMPLE_CASES, as_of, scenario)


def read_uploaded_snapshot(
    workers: bytes | str,
    cases: bytes | str,
    as_of: dt.date,
    scenario: Scenario,
    workers_name: str | None = "workers.csv",
    cases_name: str | None = "cases.csv",
) -> TeamSnapshot:
    """Read two uploaded snapshot CSVs with the command line's checks.

    The contents are written to a private temporary directory under their own (sanitised) names and read
    by :func:`simulator.snapshot.read_snapshot`; every message then names the uploaded file, not the
    temporary path.

    Parameters
    ----------
    workers, cases
        The files' contents (bytes as uploaded; text is encoded as UTF-8).
    as_of
        Snapshot date.
    scenario
        Supplies the held case types the cases are checked against.
    workers_name, cases_name
        The names the files were uploaded as.

    Returns
    -------
    TeamSnapshot
        The workers and cases, with each case's team decided.

    Raises
    ------
    SnapshotError
        Every problem found, each ``<file>: row <n>, column <name>: ...`` with the uploaded name.
    """
    with tempfile.TemporaryDirectory(prefix="caseplan-upload-") as folder:
        paths = []
        for part, content, name, default in (
            ("workers", workers, workers_name, "workers.csv"),
            ("cases", cases, cases_name, "cases.csv"),
        ):
            directory = Path(folder) / part  # one directory each: both files may have the same name
            directory.mkdir()
            path = directory / upload_name(name, default)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else bytes(content))
            paths.append(path)
        try:
            return read_snapshot(paths[0], paths[1], as_of, scenario)
        except SnapshotError as exc:
            prefixes = [f"{path.parent}/" for path in paths] + [f"{path.parent}\\" for path in paths]
            problems = []
            for problem in exc.problems:
                for prefix in prefixes:
                    problem = problem.replace(prefix, "")
                problems.append(problem)
            raise SnapshotError(problems) from None


def run_policies(snapshot: TeamSnapshot, scenario: Scenario, policies: Sequence[str]) -> list[PolicyRun]:
    """Allocate the snapshot's waiting cases with each policy in turn (same snapshot, same scenario).

    A policy that cannot run (an optional solver missing, a snapshot the allocation rejects) gives a
    :class:`PolicyRun` with ``errors`` instead of stopping the others.

    Raises
    ------
    ValueError
        For a name not in ``optimiser.POLICY_NAMES`` or an empty selection.
    """
    unknown = [p for p in policies if p not in POLICY_NAMES]
    if unknown or not policies:
        raise ValueError(
            f"policies: {', '.join(map(repr, unknown)) or 'none chosen'} (allowed: {', '.join(POLICY_NAMES)})"
        )
    runs = []
    for policy in dict.fromkeys(policies):
        start = time.perf_counter()
        try:
            result = allocate_team(snapshot.workers, snapshot.cases, snapshot.as_of, scenario, policy)
            errors: tuple[str, ...] = ()
        except SnapshotError as exc:
            result, errors = None, tuple(exc.messages)
        except ModuleNotFoundError as exc:
            result, errors = None, (f"the {policy} policy is not available ({exc}); choose another",)
        runs.append(PolicyRun(policy, result, errors, time.perf_counter() - start))
    return runs


def must_allocate_ids(snapshot: TeamSnapshot, scenario: Scenario) -> set[str]:
    """Waiting cases that must be allocated (by case type or by the ``must_allocate`` flag)."""
    return {c.id for c in snapshot.waiting if scenario.case_types[c.type].must_allocate or c.must_allocate}


def decisions_table(result: AllocationResult, snapshot: TeamSnapshot, scenario: Scenario) -> pd.DataFrame:
    """One row per waiting case: who takes it, why, the runner-up, its weight and its status.

    ``status`` is ``allocated``, ``waiting``, or ``waiting: escalate`` for a must-allocate case left
    waiting; ``worker`` and ``runner-up`` are "" when there is none.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DECISION_COLUMNS`, in the order of ``result.allocations``.
    """
    types = {c.id: c.type for c in snapshot.cases}
    must = must_allocate_ids(snapshot, scenario)
    rows = []
    for row in result.allocations.itertuples(index=False):
        status = ALLOCATED if row.worker_id else (ESCALATE if row.case_id in must else WAITING)
        rows.append(
            (row.case_id, types.get(row.case_id, ""), row.worker_id, row.reason, row.runner_up,
             round(float(row.weight_hours), 2), status)
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(DECISION_COLUMNS))


def compare_decisions(runs: Sequence[PolicyRun]) -> pd.DataFrame:
    """The policies side by side: one row per waiting case, one column per policy holding its worker.

    A case left waiting shows ``waiting``; policies that failed are left out. ``differs`` is True where
    the policies chose differently.
    """
    done = [run for run in runs if run.result is not None]
    if not done:
        return pd.DataFrame(columns=["case", "differs"])
    table = pd.DataFrame({"case": done[0].result.allocations["case_id"].tolist()})
    for run in done:
        chosen = dict(zip(run.result.allocations["case_id"], run.result.allocations["worker_id"]))
        table[run.policy] = [chosen.get(case) or WAITING for case in table["case"]]
    table["differs"] = table[[run.policy for run in done]].nunique(axis=1) > 1
    return table


def summary_table(runs: Sequence[PolicyRun], snapshot: TeamSnapshot, scenario: Scenario) -> pd.DataFrame:
    """One row per policy: allocated and waiting counts, the highest load ratio, solver status, time.

    ``workers over capacity`` counts workers above ``capacity.overload_ratio`` after the meeting.
    Policies that failed have their first message as ``solver status`` and empty figures.
    """
    must = must_allocate_ids(snapshot, scenario)
    overload = scenario.capacity.overload_ratio
    rows = []
    for run in runs:
        if run.result is None:
            rows.append((run.policy, None, None, None, None, None, f"failed: {run.errors[0]}", run.seconds))
            continue
        alloc, ratios = run.result.allocations, run.result.loads["load_ratio_after"].dropna()
        waiting = alloc.loc[alloc["worker_id"] == "", "case_id"]
        rows.append(
            (run.policy, int((alloc["worker_id"] != "").sum()), len(waiting),
             int(waiting.isin(must).sum()), float(ratios.max()) if len(ratios) else None,
             int((ratios > overload + 1e-9).sum()), run.result.status, round(run.seconds, 3))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def load_chart_data(result: AllocationResult, snapshot: TeamSnapshot, scenario: Scenario) -> pd.DataFrame:
    """The per-worker loads the bar chart draws, for workers with case capacity only.

    Adds whether the worker is an ASYE in the assessed year on the snapshot date (whose case capacity
    already includes ``capacity.asye_load_cap``), the ratio before the meeting, and ``band``: ``within
    capacity``, ``over capacity`` (above ``capacity.overload_ratio``) or ``excessive`` (above
    ``capacity.excessive_ratio``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOAD_CHART_COLUMNS`, one row per case-holding worker.
    """
    params = scenario.capacity
    tenure = {w.id: (snapshot.as_of - w.start_date).days / DAYS_PER_WEEK for w in snapshot.workers}
    loads = result.loads[result.loads["case_capacity_hours"] > 0].copy()
    loads["asye"] = [is_asye(role, tenure[w], params) for w, role in zip(loads["worker_id"], loads["role"])]
    loads["load_ratio_before"] = loads["load_hours_before"] / loads["case_capacity_hours"]

    def band(ratio: float) -> str:
        if ratio > params.excessive_ratio + 1e-9:
            return "excessive"
        if ratio > params.overload_ratio + 1e-9:
            return "over capacity"
        return "within capacity"

    loads["band"] = loads["load_ratio_after"].map(band)
    return loads.loc[:, list(LOAD_CHART_COLUMNS)].reset_index(drop=True)


def reference_lines(scenario: Scenario) -> pd.DataFrame:
    """The load ratios the chart marks: capacity (``overload_ratio``, 1.0) and ``excessive_ratio`` (1.1)."""
    params = scenario.capacity
    return pd.DataFrame(
        {
            "ratio": [params.overload_ratio, params.excessive_ratio],
            "label": [f"capacity ({params.overload_ratio:.0%})", f"excessive ({params.excessive_ratio:.0%})"],
        }
    )


def allocations_csv(result: AllocationResult) -> bytes:
    """The decisions as ``caseplan allocate --out`` writes them (:data:`ALLOCATION_COLUMNS`, UTF-8)."""
    frame = result.allocations.loc[:, list(ALLOCATION_COLUMNS)].round(3)
    return csv_text(frame).encode("utf-8")
