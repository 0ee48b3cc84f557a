"""The executor: steps of different owners at once, each owner's steps in plan order (one
lane per owner address), at most `concurrency` in flight, a freed slot going to the step
that comes first in the plan; a run stops starting steps when the API stops answering.
A data-losing step first journals a snapshot of what it is about to remove."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoomstate.apply.batch_run import Batch, arrive, join_batch
from zoomstate.apply.journal import Journal, _current_op
from zoomstate.apply.report import INTERRUPTED, StepResult, StepStatus
from zoomstate.apply.slots import Held, Slots, slot
from zoomstate.core.address import Address
from zoomstate.core.batches import batch_cycle
from zoomstate.errors import BackendError, InvalidPlan, RateLimited, Unreachable
from zoomstate.live import LiveState, LiveUser
from zoomstate.plan import Operation, OpKind, Plan
from zoomstate.planfile import check_dependencies
from zoomstate.zoom.adapters import ADAPTERS
from zoomstate.zoom.adapters.base import Handler, Sleep
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.paths import seg

# The name it had before the package split: log lines keep their logger name.
log = logging.getLogger("zoomstate.apply")

# How long a new phone user may take to appear after its licence is turned on. Zoom
# creates it asynchronously; folio-sec's provider waits up to 3 minutes.
PHONE_USER_TIMEOUT_S = 180.0
# After this many steps in a row got no answer from the API (connections refused or
# dropped, deadlines missed, 5xx: each after all its retries), no new step starts: a dead
# API would otherwise cost every remaining step its full round of retries.
STOP_AFTER_UNANSWERED = 5
NOT_STARTED = "not started: the API stopped answering"


def _handlers() -> dict[OpKind, Handler]:
    """One handler per operation kind (zoomstate/core/ops.py), from the adapter of its
    kind. Two adapters claiming one kind is a bug that must not pass silently (one would
    win by import order); tests/test_op_registry.py checks that none is missing."""
    table: dict[OpKind, Handler] = {}
    for adapter in ADAPTERS:
        for kind, handler in adapter.HANDLERS.items():
            if kind in table:
                raise RuntimeError(f"two Zoom adapters handle {kind!r}")
            table[kind] = handler
    return table


HANDLERS: Mapping[OpKind, Handler] = _handlers()


class _Skip(Exception):
    """A step that cannot run now; not an error of Zoom's."""

    def __init__(self, status: StepStatus, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


@dataclass
class Executor:
    client: ZoomClient
    live: LiveState
    journal: Journal | None = None
    concurrency: int = 8
    sleep: Sleep = asyncio.sleep
    phone_user_timeout_s: float = PHONE_USER_TIMEOUT_S
    on_step: Callable[[StepResult], None] | None = None
    planned: frozenset[str] = frozenset()
    ids: dict[str, str] = field(default_factory=dict)
    results: dict[str, StepResult] = field(default_factory=dict)
    stop_after: int = STOP_AFTER_UNANSWERED
    stopped: str = ""
    _abort: BaseException | None = None
    _unanswered: int = 0
    # Each step's place in the plan: the order in which waiting steps get a slot.
    _order: dict[str, int] = field(default_factory=dict)
    _batches: dict[str, Batch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for user in self.live.users:
            if user.zoom_id:
                self.ids[user.key] = user.zoom_id
        self._live = self.live.by_key()

    def user_ref(self, key: str) -> str:
        """The user as a path segment, percent-encoded (`zoomstate.zoom.paths`). Zoom
        accepts the user id or the e-mail in most paths; the id survives an e-mail change,
        so it is preferred."""
        return seg(self.ids.get(key, key))

    def live_user(self, key: str) -> LiveUser | None:
        return self._live.get(key)

    async def run(self, plan: Plan) -> list[StepResult]:
        ops = list(plan.operations)
        # A step twice would run twice, and a cycle would wait forever: refuse both before
        # any call. A dependency on a step outside the plan is only waited for when there.
        check_dependencies(((op.id, op.depends_on) for op in ops), known=False)
        cycle = batch_cycle(ops)
        if cycle:
            raise InvalidPlan(f"batches wait for each other: {' -> '.join(cycle)}")
        self._batches = {
            batch: Batch(batch, len(members)) for batch, members in plan.batches().items()
        }
        done_events = {op.id: asyncio.Event() for op in ops}
        # One lane per owner (a user today): its steps run in plan order.
        lanes: dict[Address, list[Operation]] = defaultdict(list)
        for op in ops:
            lanes[op.owner].append(op)
        slots = Slots(self.concurrency)
        self._order = {op.id: index for index, op in enumerate(ops)}

        async def worker(user_ops: list[Operation]) -> None:
            for op in user_ops:
                try:
                    await self._run_one(op, done_events, slots)
                finally:
                    done_events[op.id].set()

        tasks = [asyncio.ensure_future(worker(v)) for _, v in sorted(lanes.items())]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            # Ctrl-C: every step in flight records itself as interrupted before the run
            # reports, so the report and the journal agree.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        if self._abort is not None:
            raise self._abort
        results = [self.results[op.id] for op in ops]
        return results + self.waiting(plan)

    def waiting(self, plan: Plan) -> list[StepResult]:
        """The plan's waiting steps: still waiting, unless their user's creation did not
        happen in this run (then they are skipped, and say why)."""
        out = []
        for w in plan.waiting:
            created = self.results.get(f"{w.user}/create_user")
            if created is not None and created.status in ("failed", "skipped"):
                detail = f"{created.op} {created.status}, so there is no invitation to wait for"
                out.append(StepResult(f"{w.user}/{w.kind}", w.kind, w.user, "skipped", detail))
            else:
                out.append(StepResult(f"{w.user}/{w.kind}", w.kind, w.user, "waiting", w.reason))
        return out

    def _finish(self, op: Operation, status: StepStatus, detail: str = "") -> None:
        result = StepResult(op.id, op.kind, op.user, status, detail)
        self.results[op.id] = result
        if self.journal:
            self.journal.write(f"step_{status}", op=op.id, kind=op.kind, detail=detail)
        if self.on_step:
            self.on_step(result)

    async def _run_one(
        self, op: Operation, events: Mapping[str, asyncio.Event], slots: Slots
    ) -> None:
        # Wait for what this step depends on without holding a slot: a worker that holds
        # one while it waits could starve the step it waits for.
        for dep in op.depends_on:
            if dep in events:
                await events[dep].wait()
        batch = self._batches.get(op.batch) if op.batch else None
        if self._cannot_start(op):
            if batch is not None:
                # Counted in all the same: the batch goes without it.
                await arrive(self, batch, slots)
                await batch.finished.wait()
            return
        if batch is not None:
            await join_batch(self, op, batch, slots)
            return
        held = Held(slots, self._order[op.id])
        await held.take()
        slot_marker = slot.set(held)
        try:
            if self._not_starting(op):
                # The run stopped while this step waited for its slot.
                return
            marker = _current_op.set(op.id)
            try:
                if self.journal:
                    self.journal.write("step_start", op=op.id, kind=op.kind, user=op.user)
                    if op.destroys_data:
                        await self._snapshot(op)
                detail = await self._execute(op)
            except asyncio.CancelledError:
                self._finish(op, "interrupted", INTERRUPTED)
                raise
            except _Skip as skip:
                self._finish(op, skip.status, skip.detail)
            except RateLimited as exc:
                # A daily cap: nothing more can be done today, so the whole run stops.
                self._abort = exc
                self._finish(op, "failed", str(exc))
            except BackendError as exc:
                log.error("apply: step failed op=%s error=%s", op.id, exc)
                self._finish(op, "failed", str(exc))
                # Also when the step wrapped it (a snapshot that could not be read).
                gone = isinstance(exc, Unreachable) or isinstance(exc.__cause__, Unreachable)
                self._count_answer(answered=not gone)
            else:
                self._finish(op, "done", detail)
                self._count_answer(answered=True)
            finally:
                _current_op.reset(marker)
        finally:
            slot.reset(slot_marker)
            held.give_back()

    def _cannot_start(self, op: Operation) -> bool:
        """Finish `op` (skipped or waiting) when the run stopped or a step it depends on
        did not get done."""
        if self._not_starting(op):
            return True
        blocked = [
            d for d in op.depends_on if d in self.results and self.results[d].status != "done"
        ]
        if not blocked:
            return False
        state = self.results[blocked[0]].status
        if state == "waiting":
            self._finish(op, "waiting", f"waits for {blocked[0]}")
        else:
            self._finish(op, "skipped", f"depends on {blocked[0]}, which {state}")
        return True

    def _not_starting(self, op: Operation) -> bool:
        """Finish `op` as skipped if the run has stopped (a daily cap, or an API that
        stopped answering)."""
        if self._abort is not None:
            self._finish(op, "skipped", "the run stopped")
        elif self.stopped:
            self._finish(op, "skipped", NOT_STARTED)
        else:
            return False
        return True

    def _count_answer(self, *, answered: bool) -> None:
        """Count steps in a row that got no answer; after `stop_after`, stop the run."""
        if answered:
            self._unanswered = 0
            return
        self._unanswered += 1
        if self._unanswered < self.stop_after or self.stopped:
            return
        self.stopped = (
            f"the API stopped answering ({self._unanswered} steps in a row got no answer, "
            "each after all its retries)"
        )
        log.error("apply: %s; no new step starts", self.stopped)
        if self.journal:
            self.journal.write("run_stopped", reason=self.stopped)

    async def _snapshot(self, op: Operation) -> None:
        """What is about to go, in full and as Zoom has it now, so an admin can put the
        configuration back: the plan's view of the user, and fresh reads of what each
        adapter holds of it (the Zoom user, the phone user, its phone settings, the
        Contact Center user). A step whose snapshot cannot be read does not run: nothing
        is removed unrecorded."""
        assert self.journal is not None
        user = self._live.get(op.user)
        config = user.spec.model_dump(mode="json") if user else None
        ref = self.user_ref(op.user)
        reads = {name: path for a in ADAPTERS for name, path in a.snapshot_reads(user, ref)}
        live: dict[str, Any] = {}
        for name, path in reads.items():
            try:
                live[name] = await self.call("GET", path)
            except RateLimited:
                raise
            except BackendError as exc:
                if exc.status != 404:
                    raise BackendError(
                        "could not read the configuration about to be removed "
                        f"({exc.zoom_message}); nothing was removed",
                        method=exc.method,
                        path=exc.path,
                        status=exc.status,
                        code=exc.code,
                    ) from exc
                live[name] = None
        self.journal.write(
            "snapshot",
            op=op.id,
            user=op.user,
            status=user.status if user else None,
            zoom_id=user.zoom_id if user else None,
            config=config,
            live=live,
        )

    # -- one step

    async def _execute(self, op: Operation) -> str:
        return await HANDLERS[op.kind](self, op)

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        return await self.client.request(method, path, **kw)

    async def idle(self, seconds: float) -> None:
        """Wait `seconds` without holding a slot: a step polling for something Zoom does
        in its own time (a new phone user) would otherwise keep a slot from the steps
        that could run meanwhile, and with 8 slots, 8 such polls stall the whole run
        (issue 15). The slot is taken again, in plan order, before the step goes on."""
        held = slot.get()
        if held is None:
            await self.sleep(seconds)
            return
        held.give_back()
        await self.sleep(seconds)
        await held.take()


__all__ = [
    "HANDLERS",
    "NOT_STARTED",
    "PHONE_USER_TIMEOUT_S",
    "STOP_AFTER_UNANSWERED",
    "Executor",
    "Handler",
    "Sleep",
]
