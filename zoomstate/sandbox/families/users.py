"""The users family: Zoom's `/users` endpoints, and the users of seeds and of the sandbox
file. Behaviour is in `users_service.py`.

A seeded user is made here, then each family's per-user step (`Family.seed_user`: its phone
profile, its Contact Center seat) runs on it before it joins the account, so the ids of a
seed come out in the same order every time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.errors import FieldError, SeedError, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext, user_seq
from zoomstate.sandbox.records import USER_PARTS, User, build, plain
from zoomstate.sandbox.routing import (
    Route,
    checked_body,
    empty,
    json_response,
    numbered_page,
    page,
    query,
)
from zoomstate.sandbox.store import Account

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["FAMILY", "SEED_EPOCH"]

_TYPES = {"basic": 1, "licensed": 2, "none": 4, 1: 1, 2: 2, 4: 4}
# A fixed instant for seeded users' creation time, so seeded accounts are reproducible.
SEED_EPOCH = 1704067200.0  # 2024-01-01T00:00:00Z


# ------------------------------------------------------------------------------ routes --


async def list_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    status = request.query_params.get("status") or "active"
    if status not in ("active", "inactive", "pending"):
        raise validation_failed([FieldError("status")])
    role_id = query(request, "role_id")
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "users",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.users_filter(status, role_id),
        render=svc.user_list_item,
        filters=f"{status}|{role_id}",
        bad_token_code=300,
    )
    return json_response(numbered_page("users", rows, token, size, total))


async def create_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "user_create")
    return json_response(rt.service.create_user(body), 201)


async def get_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_user(p["userId"]))


async def update_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "user_update")
    rt.service.update_user(p["userId"], body)
    return empty()


async def delete_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.delete_user(p["userId"], dict(request.query_params))
    return empty()


async def user_status(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "user_status")
    rt.service.set_status(p["userId"], body["action"])
    return empty(200)  # the spec documents 200 with no body [U PUT status responses]


async def get_settings(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_settings(p["userId"]))


async def update_settings(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "user_settings")
    rt.service.update_settings(p["userId"], body)
    return empty()


async def change_email(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "user_email")
    rt.service.change_email(p["userId"], body["email"])
    return empty()


ROUTES: tuple[Route, ...] = (
    Route("GET", "/users", list_users),
    Route("POST", "/users", create_user),
    Route("GET", "/users/{userId}", get_user),
    Route("PATCH", "/users/{userId}", update_user),
    Route("DELETE", "/users/{userId}", delete_user),
    Route("PUT", "/users/{userId}/status", user_status),
    Route("GET", "/users/{userId}/settings", get_settings),
    Route("PATCH", "/users/{userId}/settings", update_settings),
    Route("PUT", "/users/{userId}/email", change_email),
)


# --------------------------------------------------------------------- seed and file --


def _seed(ctx: SeedContext) -> None:
    account = ctx.account
    for i, u in enumerate(ctx.seed.get("users", [])):
        email = str(u["email"])
        if account.user_by_email(email) is not None:
            raise SeedError(f"users[{i}]: duplicate e-mail {email}")
        type_ = _TYPES.get(u.get("type", "basic"))
        if type_ is None:
            raise SeedError(f"users[{i}]: unknown type {u.get('type')!r}")
        status = str(u.get("status", "active"))
        created = SEED_EPOCH + i * 60
        user = User(
            id=account.ids.zoom_id(),
            email=email,
            first_name=str(u.get("first_name", "")),
            last_name=str(u.get("last_name", "")),
            type=type_,
            status=status,
            created_at=created,
            seq=account.new_seq(),
            role_id=ctx.lookup("role", u.get("role", "Member")).id,
            dept=str(u.get("dept", "")),
            job_title=str(u.get("job_title", "")),
            pmi=account.ids.digits(10),
            create_action=str(u.get("create_action", "autoCreate")),
            invited_at=created if status == "pending" else None,
        )
        for step in ctx.user_steps:
            step(ctx, i, u, user)
        account.add_user(user)


def _dump(account: Account) -> dict[str, Any]:
    # Each user's per-family parts (phone, cc) are nested in its object (USER_PARTS).
    return {"users": [plain(u) for u in account.ordered_users()]}


def _load(account: Account, data: dict[str, Any]) -> None:
    for u in data.get("users", []):
        raw = dict(u)
        parts = {name: raw.pop(name, None) for name in USER_PARTS}
        user = build(User, raw)
        for name, record in USER_PARTS.items():
            setattr(user, name, build(record, parts[name]) if parts[name] else None)
        account.add_user(user)


FAMILY = Family(
    name="users",
    routes=ROUTES,
    seed=_seed,
    dump=_dump,
    load=_load,
    sections=("users",),
)
