"""An asyncio event loop on a virtual clock: when nothing is ready to run, the clock jumps
to the next timer instead of waiting for it. `asyncio.sleep`, `asyncio.timeout` and
`loop.call_later` all read this clock, so code that waits minutes (a server trickling a
byte every 5 s, a deadline of 60 s, retries with backoff) runs in milliseconds, and the
time it would have taken is measured exactly, however fast or busy the machine is.

Only for code whose every wait is a timer or a loopback/in-process transport: a wait for
a thread or a real socket would be skipped over by the jump (the loop still serves any I/O
that is ready before it jumps).
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _Selector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        ready: list[Any] = super().select(0)
        if ready or timeout is None or timeout <= 0:
            # Nothing scheduled at all (timeout None): only real I/O can wake the loop.
            return ready if ready or timeout is not None else super().select(10)
        self._loop.now += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(selector=_Selector(self))

    def time(self) -> float:
        return self.now


def run_virtual(coro: Coroutine[Any, Any, T]) -> tuple[T, float]:
    """Run `coro` on a virtual clock; return its result and the virtual seconds it took."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        loop = runner.get_loop()
        assert isinstance(loop, VirtualTimeLoop)
        start = loop.now
        result = runner.run(coro)
        return result, loop.now - start
