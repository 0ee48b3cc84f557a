"""The Contact Center family: agents (`/contact_center/users`),
their roles (`/contact_center/roles`) and the account's packages, whose seats the agents
take. Behaviour is in `cc_users.py` (agents and the checks of a create or an update) and
`cc_batch.py` (the batch create, update and delete);
this module holds the routes and the family's part of seeds and of the sandbox file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.errors import FieldError, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext, user_seq
from zoomstate.sandbox.records import CCPackage, CCProfile, CCRole, User, build, plain
from zoomstate.sandbox.routing import Route, checked_body, empty, json_response, page, query
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["FAMILY"]

# ------------------------------------------------------------------------------ routes --


async def list_cc_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    access = query(request, "user_access")
    if access is not None and access not in ("active", "inactive"):
        raise validation_failed([FieldError("user_access")])
    key, region = query(request, "search_key"), query(request, "region_id")
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "cc_users",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.cc_filter(key, access, region),
        render=svc.cc_item,
        filters=f"{key}|{access}|{region}",
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "users": rows}
    )


async def create_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "cc_user_create")
    return json_response(rt.service.create_cc_user(body), 201)


async def batch_create_cc_users(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    body = await checked_body(request, "cc_user_batch_create")
    return json_response({"users": rt.service.batch_create_cc_users(body["users"])}, 201)


async def batch_update_cc_users(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    body = await checked_body(request, "cc_user_batch_update")
    rt.service.batch_update_cc_users(body["users"])
    return empty()


def _listed(request: Request, name: str) -> list[str]:
    # "A comma-separated list" [C DELETE /contact_center/users param:user_ids].
    return [key for key in (query(request, name) or "").split(",") if key]


async def batch_delete_cc_users(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    rt.service.batch_delete_cc_users(_listed(request, "user_ids"), _listed(request, "user_emails"))
    return empty()


async def get_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_cc_user(p["userId"]))


async def update_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "cc_user_update")
    rt.service.update_cc_user(p["userId"], body)
    return empty()


async def delete_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.delete_cc_user(p["userId"])
    return empty()


async def cc_roles(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    # Paginated like every other listing: a fixed first page with no token would hide
    # every role past page_size (30 by default).
    roles = rt.service.cc_roles()
    rows, token, size, total = page(
        rt,
        request,
        "cc_roles",
        list(range(len(roles))),
        key=lambda i: i,
        keep=lambda i: True,
        render=lambda i: roles[i],
        filters="",
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "roles": rows}
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/contact_center/users", list_cc_users),
    Route("POST", "/contact_center/users", create_cc_user),
    Route("PATCH", "/contact_center/users", batch_update_cc_users),
    Route("DELETE", "/contact_center/users", batch_delete_cc_users),
    Route("POST", "/contact_center/users/batch", batch_create_cc_users),
    Route("GET", "/contact_center/users/{userId}", get_cc_user),
    Route("PATCH", "/contact_center/users/{userId}", update_cc_user),
    Route("DELETE", "/contact_center/users/{userId}", delete_cc_user),
    Route("GET", "/contact_center/roles", cc_roles),
)


# --------------------------------------------------------------------- seed and file --


def _seed(ctx: SeedContext) -> None:
    account = ctx.account
    for r in ctx.seed.get("cc_roles", []):
        cc_role = CCRole(
            id=str(r.get("id") or account.ids.zoom_id()),
            name=str(r["name"]),
            description=str(r.get("description", "")),
        )
        account.cc_roles[cc_role.id] = cc_role
    ctx.tables["cc role"] = {r.name.lower(): r for r in account.cc_roles.values()}
    for p in ctx.seed.get("cc_packages", []):
        account.cc_packages[str(p["name"])] = CCPackage(name=str(p["name"]), seats=int(p["seats"]))


def _seed_user(ctx: SeedContext, i: int, u: dict[str, Any], user: User) -> None:
    cc = u.get("contact_center")
    if cc:
        user.cc = CCProfile(
            role_id=ctx.lookup("cc role", cc.get("role", "Agent")).id,
            package_name=cc.get("package"),
            user_access=str(cc.get("access", "active")),
            region_id=ctx.account.info.cc_region_id,
            modified_at=user.created_at,
        )


def _dump(account: Account) -> dict[str, Any]:
    return {
        "cc_roles": [plain(r) for r in account.cc_roles.values()],
        "cc_packages": [plain(p) for p in account.cc_packages.values()],
    }


def _load(account: Account, data: dict[str, Any]) -> None:
    for r in data.get("cc_roles", []):
        cc_role = build(CCRole, r)
        account.cc_roles[cc_role.id] = cc_role
    for p in data.get("cc_packages", []):
        pkg = build(CCPackage, p)
        account.cc_packages[pkg.name] = pkg


FAMILY = Family(
    name="contact_center",
    routes=ROUTES,
    seed=_seed,
    seed_user=_seed_user,
    dump=_dump,
    load=_load,
    sections=("cc_roles", "cc_packages"),
)
