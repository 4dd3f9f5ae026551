"""An output folder written whole or not at all: every file goes into a temporary sibling folder, which
is renamed into place at the end, so an interrupted command never leaves half-written outputs behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir``, on any error
    (or interruption) it is removed and ``out_dir`` is left as it was.

    Parameters
    ----------
    out_dir : Path
        The folder to write; its parents are created.

    Yields
    ------
    Path
        The temporary folder to write the files into.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        yield tmp
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
