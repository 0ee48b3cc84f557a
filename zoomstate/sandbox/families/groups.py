"""The user groups family: Zoom's `/groups` and `/groups/{groupId}/members` (users.json,
tag Groups): list and create groups, list, add (at most 30 a call), move, set as primary
and remove members. A user's memberships live on its record (`User.group_ids`), so a
deleted user leaves its groups with it, and `GET /users` pages carry them as
`group_ids`; an invitee's `group_id` (`PATCH /users/{userId}`) is the users family's.

Zoom's limits on creating groups ("a maximum of 100 groups in one account per day, and a
maximum of 5000 groups in one account") and its codes: 4130 no such group, 4131 not a
member, 4132 a name in use, 1010 a user not in the account (U POST/DELETE/PATCH
/groups/... responses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import FieldError, SeedError, ZoomError, validation_failed
from zoomstate.sandbox.families.base import (
    DAY,
    Family,
    SeedContext,
    ServiceBase,
    lookup,
    user_seq,
)
from zoomstate.sandbox.records import Group, User, build, plain
from zoomstate.sandbox.routing import Route, checked_body, empty, json_response, page
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["CREATES_PER_DAY", "FAMILY", "GROUPS_PER_ACCOUNT", "GroupsBehaviour"]

CREATES_PER_DAY = 100
GROUPS_PER_ACCOUNT = 5000


def group_not_found(group_id: str) -> ZoomError:
    return ZoomError(404, 4130, f"A group with this {group_id} does not exist.")


class GroupsBehaviour(ServiceBase):
    def _group(self, group_id: str) -> Group:
        group = self.account.groups.get(group_id)
        if group is None:
            raise group_not_found(group_id)
        return group

    def ordered_groups(self) -> list[Group]:
        return sorted(self.account.groups.values(), key=lambda g: g.seq)

    def group_item(self) -> Callable[[Group], dict[str, Any]]:
        """The rendering of a group in `GET /groups`, its member count taken once."""
        counts: dict[str, int] = {}
        with self.account.lock:
            for user in self.account.users.values():
                for gid in user.group_ids:
                    counts[gid] = counts.get(gid, 0) + 1

        def item(group: Group) -> dict[str, Any]:
            return {"id": group.id, "name": group.name, "total_members": counts.get(group.id, 0)}

        return item

    def create_group(self, name: str) -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise ZoomError(400, 300, "Invalid parameter: name.")
        with self.account.lock:
            if any(g.name.lower() == name.lower() for g in self.account.groups.values()):
                raise ZoomError(409, 4132, f'The group name "{name}" is already in use.')
            if len(self.account.groups) >= GROUPS_PER_ACCOUNT:
                raise ZoomError(
                    400,
                    300,
                    "It has reached the maximum number of groups. You can clean up some "
                    "groups then add.",
                )
            now = self.clock.now()
            today = sum(
                1 for g in self.account.groups.values() if g.created_at // DAY == now // DAY
            )
            if today >= CREATES_PER_DAY:
                # Zoom documents the cap, not its answer: the sandbox's choice, docs/sandbox.md.
                raise ZoomError(
                    400,
                    300,
                    f"You can add a maximum of {CREATES_PER_DAY} groups in one account per day.",
                )
            seq = max((g.seq for g in self.account.groups.values()), default=0) + 1
            group = Group(id=self.account.ids.zoom_id(), name=name, created_at=now, seq=seq)
            self.account.add_group(group)
            return {"id": group.id, "name": group.name, "total_members": 0}

    def members_filter(self, group_id: str) -> Callable[[User], bool]:
        with self.account.lock:
            self._group(group_id)
        # Invitees have no id in Zoom's listings; they are listed once they accept.
        return lambda u: group_id in u.group_ids and u.status != "pending"

    def member_item(self, group_id: str) -> Callable[[User], dict[str, Any]]:
        def item(user: User) -> dict[str, Any]:
            return {
                "id": user.id,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "type": user.type,
                # Not in the spec's schema; Zoom's clients read it (docs/sandbox.md).
                "primary_group": user.primary_group_id == group_id,
            }

        return item

    def _member(self, key: str, code: int) -> User:
        """A member named by id or e-mail: Zoom's 1010 (adding) or 4131 (changing) when
        it is not a user of the account. An invitee does not belong to it yet."""
        user = self.account.find_user(key)
        if user is None or user.status == "pending":
            if code == 1010:
                raise ZoomError(
                    400,
                    1010,
                    f"User does not belong to this account: {self.account.info.account_id}.",
                )
            raise ZoomError(404, 4131, "Group member does not exist.")
        return user

    def add_members(self, group_id: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        with self.account.lock:
            self._group(group_id)
            users: list[User] = []
            for index, m in enumerate(members):
                key = m.get("id") or m.get("email")
                if not key:
                    raise validation_failed([FieldError(f"members[{index}]")])
                users.append(self._member(str(key), 1010))
            for user in users:
                self.account.join_group(user, group_id)
            return {"ids": ",".join(u.id for u in users), "added_at": iso(self.clock.now())}

    def _in_group(self, group_id: str, member_id: str) -> User:
        self._group(group_id)
        user = self._member(member_id, 4131)
        if group_id not in user.group_ids:
            raise ZoomError(404, 4131, "Group member does not exist.")
        return user

    def update_member(self, group_id: str, member_id: str, body: dict[str, Any]) -> None:
        target = body.get("target_group_id")
        with self.account.lock:
            if body["action"] == "set_primary":
                chosen = str(target) if target else group_id
                user = self._in_group(chosen, member_id)
                user.primary_group_id = chosen
                self.account.version += 1
                return
            if not target:
                raise ZoomError(400, 300, "The target_group_id can not be empty.")
            user = self._in_group(group_id, member_id)
            self._group(str(target))
            # A move keeps the user in a group throughout, and its primary group with it.
            was_primary = user.primary_group_id == group_id
            self.account.join_group(user, str(target))
            self.account.leave_group(user, group_id)
            if was_primary:
                user.primary_group_id = str(target)

    def remove_member(self, group_id: str, member_id: str) -> None:
        with self.account.lock:
            user = self._in_group(group_id, member_id)
            self.account.leave_group(user, group_id)


# ------------------------------------------------------------------------------ routes --


async def list_groups(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    svc = rt.service
    rows, token, _, total = page(
        rt,
        request,
        "groups",
        svc.ordered_groups(),
        key=lambda g: g.seq,
        keep=lambda g: True,
        render=svc.group_item(),
        filters="",
        bad_token_code=300,
    )
    return json_response({"groups": rows, "next_page_token": token, "total_records": total})


async def create_group(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "group_create")
    return json_response(rt.service.create_group(str(body.get("name") or "")), 201)


async def group_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    group_id = p["groupId"]
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "group_members",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.members_filter(group_id),
        render=svc.member_item(group_id),
        filters=group_id,
        bad_token_code=300,
    )
    return json_response(
        {
            "members": rows,
            "next_page_token": token,
            "page_count": max((total + size - 1) // size, 1) if total else 0,
            "page_number": 1,
            "page_size": size,
            "total_records": total,
        }
    )


async def add_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "group_members")
    return json_response(rt.service.add_members(p["groupId"], body["members"]), 201)


async def update_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "group_member_update")
    rt.service.update_member(p["groupId"], p["memberId"], body)
    return empty()


async def remove_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.remove_member(p["groupId"], p["memberId"])
    return empty()


ROUTES: tuple[Route, ...] = (
    Route("GET", "/groups", list_groups),
    Route("POST", "/groups", create_group),
    Route("GET", "/groups/{groupId}/members", group_members),
    Route("POST", "/groups/{groupId}/members", add_members),
    Route("PATCH", "/groups/{groupId}/members/{memberId}", update_member),
    Route("DELETE", "/groups/{groupId}/members/{memberId}", remove_member),
)


# --------------------------------------------------------------------- seed and file --


def _seed(ctx: SeedContext) -> None:
    """The seed's groups, then each seeded user's (`groups:`, `primary_group:`). Run after
    the users family, so that a seed without groups draws no id and keeps its users' ids."""
    account = ctx.account
    by_name: dict[str, Group] = {}
    for i, g in enumerate(ctx.seed.get("groups", [])):
        name = str(g["name"])
        if name.lower() in by_name:
            raise SeedError(f"groups[{i}]: duplicate group {name}")
        group = Group(account.ids.zoom_id(), name, float(g.get("created_at", 0.0)), i + 1)
        account.add_group(group)
        by_name[name.lower()] = group
    for i, u in enumerate(ctx.seed.get("users", [])):
        names = [str(n) for n in u.get("groups", [])]
        primary = u.get("primary_group")
        if not names and primary is None:
            continue
        user = account.user_by_email(str(u["email"]))
        assert user is not None
        for name in names:
            try:
                account.join_group(user, lookup(by_name, name, "group").id)
            except SeedError as exc:
                raise SeedError(f"users[{i}]: {exc}") from None
        if primary is not None:
            if str(primary) not in names:
                raise SeedError(f"users[{i}]: primary_group {primary} is not one of its groups")
            user.primary_group_id = by_name[str(primary).lower()].id


def _dump(account: Account) -> dict[str, Any]:
    return {"groups": [plain(g) for g in account.groups.values()]}


def _load(account: Account, data: dict[str, Any]) -> None:
    for g in data.get("groups", []):
        account.add_group(build(Group, g))


FAMILY = Family(
    name="groups",
    routes=ROUTES,
    seed=_seed,
    dump=_dump,
    load=_load,
    sections=("groups",),
)
