"""The per-run Parquet store: paths, atomic writes, completion marks, clean-up and reading back."""

from __future__ import annotations

import pandas as pd

from batch.store import (
    RUNS,
    WEEKLY,
    RunKey,
    completed,
    read_table,
    remove_stale,
    remove_temporaries,
    slug,
    write_run,
)

KEY = RunKey("referrals_per_week=4", "abc123", 7)


def frames(key: RunKey = KEY) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = {"scenario": key.scenario, "scenario_hash": key.scenario_hash, "replication": key.replication}
    weekly = pd.DataFrame({"week": [0, 1, 2], "unallocated": [1.0, 2.0, 3.0]}).assign(**ids)
    summary = pd.DataFrame([{**ids, "seconds": 0.1, "unallocated_cases": 2.0}])
    return weekly, summary


def test_slug_keeps_names_readable_and_safe():
    assert slug("referrals_per_week=4.5,annual_rate=0.1") == "referrals_per_week_4.5_annual_rate_0.1"
    assert slug("base") == "base"
    assert slug("a/../b c") == "a_.._b_c"
    assert slug("///") == "scenario"


def test_run_paths_are_partitioned_by_scenario_and_replication(tmp_path):
    assert (
        KEY.path(tmp_path, RUNS) == tmp_path / "runs" / "scenario=referrals_per_week_4" / "rep=00007.parquet"
    )
    assert KEY.path(tmp_path, WEEKLY).parent.parent == tmp_path / "weekly"


def test_write_run_stores_both_tables_and_no_temporaries(tmp_path):
    weekly, summary = frames()
    write_run(tmp_path, KEY, weekly, summary)
    pd.testing.assert_frame_equal(pd.read_parquet(KEY.path(tmp_path, WEEKLY)), weekly)
    pd.testing.assert_frame_equal(pd.read_parquet(KEY.path(tmp_path, RUNS)), summary)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["rep=00007.parquet"] * 2
    assert completed(tmp_path, KEY) == (True, None)


def test_completed_is_false_for_a_missing_run(tmp_path):
    assert completed(tmp_path, KEY) == (False, None)


def test_completed_is_false_when_the_scenario_hash_changed(tmp_path):
    write_run(tmp_path, KEY, *frames())
    assert completed(tmp_path, RunKey(KEY.scenario, "otherhash", KEY.replication)) == (False, None)


def test_a_corrupt_summary_is_a_note_not_an_error(tmp_path):
    write_run(tmp_path, KEY, *frames())
    KEY.path(tmp_path, RUNS).write_bytes(b"not a parquet file at all")
    done, note = completed(tmp_path, KEY)
    assert not done
    assert str(KEY.path(tmp_path, RUNS)) in note and "unreadable" in note and "done again" in note


def test_a_missing_weekly_table_is_a_note(tmp_path):
    write_run(tmp_path, KEY, *frames())
    KEY.path(tmp_path, WEEKLY).unlink()
    done, note = completed(tmp_path, KEY)
    assert not done and "weekly table is missing" in note


def test_remove_temporaries_deletes_only_temporary_files(tmp_path):
    write_run(tmp_path, KEY, *frames())
    partition = KEY.path(tmp_path, RUNS).parent
    (partition / ".rep=00008.parquet.0123456789ab.tmp").write_bytes(b"half")
    (KEY.path(tmp_path, WEEKLY).parent / ".rep=00009.parquet.ba9876543210.tmp").write_bytes(b"half")
    assert remove_temporaries(tmp_path) == 2
    assert not list(tmp_path.rglob("*.tmp"))
    assert completed(tmp_path, KEY) == (True, None)
    assert remove_temporaries(tmp_path) == 0


def test_remove_stale_drops_scenarios_no_longer_in_the_grid(tmp_path):
    old = RunKey("old", "h", 0)
    write_run(tmp_path, KEY, *frames())
    write_run(tmp_path, old, *frames(old))
    remove_stale(tmp_path, {KEY.scenario: KEY.scenario_hash})
    assert completed(tmp_path, KEY) == (True, None)
    assert not (tmp_path / "runs" / "scenario=old").exists()
    assert not (tmp_path / "weekly" / "scenario=old").exists()


def test_read_table_concatenates_every_run(tmp_path):
    assert read_table(tmp_path).empty
    keys = [RunKey("a", "h1", 0), RunKey("a", "h1", 1), RunKey("b", "h2", 0)]
    for key in keys:
        write_run(tmp_path, key, *frames(key))
    runs = read_table(tmp_path, RUNS)
    assert sorted(zip(runs["scenario"], runs["replication"], strict=True)) == [("a", 0), ("a", 1), ("b", 0)]
    assert len(read_table(tmp_path, WEEKLY)) == 9
