"""Helpers shared by the readers of user files (scenario and grid YAML, snapshot CSVs).

Every user file is read by :func:`read_user_file`: only a regular file, and never more than its size cap
(a device such as ``/dev/zero`` reports 0 bytes and never ends; a FIFO blocks its reader until a writer
comes). Every value quoted in a message goes through :func:`excerpt`, so a message never repeats more
than a short piece of what the user gave (a 5 MB cell, the first line of a file that is not a CSV).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

EXCERPT_CHARS = 60
"""Most characters of a user's value that a message repeats."""
MAX_MESSAGE_CHARS = 2_000
"""Longest message (one that lists the valid keys or indicators is a few hundred characters)."""


class UserFileError(Exception):
    """A file that cannot be read as input; ``reason`` says why, without the file name."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_user_file(path: str | Path, max_bytes: int, kind: str, hint: str = "") -> bytes:
    """The bytes of ``path``, a regular file of at most ``max_bytes``.

    Parameters
    ----------
    path
        The file named by the user.
    max_bytes
        Size cap; the file is refused above it and no more than ``max_bytes + 1`` bytes are ever read
        (a file that grows while it is read cannot exhaust memory).
    kind
        What the file should be, for messages: ``"scenario file"``, ``"CSV file"``.
    hint
        Added to the size message, e.g. ``" — split the file by team"``.

    Raises
    ------
    UserFileError
        Missing, a directory, not a regular file (a device, FIFO or socket), unreadable or too large.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserFileError("file not found") from None
    except OSError as exc:
        raise UserFileError(f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserFileError(f"is a directory, not a {kind}")
    if not stat.S_ISREG(info.st_mode):
        raise UserFileError(f"is not a regular file (a device, pipe or socket); give a {kind}")
    too_big = f"a {kind} may be at most {max_bytes:,} bytes{hint}"
    if info.st_size > max_bytes:
        raise UserFileError(f"the file is {info.st_size:,} bytes; {too_big}")
    try:
        # O_NONBLOCK: should the path have become a FIFO since stat(), opening it does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise UserFileError(f"is not a regular file (a device, pipe or socket); give a {kind}")
            raw = file.read(max_bytes + 1)
    except OSError as exc:
        raise UserFileError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise UserFileError(f"the file is more than {max_bytes:,} bytes; {too_big}")
    return raw


def excerpt(value: object, limit: int = EXCERPT_CHARS, quoted: bool = True) -> str:
    """``repr(value)`` (or ``str`` if not ``quoted``) cut to ``limit`` characters: what a message may quote
    of a user's value."""
    cut = isinstance(value, str | bytes) and len(value) > limit
    if cut:
        value = value[:limit]  # type: ignore[index]  # the repr of a 5 MB cell is never built
    text = repr(value) if quoted else str(value)
    if cut or len(text) > limit:
        return text[: limit - 3] + "..."
    return text


def printable(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` as one printable line: control characters (a key such as ``\\x1e`` splits a line for
    some readers) are escaped, and a message is cut at ``limit`` characters."""
    if len(message) > limit:
        message = message[: limit - 3] + "..."
    if message.isprintable():
        return message
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


def undecodable_at(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of byte ``offset`` of ``raw``: where a decoding error sits."""
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column
