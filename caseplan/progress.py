"""The progress bar of the commands that run replications (``run``, ``calibrate``, ``explain``): on stderr,
gone when done, and off when stderr is not a terminal (a log or a pipe gets no progress lines)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn


def runs_progress(console: Console) -> Progress:
    """A bar with the task's description, ``done/total`` and the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
