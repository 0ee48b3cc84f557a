"""Batches as the executor runs them: a batch's members arrive as their lanes reach them
(each after its own dependencies, or counted out when they cannot start); the last to
arrive takes a slot and sends the batch for the ready ones through its kind's batch
handler (zoomstate/zoom/adapters/batching.py), which splits a refused batch and reads back
a lost answer; each member then ends with its own outcome, journaled between
`batch_start` and `batch_end`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from zoomstate.apply.journal import Journal, _current_op
from zoomstate.apply.report import INTERRUPTED, StepStatus
from zoomstate.apply.slots import Held, Slots, slot
from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError, RateLimited, Unreachable
from zoomstate.zoom.adapters import ADAPTERS
from zoomstate.zoom.adapters.base import StepContext
from zoomstate.zoom.adapters.batching import BatchHandler

log = logging.getLogger("zoomstate.apply")

# The kinds that go several to a call, and how (zoomstate/zoom/adapters/batching.py).
BATCH_HANDLERS: Mapping[OpKind, BatchHandler] = {
    kind: handler
    for adapter in ADAPTERS
    for kind, handler in getattr(adapter, "BATCH_HANDLERS", {}).items()
}


@dataclass
class Batch:
    """One batch of the plan as it runs: its members arrive as their lanes reach them
    (each after its own dependencies); the last to arrive sends the batch for all the
    ready ones, and the others wait for it."""

    id: str
    size: int
    ready: list[Operation] = field(default_factory=list)
    arrived: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)


class _Run(StepContext, Protocol):
    """What of the executor running a batch this uses (zoomstate/apply/executor.py)."""

    journal: Journal | None
    stopped: str
    _abort: BaseException | None
    _order: dict[str, int]

    def _finish(self, op: Operation, status: StepStatus, detail: str = "") -> None: ...

    def _not_starting(self, op: Operation) -> bool: ...

    def _count_answer(self, *, answered: bool) -> None: ...

    async def _snapshot(self, op: Operation) -> None: ...


async def join_batch(run: _Run, op: Operation, batch: Batch, slots: Slots) -> None:
    batch.ready.append(op)
    await arrive(run, batch, slots)
    await batch.finished.wait()


async def arrive(run: _Run, batch: Batch, slots: Slots) -> None:
    """Count one member in (ready, or finished without running); the last one sends."""
    batch.arrived += 1
    if batch.arrived < batch.size:
        return
    try:
        if batch.ready:
            await _run_batch(run, batch, slots)
    finally:
        batch.finished.set()


async def _run_batch(run: _Run, batch: Batch, slots: Slots) -> None:
    members = sorted(batch.ready, key=lambda o: run._order[o.id])
    held = Held(slots, run._order[members[0].id])
    await held.take()
    slot_marker = slot.set(held)
    marker = _current_op.set(batch.id)
    try:
        if run._abort is not None or run.stopped:
            # The run stopped while the batch waited for its slot.
            for op in members:
                run._not_starting(op)
            return
        await _send_batch(run, batch, members)
    finally:
        _current_op.reset(marker)
        slot.reset(slot_marker)
        held.give_back()


async def _send_batch(run: _Run, batch: Batch, members: list[Operation]) -> None:
    kind = members[0].kind
    if run.journal:
        run.journal.write(
            "batch_start", batch=batch.id, kind=kind, members=[op.id for op in members]
        )
    try:
        for op in members:
            if run.journal and op.destroys_data:
                await run._snapshot(op)
        outcomes = await BATCH_HANDLERS[kind](run, members)
    except asyncio.CancelledError:
        for op in members:
            run._finish(op, "interrupted", INTERRUPTED)
        raise
    except RateLimited as exc:
        run._abort = exc
        for op in members:
            run._finish(op, "failed", str(exc))
        return
    except BackendError as exc:
        log.error("apply: batch failed batch=%s error=%s", batch.id, exc)
        for op in members:
            run._finish(op, "failed", str(exc))
        run._count_answer(answered=not isinstance(exc, Unreachable))
        return
    failed = 0
    for op in members:
        outcome = outcomes[op.id]
        if outcome.error is not None:
            failed += 1
            log.error("apply: step failed op=%s error=%s", op.id, outcome.error)
            run._finish(op, "failed", str(outcome.error))
        else:
            run._finish(op, "done", outcome.detail)
    if run.journal:
        run.journal.write("batch_end", batch=batch.id, done=len(members) - failed, failed=failed)
    # A batch that got no answer at all counts as one step without an answer.
    unanswered = all(isinstance(o.error, Unreachable) for o in outcomes.values())
    run._count_answer(answered=not unanswered)


__all__ = ["BATCH_HANDLERS", "Batch", "arrive", "join_batch"]
