"""How a batch call is sent and what each member's outcome is, whatever the batch
endpoint: Zoom refuses a batch as a whole for one bad user (400 / 300 "Validation
Failed", naming the item at best), so a refused batch is split in halves until the bad
user is isolated, and only that user's step fails, with Zoom's message. Before anything is
sent again, and before a step is failed, the members are read back: a user an earlier
attempt already did (its answer lost, a refused retry) is done, never sent twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from zoomstate.core.ops import Operation
from zoomstate.errors import BackendError, RateLimited, Unreachable
from zoomstate.zoom.adapters.base import StepContext


@dataclass(frozen=True, slots=True)
class Outcome:
    """One member's end: done (with a note), or failed with Zoom's error."""

    detail: str = ""
    error: BackendError | None = None


# One batch call for these members (raises BackendError when Zoom refuses it).
Send = Callable[[StepContext, Sequence[Operation]], Awaitable[None]]
# Which of these members Zoom already has as the step would leave them ({} when the
# endpoint cannot tell, e.g. an update, which is safe to send again).
ReadBack = Callable[[StepContext, Sequence[Operation]], Awaitable[set[str]]]
BatchHandler = Callable[[StepContext, Sequence[Operation]], Awaitable[dict[str, Outcome]]]

ALREADY = "already done: an earlier attempt reached Zoom (read back, not sent again)"


def _refusal(exc: BackendError) -> bool:
    """A refusal of the call's content (4xx), which splitting can narrow down; not an
    answer that never came, not the app's credentials (a daily cap never gets here)."""
    return (
        not isinstance(exc, Unreachable)
        and exc.status is not None
        and 400 <= exc.status < 500
        and exc.status not in (401, 429)
    )


def batch_handler(send: Send, read_back: ReadBack) -> BatchHandler:
    """The handler of a batch kind: `send` all members; on a refusal, read back, then send
    the rest in halves, down to single users. A member that got no answer (after the
    client's retries) is read back too: done if Zoom has it, failed otherwise."""

    async def run(ctx: StepContext, ops: Sequence[Operation]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        await _send_split(ctx, list(ops), send, read_back, outcomes, top=True)
        return outcomes

    return run


async def _send_split(
    ctx: StepContext,
    ops: list[Operation],
    send: Send,
    read_back: ReadBack,
    outcomes: dict[str, Outcome],
    *,
    top: bool = False,
) -> None:
    try:
        await send(ctx, ops)
    except BackendError as exc:
        if isinstance(exc, RateLimited):
            raise
        if not _refusal(exc) or len(ops) == 1:
            # No answer, or a single user refused: it may be a retry of a call that
            # reached Zoom. What Zoom has is done; the rest fails with Zoom's message.
            have = await read_back(ctx, ops) if exc.status != 401 else set()
            for op in ops:
                outcomes[op.id] = Outcome(ALREADY) if op.id in have else Outcome(error=exc)
            return
        if top:
            # Once, before anything is sent again: members an earlier attempt of this
            # call already did are done (the refusal may be of the retry).
            have = await read_back(ctx, ops)
            for op in ops:
                if op.id in have:
                    outcomes[op.id] = Outcome(ALREADY)
            ops = [op for op in ops if op.id not in have]
        half = (len(ops) + 1) // 2
        for part in (ops[:half], ops[half:]):
            if part:
                await _send_split(ctx, part, send, read_back, outcomes)
        return
    for op in ops:
        outcomes[op.id] = Outcome(f"in a batch call of {len(ops)}" if len(ops) > 1 else "")


def single(handler: BatchHandler) -> Callable[[StepContext, Operation], Awaitable[str]]:
    """The per-step handler of a batch kind: a batch of one (a step whose batch has no
    other member, or a plan made with `--no-batch` that still has the kind)."""

    async def run(ctx: StepContext, op: Operation) -> str:
        outcome = (await handler(ctx, [op]))[op.id]
        if outcome.error is not None:
            raise outcome.error
        return outcome.detail

    return run


__all__ = ["ALREADY", "BatchHandler", "Outcome", "batch_handler", "single"]
