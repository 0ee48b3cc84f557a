"""Zoom users: the list read (one pass per status) and the mapping of each user, with
the phone and Contact Center aspects joined in by e-mail and the groups by the pages'
`group_ids`; the user's snapshot read and the write handlers of the user lifecycle
(create, update, e-mail, status, delete)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError
from zoomstate.live import LiveStatus, LiveUser
from zoomstate.model import ContactCenterSpec, PhoneSpec, UserSpec, UserType
from zoomstate.resources.leaver_spec import DEFAULT_TRANSFER
from zoomstate.zoom.adapters import groups
from zoomstate.zoom.adapters.base import Handler, JsonObject, ListSpec, StepContext, text
from zoomstate.zoom.paths import seg

# account.transfer's names for the transfer_* flags of DELETE /users/{userId}.
TRANSFER_FLAGS: Mapping[str, str] = {
    "meetings": "transfer_meeting",
    "webinars": "transfer_webinar",
    "recordings": "transfer_recording",
    "whiteboard": "transfer_whiteboard",
    "clips": "transfer_clipfiles",
    "notes": "transfer_notes",
    "visitors": "transfer_visitors",
    "docs": "transfer_docs",
}

USER_STATUSES: tuple[LiveStatus, ...] = ("active", "inactive", "pending")
_TYPE_NAMES: Mapping[int, UserType] = {1: "basic", 2: "licensed", 4: "none"}


@dataclass(frozen=True, slots=True)
class UserRow:
    """What the read keeps of one item of GET /users, as its page arrives: the user is
    put together once the phone and Contact Center lists are in too."""

    email: str
    id: str | None
    first_name: str | None
    last_name: str | None
    department: str | None
    type: UserType | None
    role_id: str | None
    created_at: str | None
    group_ids: tuple[str, ...] = ()


def user_row(item: JsonObject) -> UserRow:
    return UserRow(
        email=str(item.get("email") or "").lower(),
        id=text(item.get("id")),
        first_name=text(item.get("first_name")),
        last_name=text(item.get("last_name")),
        department=text(item.get("dept")),
        type=_TYPE_NAMES.get(int(item.get("type") or 0)),
        role_id=text(item.get("role_id")),
        created_at=text(item.get("created_at") or item.get("user_created_at")),
        group_ids=tuple(str(g) for g in item.get("group_ids") or ()),
    )


LISTS = tuple(
    ListSpec(
        f"users_{status}",
        "/users",
        "users",
        params={"status": status},
        optional=False,
        item=user_row,
    )
    for status in USER_STATUSES
)


def map_user(
    row: UserRow,
    status: LiveStatus,
    roles: Mapping[str, str],
    phone: PhoneSpec | None,
    cc: ContactCenterSpec | None,
    group_names: Mapping[str, str] | None = None,
    primary_group: str | None = None,
) -> LiveUser:
    role_id = row.role_id
    # trusted: Zoom's own data is trusted to be well-formed, and 100,000 full
    # validations would cost seconds for nothing.
    spec = UserSpec.trusted(
        first_name=row.first_name,
        last_name=row.last_name,
        department=row.department,
        job_title=None,
        type=row.type,
        role=roles.get(role_id, role_id) if role_id is not None else None,
        status="inactive" if status == "inactive" else "active",
        groups=groups.user_groups({"group_ids": list(row.group_ids)}, group_names or {}),
        primary_group=primary_group,
        phone=phone,
        contact_center=cc,
        email=row.email,
        id=row.id,
        profile=None,
        remove=None,
        transfer_to=None,
    )
    return LiveUser(
        spec=spec, status=status, zoom_id=row.id, role_id=role_id, created_at=row.created_at
    )


def map_users(
    by_status: Mapping[LiveStatus, list[UserRow]],
    roles: Mapping[str, str],
    phones: Mapping[str, PhoneSpec],
    ccs: Mapping[str, ContactCenterSpec],
    group_names: Mapping[str, str] | None = None,
    primaries: Mapping[str, str] | None = None,
) -> tuple[LiveUser, ...]:
    """Every user once (the first status that lists it wins), sorted by e-mail, with
    its phone and Contact Center blocks (by e-mail), its groups by name and its primary
    group when found in `primaries` (e-mail -> group)."""
    primaries = primaries or {}
    users: list[LiveUser] = []
    seen: set[str] = set()
    for status in USER_STATUSES:
        for row in by_status[status]:
            email = row.email
            if not email or email in seen:
                continue
            seen.add(email)
            users.append(
                map_user(
                    row,
                    status,
                    roles,
                    phones.get(email),
                    ccs.get(email),
                    group_names,
                    primaries.get(email),
                )
            )
    users.sort(key=lambda u: u.key)
    return tuple(users)


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    return (("user", f"/users/{ref}"),)


async def create_user(ctx: StepContext, op: Operation) -> str:
    p = dict(op.params)
    # POST /users takes names and type only; department and job title go in a PATCH
    # once the user is active (Zoom ignores updates to a pending user).
    info: dict[str, Any] = {"email": p["email"], "type": p["type"]}
    for name in ("first_name", "last_name"):
        if p.get(name) is not None:
            info[name] = p[name]
    outcome = f"created with action {p['action']}"
    try:
        data = await ctx.call("POST", "/users", json={"action": p["action"], "user_info": info})
    except BackendError as exc:
        if exc.status != 409 or exc.code != 1005:
            raise
        # Already there: our own earlier request whose answer was lost (a dropped
        # connection, a killed run), or someone else's. Read it back rather than fail,
        # and still send the fields POST /users does not take: a run that stopped
        # between the two calls must not leave them out.
        data = await ctx.call("GET", f"/users/{seg(p['email'])}")
        outcome = "already existed"
    if isinstance(data, dict) and data.get("id"):
        ctx.ids[op.user] = str(data["id"])
    extra = {
        ("dept" if k == "department" else k): p[k]
        for k in ("department", "job_title")
        if p.get(k) is not None
    }
    if extra and p["action"] != "create":
        await ctx.call("PATCH", f"/users/{ctx.user_ref(op.user)}", json=extra)
    return outcome


async def update_user(ctx: StepContext, op: Operation) -> str:
    raw = op.params.get("fields")
    fields = dict(raw) if isinstance(raw, dict) else {}
    type_code = fields.pop("type", None)
    body = {("dept" if k == "department" else k): v for k, v in fields.items()}
    ref = ctx.user_ref(op.user)
    if body:
        await ctx.call("PATCH", f"/users/{ref}", json=body)
    if type_code is not None:
        # Zoom refuses a type change together with other fields (code 300).
        await ctx.call("PATCH", f"/users/{ref}", json={"type": type_code})
    return ""


async def change_email(ctx: StepContext, op: Operation) -> str:
    old = ctx.ids.get(op.user) or str(op.before)
    await ctx.call("PUT", f"/users/{seg(old)}/email", json={"email": op.params["email"]})
    return ""


async def activate_user(ctx: StepContext, op: Operation) -> str:
    await ctx.call("PUT", f"/users/{ctx.user_ref(op.user)}/status", json={"action": "activate"})
    return ""


async def deactivate_user(ctx: StepContext, op: Operation) -> str:
    await ctx.call("PUT", f"/users/{ctx.user_ref(op.user)}/status", json={"action": "deactivate"})
    return ""


async def delete_user(ctx: StepContext, op: Operation) -> str:
    params = {k: v for k, v in op.params.items() if v is not None and k != "transfer"}
    if params.get("action") == "delete" and "transfer_email" in params:
        # No `transfer` in the step: the three that zoomstate has always sent.
        listed = op.params.get("transfer")
        items = listed if isinstance(listed, list) else DEFAULT_TRANSFER
        params.update({TRANSFER_FLAGS[str(item)]: "true" for item in items})
    # A pending user is deleted by e-mail with a bare DELETE (Zoom 404s an `action`).
    ref = seg(op.user) if not params else ctx.user_ref(op.user)
    try:
        await ctx.call("DELETE", f"/users/{ref}", params=params or None)
    except BackendError as exc:
        if exc.status == 404 and exc.code == 1001:
            return "already gone"
        raise
    return ""


HANDLERS: Mapping[OpKind, Handler] = {
    "create_user": create_user,
    "update_user": update_user,
    "change_email": change_email,
    "activate_user": activate_user,
    "deactivate_user": deactivate_user,
    "delete_user": delete_user,
}
