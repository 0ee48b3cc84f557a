"""LiveUser.licences and LiveState.seats_in_use: the licences the live users hold, as the
planner's seat ledger, drift and export count them (pure)."""

from __future__ import annotations

from zoomstate.core.address import LICENSED_SEAT, PHONE_SEAT, contact_center_seat
from zoomstate.live import LiveState, LiveStatus, LiveUser
from zoomstate.model import ContactCenterSpec, PhoneSpec, UserSpec


def _user(email: str, status: LiveStatus, **fields: object) -> LiveUser:
    spec = UserSpec(email=email, id=f"id-{email}", **fields)  # type: ignore[arg-type]
    return LiveUser(spec=spec, status=status, zoom_id=spec.id)


def test_inactive_users_hold_no_licence_and_pending_ones_hold_theirs() -> None:
    agent = ContactCenterSpec(package="premium", role="Agent")
    live = LiveState(
        users=(
            _user("a@example.com", "active", type="licensed", phone=PhoneSpec()),
            _user("b@example.com", "active", type="basic", contact_center=agent),
            _user("c@example.com", "pending", type="licensed"),
            _user("d@example.com", "inactive", type="licensed", phone=PhoneSpec()),
            _user("f@example.com", "inactive", type="basic", contact_center=agent),
            _user("e@example.com", "active", type="basic", contact_center=agent),
        )
    )
    assert {k: n for k, n in live.seats_in_use().items() if n} == {
        "licensed": 2,
        "phone": 1,
        "premium": 2,
    }


def test_a_users_licences_by_pool_and_none_once_deactivated() -> None:
    agent = ContactCenterSpec(package="elite", role="Agent")
    fields: dict[str, object] = {"type": "licensed", "phone": PhoneSpec(), "contact_center": agent}
    assert _user("a@example.com", "active", **fields).licences() == (
        LICENSED_SEAT,
        PHONE_SEAT,
        contact_center_seat("elite"),
    )
    assert _user("p@example.com", "pending", type="licensed").licences() == (LICENSED_SEAT,)
    assert _user("d@example.com", "inactive", **fields).licences() == ()
    assert _user("b@example.com", "active", type="basic").licences() == ()
