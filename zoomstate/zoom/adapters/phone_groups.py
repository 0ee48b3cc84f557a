"""Call queues, shared line groups, auto receptionists' operators and desk phones: read
only when a plan needs them (memberships managed, or someone leaving Zoom Phone:
`resources.handover.needs_phone_groups`), so they are not among the whole-account
`LISTS`. One list call per kind, then one Light `GET` per queue and group (members and
levels in one answer) and per auto receptionist (its call handling names the operator).

Members come as Zoom user ids (phone.json `members.users[].id`); they are matched to the
users already read, and each phone user's `phone.call_queues` and `shared_line_groups`
filled in, so that the generic diff compares them. Common areas are left out: a state
cannot name them.

Write handlers: `POST .../members` (`{"members": {"users": [{"id"}|{"email"}]}}`, at most
10 a call) and `DELETE .../members/{memberId}`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zoomstate.core.ops import Operation, OpKind
from zoomstate.endpoints import page_sizes
from zoomstate.errors import BackendError
from zoomstate.live import DeskPhone, LiveState, LiveUser, PhoneGroup, PhoneMember, Receptionist
from zoomstate.zoom.adapters.base import (
    Handler,
    JsonObject,
    ListSpec,
    StepContext,
    not_available,
)
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.paths import seg

LISTS: tuple[ListSpec, ...] = ()
QUEUES = "/phone/call_queues"
QUEUE = "/phone/call_queues/{callQueueId}"
LINE_GROUPS = "/phone/shared_line_groups"
LINE_GROUP = "/phone/shared_line_groups/{sharedLineGroupId}"
RECEPTIONISTS = "/phone/auto_receptionists"
CALL_HANDLING = "/phone/extension/{extensionId}/call_handling/settings"
DEVICES = "/phone/devices"
# The routings of an auto receptionist's call handling that may name an operator.
_HOURS = ("business_hours", "closed_hours")


@dataclass(frozen=True, slots=True)
class RawPhoneGroups:
    """The answers as read: each queue's and group's own GET, each auto receptionist
    with its call handling settings, the assigned devices. A kind the account does not
    offer (Zoom answers that the endpoint is not available) is None."""

    call_queues: list[JsonObject] | None
    shared_line_groups: list[JsonObject] | None
    receptionists: list[tuple[JsonObject, JsonObject]] | None
    devices: list[JsonObject] | None
    warnings: tuple[str, ...] = ()


async def _list(client: ZoomClient, path: str, key: str, **params: str) -> list[JsonObject]:
    size = page_sizes()[path]
    return await client.list_all(path, key, page_size=size, params=params or None)


async def _with_details(client: ZoomClient, path: str, key: str, template: str) -> Any:
    items = await _list(client, path, key)
    name = template[template.rindex("{") :]
    paths = [template.replace(name, seg(str(i["id"]))) for i in items if i.get("id")]
    answers = await asyncio.gather(*(client.get(p) for p in paths))
    return [a for a in answers if isinstance(a, dict)]


async def _receptionists(client: ZoomClient) -> list[tuple[JsonObject, JsonObject]]:
    items = [r for r in await _list(client, RECEPTIONISTS, "auto_receptionists")]
    with_ext = [r for r in items if r.get("extension_id")]
    handling = await asyncio.gather(
        *(
            client.get(CALL_HANDLING.replace("{extensionId}", seg(str(r["extension_id"]))))
            for r in with_ext
        )
    )
    return [(r, h if isinstance(h, dict) else {}) for r, h in zip(with_ext, handling, strict=True)]


async def _optional(read: Awaitable[Any], what: str, warnings: list[str]) -> Any:
    """One kind's read; None, with a warning, where Zoom says it is not available (an
    account without the feature). A missing scope is a setup mistake: it goes up."""
    try:
        return await read
    except BackendError as exc:
        if not not_available(exc):
            raise
        warnings.append(
            f"{exc.path}: not available on this account ({exc.zoom_message}); {what} were "
            "not read, and the hand-over guard did not check them"
        )
        return None


async def fetch_phone_groups(client: ZoomClient) -> RawPhoneGroups:
    warnings: list[str] = []
    queues, groups, receptionists, devices = await asyncio.gather(
        _optional(_with_details(client, QUEUES, "call_queues", QUEUE), "call queues", warnings),
        _optional(
            _with_details(client, LINE_GROUPS, "shared_line_groups", LINE_GROUP),
            "shared line groups",
            warnings,
        ),
        _optional(_receptionists(client), "auto receptionists' operators", warnings),
        _optional(_list(client, DEVICES, "devices", type="assigned"), "desk phones", warnings),
    )
    return RawPhoneGroups(queues, groups, receptionists, devices, tuple(sorted(warnings)))


# -- mapping


def _group(item: JsonObject, emails: Mapping[str, str]) -> PhoneGroup:
    users = (item.get("members") or {}).get("users") or []
    members = tuple(
        sorted(
            (
                PhoneMember(str(m["id"]), emails.get(str(m["id"])), str(m.get("level") or "user"))
                for m in users
                if m.get("id")
            ),
            key=lambda m: m.id,
        )
    )
    ext = item.get("extension_number")
    # A shared line group's name is its `display_name` (phone.json), a queue's `name`.
    return PhoneGroup(
        str(item["id"]),
        str(item.get("name") or item.get("display_name") or item["id"]),
        members,
        ext if isinstance(ext, int) else None,
    )


def _operator(settings: JsonObject) -> JsonObject | None:
    for hours in _HOURS:
        for part in settings.get(hours) or []:
            routing = (part.get("settings") or {}).get("routing") or {}
            operator = routing.get("operator")
            if isinstance(operator, dict) and operator.get("extension_type", "user") == "user":
                return operator
    return None


def _receptionist(
    item: JsonObject, settings: JsonObject, emails: Mapping[str, str], by_ext: Mapping[int, str]
) -> Receptionist:
    operator = _operator(settings)
    op_id: str | None = None
    if operator is not None:
        op_id = str(operator.get("id") or "") or None
        if op_id not in emails and isinstance(operator.get("extension_number"), int):
            # The id may be the extension's: the extension number tells whose it is.
            op_id = by_ext.get(operator["extension_number"], op_id)
    name = str(item.get("name") or item["id"])
    return Receptionist(str(item["id"]), name, op_id, emails.get(op_id or ""))


def _devices(items: Sequence[JsonObject], emails: Mapping[str, str]) -> list[DeskPhone]:
    out = []
    for device in items:
        assignees = device.get("assignees") or (
            [device["assignee"]] if device.get("assignee") else []
        )
        for a in assignees:
            if a.get("id") and a.get("extension_type", "user") == "user":
                name = str(device.get("display_name") or device.get("mac_address") or "")
                owner = str(a["id"])
                out.append(DeskPhone(str(device.get("id")), name, owner, emails.get(owner)))
    return out


def with_phone_groups(live: LiveState, raw: RawPhoneGroups) -> LiveState:
    """`live` with the queues, groups, receptionists and desk phones read, and each
    member's memberships in its `phone` block (a phone user in none keeps None: "in
    none", as for an account whose queues were not read)."""
    emails = {u.zoom_id: u.key for u in live.users if u.zoom_id}
    by_ext = {
        u.spec.phone.extension: u.zoom_id
        for u in live.users
        if u.zoom_id and u.spec.phone is not None and u.spec.phone.extension is not None
    }
    queues = _groups(raw.call_queues, emails)
    groups = _groups(raw.shared_line_groups, emails)
    member_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    for field, found in (("call_queues", queues), ("shared_line_groups", groups)):
        for group in found or ():
            for m in group.members:
                member_of[(field, m.id)].append(group.name)
    read = {"call_queues": queues is not None, "shared_line_groups": groups is not None}
    users = tuple(_with_memberships(u, member_of, read) for u in live.users)
    return dataclasses.replace(
        live,
        users=users,
        call_queues=queues,
        shared_line_groups=groups,
        receptionists=None
        if raw.receptionists is None
        else tuple(
            sorted(
                (_receptionist(r, h, emails, by_ext) for r, h in raw.receptionists),
                key=lambda r: r.name,
            )
        ),
        desk_phones=None
        if raw.devices is None
        else tuple(sorted(_devices(raw.devices, emails), key=lambda d: (d.name, d.id))),
        warnings=(*live.warnings, *raw.warnings),
        _by_key={},
    )


def _groups(
    items: list[JsonObject] | None, emails: Mapping[str, str]
) -> tuple[PhoneGroup, ...] | None:
    if items is None:
        return None
    return tuple(sorted((_group(item, emails) for item in items), key=lambda g: g.name))


def _with_memberships(
    user: LiveUser,
    member_of: Mapping[tuple[str, str], list[str]],
    read: Mapping[str, bool],
) -> LiveUser:
    phone = user.spec.phone
    if phone is None or not user.zoom_id:
        return user
    if not any((field, user.zoom_id) in member_of for field in read):
        # In none: left as read (None), so an account of 60,000 phone users copies only
        # the specs of its queues' members.
        return user
    update = {
        field: tuple(sorted(member_of.get((field, user.zoom_id), ()))) if read[field] else None
        for field in ("call_queues", "shared_line_groups")
    }
    spec = user.spec.model_copy(update={"phone": phone.model_copy(update=update)})
    return dataclasses.replace(user, spec=spec)


async def read_phone_groups(client: ZoomClient, live: LiveState) -> LiveState:
    """`live` with its phone groups read (an account without Zoom Phone has none)."""
    if not live.phone_enabled:
        return live
    return with_phone_groups(live, await fetch_phone_groups(client))


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    # Memberships are in the user's phone block, which the phone adapter reads.
    return ()


def _members_path(op: Operation) -> str:
    base = QUEUES if op.kind.endswith("call_queue_members") else LINE_GROUPS
    return f"{base}/{seg(str(op.params['group_id']))}/members"


async def add_members(ctx: StepContext, op: Operation) -> str:
    keys = [str(m) for m in op.params.get("members") or []]  # type: ignore[union-attr]
    users = []
    for key in keys:
        live = ctx.live_user(key)
        known = ctx.ids.get(key) or (live.zoom_id if live is not None else None)
        users.append({"id": known} if known else {"email": key})
    await ctx.call("POST", _members_path(op), json={"members": {"users": users}})
    return ""


async def remove_member(ctx: StepContext, op: Operation) -> str:
    base = QUEUES if op.kind == "remove_call_queue_member" else LINE_GROUPS
    path = f"{base}/{seg(str(op.params['group_id']))}/members/{ctx.user_ref(op.user)}"
    try:
        await ctx.call("DELETE", path)
    except BackendError as exc:
        if exc.status == 404:
            return "already out of it"
        raise
    return ""


HANDLERS: Mapping[OpKind, Handler] = {
    "add_call_queue_members": add_members,
    "remove_call_queue_member": remove_member,
    "add_shared_line_group_members": add_members,
    "remove_shared_line_group_member": remove_member,
}

__all__ = [
    "HANDLERS",
    "LISTS",
    "RawPhoneGroups",
    "fetch_phone_groups",
    "read_phone_groups",
    "snapshot_reads",
    "with_phone_groups",
]
