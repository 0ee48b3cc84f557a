"""The phone lines family: Zoom Phone call queues, shared line groups and auto receptionists
(`/phone/call_queues`, `/phone/shared_line_groups`, `/phone/auto_receptionists` and the
call handling of their extensions). Behaviour is in `phone_queues.py`; this module
holds the routes and the family's part of seeds and of the sandbox file.

It comes after the users family: its seed names members by e-mail, so the users must
exist, and a seed without queues draws no id, so its users keep theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.errors import FieldError, SeedError, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext
from zoomstate.sandbox.records import (
    AutoReceptionist,
    CallQueue,
    DeskPhone,
    SharedLineGroup,
    Site,
    User,
    build,
    plain,
)
from zoomstate.sandbox.routing import Route, checked_body, empty, json_response, page, query
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["FAMILY"]


# ------------------------------------------------------------------------------ routes --


def _line_page(key: str, rows: list[dict[str, Any]], token: str, size: int, total: int) -> Any:
    return {key: rows, "next_page_token": token, "page_size": size, "total_records": total}


async def list_queues(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    svc = rt.service
    site_id = query(request, "site_id")
    rows, token, size, total = page(
        rt,
        request,
        "call_queues",
        svc.ordered_queues(),
        key=lambda q: q.seq,
        keep=svc.lines_filter(site_id),
        render=svc.queue_item,
        filters=site_id or "",
        bad_token_code=300,
    )
    return json_response(_line_page("call_queues", rows, token, size, total))


async def create_queue(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "call_queue_create")
    return json_response(rt.service.create_queue(body), 201)


async def get_queue(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_queue(p["callQueueId"]))


async def add_queue_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "line_members")
    rt.service.add_queue_members(p["callQueueId"], body["members"].get("users") or [])
    return empty(201)


async def remove_queue_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.remove_queue_member(p["callQueueId"], p["memberId"])
    return empty()


async def list_slgs(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "shared_line_groups",
        svc.ordered_slgs(),
        key=lambda g: g.seq,
        keep=svc.lines_filter(None),
        render=svc.slg_item,
        filters="",
        bad_token_code=300,
    )
    return json_response(_line_page("shared_line_groups", rows, token, size, total))


async def create_slg(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "slg_create")
    return json_response(rt.service.create_slg(body), 201)


async def get_slg(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_slg(p["sharedLineGroupId"]))


async def add_slg_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "line_members")
    rt.service.add_slg_members(p["slgId"], body["members"].get("users") or [])
    return empty(201)


async def remove_slg_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.remove_slg_member(p["slgId"], p["memberId"])
    return empty()


async def list_ars(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "auto_receptionists",
        svc.ordered_ars(),
        key=lambda a: a.seq,
        keep=lambda a: True,
        render=svc.ar_item,
        filters="",
        bad_token_code=300,
    )
    return json_response(_line_page("auto_receptionists", rows, token, size, total))


async def call_handling(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.call_handling(p["extensionId"]))


async def list_devices(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    kind, assignee_type = query(request, "type"), query(request, "assignee_type")
    # `type` is required [P GET /phone/devices param:type].
    if kind not in ("assigned", "unassigned"):
        raise validation_failed([FieldError("type")])
    if assignee_type not in (None, "user", "commonArea"):
        raise validation_failed([FieldError("assignee_type")])
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "devices",
        svc.ordered_devices(),
        key=lambda d: d.seq,
        keep=svc.devices_filter(kind == "assigned", assignee_type),
        render=svc.device_item,
        filters=f"{kind}/{assignee_type or ''}",
        bad_token_code=300,
    )
    return json_response(_line_page("devices", rows, token, size, total))


ROUTES: tuple[Route, ...] = (
    Route("GET", "/phone/call_queues", list_queues),
    Route("POST", "/phone/call_queues", create_queue),
    Route("GET", "/phone/call_queues/{callQueueId}", get_queue),
    Route("POST", "/phone/call_queues/{callQueueId}/members", add_queue_members),
    Route("DELETE", "/phone/call_queues/{callQueueId}/members/{memberId}", remove_queue_member),
    Route("GET", "/phone/shared_line_groups", list_slgs),
    Route("POST", "/phone/shared_line_groups", create_slg),
    Route("GET", "/phone/shared_line_groups/{sharedLineGroupId}", get_slg),
    Route("POST", "/phone/shared_line_groups/{slgId}/members", add_slg_members),
    Route("DELETE", "/phone/shared_line_groups/{slgId}/members/{memberId}", remove_slg_member),
    Route("GET", "/phone/auto_receptionists", list_ars),
    Route("GET", "/phone/extension/{extensionId}/call_handling/settings", call_handling),
    Route("GET", "/phone/devices", list_devices),
)


# --------------------------------------------------------------------- seed and file --


def _phone_user(account: Account, where: str, email: Any) -> User:
    user = account.user_by_email(str(email))
    if user is None or user.phone is None or user.status != "active":
        raise SeedError(f"{where}: {email} is not an active phone user of the seed")
    return user


def _line_site(ctx: SeedContext, where: str, item: dict[str, Any]) -> Site:
    account = ctx.account
    if item.get("site"):
        site: Site = ctx.lookup("site", item["site"])
        return site
    if not account.sites:
        raise SeedError(f"{where}: the seed has no site")
    return account.sites[account.info.default_site_id or next(iter(account.sites))]


def _line_extension(ctx: SeedContext, where: str, item: dict[str, Any], site: Site) -> int:
    """The seed gives the full extension (as `users[].phone.extension` does), else the
    site's next free one after its users'."""
    account = ctx.account
    taken = set(account.ext_owner) | account.line_extensions()
    if item.get("extension_number") is not None:
        ext = int(item["extension_number"])
        if ext in taken:
            raise SeedError(f"{where}: extension {ext} reused")
        return ext
    short = site.extension_start + 900
    while int(f"{site.site_code}{short}") in taken:
        short += 1
    return int(f"{site.site_code}{short}")


def _members(account: Account, where: str, emails: Any) -> list[str]:
    if not isinstance(emails, list):
        raise SeedError(f"{where}: members must be a list of e-mails")
    ids: list[str] = []
    for j, email in enumerate(emails):
        user = _phone_user(account, f"{where}.members[{j}]", email)
        if user.id in ids:
            raise SeedError(f"{where}.members[{j}]: {email} listed twice")
        ids.append(user.id)
    return ids


def _seed_queue(ctx: SeedContext, i: int, q: dict[str, Any]) -> CallQueue:
    account, where = ctx.account, f"call_queues[{i}]"
    if not q.get("name"):
        raise SeedError(f"{where}: a call queue needs a name")
    site = _line_site(ctx, where, q)
    members = _members(account, where, q.get("members", []))
    manager = ""
    if q.get("manager"):
        manager = _phone_user(account, f"{where}.manager", q["manager"]).id
        # The manager is one of the queue's members (its level is `manager`).
        members = [manager, *(m for m in members if m != manager)]
    return CallQueue(
        id=account.ids.zoom_id(),
        name=str(q["name"]),
        extension_id=account.ids.zoom_id(),
        extension_number=_line_extension(ctx, where, q, site),
        site_id=site.id,
        seq=i + 1,
        member_ids=members,
        manager_id=manager,
    )


def _seed_slg(ctx: SeedContext, i: int, g: dict[str, Any]) -> SharedLineGroup:
    account, where = ctx.account, f"shared_line_groups[{i}]"
    if not g.get("name"):
        raise SeedError(f"{where}: a shared line group needs a name")
    site = _line_site(ctx, where, g)
    return SharedLineGroup(
        id=account.ids.zoom_id(),
        display_name=str(g["name"]),
        extension_id=account.ids.zoom_id(),
        extension_number=_line_extension(ctx, where, g, site),
        site_id=site.id,
        seq=i + 1,
        member_ids=_members(account, where, g.get("members", [])),
    )


def _seed_ar(ctx: SeedContext, i: int, a: dict[str, Any]) -> AutoReceptionist:
    account, where = ctx.account, f"auto_receptionists[{i}]"
    if not a.get("name"):
        raise SeedError(f"{where}: an auto receptionist needs a name")
    site = _line_site(ctx, where, a)
    operator = (
        _phone_user(account, f"{where}.operator", a["operator"]) if a.get("operator") else None
    )
    return AutoReceptionist(
        id=account.ids.zoom_id(),
        name=str(a["name"]),
        extension_id=account.ids.zoom_id(),
        extension_number=_line_extension(ctx, where, a, site),
        site_id=site.id,
        seq=i + 1,
        operator_id=operator.id if operator else "",
    )


_HEX = set("0123456789abcdef")


def _seed_devices(ctx: SeedContext) -> None:
    account, macs = ctx.account, set()
    for i, d in enumerate(ctx.seed.get("desk_phones", [])):
        where = f"desk_phones[{i}]"
        mac = str(d.get("mac_address") or "").lower().replace(":", "").replace("-", "")
        if len(mac) != 12 or not set(mac) <= _HEX:
            raise SeedError(f"{where}: mac_address must be 12 hexadecimal digits")
        if mac in macs:
            raise SeedError(f"{where}: mac_address {mac} used twice")
        macs.add(mac)
        assignee = (
            _phone_user(account, f"{where}.assignee", d["assignee"]) if d.get("assignee") else None
        )
        device = DeskPhone(
            id=account.ids.zoom_id(),
            display_name=str(d.get("display_name") or mac),
            mac_address=mac,
            device_type=str(d.get("device_type", "poly")),
            seq=i + 1,
            assignee_id=assignee.id if assignee else "",
        )
        account.desk_phones[device.id] = device


def _unique_names(key: str, items: list[dict[str, Any]]) -> None:
    names: set[str] = set()
    for i, item in enumerate(items):
        name = str(item.get("name") or "").lower()
        if name in names:
            raise SeedError(f"{key}[{i}]: duplicate name {item['name']}")
        names.add(name)


def _seed(ctx: SeedContext) -> None:
    account, seed = ctx.account, ctx.seed
    _unique_names("call_queues", seed.get("call_queues", []))
    _unique_names("shared_line_groups", seed.get("shared_line_groups", []))
    _unique_names("auto_receptionists", seed.get("auto_receptionists", []))
    for i, q in enumerate(seed.get("call_queues", [])):
        queue = _seed_queue(ctx, i, q)
        account.call_queues[queue.id] = queue
    for i, g in enumerate(seed.get("shared_line_groups", [])):
        slg = _seed_slg(ctx, i, g)
        account.shared_line_groups[slg.id] = slg
    for i, a in enumerate(seed.get("auto_receptionists", [])):
        ar = _seed_ar(ctx, i, a)
        account.auto_receptionists[ar.id] = ar
    _seed_devices(ctx)


def _dump(account: Account) -> dict[str, Any]:
    return {
        "call_queues": [plain(q) for q in account.call_queues.values()],
        "shared_line_groups": [plain(g) for g in account.shared_line_groups.values()],
        "auto_receptionists": [plain(a) for a in account.auto_receptionists.values()],
        "desk_phones": [plain(d) for d in account.desk_phones.values()],
    }


def _load(account: Account, data: dict[str, Any]) -> None:
    for q in data.get("call_queues", []):
        queue = build(CallQueue, q)
        account.call_queues[queue.id] = queue
    for g in data.get("shared_line_groups", []):
        slg = build(SharedLineGroup, g)
        account.shared_line_groups[slg.id] = slg
    for a in data.get("auto_receptionists", []):
        ar = build(AutoReceptionist, a)
        account.auto_receptionists[ar.id] = ar
    for d in data.get("desk_phones", []):
        device = build(DeskPhone, d)
        account.desk_phones[device.id] = device


FAMILY = Family(
    name="phone_lines",
    routes=ROUTES,
    seed=_seed,
    dump=_dump,
    load=_load,
    sections=("call_queues", "shared_line_groups", "auto_receptionists", "desk_phones"),
)
