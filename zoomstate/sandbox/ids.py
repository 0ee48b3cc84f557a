"""Zoom-shaped identifiers from a seeded generator, so a seed reproduces an account exactly."""

from __future__ import annotations

import base64
import random

__all__ = ["IdFactory"]


class IdFactory:
    """Makes ids shaped like Zoom's (22 url-safe base64 characters, e.g. `zJKyaiAyTNC-MWjiWC18KQ`).

    Not thread-safe by itself: the account calls it under its lock, which is also what keeps
    the sequence (and therefore every id) reproducible for a given seed and request order.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def zoom_id(self) -> str:
        raw = self._rng.getrandbits(128).to_bytes(16, "big")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def digits(self, n: int) -> int:
        """A number with exactly `n` digits (PMIs, account numbers)."""
        return self._rng.randrange(10 ** (n - 1), 10**n)

    def getstate(self) -> object:
        return self._rng.getstate()

    def setstate(self, state: object) -> None:
        self._rng.setstate(state)  # type: ignore[arg-type]
