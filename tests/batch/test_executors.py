"""Executors: every executor stores identical tables; an unreachable Dask scheduler fails fast, writing nothing."""

from __future__ import annotations

import socket
import time

import pandas as pd
import pytest

from batch.driver import run_batch
from batch.executors import Dask, ExecutorError, Processes, Serial, make_executor
from tests.batch import stored_tables, write_grid


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return write_grid(
        tmp_path_factory.mktemp("grid"), parameters={"demand.referrals_per_week": [4.0, 6.0]}, replications=3
    )


@pytest.fixture(scope="module")
def serial_tables(grid, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "out"
    report = run_batch(grid, out, Serial())
    assert (report.planned, report.done, report.skipped, report.failed) == (9, 9, 0, [])
    return stored_tables(out)


@pytest.mark.parametrize(
    "executor", [Processes(2), Dask(2)], ids=["processes", "dask_local_cluster"]
)  # the LocalCluster takes ≈5 s to start and stop: not slow enough for the slow mark
def test_every_executor_stores_identical_tables(grid, serial_tables, tmp_path, executor):
    report = run_batch(grid, tmp_path / "out", executor)
    assert (report.planned, report.done, report.failed) == (9, 9, [])
    runs, weekly = stored_tables(tmp_path / "out")
    assert len(runs) == 9 and len(weekly) == 9 * 30
    pd.testing.assert_frame_equal(runs, serial_tables[0], check_exact=True)
    pd.testing.assert_frame_equal(weekly, serial_tables[1], check_exact=True)
    # different scenarios and replications really differ (the comparison is not vacuous)
    assert runs["unallocated_cases"].nunique() == 9


def test_processes_pairs_items_with_results():
    results = dict(Processes(2).run(abs, [-3, -1, 2, -7]))
    assert results == {-3: 3, -1: 1, 2: 2, -7: 7}


def test_serial_runs_in_order():
    assert list(Serial().run(abs, [-2, 1])) == [(-2, 2), (1, 1)]


def test_make_executor_by_name():
    assert make_executor("serial").describe() == {"name": "serial", "workers": 1}
    assert make_executor("processes", workers=3).describe() == {"name": "processes", "workers": 3}
    assert make_executor("dask", 4).describe() == {"name": "dask", "workers": 4, "scheduler": "LocalCluster"}
    remote = make_executor("dask", 2, scheduler="tcp://10.0.0.1:8786").describe()
    assert remote["scheduler"] == "tcp://10.0.0.1:8786"
    with pytest.raises(
        ExecutorError, match=r"unknown executor 'threads' \(allowed: serial, processes, dask\)"
    ):
        make_executor("threads")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_fails_within_the_timeout_and_writes_nothing(grid, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    timeout = 1.5
    out = tmp_path / "out"
    start = time.monotonic()
    with pytest.raises(ExecutorError) as caught:
        run_batch(grid, out, make_executor("dask", 2, scheduler=address, timeout=timeout))
    elapsed = time.monotonic() - start
    assert elapsed < timeout + 5
    assert f"cannot reach the Dask scheduler at {address} within 1.5 s" in str(caught.value)
    assert not out.exists()
