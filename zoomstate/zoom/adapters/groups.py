"""Zoom user groups: the list read and its mapping (a user's memberships come with the
user, as `group_ids` on the `GET /users` pages already read; the primary group from the
member lists of the groups a state names as primary, read only then), and the write
handlers: create a group, add members (30 a call; an invitee through `PATCH /users/{id}`
`group_id`), move a member (`action: move`), set the primary group, remove a member."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError
from zoomstate.live import LiveUser, Named
from zoomstate.zoom.adapters.base import Handler, JsonObject, ListSpec, StepContext
from zoomstate.zoom.paths import seg

# Optional: `GET /groups` is "only available for paid accounts" (400 / 200).
LISTS = (ListSpec("groups", "/groups", "groups"),)
MEMBERS_PATH = "/groups/{groupId}/members"


def group_names(items: Iterable[JsonObject]) -> dict[str, str]:
    """Group id -> name (a user's `group_ids` are read back as names)."""
    return {str(g["id"]): str(g.get("name") or g["id"]) for g in items if g.get("id")}


def map_groups(names: Mapping[str, str]) -> tuple[Named, ...]:
    return tuple(sorted((Named(k, v) for k, v in names.items()), key=lambda g: g.name))


def user_groups(item: JsonObject, names: Mapping[str, str]) -> tuple[str, ...] | None:
    """A user's groups by name, sorted; None when the account has no groups at all (the
    state then has nothing to compare them with)."""
    if not names:
        return None
    return tuple(sorted(names.get(str(g), str(g)) for g in item.get("group_ids") or ()))


def primaries(members: Mapping[str, list[JsonObject]]) -> dict[str, str]:
    """E-mail -> primary group, from the member lists read (group name -> members): Zoom
    flags the member of a group that is its primary one (`primary_group`, which Zoom's
    clients read although the spec does not list it; docs/zoom-client.md)."""
    out: dict[str, str] = {}
    for name, items in sorted(members.items()):
        for item in items:
            email = str(item.get("email") or "").lower()
            if email and item.get("primary_group") is True:
                out[email] = name
    return out


# -- snapshot reads and write handlers


def snapshot_reads(user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
    # A user's groups are in the user record the users adapter reads.
    return ()


def _group_key(name: str) -> str:
    # Where create_group records a new group's id in the run's ids (user keys are
    # e-mails, which never start so).
    return f"group:{name}"


async def _group_id(ctx: StepContext, group_id: object, name: str) -> str:
    """The group's id: the plan's, else the one this run's create_group got, else looked
    up by name (a run resumed after the creation)."""
    if isinstance(group_id, str) and group_id:
        return group_id
    known = ctx.ids.get(_group_key(name))
    if known:
        return known
    token = ""
    while True:
        params = {"page_size": "300", **({"next_page_token": token} if token else {})}
        data = await ctx.call("GET", "/groups", params=params)
        page = data if isinstance(data, dict) else {}
        for item in page.get("groups") or []:
            if item.get("name") == name and item.get("id"):
                ctx.ids[_group_key(name)] = str(item["id"])
                return str(item["id"])
        token = str(page.get("next_page_token") or "")
        if not token:
            break
    raise BackendError(f"group {name!r} does not exist in Zoom", method="GET", path="/groups")


async def create_group(ctx: StepContext, op: Operation) -> str:
    name = str(op.params["name"])
    try:
        data = await ctx.call("POST", "/groups", json={"name": name})
    except BackendError as exc:
        if exc.status != 409 or exc.code != 4132:
            raise
        # Already there: our own earlier request whose answer was lost, or someone else's.
        await _group_id(ctx, None, name)
        return "already existed"
    if isinstance(data, dict) and data.get("id"):
        ctx.ids[_group_key(name)] = str(data["id"])
    return ""


async def add_group_members(ctx: StepContext, op: Operation) -> str:
    p = op.params
    name = str(p["group"])
    group_id = await _group_id(ctx, p.get("group_id"), name)
    members = [str(m) for m in p.get("members") or []]  # type: ignore[union-attr]
    if members:
        body = [{"id": ctx.ids[m]} if m in ctx.ids else {"email": m} for m in members]
        await ctx.call("POST", f"/groups/{seg(group_id)}/members", json={"members": body})
    # An invitee has no id yet, and Zoom takes its group only this way.
    for key in p.get("pending") or []:  # type: ignore[union-attr]
        await ctx.call("PATCH", f"/users/{seg(str(key))}", json={"group_id": group_id})
    return ""


async def move_group_member(ctx: StepContext, op: Operation) -> str:
    p = op.params
    source = await _group_id(ctx, p["group_id"], str(p["group"]))
    target = await _group_id(ctx, p.get("target_group_id"), str(p["target"]))
    await ctx.call(
        "PATCH",
        f"/groups/{seg(source)}/members/{ctx.user_ref(op.user)}",
        json={"action": "move", "target_group_id": target},
    )
    return ""


async def set_primary_group(ctx: StepContext, op: Operation) -> str:
    group_id = await _group_id(ctx, op.params.get("group_id"), str(op.params["group"]))
    # Zoom's spec: the path names the group to make primary, and so does target_group_id.
    await ctx.call(
        "PATCH",
        f"/groups/{seg(group_id)}/members/{ctx.user_ref(op.user)}",
        json={"action": "set_primary", "target_group_id": group_id},
    )
    return ""


async def remove_group_member(ctx: StepContext, op: Operation) -> str:
    group_id = await _group_id(ctx, op.params.get("group_id"), str(op.params["group"]))
    try:
        await ctx.call("DELETE", f"/groups/{seg(group_id)}/members/{ctx.user_ref(op.user)}")
    except BackendError as exc:
        if exc.status == 404 and exc.code == 4131:
            return "already out of the group"
        raise
    return ""


HANDLERS: Mapping[OpKind, Handler] = {
    "create_group": create_group,
    "add_group_members": add_group_members,
    "move_group_member": move_group_member,
    "set_primary_group": set_primary_group,
    "remove_group_member": remove_group_member,
}
