"""Run a grid: plan the runs, skip those already stored, execute the rest, write the manifest.

Re-running the same command resumes: a run counts as done when its summary file is readable and carries
the current scenario hash, so an interrupted batch does only what is missing and a changed scenario redoes
only its own runs. With ``precision`` in the grid, replications are added in rounds until the 95%
half-width of the chosen figure is small enough (or the cap is reached).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from batch.executors import Executor
from batch.grid import Grid, base_scenario, check_size, expand, load_grid, scenario_hash
from batch.lock import LOCK_NAME, LockHeld, batch_lock
from batch.store import (
    RUNS,
    RunKey,
    completed,
    read_table,
    remove_beyond,
    remove_stale,
    remove_temporaries,
    slug,
    write_run,
)
from simulator.provenance import git_commit, machine, package_versions
from simulator.run import run_replication
from simulator.scenario import Scenario, ScenarioError
from simulator.statistics import mean_ci
from simulator.work import check_work, estimate

MANIFEST = "manifest.json"
PACKAGES = ("caseplan", "simpy", "numpy", "pandas", "pyarrow", "pydantic", "scipy", "pulp", "highspy", "dask",
            "distributed")  # fmt: skip


class BatchError(Exception):
    """A batch that must not start (the output directory holds another batch, …); nothing is written."""


@dataclass(frozen=True)
class RunSpec:
    """What a worker needs for one run (picklable)."""

    key: RunKey
    scenario: Scenario
    out_dir: str


def execute(spec: RunSpec) -> dict:
    """Simulate one run and store it; returns its status (runs in a worker process)."""
    start = time.perf_counter()
    try:
        result = run_replication(spec.scenario, spec.key.replication)
    except Exception as exc:  # a failed run is recorded, the batch goes on
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    seconds = time.perf_counter() - start
    ids = {"scenario": spec.key.scenario, "scenario_hash": spec.key.scenario_hash,
           "replication": spec.key.replication}  # fmt: skip
    weekly = result.weekly.drop(columns=["replication"]).assign(**ids)
    summary = pd.DataFrame([{**ids, "seed": spec.scenario.meta.seed, "seconds": seconds, **result.figures}])
    write_run(Path(spec.out_dir), spec.key, weekly, summary)
    return {"status": "done", "seconds": seconds}


@dataclass
class BatchReport:
    """What a batch did."""

    planned: int = 0
    skipped: int = 0
    done: int = 0
    failed: list[tuple[RunKey, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stored: set[tuple[str, int]] = field(default_factory=set)  # (scenario, replication) known complete


def run_batch(
    grid_path: Path,
    out_dir: Path,
    executor: Executor,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    confirm_large: bool = False,
) -> BatchReport:
    """Run (or resume) the grid at ``grid_path`` into ``out_dir`` with ``executor``.

    The grid's size and work are estimated first (:mod:`simulator.work`); above the limits the batch
    starts only with ``confirm_large``. One batch at a time may write to ``out_dir`` (a lock).

    Raises
    ------
    simulator.scenario.ScenarioError
        A bad grid or scenario (nothing written).
    simulator.work.WorkTooLarge
        The grid or its work is above the limits and ``confirm_large`` is off (nothing written).
    BatchError
        ``out_dir`` holds a different batch and ``force`` is off, or another batch is writing to it
        (nothing written).
    batch.executors.ExecutorError
        The executor cannot start (nothing written).
    """
    grid = load_grid(grid_path)
    check_size(grid, grid_path, confirm_large)
    replications = grid.replications_at_most
    first = estimate([(base_scenario(grid, grid_path), replications * grid.scenario_count())])
    check_work(first, str(grid_path), confirm_large)  # before expanding: every scenario taken as the base
    scenarios = expand(grid, grid_path)
    check_work(estimate((s, replications) for s in scenarios.values()), str(grid_path), confirm_large)
    _check_names(scenarios, grid_path)
    if grid.precision is not None:
        _check_metric(grid.precision.metric, next(iter(scenarios.values())), grid_path)
    hashes = {name: scenario_hash(s) for name, s in scenarios.items()}
    out_dir = Path(out_dir)
    replace = _check_out_dir(out_dir, grid, force)
    executor.check()
    started = _now()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with batch_lock(out_dir, f"batch '{grid.name}' (started {started})"):
            if replace and _check_out_dir(out_dir, grid, force):  # checked again: the directory is ours now
                _clear(out_dir)
            return _run_locked(grid, grid_path, out_dir, executor, scenarios, hashes, started, progress)
    except LockHeld as exc:
        raise BatchError(str(exc)) from None


def _run_locked(grid, grid_path, out_dir, executor, scenarios, hashes, started, progress) -> BatchReport:
    """The batch itself, once ``out_dir`` is locked and checked."""
    report = BatchReport()
    # written first, so that even a batch killed at once is recognised (as this batch) next time
    write_manifest(out_dir, grid, grid_path, scenarios, hashes, executor, started, report, status="running")
    remove_temporaries(out_dir)
    remove_stale(out_dir, hashes)
    counts = dict.fromkeys(scenarios, grid.replications or grid.precision.min_replications)
    if grid.replications is not None:  # the grid may ask for fewer replications than are stored
        for name in scenarios:
            remove_beyond(out_dir, name, grid.replications)
    while True:
        specs = _plan(scenarios, hashes, counts, out_dir, report)
        _execute(specs, executor, report, progress)
        more = _more_replications(grid, counts, out_dir) if grid.precision else {}
        if not more:
            break
        counts.update(more)
    write_manifest(out_dir, grid, grid_path, scenarios, hashes, executor, started, report, status="complete")
    return report


def _check_names(scenarios: dict[str, Scenario], grid_path: Path) -> None:
    """Scenario names must stay distinct as directory names."""
    seen: dict[str, str] = {}
    for name in scenarios:
        other = seen.setdefault(slug(name), name)
        if other != name:
            raise ScenarioError(
                [f"{grid_path}: scenarios '{other}' and '{name}' would share a directory; rename one"]
            )


def _check_metric(metric: str, scenario: Scenario, grid_path: Path) -> None:
    """The precision metric must be a summary figure: a two-week run lists them (in milliseconds)."""
    tiny = scenario.model_copy(
        update={"meta": scenario.meta.model_copy(update={"horizon_weeks": 2, "warmup_weeks": 1})}
    )
    figures = run_replication(tiny, 0).figures
    if metric not in figures:
        close = difflib.get_close_matches(metric, list(figures), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ScenarioError(
            [
                f"{grid_path}: precision.metric: unknown figure '{metric}'{hint} (figures: {', '.join(figures)})"
            ]
        )


def _check_out_dir(out_dir: Path, grid: Grid, force: bool) -> bool:
    """Whether ``out_dir`` must be cleared first (``force`` over another batch or other files).

    Raises
    ------
    BatchError
        ``out_dir`` holds another batch or other files and ``force`` is off.
    """
    manifest = out_dir / MANIFEST
    if manifest.exists():
        try:
            other = json.loads(manifest.read_text(encoding="utf-8")).get("grid", {}).get("name")
            held = f"another batch ('{other}')"
        except (OSError, ValueError, AttributeError):
            other, held = None, f"a batch whose {MANIFEST} cannot be read"
        if other != grid.name and not force:
            raise BatchError(f"{out_dir} holds {held}; choose another --out or pass --force to replace it")
        return other != grid.name
    if out_dir.exists() and any(_contents(out_dir)) and not (out_dir / RUNS).exists():
        if not force:
            raise BatchError(
                f"{out_dir} is not empty and holds no batch; choose another --out or pass --force"
            )
        return True
    return False


def _contents(out_dir: Path):
    """What ``out_dir`` holds besides the lock file (which stays while the lock is held)."""
    return (path for path in out_dir.iterdir() if path.name != LOCK_NAME)


def _clear(out_dir: Path) -> None:
    for path in list(_contents(out_dir)):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _plan(scenarios, hashes, counts, out_dir: Path, report: BatchReport) -> list[RunSpec]:
    specs = []
    for name, scenario in scenarios.items():
        for replication in range(counts[name]):
            key = RunKey(name, hashes[name], replication)
            done, note = completed(out_dir, key)
            report.planned += 1
            if note:
                report.notes.append(note)
            if done:
                report.skipped += 1
                report.stored.add((name, replication))
            else:
                specs.append(RunSpec(key, scenario, str(out_dir)))
    return specs


def _execute(specs: list[RunSpec], executor: Executor, report: BatchReport, progress) -> None:
    total = len(specs)
    if progress is not None:
        progress(0, total)
    for finished, (spec, status) in enumerate(executor.run(execute, specs), start=1):
        if status["status"] == "done":
            report.done += 1
            report.stored.add((spec.key.scenario, spec.key.replication))
        else:
            report.failed.append((spec.key, status["error"]))
        if progress is not None:
            progress(finished, total)


def _more_replications(grid: Grid, counts: dict[str, int], out_dir: Path) -> dict[str, int]:
    """Scenarios whose figure is not yet precise enough, with their next replication count."""
    precision = grid.precision
    runs = read_table(out_dir, RUNS, problems=[])
    more = {}
    for name, count in counts.items():
        values = runs.loc[runs["scenario"] == name, precision.metric].dropna().tolist() if len(runs) else []
        half = half_width(values)
        if (math.isnan(half) or half > precision.half_width) and count < precision.max_replications:
            more[name] = min(count + precision.step, precision.max_replications)
    return more


def half_width(values: list[float]) -> float:
    """Half-width of the 95% t interval of the mean (NaN with fewer than two values)."""
    summary = mean_ci(values)
    if summary["ci_high"] is None:
        return math.nan
    return (summary["ci_high"] - summary["ci_low"]) / 2


# ------------------------------------------------------------------------------------- manifest


def write_manifest(out_dir, grid, grid_path, scenarios, hashes, executor, started, report, status) -> None:
    """``manifest.json``: versions, commit, scenarios with hashes and seeds, executor, times, runs."""
    stored = report.stored  # checked while planning or stored by this batch: no file is read again
    failed = {(k.scenario, k.replication): error for k, error in report.failed}
    manifest = {
        "grid": {
            "name": grid.name,
            "file": str(Path(grid_path).resolve()),
            "definition": grid.model_dump(mode="json"),
        },
        "versions": {"python": machine()["python"], **package_versions(PACKAGES)},
        "git_commit": git_commit(),
        "scenarios": {
            name: {
                "hash": hashes[name],
                "seed": s.meta.seed,
                "horizon_weeks": s.meta.horizon_weeks,
                "warmup_weeks": s.meta.warmup_weeks,
            }
            for name, s in scenarios.items()
        },  # fmt: skip
        "executor": executor.describe(),
        "status": status,
        "started": started,
        "ended": _now() if status == "complete" else None,
        "runs": [{"scenario": name, "replication": rep, "status": "done"} for name, rep in sorted(stored)]
        + [
            {"scenario": name, "replication": rep, "status": "failed", "error": error}
            for (name, rep), error in sorted(failed.items())
        ],  # fmt: skip
        "counts": {
            "planned": report.planned,
            "skipped": report.skipped,
            "done": report.done,
            "failed": len(report.failed),
        },  # fmt: skip
    }
    temp = out_dir / f".{MANIFEST}.{uuid.uuid4().hex[:12]}.tmp"
    temp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, out_dir / MANIFEST)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
