"""Helpers shared by the readers of user files (scenario YAML, snapshot CSVs)."""

from __future__ import annotations


def undecodable_at(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of byte ``offset`` of ``raw``: where a decoding error sits."""
    line = raw.count(b"\n", 0, offset) + 1
    column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, column
