"""One batch at a time in an output directory: an exclusive lock held while a batch writes there.

The lock is the operating system's advisory lock on ``OUT/.batch.lock`` (``flock`` on POSIX,
``msvcrt.locking`` on Windows), so it is released when the process ends however it ends: a killed batch
never blocks the next one (its file may stay; the next batch locks and removes it), and re-running the
command resumes as before. The file holds a line naming the batch that has it, for the message of the
one refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_NAME = ".batch.lock"


class LockHeld(Exception):
    """Another batch holds the directory; the message names it."""


@contextmanager
def batch_lock(out_dir: Path, holder: str) -> Iterator[None]:
    """Hold ``out_dir``'s lock for the ``with`` block; ``holder`` describes this batch to others.

    The lock file is removed when the block ends (a batch leaves nothing behind but its outputs).

    Raises
    ------
    LockHeld
        Another process holds the lock (the message names it); nothing is changed.
    """
    path = Path(out_dir) / LOCK_NAME
    file = _acquire(path, out_dir)
    try:
        file.seek(0)
        file.truncate()
        file.write(f"{holder} (process {os.getpid()} on {socket.gethostname()})\n")
        file.flush()
        yield
    finally:
        # while still locked: a batch that opened it meanwhile finds the path gone and retries (Windows
        # keeps an open file: the next batch then takes its lock as usual)
        with contextlib.suppress(OSError):
            path.unlink()
        file.close()  # releases the lock


def _acquire(path: Path, out_dir: Path) -> IO[str]:
    """The lock file, opened and locked, or :class:`LockHeld`.

    A file removed by the batch that held it, between our opening and locking it, is not the lock any
    more: open the path again.
    """
    for _ in range(10):
        file = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the whole batch
        if not _try_lock(file):
            file.seek(0)
            other = file.read(500).strip() or "another batch"
            file.close()
            raise LockHeld(f"{out_dir} is in use by {other}; wait for it to finish or choose another --out")
        try:
            same = os.stat(path).st_ino == os.fstat(file.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return file
        file.close()
    raise LockHeld(f"{out_dir} is in use by other batches starting and ending; try again")


def _try_lock(file: IO[str]) -> bool:
    """Take the lock without waiting; False if another process has it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: held elsewhere
        return False
    return True
