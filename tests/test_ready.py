"""`apply --only-waiting`'s choice of steps (zoomstate.core.ready), on hand-made plans:
only what an earlier plan listed as waiting, doing exactly that, never a removal, and
never a step whose dependency does not run."""

from __future__ import annotations

from zoomstate.core.ops import Operation, Waiting
from zoomstate.core.plan_format import Plan
from zoomstate.core.ready import LeftOut, ready_steps

HIRE = "new.hire@example.com"


def op(op_id: str, *, after: object = None, deps: tuple[str, ...] = (), **kw: object) -> Operation:
    user, kind = op_id.split("/")[:2]
    return Operation(op_id, kind, user, {}, after=after, depends_on=deps, **kw)  # type: ignore[arg-type]


def plan(*ops: Operation) -> Plan:
    return Plan(operations=ops, waiting=(), warnings=(), state_hash="sha256:x", fingerprints={})


def waited(op_id: str, after: object = None) -> Waiting:
    user, kind = op_id.split("/")[:2]
    return Waiting(user, kind, "invited", after)  # type: ignore[arg-type]


def test_only_the_steps_that_waited_and_do_the_same() -> None:
    fresh = plan(
        op(f"{HIRE}/assign_role", after="Admin"),
        op(f"{HIRE}/assign_calling_plan/200", after="US/CA Unlimited"),
        op("bruno.diaz@example.com/update_user", after={"department": "Sales"}),
    )
    ready = ready_steps(
        fresh,
        [
            waited(f"{HIRE}/assign_role", "Admin"),
            waited(f"{HIRE}/assign_calling_plan", "US/CA Metered"),
        ],
    )
    assert [o.id for o in ready.plan.operations] == [f"{HIRE}/assign_role"]
    # The calling plan changed since (another effect) and bruno never waited.
    assert ready.others == 2
    assert ready.left_out == ()


def test_a_step_whose_dependency_did_not_wait_is_left_out_and_so_are_its_dependents() -> None:
    fresh = plan(
        op("old.owner@example.com/unassign_number/+14155550100"),
        op(f"{HIRE}/enable_phone", after="Zoom Phone licence"),
        op(
            f"{HIRE}/assign_number/+14155550100",
            after="+14155550100",
            deps=(f"{HIRE}/enable_phone", "old.owner@example.com/unassign_number/+14155550100"),
        ),
        op(f"{HIRE}/update_phone", after={"x": 1}, deps=(f"{HIRE}/assign_number/+14155550100",)),
    )
    ready = ready_steps(
        fresh,
        [
            waited(f"{HIRE}/enable_phone", "Zoom Phone licence"),
            waited(f"{HIRE}/assign_number", "+14155550100"),
            waited(f"{HIRE}/update_phone", {"x": 1}),
        ],
    )
    assert [o.id for o in ready.plan.operations] == [f"{HIRE}/enable_phone"]
    assert ready.left_out == (
        LeftOut(
            f"{HIRE}/assign_number/+14155550100",
            "it waits for old.owner@example.com/unassign_number/+14155550100, which did not wait",
        ),
        LeftOut(
            f"{HIRE}/update_phone",
            f"it waits for {HIRE}/assign_number/+14155550100, which did not wait",
        ),
    )


def test_a_removal_never_runs_even_if_a_file_lists_it_as_waiting() -> None:
    fresh = plan(op(f"{HIRE}/disable_phone", after=None, destroys_data=True, removal=True))
    ready = ready_steps(fresh, [waited(f"{HIRE}/disable_phone")])
    assert ready.plan.operations == ()
    assert ready.left_out == (
        LeftOut(f"{HIRE}/disable_phone", "it removes something or loses data"),
    )


def test_nothing_waited_nothing_runs() -> None:
    fresh = plan(op(f"{HIRE}/assign_role", after="Admin"))
    ready = ready_steps(fresh, [])
    assert ready.plan.operations == () and ready.others == 1
