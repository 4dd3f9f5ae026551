"""The batch driver: resume after deletion, corruption, a changed scenario or SIGTERM; the manifest; precision."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import batch.driver
from batch.driver import MANIFEST, BatchError, half_width, run_batch
from batch.executors import Serial
from batch.grid import expand, load_grid, scenario_hash
from batch.store import RUNS, WEEKLY, RunKey, read_table
from simulator.scenario import ScenarioError
from tests.batch import stored_files, stored_tables, write_grid

REFERRALS = {"demand.referrals_per_week": [4.0, 6.0]}
NAMES = ["base", "referrals_per_week=4", "referrals_per_week=6"]


def run_file(out: Path, table: str, scenario: str, replication: int) -> Path:
    return RunKey(scenario, "", replication).path(out, table)


@pytest.fixture
def done(tmp_path):
    """A finished 3 scenarios × 3 replications batch: (grid, out)."""
    grid = write_grid(tmp_path, parameters=REFERRALS, replications=3)
    out = tmp_path / "out"
    report = run_batch(grid, out, Serial())
    assert (report.planned, report.done, report.skipped) == (9, 9, 0)
    return grid, out


# --------------------------------------------------------------------------------------- resume


def test_a_rerun_does_only_the_deleted_runs(done):
    grid, out = done
    before = stored_files(out)
    tables = stored_tables(out)
    gone = [("referrals_per_week=4", 1), ("base", 2)]
    for scenario, rep in gone:
        run_file(out, RUNS, scenario, rep).unlink()
        run_file(out, WEEKLY, scenario, rep).unlink()
    report = run_batch(grid, out, Serial())
    assert (report.planned, report.done, report.skipped, report.failed, report.notes) == (9, 2, 7, [], [])
    after = stored_files(out)
    changed = {path for path in after if after[path] != before[path]}
    assert changed == {
        str(run_file(out, table, s, r).relative_to(out)) for s, r in gone for table in (RUNS, WEEKLY)
    }
    for mine, theirs in zip(stored_tables(out), tables, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_a_complete_batch_is_all_skipped(done):
    grid, out = done
    before = stored_files(out)
    report = run_batch(grid, out, Serial())
    assert (report.done, report.skipped) == (0, 9)
    assert stored_files(out) == before


def test_a_corrupt_run_is_noted_and_redone_alone(done):
    grid, out = done
    before = stored_files(out)
    corrupt = run_file(out, RUNS, "referrals_per_week=6", 0)
    corrupt.write_bytes(b"\x00garbage, not parquet\xff" * 10)
    report = run_batch(grid, out, Serial())
    assert (report.done, report.skipped) == (1, 8)
    assert len(report.notes) == 1 and str(corrupt) in report.notes[0] and "unreadable" in report.notes[0]
    after = stored_files(out)
    assert {p for p in after if after[p] != before[p]} == {
        str(corrupt.relative_to(out)),
        str(run_file(out, WEEKLY, "referrals_per_week=6", 0).relative_to(out)),
    }
    assert len(pd.read_parquet(corrupt)) == 1


def test_a_changed_scenario_redoes_only_its_own_runs(tmp_path):
    scenarios = {
        "busy": {"demand": {"referrals_per_week": 7.0}},
        "quiet": {"demand": {"referrals_per_week": 3.0}},
    }
    grid = write_grid(tmp_path, scenarios=scenarios, replications=2)
    out = tmp_path / "out"
    assert run_batch(grid, out, Serial()).done == 6
    before = stored_files(out)
    old_busy = read_table(out).set_index(["scenario", "replication"]).loc["busy", "unallocated_cases"]
    scenarios["busy"]["demand"]["referrals_per_week"] = 7.5
    grid = write_grid(tmp_path, scenarios=scenarios, replications=2)
    report = run_batch(grid, out, Serial())
    assert (report.done, report.skipped, report.notes) == (2, 4, [])
    after = stored_files(out)
    assert {p.split("/")[1] for p in after if after[p] != before[p]} == {"scenario=busy"}
    runs = read_table(out).set_index(["scenario", "replication"])
    new_hash = scenario_hash(expand(load_grid(grid), grid)["busy"])
    assert set(runs.loc["busy", "scenario_hash"]) == {new_hash}
    assert not np.allclose(runs.loc["busy", "unallocated_cases"], old_busy)


def test_a_value_removed_from_the_grid_removes_its_runs(done):
    grid, out = done
    grid = write_grid(grid.parent, parameters={"demand.referrals_per_week": [4.0, 7.0]}, replications=3)
    report = run_batch(grid, out, Serial())
    assert (report.done, report.skipped) == (3, 6)
    runs = read_table(out)
    assert sorted(set(runs["scenario"])) == ["base", "referrals_per_week=4", "referrals_per_week=7"]
    assert not (out / WEEKLY / "scenario=referrals_per_week_6").exists()


def test_another_batch_in_the_output_directory_needs_force(done, tmp_path):
    _, out = done
    before = stored_files(out)
    manifest = (out / MANIFEST).read_text()
    other = write_grid(tmp_path, name="other", filename="other.yaml", replications=2)
    with pytest.raises(BatchError, match=r"holds another batch \('demo'\).*--force"):
        run_batch(other, out, Serial())
    assert stored_files(out) == before and (out / MANIFEST).read_text() == manifest
    report = run_batch(other, out, Serial(), force=True)
    assert (report.done, report.skipped) == (2, 0)
    assert json.loads((out / MANIFEST).read_text())["grid"]["name"] == "other"
    assert sorted(set(read_table(out)["scenario"])) == ["base"] and len(stored_files(out)) == 4


def test_a_directory_holding_something_else_needs_force(tmp_path):
    grid = write_grid(tmp_path, replications=1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(BatchError, match="is not empty and holds no batch"):
        run_batch(grid, out, Serial())
    assert (out / "notes.txt").read_text() == "mine"
    assert run_batch(grid, out, Serial(), force=True).done == 1
    assert not (out / "notes.txt").exists()


INTERRUPTED = """\
import sys
from pathlib import Path

from batch.driver import run_batch
from batch.executors import Serial

if __name__ == "__main__":
    run_batch(Path(sys.argv[1]), Path(sys.argv[2]), Serial())
"""


def test_a_batch_killed_by_sigterm_resumes_to_the_same_tables(tmp_path):
    grid = write_grid(tmp_path, parameters=REFERRALS, replications=16)  # 48 runs, ≈2.5 s serially
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED)
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, str(script), str(grid), str(out)])
    try:
        deadline = time.monotonic() + 60
        while len(list((out / RUNS).glob("*/rep=*.parquet"))) < 6:
            assert process.poll() is None, "the batch ended before it could be interrupted"
            assert time.monotonic() < deadline, "no runs stored within 60 s"
            time.sleep(0.02)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == -signal.SIGTERM
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stored = len(list((out / RUNS).glob("*/rep=*.parquet")))
    assert 6 <= stored < 48
    assert json.loads((out / MANIFEST).read_text())["status"] == "running"

    report = run_batch(grid, out, Serial())
    assert report.planned == 48 and report.failed == []
    assert (report.skipped, report.done) == (stored, 48 - stored)  # a summary file marks a whole run
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    runs, weekly = stored_tables(out)
    assert not runs.duplicated(["scenario", "replication"]).any()
    assert set(zip(runs["scenario"], runs["replication"], strict=True)) == {
        (s, r) for s in NAMES for r in range(16)
    }
    assert json.loads((out / MANIFEST).read_text())["status"] == "complete"

    reference = tmp_path / "reference"
    assert run_batch(grid, reference, Serial()).done == 48
    expected_runs, expected_weekly = stored_tables(reference)
    pd.testing.assert_frame_equal(runs, expected_runs, check_exact=True)
    pd.testing.assert_frame_equal(weekly, expected_weekly, check_exact=True)


# ------------------------------------------------------------------------------------- manifest


def test_the_manifest_records_the_batch(done):
    grid, out = done
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["grid"]["name"] == "demo"
    assert manifest["grid"]["file"] == str(grid.resolve())
    definition = manifest["grid"]["definition"]
    assert definition["replications"] == 3
    assert definition["parameters"] == {"demand.referrals_per_week": [4.0, 6.0]}
    assert definition["overrides"] == {"meta": {"horizon_weeks": 30, "warmup_weeks": 8}}
    versions = manifest["versions"]
    assert {"python", "caseplan", "simpy", "numpy", "pandas"} <= set(versions)
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["numpy"] == np.__version__ and versions["pandas"] == pd.__version__
    commit = manifest["git_commit"]
    assert commit is None or (isinstance(commit, str) and len(commit) == 40)
    scenarios = expand(load_grid(grid), grid)
    assert list(manifest["scenarios"]) == NAMES
    for name, entry in manifest["scenarios"].items():
        assert entry["hash"] == scenario_hash(scenarios[name])
        assert entry["seed"] == scenarios[name].meta.seed
    assert manifest["executor"] == {"name": "serial", "workers": 1}
    started = dt.datetime.fromisoformat(manifest["started"])
    ended = dt.datetime.fromisoformat(manifest["ended"])
    assert started.tzinfo is not None and started <= ended
    assert manifest["status"] == "complete"
    assert sorted((r["scenario"], r["replication"], r["status"]) for r in manifest["runs"]) == [
        (name, rep, "done") for name in NAMES for rep in range(3)
    ]


def test_a_failed_run_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch):
    real = batch.driver.run_replication

    def flaky(scenario, replication):
        if replication == 1:
            raise RuntimeError("boom")
        return real(scenario, replication)

    monkeypatch.setattr(batch.driver, "run_replication", flaky)
    grid = write_grid(tmp_path, replications=3)
    out = tmp_path / "out"
    report = run_batch(grid, out, Serial())
    assert report.done == 2
    assert [(k.scenario, k.replication, e) for k, e in report.failed] == [("base", 1, "RuntimeError: boom")]
    manifest = json.loads((out / MANIFEST).read_text())
    statuses = {(r["scenario"], r["replication"]): r["status"] for r in manifest["runs"]}
    assert statuses == {("base", 0): "done", ("base", 1): "failed", ("base", 2): "done"}
    assert manifest["counts"]["failed"] == 1
    assert not run_file(out, RUNS, "base", 1).exists()
    monkeypatch.setattr(batch.driver, "run_replication", real)
    assert (run_batch(grid, out, Serial()).done, len(read_table(out))) == (1, 3)  # the resume redoes it


# ------------------------------------------------------------------------------------ precision


def precision_grid(tmp_path, **precision):
    return write_grid(
        tmp_path,
        parameters={"demand.referrals_per_week": [4.0]},
        precision={"metric": "unallocated_cases", **precision},
    )


def replications_stored(out: Path) -> dict[str, int]:
    return (
        read_table(out)
        .groupby("scenario")["replication"]
        .agg(["count", "max"])
        .apply(lambda row: int(row["count"]) if row["max"] == row["count"] - 1 else -1, axis=1)
        .to_dict()
    )


def test_precision_reached_at_once_stops_at_min_replications(tmp_path):
    out = tmp_path / "out"
    report = run_batch(precision_grid(tmp_path, half_width=1000, min_replications=3), out, Serial())
    assert report.done == 6
    assert replications_stored(out) == {"base": 3, "referrals_per_week=4": 3}


def test_precision_out_of_reach_stops_at_max_replications(tmp_path):
    out = tmp_path / "out"
    grid = precision_grid(tmp_path, half_width=1e-9, min_replications=2, max_replications=7, step=2)
    report = run_batch(grid, out, Serial())
    assert report.done == 14  # 2, 4, 6, 7
    assert replications_stored(out) == {"base": 7, "referrals_per_week=4": 7}


def test_precision_adds_rounds_until_the_half_width_is_reached(tmp_path):
    out = tmp_path / "out"
    target, low, high, step = 0.12, 3, 15, 3
    grid = precision_grid(tmp_path, half_width=target, min_replications=low, max_replications=high, step=step)
    run_batch(grid, out, Serial())
    runs = read_table(out).sort_values("replication")
    counts = replications_stored(out)
    for name, count in counts.items():
        values = runs.loc[runs["scenario"] == name, "unallocated_cases"].tolist()
        assert count in range(low, high + 1, step)
        assert half_width(values) <= target or count == high
        if count > low:
            assert half_width(values[: count - step]) > target  # the round before was not precise enough
    assert max(counts.values()) > low  # the test exercises at least one extra round


@pytest.mark.parametrize("values", [[1.0, 2.0], [2.6, 2.1, 3.3, 2.9, 2.2], list(np.linspace(0, 1, 30))])
def test_half_width_matches_scipy(values):
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert half_width(values) == pytest.approx((high - low) / 2, rel=1e-12)


def test_half_width_is_nan_below_two_values_and_zero_without_spread():
    assert math.isnan(half_width([])) and math.isnan(half_width([3.0]))
    assert half_width([2.0, 2.0, 2.0]) == 0.0


def test_the_output_directory_is_not_touched_by_a_bad_grid(tmp_path):
    grid = write_grid(tmp_path, replications=1, parameters={"demand.referals_per_week": [1.0]})
    with pytest.raises(Exception, match="did you mean 'demand.referrals_per_week'"):
        run_batch(grid, tmp_path / "out", Serial())
    assert not (tmp_path / "out").exists()
    assert os.listdir(tmp_path) == ["grid.yaml"]


def test_fewer_replications_remove_the_extra_stored_runs(tmp_path):
    grid = write_grid(tmp_path, replications=4)
    out = tmp_path / "out"
    run_batch(grid, out, Serial())
    write_grid(tmp_path, replications=2)
    run_batch(grid, out, Serial())
    assert sorted(read_table(out).replication.unique()) == [0, 1]


def test_an_unknown_precision_metric_stops_before_any_run(tmp_path):
    grid = write_grid(
        tmp_path, replications=None, precision={"metric": "unalocated_cases", "half_width": 1.0}
    )
    out = tmp_path / "out"
    with pytest.raises(ScenarioError, match="did you mean 'unallocated_cases'"):
        run_batch(grid, out, Serial())
    assert not out.exists()
