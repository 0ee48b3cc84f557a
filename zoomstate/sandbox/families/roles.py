"""The roles family: the account's roles and who holds them (`/roles`,
`/roles/{roleId}/members`). Owner, Admin and Member always exist (ids 0, 1, 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import FieldError, ZoomError, not_found_user, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext, ServiceBase, user_seq
from zoomstate.sandbox.records import (
    ADMIN_ROLE_ID,
    MEMBER_ROLE_ID,
    OWNER_ROLE_ID,
    Role,
    User,
    build,
    plain,
)
from zoomstate.sandbox.routing import (
    Route,
    checked_body,
    empty,
    json_response,
    numbered_page,
    page,
)
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["FAMILY", "RolesBehaviour"]

_DEFAULT_ROLES = [
    (OWNER_ROLE_ID, "Owner", "Account owner"),
    (ADMIN_ROLE_ID, "Admin", "Account administrator"),
    (MEMBER_ROLE_ID, "Member", "Account member"),
]


class RolesBehaviour(ServiceBase):
    def list_roles(self) -> dict[str, Any]:
        with self.account.lock:
            counts: dict[str, int] = {}
            for user in self.account.users.values():
                counts[user.role_id] = counts.get(user.role_id, 0) + 1
            roles = [
                {
                    "id": r.id,
                    "name": r.name,
                    "description": r.description,
                    "total_members": counts.get(r.id, 0),
                    "type": r.type,
                }
                for r in self.account.roles.values()
            ]
            return {"total_records": len(roles), "roles": roles}

    def _role(self, role_id: str) -> None:
        if role_id not in self.account.roles:
            raise ZoomError(404, 1001, f"Role does not exist: {role_id}.")

    def role_filter(self, role_id: str) -> Callable[[User], bool]:
        with self.account.lock:
            self._role(role_id)
        return lambda u: u.role_id == role_id and u.status != "pending"

    def role_member_item(self, user: User) -> dict[str, Any]:
        return {
            "id": user.id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "type": user.type,
            "department": user.dept,
        }

    def assign_role(self, role_id: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        with self.account.lock:
            self._role(role_id)
            if role_id == OWNER_ROLE_ID:
                raise ZoomError(400, 300, "The Owner role cannot be assigned.")
            users: list[User] = []
            for m in members:
                key = m.get("id") or m.get("email")
                if not key:
                    raise validation_failed([FieldError("members")])
                user = self._user(str(key), allow_pending=False)
                if user.role_id == OWNER_ROLE_ID:
                    raise ZoomError(400, 300, "The account owner's role cannot be changed.")
                users.append(user)
            for user in users:
                user.role_id = role_id
            self.account.version += 1
            return {"ids": ",".join(u.id for u in users), "add_at": iso(self.clock.now())}

    def unassign_role(self, role_id: str, member_id: str) -> None:
        with self.account.lock:
            self._role(role_id)
            user = self._user(member_id, allow_pending=False)
            if user.role_id != role_id:
                raise not_found_user(member_id)
            if role_id in (OWNER_ROLE_ID, MEMBER_ROLE_ID):
                raise ZoomError(400, 300, f"Members cannot be removed from role {role_id}.")
            # Unassigning a role puts the user back on the default Member role.
            user.role_id = MEMBER_ROLE_ID
            self.account.version += 1


# ------------------------------------------------------------------------------ routes --


async def list_roles(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.list_roles())


async def role_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    role_id = p["roleId"]
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "role_members",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.role_filter(role_id),
        render=svc.role_member_item,
        filters=role_id,
        bad_token_code=300,
    )
    return json_response(numbered_page("members", rows, token, size, total))


async def add_role_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "role_members")
    return json_response(rt.service.assign_role(p["roleId"], body["members"]), 201)


async def remove_role_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.unassign_role(p["roleId"], p["memberId"])
    return empty()


ROUTES: tuple[Route, ...] = (
    Route("GET", "/roles", list_roles),
    Route("GET", "/roles/{roleId}/members", role_members),
    Route("POST", "/roles/{roleId}/members", add_role_members),
    Route("DELETE", "/roles/{roleId}/members/{memberId}", remove_role_member),
)


# --------------------------------------------------------------------- seed and file --


def _seed(ctx: SeedContext) -> None:
    account = ctx.account
    for rid, name, desc in _DEFAULT_ROLES:
        account.roles[rid] = Role(id=rid, name=name, description=desc)
    for r in ctx.seed.get("roles", []):
        rid = str(r.get("id") or account.ids.zoom_id())
        account.roles[rid] = Role(
            id=rid, name=str(r["name"]), description=str(r.get("description", ""))
        )
    roles_by_name: dict[str, Any] = {r.name.lower(): r for r in account.roles.values()}
    roles_by_name.update({r.id: r for r in account.roles.values()})
    ctx.tables["role"] = roles_by_name


def _dump(account: Account) -> dict[str, Any]:
    return {"roles": [plain(r) for r in account.roles.values()]}


def _load(account: Account, data: dict[str, Any]) -> None:
    for r in data.get("roles", []):
        role = build(Role, r)
        account.roles[role.id] = role


FAMILY = Family(
    name="roles",
    routes=ROUTES,
    seed=_seed,
    dump=_dump,
    load=_load,
    sections=("roles",),
)
