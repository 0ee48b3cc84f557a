"""A controllable clock: real time plus an offset that tests and the admin API advance.

Every time-dependent rule of the sandbox (token expiry, page-token expiry, invitation expiry,
the phone user's late appearance) reads this clock, so tests never sleep: they advance it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "iso"]


class Clock:
    def __init__(self, source: Callable[[], float] = time.time, offset: float = 0.0) -> None:
        self._source = source
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        with self._lock:
            return self._source() + self._offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset


def iso(ts: float) -> str:
    """Zoom's date-time format: UTC, second precision, `Z` suffix."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
