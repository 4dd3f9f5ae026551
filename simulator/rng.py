"""Named random streams (DESIGN §9): each derives from (scenario seed, replication, stream name).

A stream's identity never depends on execution order, so replication r sees the same numbers in every
scenario that uses the stream (common random numbers) and on every executor.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

BLOCK = 1024


def stream_id(name: str) -> int:
    """Stable integer id of a stream name (CRC-32, identical on every platform and run)."""
    return zlib.crc32(name.encode("utf-8"))


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The numpy Generator of one named stream."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, replication, stream_id(name)])))


class Stream:
    """A named stream that hands out uniforms one at a time from pre-drawn blocks (fast in a DES)."""

    __slots__ = ("name", "_gen", "_block", "_pos")

    def __init__(self, seed: int, replication: int, name: str):
        self.name = name
        self._gen = generator(seed, replication, name)
        self._block = self._gen.random(BLOCK)
        self._pos = 0

    def random(self) -> float:
        """A uniform number in [0, 1)."""
        if self._pos == BLOCK:
            self._block = self._gen.random(BLOCK)
            self._pos = 0
        u = self._block[self._pos]
        self._pos += 1
        return float(u)

    def exponential(self, mean: float) -> float:
        """An exponential variate by inversion (one uniform per draw keeps streams aligned)."""
        return -mean * math.log1p(-self.random())

    def choice(self, cumulative: list[float]) -> int:
        """Index drawn from a cumulative probability list (last entry 1); no draw for a single option."""
        if len(cumulative) == 1:
            return 0
        u = self.random()
        for i, c in enumerate(cumulative):
            if u < c:
                return i
        return len(cumulative) - 1


class Streams:
    """Lazily created named streams of one replication."""

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, Stream] = {}

    def __getitem__(self, name: str) -> Stream:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = Stream(self.seed, self.replication, name)
        return stream
