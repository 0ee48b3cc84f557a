"""Batches in the plan (zoomstate/core/batches.py): which steps go together, their ids,
and the check that batches never wait for each other."""

from __future__ import annotations

from dataclasses import replace

from zoomstate.core.batches import batch_cycle, batch_steps
from zoomstate.core.ops import Operation


def cc(user: str, *deps: str) -> Operation:
    return Operation(
        id=f"{user}/create_contact_center_user",
        kind="create_contact_center_user",
        user=user,
        params={"package": "premium", "role_id": "r1", "access": "active"},
        depends_on=deps,
    )


def deactivated(user: str) -> Operation:
    """The user's Contact Center access turned off: a batchable step of another kind."""
    return Operation(
        id=f"{user}/update_contact_center_user",
        kind="update_contact_center_user",
        user=user,
        params={"access": "inactive"},
    )


def created(user: str) -> Operation:
    return Operation(id=f"{user}/create_user", kind="create_user", user=user, params={})


def users(n: int) -> list[str]:
    return [f"u{i:03d}@example.com" for i in range(n)]


def test_steps_of_one_kind_go_20_a_batch_in_plan_order() -> None:
    ops = [step for u in users(45) for step in (created(u), cc(u, f"{u}/create_user"))]
    out = batch_steps(ops)
    batches = [op.batch for op in out if op.kind == "create_contact_center_user"]
    assert batches == (
        ["batch/contact_center_users/1"] * 20
        + ["batch/contact_center_users/2"] * 20
        + ["batch/contact_center_users/3"] * 5
    )
    assert all(not op.batch for op in out if op.kind == "create_user")
    # The ids and order are the plan's own: a batch is only how they are sent.
    assert [op.id for op in out] == [op.id for op in ops]
    assert batch_steps(ops) == out  # deterministic


def test_one_step_over_the_limit_stays_a_step_of_its_own() -> None:
    # 21 ready together: a batch of 20 and one step alone, never a batch of 21.
    ops = [step for u in users(21) for step in (created(u), cc(u, f"{u}/create_user"))]
    batches = [op.batch for op in batch_steps(ops) if op.kind == "create_contact_center_user"]
    assert batches == ["batch/contact_center_users/1"] * 20 + [""]


def test_batches_are_numbered_in_plan_order_of_their_first_member() -> None:
    # 22 steps ready at once (a batch of 20, then one of 2) and, between them in plan
    # order, 2 waiting for a release: those 2 start before the second batch of the 22.
    leaver = "x@example.com"
    release = Operation(
        id=f"{leaver}/delete_contact_center_user",
        kind="delete_contact_center_user",
        user=leaver,
        params={},
    )
    first, rest = users(22)[:10], users(22)[10:]
    waiting = [cc(u, release.id) for u in ("w1@example.com", "w2@example.com")]
    ops = [release, *(cc(u) for u in first), *waiting, *(cc(u) for u in rest)]
    out = {op.id: op.batch for op in batch_steps(ops)}
    name = "batch/contact_center_users"
    assert [out[cc(u).id] for u in first + rest] == [f"{name}/1"] * 20 + [f"{name}/3"] * 2
    assert [out[op.id] for op in waiting] == [f"{name}/2"] * 2


def test_steps_waiting_for_different_steps_of_others_do_not_go_together() -> None:
    a, b, c = users(3)
    leaver = "x@example.com"
    release = Operation(
        id=f"{leaver}/delete_contact_center_user",
        kind="delete_contact_center_user",
        user=leaver,
        params={},
    )
    ops = [release, cc(a), cc(b), cc(c, release.id)]
    out = {op.id: op.batch for op in batch_steps(ops)}
    assert out[cc(a).id] == out[cc(b).id] == "batch/contact_center_users/1"
    # Alone in its group (it waits for the release): no batch of one.
    assert out[cc(c).id] == ""


def test_a_lone_step_is_no_batch() -> None:
    (only,) = batch_steps([cc("a@example.com")])
    assert only.batch == ""


def test_batches_that_would_wait_for_each_other_are_found_and_not_made() -> None:
    a, b = users(2)
    # a's update runs before its create in a's lane, b's after: the two batches would
    # each wait for the other.
    upd = {u: deactivated(u) for u in (a, b)}
    ops = [
        replace(cc(a), batch="batch/contact_center_users/1"),
        replace(upd[a], batch="batch/contact_center_updates/1"),
        replace(upd[b], batch="batch/contact_center_updates/1"),
        replace(cc(b), batch="batch/contact_center_users/1"),
    ]
    assert batch_cycle(ops) != []
    plain = [replace(op, batch="") for op in ops]
    assert batch_cycle(plain) == []
    assert batch_steps(plain) == plain


def test_batches_waiting_for_each_other_through_dependencies_are_found() -> None:
    # No owner has two steps: the cycle is in depends_on alone. a's step waits for c's
    # (batch 1 waits for batch 2) and d's for b's (batch 2 waits for batch 1).
    a, b, c, d = users(4)
    upd = {u: deactivated(u) for u in (c, d)}
    ops = [
        replace(cc(b), batch="batch/contact_center_users/1"),
        replace(upd[c], batch="batch/contact_center_updates/1"),
        replace(cc(a, upd[c].id), batch="batch/contact_center_users/1"),
        replace(upd[d], depends_on=(cc(b).id,), batch="batch/contact_center_updates/1"),
    ]
    assert batch_cycle(ops) != []
    assert batch_cycle([replace(op, batch="") for op in ops]) == []
