"""A batch call and its members' outcomes (zoomstate/zoom/adapters/batching.py): a refused
batch is split until the bad member is alone; members Zoom already has are read back,
never sent again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from zoomstate.core.ops import Operation
from zoomstate.errors import BackendError, Unreachable
from zoomstate.zoom.adapters.base import StepContext
from zoomstate.zoom.adapters.batching import ALREADY, Outcome, batch_handler

BAD = "u03@example.com"


def ops(n: int) -> list[Operation]:
    return [
        Operation(id=f"u{i:02d}@example.com/add", kind="add_phone_user",
                  user=f"u{i:02d}@example.com", params={})
        for i in range(n)
    ]  # fmt: skip


class FakeZoom:
    """Refuses any call holding the bad user (400 / 300, the whole call), as Zoom does;
    `done` is who it has."""

    def __init__(self, *, lose_first_answer: bool = False) -> None:
        self.done: set[str] = set()
        self.sent: list[list[str]] = []
        self.reads = 0
        self.lose = lose_first_answer

    async def send(self, ctx: StepContext, batch: Sequence[Operation]) -> None:
        users = [op.user for op in batch]
        self.sent.append(users)
        if BAD in users or self.done & set(users):
            raise BackendError("Validation Failed.", status=400, code=300)
        self.done.update(users)
        if self.lose:
            self.lose = False
            raise Unreachable("connection failed after 4 attempts")

    async def read_back(self, ctx: StepContext, batch: Sequence[Operation]) -> set[str]:
        self.reads += len(batch)
        return {op.id for op in batch if op.user in self.done}


def run(zoom: FakeZoom, members: list[Operation]) -> dict[str, Any]:
    handler = batch_handler(zoom.send, zoom.read_back)
    return asyncio.run(handler(None, members))  # type: ignore[arg-type]


def test_a_batch_without_a_bad_user_is_one_call() -> None:
    zoom = FakeZoom()
    members = [op for op in ops(10) if op.user != BAD]
    outcomes = run(zoom, members)
    assert len(zoom.sent) == 1 and zoom.reads == 0
    assert all(o.error is None for o in outcomes.values())


def test_one_bad_user_is_isolated_and_fails_alone() -> None:
    zoom = FakeZoom()
    outcomes = run(zoom, ops(10))
    failed = [op_id for op_id, o in outcomes.items() if o.error is not None]
    assert failed == [f"{BAD}/add"]
    assert "Validation Failed" in str(outcomes[f"{BAD}/add"].error)
    assert zoom.done == {op.user for op in ops(10)} - {BAD}
    assert len(zoom.sent) <= 1 + 2 * 4
    # Everyone but the bad user was taken exactly once.
    taken = [u for call in zoom.sent for u in call if BAD not in call]
    assert sorted(taken) == sorted(zoom.done)


def test_a_lost_answer_is_read_back_and_not_sent_again() -> None:
    zoom = FakeZoom(lose_first_answer=True)
    members = [op for op in ops(5) if op.user != BAD]
    outcomes = run(zoom, members)
    assert len(zoom.sent) == 1
    assert {o.detail for o in outcomes.values()} == {ALREADY}


def test_a_refused_retry_of_a_call_that_reached_zoom_is_done_not_failed() -> None:
    zoom = FakeZoom()
    members = [op for op in ops(6) if op.user != BAD]
    zoom.done = {members[0].user, members[1].user}  # an earlier attempt's
    outcomes = run(zoom, members)
    assert outcomes[members[0].id].detail == ALREADY
    assert all(o.error is None for o in outcomes.values())
    assert zoom.done == {op.user for op in members}


def test_members_read_back_as_done_are_never_sent_again() -> None:
    # An earlier attempt already did two members; the retry is refused for the bad user.
    # Those two are read back once and left out of every call after the refused one.
    zoom = FakeZoom()
    members = ops(8)
    zoom.done = {members[0].user, members[1].user}
    outcomes = run(zoom, members)
    first, *after = zoom.sent
    assert len(first) == 8
    assert not {members[0].user, members[1].user} & {u for call in after for u in call}
    assert outcomes[members[0].id].detail == ALREADY
    assert [op_id for op_id, o in outcomes.items() if o.error is not None] == [f"{BAD}/add"]


def test_a_refused_batch_is_read_back_once_then_only_the_isolated_user() -> None:
    # 10 members read back after the first refusal; the halves are not read back again
    # (nothing of them was sent before), only the bad user once it is alone.
    zoom = FakeZoom()
    run(zoom, ops(10))
    assert zoom.reads == 10 + 1


def test_a_401_is_not_split_or_read_back_as_a_refusal() -> None:
    # The app's credentials, not a bad member: splitting would only send it again.
    sent: list[int] = []

    async def unauthorised(ctx: StepContext, batch: Sequence[Operation]) -> None:
        sent.append(len(batch))
        raise BackendError("Invalid access token.", status=401, code=124)

    async def read_back(ctx: StepContext, batch: Sequence[Operation]) -> set[str]:
        raise AssertionError("a 401 is not read back")

    handler = batch_handler(unauthorised, read_back)
    outcomes: dict[str, Outcome] = asyncio.run(handler(None, ops(6)))  # type: ignore[arg-type]
    assert sent == [6]
    assert all(o.error is not None and o.error.status == 401 for o in outcomes.values())
