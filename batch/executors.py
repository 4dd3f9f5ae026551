"""Executors behind one interface (DESIGN §10): serial, local processes, and Dask ``distributed``.

Each takes a function and a list of items and yields ``(item, result)`` as runs complete. Runs draw their
random numbers from (scenario seed, replication, stream), never from order, so every executor gives the
same results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

EXECUTORS = ("serial", "processes", "dask")


class ExecutorError(Exception):
    """An executor cannot start (e.g. an unreachable Dask scheduler); the message says why."""


class Executor(Protocol):
    name: str

    def check(self) -> None:
        """Raise :class:`ExecutorError` if the executor cannot start (before anything is written)."""

    def run(self, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[tuple[Any, Any]]: ...

    def describe(self) -> dict[str, Any]: ...


class Serial:
    """One run after another in this process."""

    name = "serial"

    def check(self) -> None:
        pass

    def run(self, fn, items):
        for item in items:
            yield item, fn(item)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "workers": 1}


class Processes:
    """Local worker processes (``concurrent.futures``)."""

    name = "processes"

    def __init__(self, workers: int):
        self.workers = workers

    def check(self) -> None:
        pass

    def run(self, fn, items):
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(fn, item): item for item in items}
            for future in as_completed(futures):
                yield futures[future], future.result()

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "workers": self.workers}


class Dask:
    """Dask ``distributed``: a LocalCluster by default, or an existing scheduler at ``address``."""

    name = "dask"

    def __init__(self, workers: int, address: str | None = None, timeout: float = 10.0):
        self.workers, self.address, self.timeout = workers, address, timeout

    def _client(self):
        distributed = self._import()
        Client, LocalCluster = distributed.Client, distributed.LocalCluster  # noqa: N806
        if self.address is None:
            cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            return Client(cluster), cluster
        try:
            return Client(self.address, timeout=f"{self.timeout}s"), None
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {self.address} within {self.timeout:g} s ({exc})"
            ) from None

    def check(self) -> None:
        """Connect once (a LocalCluster always starts; a remote scheduler must answer in time)."""
        if self.address is not None:
            client, _ = self._client()
            client.close()
        else:
            self._import()

    @staticmethod
    def _import():
        try:
            import distributed
        except ImportError as exc:
            raise ExecutorError(
                "the dask executor needs dask[distributed]: pip install -e '.[dist]'"
            ) from exc
        return distributed

    def run(self, fn, items):
        from distributed import as_completed as dask_completed

        client, cluster = self._client()
        try:
            chunks = _chunks(items, self.workers)
            futures = client.map(_run_chunk, [fn] * len(chunks), chunks, pure=False)
            by_future = dict(zip(futures, chunks, strict=True))
            for future in dask_completed(futures):
                yield from zip(by_future[future], future.result(), strict=True)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "workers": self.workers, "scheduler": self.address or "LocalCluster"}


TASKS_PER_WORKER = 8
"""Dask tasks per worker: runs are grouped so that the scheduler's per-task cost is paid less often,
while enough tasks remain to balance the load."""


def _chunks(items: list[Any], workers: int) -> list[list[Any]]:
    size = max(1, len(items) // (max(1, workers) * TASKS_PER_WORKER))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _run_chunk(fn: Callable[[Any], Any], chunk: list[Any]) -> list[Any]:
    """Run one group of items in a Dask worker."""
    return [fn(item) for item in chunk]


def make_executor(
    name: str, workers: int = 2, scheduler: str | None = None, timeout: float = 10.0
) -> Executor:
    """The executor called ``name`` (one of :data:`EXECUTORS`)."""
    if name == "serial":
        return Serial()
    if name == "processes":
        return Processes(workers)
    if name == "dask":
        return Dask(workers, scheduler, timeout)
    raise ExecutorError(f"unknown executor '{name}' (allowed: {', '.join(EXECUTORS)})")
