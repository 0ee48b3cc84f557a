"""The run's concurrency slots: at most `concurrency` steps in flight, a freed slot going
to the waiting step that comes first in the plan, and the slot the step running in a task
holds (given back while it only waits)."""

from __future__ import annotations

import asyncio
import contextvars
import heapq


class Slots:
    """A semaphore that hands a freed slot to the waiting step that comes first in the
    plan, not to the one that asked first.

    With first-come order, every user's first step queues before any user's second step
    (each user's next step joins the queue only when its previous one is done), so the
    run works through the plan in waves: all the Users API steps, then all the Phone API
    steps. Each wave is held to one rate-limit bucket while the others stand idle. In plan
    order (by user, rule 1 of the planner), a user's next step goes before the next
    user's first: the few users in progress mix their steps across the buckets, and each
    bucket is kept busy at its own budget at the same time. Steps waiting for a
    dependency hold no slot, so the order cannot deadlock."""

    def __init__(self, size: int) -> None:
        self._free = max(1, size)
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0

    async def acquire(self, priority: int) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiting, (priority, self._seq, future))
        try:
            await future
        except asyncio.CancelledError:
            # Cancelled after the slot was handed over: pass it on, or it is lost.
            if future.done() and not future.cancelled():
                self.release()
            raise

    def release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1


class Held:
    """The slot one running step holds: given back while the step only waits (`idle`),
    taken again, in the step's plan order, before it calls the API again."""

    def __init__(self, slots: Slots, priority: int) -> None:
        self._slots = slots
        self._priority = priority
        self._held = False

    async def take(self) -> None:
        await self._slots.acquire(self._priority)
        self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


# The slot of the step running in this task (each lane is a task of its own).
slot: contextvars.ContextVar[Held | None] = contextvars.ContextVar("zoomstate_slot", default=None)


__all__ = ["Held", "Slots", "slot"]
