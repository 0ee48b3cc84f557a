"""Addresses, and what each operation claims and frees (zoomstate/core/claims.py).

The links between users are computed from these declarations: changing a kind's
declaration changes the links, whatever the kind is called. Pure: `make_plan` on small
fixtures, no CLI, no sandbox.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from zoomstate.core import ops
from zoomstate.core.address import (
    ANY_EXTENSION,
    LICENSED_SEAT,
    PHONE_SEAT,
    Address,
    contact_center_seat,
    plan_seat,
)
from zoomstate.core.claims import frees_nothing, holdings
from zoomstate.errors import ValidationFailed
from zoomstate.live import CallingPlan, LiveState, LiveUser, PhoneNumber, Site
from zoomstate.model import AccountPolicy, ContactCenterSpec, DesiredState, PhoneSpec, UserSpec
from zoomstate.plan import Operation, PlanOptions, make_plan

ALICE, BOB = "alice@example.com", "bob@example.com"
NUMBER = "+14155550100"


def test_an_address_reads_back_as_it_is_written() -> None:
    for text in ("user:a@example.com", "number:+14155550100", "extension:1001", "seat:plan/200"):
        assert str(Address.parse(text)) == text
    assert Address.extension(1001) == Address("extension", "1001")
    assert str(plan_seat(200)) == "seat:plan/200"
    assert str(contact_center_seat("premium")) == "seat:contact_center/premium"
    for bad in ("nothing", "printer:x", "user:"):
        with pytest.raises(ValueError, match="not an address"):
            Address.parse(bad)


def _op(kind: str, params: dict[str, Any], **kw: Any) -> Operation:
    return Operation(id=f"{ALICE}/{kind}", kind=kind, user=ALICE, params=params, **kw)  # type: ignore[arg-type]


HELD = frozenset(
    {
        Address.number(NUMBER),
        Address.extension(1001),
        plan_seat(200),
        LICENSED_SEAT,
        PHONE_SEAT,
        contact_center_seat("premium"),
    }
)


@pytest.mark.parametrize(
    ("op", "claims", "frees"),
    [
        (_op("create_user", {"action": "create", "email": ALICE, "type": 2}), {LICENSED_SEAT},
         set()),
        (_op("create_user", {"action": "create", "email": ALICE, "type": 1}), set(), set()),
        (_op("update_user", {"fields": {"type": 1}}, before={"type": "licensed"},
             after={"type": "basic"}, removal=True), set(), {LICENSED_SEAT}),
        (_op("deactivate_user", {}), set(), set(HELD)),
        (_op("delete_user", {"action": None}), set(), set(HELD)),
        (_op("enable_phone", {}), {PHONE_SEAT, ANY_EXTENSION}, set()),
        (_op("update_phone", {"extension": 1002}), {Address.extension(1002)},
         {Address.extension(1001)}),
        (_op("update_phone", {"site_id": "s2", "site": "LDN"}), {ANY_EXTENSION}, set()),
        (_op("update_phone", {"template_id": "t", "template": "T"}), set(), set()),
        (_op("assign_calling_plan", {"type": 100}), {plan_seat(100)}, set()),
        (_op("switch_calling_plan", {"source_type": 200, "target_type": 100}),
         {plan_seat(100)}, {plan_seat(200)}),
        (_op("unassign_calling_plan", {"type": 200}), set(),
         {plan_seat(200), Address.number(NUMBER)}),
        (_op("assign_number", {"number": NUMBER}), {Address.number(NUMBER)}, set()),
        (_op("unassign_number", {"number": NUMBER}), set(), {Address.number(NUMBER)}),
        (_op("disable_phone", {}), set(),
         {PHONE_SEAT, Address.number(NUMBER), Address.extension(1001), plan_seat(200)}),
        (_op("create_contact_center_user",
             {"package": "elite", "role_id": "r", "access": "active"}),
         {contact_center_seat("elite")}, set()),
        (_op("update_contact_center_user", {"package": "elite"}, before={"package": "premium"}),
         {contact_center_seat("elite")}, {contact_center_seat("premium")}),
        (_op("update_contact_center_user", {"access": "inactive"}, before={"package": "premium"}),
         set(), set()),
        (_op("delete_contact_center_user", {}, before="premium"), set(),
         {contact_center_seat("premium")}),
        (_op("assign_role", {"role_id": "3", "role": "Auditor"}), set(), set()),
    ],
    ids=lambda v: v.id.split("/", 1)[1] if isinstance(v, Operation) else "",
)  # fmt: skip
def test_what_each_kind_claims_and_frees(
    op: Operation, claims: set[Address], frees: set[Address]
) -> None:
    assert set(op.claims()) == claims
    assert set(op.frees(HELD)) == frees
    assert op.owner == Address.user(ALICE)


def _phone_user(email: str, numbers: tuple[str, ...] = ()) -> LiveUser:
    spec = UserSpec(
        email=email,
        id=f"id-{email}",
        type="licensed",
        status="active",
        phone=PhoneSpec(site="SF", extension=1001 if email == ALICE else 1002,
                        calling_plans=(200,), numbers=numbers),
    )  # fmt: skip
    return LiveUser(spec=spec, status="active", zoom_id=spec.id)


def _number_move() -> tuple[DesiredState, LiveState]:
    """Alice loses Zoom Phone, and her number goes to Bob."""
    live = LiveState(
        users=(_phone_user(ALICE, (NUMBER,)), _phone_user(BOB)),
        sites=(Site("s1", "SF"),),
        calling_plans=(CallingPlan(200, "US/CA Unlimited", 10, 2, 8),),
        numbers=(PhoneNumber("n1", NUMBER, "assigned", f"id-{ALICE}", "user"),),
    )
    desired = DesiredState(
        account=AccountPolicy(domains=("example.com",)),
        users=(
            UserSpec(email=ALICE, phone=None),
            UserSpec(email=BOB, phone=PhoneSpec(calling_plans=(200,), numbers=(NUMBER,))),
        ),
    )
    return desired, live


def test_a_number_waits_for_the_step_that_frees_it() -> None:
    desired, live = _number_move()
    plan = make_plan(desired, live, PlanOptions(force=True))
    claim = next(o for o in plan.operations if o.kind == "assign_number")
    assert f"{ALICE}/disable_phone" in claim.depends_on


def test_links_follow_the_declarations_not_the_kind_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same step, declared to free nothing: the number has no release any more, so
    # the plan cannot give it to Bob.
    spec = ops.SPECS["disable_phone"]
    specs = dict(ops.SPECS, disable_phone=dataclasses.replace(spec, frees=frees_nothing))
    monkeypatch.setattr(ops, "SPECS", specs)
    desired, live = _number_move()
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live, PlanOptions(force=True))
    assert f"number {NUMBER} belongs to {ALICE}" in str(caught.value.issues[0])


def test_what_a_live_user_holds_matches_the_licences_drift_counts() -> None:
    """The planner's ledger (holdings) and drift's seat report (LiveUser.licences) are
    one definition: a deactivated user holds no licence, Contact Center's included, but
    still holds the numbers Zoom has not taken back."""
    spec = UserSpec(
        email=ALICE,
        type="licensed",
        phone=PhoneSpec(numbers=[NUMBER], extension=1001, calling_plans=[200]),
        contact_center=ContactCenterSpec(package="premium", role="Agent"),
    )
    assert holdings(LiveUser(spec=spec, status="active", zoom_id="a")) == HELD
    gone = holdings(LiveUser(spec=spec, status="inactive", zoom_id="a"))
    assert gone == {Address.number(NUMBER), Address.extension(1001), plan_seat(200)}


def test_turning_zoom_phone_off_frees_only_what_the_user_still_holds() -> None:
    """A deactivated user holds no Zoom Phone licence (only the numbers, extension and
    calling plans Zoom has not taken back): its disable_phone frees no Zoom Phone seat,
    which a new phone user could otherwise be made to wait for."""
    spec = UserSpec(
        email=ALICE,
        type="licensed",
        phone=PhoneSpec(numbers=[NUMBER], extension=1001, calling_plans=[200]),
    )
    held = holdings(LiveUser(spec=spec, status="inactive", zoom_id="a"))
    assert set(_op("disable_phone", {}).frees(held)) == {
        Address.number(NUMBER),
        Address.extension(1001),
        plan_seat(200),
    }
