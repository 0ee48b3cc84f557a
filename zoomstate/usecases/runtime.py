"""How a command's work runs in the process: the event loop, and the garbage collector
while a large state and account are built (issue 15).

- `run_async(main)`: `asyncio.run(main)` without handing `main`'s result to
  `asyncio.run`, which since Python 3.11 builds the `repr()` of the result twice
  (CPython issue 112559: the SIGINT handling of `asyncio.Runner` formats the finished
  task). For a `LiveState` of 100,000 users that was 1.3 to 1.7 s of nothing.
- `tamed_gc()`: Python's cyclic collector while millions of objects that live to the
  end of the command are built (the loaded state, the read account, the plan). Left as
  it is, it rescans them again and again as they pile up (a full collection each time
  the old generation grows by a quarter): 4.8 s of a 16 s plan at 100,000 users. Tamed,
  young objects are still collected (cycles that die young go as before), the full
  collections wait until the work is done, and the thresholds are restored on the way
  out (measured against `gc.freeze()` and a collector turned off: docs/benchmarks.md).
"""

from __future__ import annotations

import gc
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# Young collections every 100,000 new container objects (Python's default: 700), the
# middle generation every 50 of those; the old generation, which holds what the command
# keeps, not before 1,000 middle ones: in practice not while tamed.
TAMED_THRESHOLDS = (100_000, 50, 1_000)


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` on a new event loop (as `asyncio.run`) and return its result."""
    import asyncio  # here: the offline commands, and --help, load no event loop

    box: list[T] = []

    async def keep() -> None:
        box.append(await main)

    asyncio.run(keep())
    return box[0]


@contextmanager
def tamed_gc() -> Iterator[None]:
    """Raise the collector's thresholds for the block (usable as a decorator); restore
    them after it, whatever happens. Nested uses restore what they found."""
    before = gc.get_threshold()
    gc.set_threshold(*TAMED_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


__all__ = ["TAMED_THRESHOLDS", "run_async", "tamed_gc"]
