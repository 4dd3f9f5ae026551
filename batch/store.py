"""The batch's Parquet dataset: one file per run, partitioned by scenario, written atomically.

``OUT/weekly/scenario=<slug>/rep=<r>.parquet`` holds a run's weekly team table and
``OUT/runs/scenario=<slug>/rep=<r>.parquet`` its one-row summary (the ``summary.json`` figures). The
summary file is written last, so its presence marks a complete run; every file goes to a temporary name
first and is renamed into place, so a killed batch never leaves half a run behind.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

WEEKLY, RUNS = "weekly", "runs"
TEMP_SUFFIX = ".tmp"


def slug(name: str) -> str:
    """A name as a safe directory name: letters, digits and ``_ . -`` only, never ``.`` or ``..`` nor a
    hidden name, so it always stays inside its parent (the real name is a column of every file)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "scenario"


@dataclass(frozen=True)
class RunKey:
    """One run of a batch: a scenario (by name and hash) and a replication."""

    scenario: str
    scenario_hash: str
    replication: int

    def path(self, out_dir: Path, table: str) -> Path:
        return (
            Path(out_dir) / table / f"scenario={slug(self.scenario)}" / f"rep={self.replication:05d}.parquet"
        )


def write_run(out_dir: Path, key: RunKey, weekly: pd.DataFrame, summary: pd.DataFrame) -> None:
    """Write a run's two files, each atomically, the summary (the completion mark) last."""
    for table, frame in ((WEEKLY, weekly), (RUNS, summary)):
        target = key.path(out_dir, table)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}{TEMP_SUFFIX}")
        try:
            frame.to_parquet(temp, index=False)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)


def completed(out_dir: Path, key: RunKey) -> tuple[bool, str | None]:
    """Whether ``key`` is already stored (readable, same scenario hash); a problem is reported, not raised."""
    path = key.path(out_dir, RUNS)
    if not path.exists():
        return False, None
    try:
        stored = pd.read_parquet(path)
        weekly_ok = key.path(out_dir, WEEKLY).exists()
    except Exception as exc:  # a corrupt file from an old run: redo that run only
        return False, f"{path}: unreadable ({type(exc).__name__}); the run is done again"
    if not weekly_ok:
        return False, f"{path}: its weekly table is missing; the run is done again"
    if stored["scenario_hash"].iloc[0] != key.scenario_hash:
        return False, None  # the scenario changed since: its runs are done again
    return True, None


def remove_temporaries(out_dir: Path) -> int:
    """Delete temporary files an interrupted batch left behind (run files and the manifest's)."""
    root = Path(out_dir)
    found = list(root.glob(f".*{TEMP_SUFFIX}")) + list(root.glob(f"*/*/.*{TEMP_SUFFIX}"))
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)


def remove_stale(out_dir: Path, current: dict[str, str]) -> None:
    """Delete stored runs of scenarios that are no longer in the grid (by partition directory)."""
    keep = {f"scenario={slug(name)}" for name in current}
    for table in (WEEKLY, RUNS):
        root = Path(out_dir) / table
        if root.exists():
            for part in root.iterdir():
                if part.is_dir() and part.name not in keep:
                    shutil.rmtree(part)


def remove_beyond(out_dir: Path, name: str, count: int) -> int:
    """Delete a scenario's stored runs with replication ≥ ``count`` (the grid asks for fewer now)."""
    removed = 0
    for table in (WEEKLY, RUNS):
        for path in (Path(out_dir) / table / f"scenario={slug(name)}").glob("rep=*.parquet"):
            if int(path.stem.removeprefix("rep=")) >= count:
                path.unlink()
                removed += table == RUNS
    return removed


def read_table(out_dir: Path, table: str = RUNS, problems: list[str] | None = None) -> pd.DataFrame:
    """All stored runs of one table as a DataFrame (empty if none).

    An unreadable file (an interrupted or damaged old run) is left out and named in ``problems``.
    """
    frames = []
    for path in sorted((Path(out_dir) / table).glob("scenario=*/rep=*.parquet")):
        try:
            frames.append(pd.read_parquet(path))
        except Exception as exc:  # pyarrow raises several types for damaged files
            if problems is not None:
                problems.append(f"{path}: unreadable ({type(exc).__name__}); left out")
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
