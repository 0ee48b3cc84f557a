"""Zoom Phone: phone users, numbers, calling plans, sites and setting templates, read and
mapped (numbers in E.164, extensions as integers, calling plans as type codes); the phone
user's snapshot reads and the write handlers of the phone kinds (licence, site and
extension, calling plans, numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zoomstate.core.ops import Operation, OpKind
from zoomstate.core.params import AddPhoneUser
from zoomstate.errors import BackendError
from zoomstate.live import CallingPlan, LiveUser, Named, PhoneNumber, Site
from zoomstate.model import PhoneSpec
from zoomstate.zoom.adapters.base import Handler, JsonObject, ListSpec, StepContext, e164, text
from zoomstate.zoom.adapters.batching import BatchHandler, batch_handler, single
from zoomstate.zoom.paths import seg

# Who else than a user a number can be assigned to (GET /phone/numbers `extension_type`).
NON_USER_ASSIGNEES = (
    "callQueue",
    "autoReceptionist",
    "commonArea",
    "emergencyNumberPool",
    "companyLocation",
    "meetingService",
)


@dataclass(frozen=True, slots=True)
class PhoneRow:
    """What the read keeps of one phone user (GET /phone/users), as its page arrives:
    its phone block, and the numbers it holds as GET /phone/numbers would list them."""

    email: str
    phone: PhoneSpec
    numbers: tuple[PhoneNumber, ...]


def map_phone(item: JsonObject) -> PhoneSpec:
    site = item.get("site")
    extension = item.get("extension_number")
    plans = sorted(
        {int(p["type"]) for p in item.get("calling_plans") or [] if p.get("type") is not None}
    )
    numbers = sorted(
        {e164(n["number"]) for n in item.get("phone_numbers") or [] if n.get("number")}
    )
    return PhoneSpec.trusted(
        site=text(site.get("name")) if isinstance(site, dict) else None,
        extension=int(extension) if extension not in (None, "") else None,
        calling_plans=tuple(plans),
        numbers=tuple(numbers),
        template=None,
        # Not on /phone/users pages: filled in when the queues are read (phone_groups).
        call_queues=None,
        shared_line_groups=None,
    )


def phone_row(item: JsonObject) -> PhoneRow | None:
    email = str(item.get("email") or "").lower()
    if not email:
        return None
    owner = text(item.get("id"))
    held = tuple(
        # A number a phone user holds is in service: GET /phone/numbers lists it as
        # "available" (its other status, "pending", is a number not yet usable).
        PhoneNumber(str(n.get("id")), e164(n["number"]), "available", owner, "user")
        for n in item.get("phone_numbers") or []
        if n.get("number")
    )
    return PhoneRow(email, map_phone(item), held)


def map_number(n: JsonObject) -> PhoneNumber | None:
    if not n.get("number"):
        return None
    return PhoneNumber(
        id=str(n.get("id")),
        number=e164(n["number"]),
        status=text(n.get("status")),
        assignee_id=text((n.get("assignee") or {}).get("id")),
        assignee_type=text((n.get("assignee") or {}).get("type")),
        site_id=text((n.get("site") or {}).get("id")),
    )


# The numbers users hold come with the phone users; GET /phone/numbers is read only for
# the rest: the unassigned ones, and those of each kind of non-user assignee (Zoom takes
# `extension_type` with `type=assigned` only). On 60,000 phone users that is 7 calls
# instead of 301 (the phone Medium label is the read's bottleneck).
LISTS = (
    ListSpec("phone_users", "/phone/users", "users", item=phone_row),
    ListSpec(
        "numbers_unassigned",
        "/phone/numbers",
        "phone_numbers",
        params={"type": "unassigned"},
        item=map_number,
    ),
    *(
        ListSpec(
            f"numbers_{kind}",
            "/phone/numbers",
            "phone_numbers",
            params={"type": "assigned", "extension_type": kind},
            item=map_number,
        )
        for kind in NON_USER_ASSIGNEES
    ),
    ListSpec("calling_plans", "/phone/calling_plans", "calling_plans"),
    ListSpec("sites", "/phone/sites", "sites"),
    ListSpec("templates", "/phone/setting_templates", "templates"),
)


def map_sites(items: Iterable[JsonObject]) -> tuple[Site, ...]:
    sites = (
        Site(
            id=str(s["id"]),
            name=str(s.get("name")),
            site_code=int(s["site_code"]) if s.get("site_code") is not None else None,
        )
        for s in items
        if s.get("id") is not None
    )
    return tuple(sorted(sites, key=lambda s: s.name))


def map_calling_plans(items: Iterable[JsonObject]) -> tuple[CallingPlan, ...]:
    plans = (
        CallingPlan(
            type=int(p["type"]),
            name=str(p.get("name")),
            subscribed=p.get("subscribed"),
            assigned=p.get("assigned"),
            available=p.get("available"),
        )
        for p in items
        if p.get("type") is not None
    )
    return tuple(sorted(plans, key=lambda p: p.type))


def map_numbers(rows: Iterable[PhoneRow], others: Iterable[PhoneNumber]) -> tuple[PhoneNumber, ...]:
    """The account's numbers: those the phone users hold, and the others as listed."""
    numbers = {n.number: n for n in others}
    numbers.update((n.number, n) for row in rows for n in row.numbers)
    return tuple(sorted(numbers.values(), key=lambda n: n.number))


def map_templates(items: Iterable[JsonObject]) -> tuple[Named, ...]:
    templates = (Named(str(t["id"]), str(t.get("name"))) for t in items if t.get("id"))
    return tuple(sorted(templates, key=lambda t: t.name))


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    if user is None or user.spec.phone is not None:
        return (
            ("phone_user", f"/phone/users/{ref}"),
            ("phone_settings", f"/phone/users/{ref}/settings"),
        )
    return ()


async def _phone_user(ctx: StepContext, op: Operation) -> dict[str, Any] | None:
    try:
        data = await ctx.call("GET", f"/phone/users/{ctx.user_ref(op.user)}")
    except BackendError as exc:
        if exc.status == 404:
            return None
        raise
    return data if isinstance(data, dict) else None


async def enable_phone(ctx: StepContext, op: Operation) -> str:
    await ctx.call(
        "PATCH", f"/users/{ctx.user_ref(op.user)}", json={"feature": {"zoom_phone": True}}
    )
    # The phone user appears asynchronously: wait for it, with a backoff, at most
    # phone_user_timeout_s in all (the last sleep is cut to what is left), then look
    # once more. The waits hold no concurrency slot (`idle`): other users' steps run
    # meanwhile.
    waited, delay = 0.0, 0.5
    while True:
        if await _phone_user(ctx, op) is not None:
            return f"phone user ready after {waited:.1f} s" if waited else ""
        left = ctx.phone_user_timeout_s - waited
        if left <= 0:
            raise BackendError(
                f"the phone user did not appear within {ctx.phone_user_timeout_s:g} s "
                "after Zoom Phone was turned on; run apply again later",
                method="GET",
                path=f"/phone/users/{seg(op.user)}",
            )
        step = min(delay, left)
        await ctx.idle(step)
        waited += step
        delay = min(delay * 2, 10.0)


async def update_phone(ctx: StepContext, op: Operation) -> str:
    body: dict[str, Any] = {}
    if op.params.get("extension") is not None:
        # PATCH takes the full extension (site code + short extension) as text.
        body["extension_number"] = str(op.params["extension"])
    if op.params.get("site_id"):
        body["site_id"] = op.params["site_id"]
    if op.params.get("template_id"):
        body["template_id"] = op.params["template_id"]
    await ctx.call("PATCH", f"/phone/users/{ctx.user_ref(op.user)}", json=body)
    return ""


async def _has(ctx: StepContext, op: Operation, kind: str, value: Any) -> bool:
    user = await _phone_user(ctx, op)
    if user is None:
        return False
    if kind == "plan":
        return any(p.get("type") == value for p in user.get("calling_plans") or [])
    digits = str(value).lstrip("+")
    return any(
        str(n.get("number", "")).lstrip("+") == digits for n in user.get("phone_numbers") or []
    )


async def assign_calling_plan(ctx: StepContext, op: Operation) -> str:
    code = op.params["type"]
    try:
        await ctx.call(
            "POST",
            f"/phone/users/{ctx.user_ref(op.user)}/calling_plans",
            json={"calling_plans": [{"type": code}]},
        )
    except BackendError as exc:
        if exc.status is not None and exc.status < 500 and await _has(ctx, op, "plan", code):
            return "already assigned"
        raise
    return ""


async def switch_calling_plan(ctx: StepContext, op: Operation) -> str:
    source, target = op.params["source_type"], op.params["target_type"]
    outcome = ""
    try:
        await ctx.call(
            "PUT",
            f"/phone/users/{ctx.user_ref(op.user)}/calling_plans",
            json={"source_type": source, "target_type": target},
        )
    except BackendError as exc:
        if exc.status is None or exc.status >= 500 or not await _has(ctx, op, "plan", target):
            raise
        # Switched by an earlier attempt whose answer was lost: the numbers it may
        # have dropped are still to be checked below.
        outcome = "already switched"
    # Zoom does not document whether a switch keeps the direct number: check, and give
    # back any number the user was to keep.
    live = ctx.live_user(op.user)
    keep = set(live.spec.phone.numbers) if live and live.spec.phone else set()
    user = await _phone_user(ctx, op)
    have = {
        "+" + str(n.get("number", "")).lstrip("+") for n in (user or {}).get("phone_numbers") or []
    }
    lost = sorted(n for n in keep - have if not _unassigned_by_plan(ctx, op.user, n))
    for number in lost:
        await ctx.call(
            "POST",
            f"/phone/users/{ctx.user_ref(op.user)}/phone_numbers",
            json={"phone_numbers": [{"number": number}]},
        )
    if lost:
        outcome = "; ".join(
            x for x in (outcome, f"re-assigned {', '.join(lost)} dropped by the switch") if x
        )
    return outcome


def _unassigned_by_plan(ctx: StepContext, user: str, number: str) -> bool:
    return f"{user}/unassign_number/{number}" in ctx.planned


async def unassign_calling_plan(ctx: StepContext, op: Operation) -> str:
    try:
        await ctx.call(
            "DELETE",
            f"/phone/users/{ctx.user_ref(op.user)}/calling_plans/{seg(op.params['type'])}",
        )
    except BackendError as exc:
        if exc.status == 404 or (
            exc.status == 400 and not await _has(ctx, op, "plan", op.params["type"])
        ):
            return "already unassigned"
        raise
    return ""


async def assign_number(ctx: StepContext, op: Operation) -> str:
    number = op.params["number"]
    try:
        await ctx.call(
            "POST",
            f"/phone/users/{ctx.user_ref(op.user)}/phone_numbers",
            json={"phone_numbers": [{"number": number}]},
        )
    except BackendError as exc:
        if exc.status is not None and exc.status < 500 and await _has(ctx, op, "number", number):
            return "already assigned"
        raise
    return ""


async def unassign_number(ctx: StepContext, op: Operation) -> str:
    number = str(op.params["number"])
    try:
        await ctx.call(
            "DELETE", f"/phone/users/{ctx.user_ref(op.user)}/phone_numbers/{seg(number)}"
        )
    except BackendError as exc:
        if exc.status == 404 and not await _has(ctx, op, "number", number):
            return "already unassigned"
        raise
    return ""


async def disable_phone(ctx: StepContext, op: Operation) -> str:
    await ctx.call(
        "PATCH", f"/users/{ctx.user_ref(op.user)}", json={"feature": {"zoom_phone": False}}
    )
    return ""


def _batch_item(op: Operation) -> dict[str, Any]:
    """One user of `POST /phone/users/batch`: plan names and the short extension, as the
    batch takes them (zoomstate/resources/phone_batch.py)."""
    args = op.args
    assert isinstance(args, AddPhoneUser)
    item: dict[str, Any] = {
        "email": op.user,
        "calling_plans": list(args.plan_names),
        "extension_number": args.short_extension,
    }
    if args.site:
        item["site_name"] = args.site
    if args.template:
        item["template_name"] = args.template
    if args.numbers:
        item["phone_numbers"] = list(args.numbers)
    return item


async def _send_phone_batch(ctx: StepContext, ops: Sequence[Operation]) -> None:
    await ctx.call("POST", "/phone/users/batch", json={"users": [_batch_item(op) for op in ops]})


async def _phone_users_there(ctx: StepContext, ops: Sequence[Operation]) -> set[str]:
    return {op.id for op in ops if await _phone_user(ctx, op) is not None}


add_phone_users = batch_handler(_send_phone_batch, _phone_users_there)

BATCH_HANDLERS: Mapping[OpKind, BatchHandler] = {"add_phone_user": add_phone_users}

HANDLERS: Mapping[OpKind, Handler] = {
    "enable_phone": enable_phone,
    "add_phone_user": single(add_phone_users),
    "update_phone": update_phone,
    "assign_calling_plan": assign_calling_plan,
    "switch_calling_plan": switch_calling_plan,
    "unassign_calling_plan": unassign_calling_plan,
    "assign_number": assign_number,
    "unassign_number": unassign_number,
    "disable_phone": disable_phone,
}
