"""Zoom account roles: the list read and its mapping, and the handler that puts a user in
a role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError, RateLimited
from zoomstate.live import LiveUser, Named
from zoomstate.zoom.adapters.base import Handler, JsonObject, ListSpec, StepContext
from zoomstate.zoom.paths import seg

LISTS = (ListSpec("roles", "/roles", "roles"),)


def role_names(items: Iterable[JsonObject]) -> dict[str, str]:
    """Role id -> name (a user's `role_id` is read back as the role's name)."""
    return {str(r.get("id")): str(r.get("name")) for r in items if r.get("id") is not None}


def map_roles(names: dict[str, str]) -> tuple[Named, ...]:
    return tuple(sorted((Named(k, v) for k, v in names.items()), key=lambda r: r.id))


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    # A user's role is in the user record the users adapter reads.
    return ()


async def assign_role(ctx: StepContext, op: Operation) -> str:
    role_id = str(op.params["role_id"])
    member = {"id": ctx.ids[op.user]} if op.user in ctx.ids else {"email": op.user}
    try:
        await ctx.call("POST", f"/roles/{seg(role_id)}/members", json={"members": [member]})
    except BackendError as exc:
        # Zoom does not document its answer for a user already in the role (our own
        # earlier request whose answer was lost, retried): read the user's role
        # rather than fail a step that is already done.
        if exc.status is None or exc.status >= 500 or isinstance(exc, RateLimited):
            raise
        user = await ctx.call("GET", f"/users/{ctx.user_ref(op.user)}")
        if isinstance(user, dict) and str(user.get("role_id")) == role_id:
            return "already in the role"
        raise
    return ""


HANDLERS: Mapping[OpKind, Handler] = {
    "assign_role": assign_role,
}
