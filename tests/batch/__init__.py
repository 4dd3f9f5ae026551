"""Tests of the batch package (grids, the Parquet store, executors, the driver and comparisons)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from batch.store import RUNS, WEEKLY, read_table
from tests.support import BASELINE

SHORT = {"meta": {"horizon_weeks": 30, "warmup_weeks": 8}}


def write_grid(directory: Path, name: str = "demo", filename: str = "grid.yaml", **fields: Any) -> Path:
    """A grid file on the shipped baseline with a short horizon (each run ≈0.05 s); ``fields`` add/replace."""
    data = {"name": name, "base": str(BASELINE), "overrides": SHORT, **fields}
    path = Path(directory) / filename
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def stored_tables(out_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and weekly tables, sorted, without the wall-clock ``seconds`` column."""
    runs = read_table(out_dir, RUNS).drop(columns=["seconds"])
    runs = runs.sort_values(["scenario", "replication"]).reset_index(drop=True)
    weekly = read_table(out_dir, WEEKLY)
    weekly = weekly.sort_values(["scenario", "replication", "week"]).reset_index(drop=True)
    return runs, weekly


def stored_files(out_dir: Path) -> dict[str, tuple[int, int]]:
    """Every stored Parquet file (relative path) → (inode, modification time): a rewrite changes it."""
    return {
        str(p.relative_to(out_dir)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in sorted(Path(out_dir).rglob("*.parquet"))
    }
