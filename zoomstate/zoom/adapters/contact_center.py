"""Contact Center users and roles: the list reads and their mapping; the Contact Center
user's snapshot read and the handlers that create, update and delete it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast, get_args

from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError
from zoomstate.live import LiveUser, Named
from zoomstate.model import ContactCenterPackage, ContactCenterSpec
from zoomstate.zoom.adapters.base import Handler, JsonObject, ListSpec, StepContext, text
from zoomstate.zoom.adapters.batching import BatchHandler, batch_handler


@dataclass(frozen=True, slots=True)
class ContactCenterRow:
    """What the read keeps of one Contact Center user, as its page arrives."""

    email: str
    spec: ContactCenterSpec


_PACKAGES = frozenset(get_args(ContactCenterPackage))


def map_contact_center(item: JsonObject) -> ContactCenterSpec:
    # Zoom's batch endpoints capitalise package names ("Premium"): compare lower-cased.
    package = (text(item.get("package_name")) or "").lower()
    access = (text(item.get("user_access")) or "active").lower()
    return ContactCenterSpec.trusted(
        package=cast(ContactCenterPackage, package) if package in _PACKAGES else None,
        role=text(item.get("role_name")) or "",
        access="inactive" if access == "inactive" else "active",
    )


def contact_center_row(item: JsonObject) -> ContactCenterRow | None:
    email = str(item.get("user_email") or "").lower()
    return ContactCenterRow(email, map_contact_center(item)) if email else None


LISTS = (
    ListSpec("cc_users", "/contact_center/users", "users", item=contact_center_row),
    ListSpec("cc_roles", "/contact_center/roles", "roles"),
)


def map_cc_roles(items: Iterable[JsonObject]) -> tuple[Named, ...]:
    roles = (Named(str(r["role_id"]), str(r.get("role_name"))) for r in items if r.get("role_id"))
    return tuple(sorted(roles, key=lambda r: r.name))


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    if user is None or user.spec.contact_center is not None:
        return (("contact_center_user", f"/contact_center/users/{ref}"),)
    return ()


def _create_body(op: Operation) -> dict[str, Any]:
    body: dict[str, Any] = {"user_email": op.user, "role_id": op.params["role_id"]}
    if op.params.get("package"):
        body["package_name"] = op.params["package"]
    if op.params.get("access"):
        body["user_access"] = op.params["access"]
    return body


def _update_fields(op: Operation) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "package" in op.params:
        body["package_name"] = op.params["package"]
    if "role_id" in op.params:
        body["role_id"] = op.params["role_id"]
    if "access" in op.params:
        body["user_access"] = op.params["access"]
    return body


async def create_contact_center_user(ctx: StepContext, op: Operation) -> str:
    body = _create_body(op)
    try:
        await ctx.call("POST", "/contact_center/users", json=body)
    except BackendError as exc:
        if exc.status == 400 and exc.code == 1007:
            return "already existed"
        raise
    return ""


async def update_contact_center_user(ctx: StepContext, op: Operation) -> str:
    body = _update_fields(op)
    await ctx.call("PATCH", f"/contact_center/users/{ctx.user_ref(op.user)}", json=body)
    return ""


# -- the batch routes: at most 20 users a call (zoomstate/core/ops.py BATCH_CC_*)


async def _send_creates(ctx: StepContext, ops: Sequence[Operation]) -> None:
    await ctx.call(
        "POST", "/contact_center/users/batch", json={"users": [_create_body(op) for op in ops]}
    )


async def _cc_users_there(ctx: StepContext, ops: Sequence[Operation]) -> set[str]:
    there = set()
    for op in ops:
        try:
            await ctx.call("GET", f"/contact_center/users/{ctx.user_ref(op.user)}")
        except BackendError as exc:
            if exc.status != 404:
                raise
        else:
            there.add(op.id)
    return there


def _update_item(ctx: StepContext, op: Operation) -> dict[str, Any]:
    # On the batch update the id wins over the e-mail [C PATCH /contact_center/users]:
    # the id when the run knows it (it survives an e-mail change), else the e-mail.
    user_id = ctx.ids.get(op.user)
    who = {"user_id": user_id} if user_id else {"user_email": op.user}
    return {**who, **_update_fields(op)}


async def _send_updates(ctx: StepContext, ops: Sequence[Operation]) -> None:
    await ctx.call(
        "PATCH", "/contact_center/users", json={"users": [_update_item(ctx, op) for op in ops]}
    )


async def _send_deletes(ctx: StepContext, ops: Sequence[Operation]) -> None:
    # One list names the users: ids when the run knows every one ("If both ... are
    # provided, only user_ids will be used" [C DELETE /contact_center/users]), else e-mails.
    ids = [ctx.ids.get(op.user) for op in ops]
    if all(ids):
        params = {"user_ids": ",".join(str(i) for i in ids)}
    else:
        params = {"user_emails": ",".join(op.user for op in ops)}
    await ctx.call("DELETE", "/contact_center/users", params=params)


async def _cc_users_gone(ctx: StepContext, ops: Sequence[Operation]) -> set[str]:
    there = await _cc_users_there(ctx, ops)
    return {op.id for op in ops} - there


async def _nothing_to_read(ctx: StepContext, ops: Sequence[Operation]) -> set[str]:
    # An update sent twice leaves the user as once: nothing to read back.
    return set()


BATCH_HANDLERS: Mapping[OpKind, BatchHandler] = {
    "create_contact_center_user": batch_handler(_send_creates, _cc_users_there),
    "update_contact_center_user": batch_handler(_send_updates, _nothing_to_read),
    "delete_contact_center_user": batch_handler(_send_deletes, _cc_users_gone),
}


async def delete_contact_center_user(ctx: StepContext, op: Operation) -> str:
    try:
        await ctx.call("DELETE", f"/contact_center/users/{ctx.user_ref(op.user)}")
    except BackendError as exc:
        if exc.status == 404:
            return "already gone"
        raise
    return ""


HANDLERS: Mapping[OpKind, Handler] = {
    "create_contact_center_user": create_contact_center_user,
    "update_contact_center_user": update_contact_center_user,
    "delete_contact_center_user": delete_contact_center_user,
}
