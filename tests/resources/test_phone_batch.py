"""Which new phone users go through `POST /phone/users/batch`, and why the others do not
(zoomstate/resources/phone_batch.py), through `make_plan`."""

from __future__ import annotations

from dataclasses import replace

from tests.plan_builders import N0, N1, SF_NUMBERS, email, live_state, state, want
from zoomstate.live import CallingPlan, PhoneNumber
from zoomstate.plan import PlanOptions, make_plan


def steps(*users: object, **live: object) -> dict[str, object]:
    plan = make_plan(state(*users), live_state(**live))  # type: ignore[arg-type]
    return {op.id: op for op in plan.operations}


def test_a_new_phone_user_with_site_and_extension_is_one_batched_step() -> None:
    ops = steps(want("dan", 101010, numbers=(N0, N1)))
    (only,) = [op for op in ops.values() if op.kind != "create_user"]  # type: ignore[attr-defined]
    assert only.kind == "add_phone_user"  # type: ignore[attr-defined]
    assert only.params == {  # type: ignore[attr-defined]
        "site_id": "site-sf",
        "site": "San Francisco",
        "extension": 101010,
        "short_extension": "1010",  # without San Francisco's code, 10
        "calling_plans": [200],
        "plan_names": ["US/CA Unlimited"],
        "numbers": sorted([N0, N1]),
    }


def note_of(ops: dict[str, object]) -> str:
    return str(ops[f"{email('dan')}/enable_phone"].note)  # type: ignore[attr-defined]


def test_without_an_extension_it_goes_the_per_user_way_and_says_why() -> None:
    assert "no extension in the state" in note_of(steps(want("dan")))


def test_without_a_site_on_an_account_with_sites_it_goes_the_per_user_way() -> None:
    assert "no site in the state" in note_of(steps(want("dan", 101010, site=None)))


def test_more_than_10_numbers_go_the_per_user_way() -> None:
    live = live_state()
    extra = tuple(
        PhoneNumber(f"x-{i}", f"+1415555090{i}", "available", None, None, "site-sf")
        for i in range(2)
    )
    live = replace(live, numbers=(*live.numbers, *extra))
    numbers = (*SF_NUMBERS, extra[0].number)
    plan = make_plan(state(want("dan", 101010, numbers=numbers)), live)
    (enable,) = [op for op in plan.operations if op.kind == "enable_phone"]
    assert "more than 10 numbers" in enable.note


def test_exactly_10_numbers_still_go_in_the_batch() -> None:
    assert len(SF_NUMBERS) == 10
    ops = steps(want("dan", 101010, numbers=SF_NUMBERS))
    add = ops[f"{email('dan')}/add_phone_user"]
    assert add.params["numbers"] == sorted(SF_NUMBERS)  # type: ignore[attr-defined]


def test_without_a_site_on_an_account_without_sites_it_goes_in_the_batch() -> None:
    live = replace(live_state(), sites=())
    plan = make_plan(state(want("dan", 1010, site=None)), live)
    kinds = [op.kind for op in plan.operations]
    assert kinds == ["create_user", "add_phone_user"]
    assert plan.operations[1].params["short_extension"] == "1010"


def test_new_phone_users_go_10_a_batch() -> None:
    hires = [want(f"hire{i:02}", 101100 + i) for i in range(12)]
    plan = make_plan(state(*hires), live_state(available={200: 12}))
    batches = [op.batch for op in plan.operations if op.kind == "add_phone_user"]
    assert batches == ["batch/phone_users/1"] * 10 + ["batch/phone_users/2"] * 2


def test_a_calling_plan_without_a_batch_name_goes_the_per_user_way() -> None:
    live = live_state()
    odd = CallingPlan(1000, "Unlimited Domestic Select", 10, 0, 10)
    live = replace(live, calling_plans=(*live.calling_plans, odd))
    plan = make_plan(state(want("dan", 101010, plans=(1000,))), live)
    (enable,) = [op for op in plan.operations if op.kind == "enable_phone"]
    assert "calling plan Unlimited Domestic Select has no name documented" in enable.note


def test_no_batch_plans_the_four_steps_without_a_note() -> None:
    plan = make_plan(state(want("dan", 101010)), live_state(), PlanOptions(batch=False))
    kinds = [op.kind for op in plan.operations]
    assert kinds == ["create_user", "enable_phone", "update_phone", "assign_calling_plan"]
    assert all(op.note == "" and op.batch == "" for op in plan.operations[1:])
