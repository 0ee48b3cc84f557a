"""Zoom users: the list read (one pass per status) and the mapping of each user, with
the phone and Contact Center aspects joined in by e-mail."""

from __future__ import annotations

from collections.abc import Mapping

from zoomstate.live import LiveStatus, LiveUser
from zoomstate.model import UserSpec, UserType
from zoomstate.zoom.adapters import contact_center, phone
from zoomstate.zoom.adapters.base import JsonObject, ListSpec, text

USER_STATUSES: tuple[LiveStatus, ...] = ("active", "inactive", "pending")
LISTS = tuple(
    ListSpec(f"users_{status}", "/users", "users", params={"status": status}, optional=False)
    for status in USER_STATUSES
)
_TYPE_NAMES: Mapping[int, UserType] = {1: "basic", 2: "licensed", 4: "none"}


def map_user(
    item: JsonObject,
    status: LiveStatus,
    roles: Mapping[str, str],
    phone_user: JsonObject | None,
    cc_user: JsonObject | None,
) -> LiveUser:
    email = str(item.get("email") or "").lower()
    role_id = text(item.get("role_id"))
    # model_construct: Zoom's own data is trusted to be well-formed, and 100,000 full
    # validations would cost seconds for nothing.
    spec = UserSpec.model_construct(
        email=email,
        id=text(item.get("id")),
        first_name=text(item.get("first_name")),
        last_name=text(item.get("last_name")),
        department=text(item.get("dept")),
        job_title=None,
        type=_TYPE_NAMES.get(int(item.get("type") or 0)),
        role=roles.get(role_id, role_id) if role_id is not None else None,
        status="inactive" if status == "inactive" else "active",
        phone=phone.map_phone(phone_user) if phone_user else None,
        contact_center=contact_center.map_contact_center(cc_user) if cc_user else None,
        profile=None,
    )
    return LiveUser(
        spec=spec,
        status=status,
        zoom_id=spec.id,
        role_id=role_id,
        created_at=text(item.get("created_at") or item.get("user_created_at")),
    )


def map_users(
    by_status: Mapping[LiveStatus, list[JsonObject]],
    roles: Mapping[str, str],
    phone_users: list[JsonObject],
    cc_users: list[JsonObject],
) -> tuple[LiveUser, ...]:
    """Every user once (the first status that lists it wins), sorted by e-mail."""
    phones = phone.by_email(phone_users)
    ccs = contact_center.by_email(cc_users)
    users: list[LiveUser] = []
    seen: set[str] = set()
    for status in USER_STATUSES:
        for item in by_status[status]:
            email = str(item.get("email") or "").lower()
            if not email or email in seen:
                continue
            seen.add(email)
            users.append(map_user(item, status, roles, phones.get(email), ccs.get(email)))
    users.sort(key=lambda u: u.key)
    return tuple(users)
