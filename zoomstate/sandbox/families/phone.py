"""The phone family: Zoom Phone users, calling plans, numbers, sites and setting templates
(`/phone/...`). Behaviour is in `phone_core.py` (licence, extensions, coverage),
`phone_users.py` (phone users, batch) and `phone_numbers.py` (plans, numbers, listings);
this module holds the routes and the family's part of seeds and of the sandbox file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.sandbox.errors import FieldError, SeedError, validation_failed
from zoomstate.sandbox.families.base import Family, SeedContext, user_seq
from zoomstate.sandbox.records import (
    EXTENSION_TYPES,
    NON_USER_HOLDERS,
    CallingPlan,
    PhoneNumber,
    PhoneProfile,
    SettingTemplate,
    Site,
    User,
    build,
    default_plan_countries,
    plain,
)
from zoomstate.sandbox.routing import Route, checked_body, empty, json_response, page, query
from zoomstate.sandbox.store import Account
from zoomstate.sandbox.validation import coerce_query_int

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["FAMILY"]

_COUNTRIES = {"US": "United States", "GB": "United Kingdom", "CA": "Canada", "IE": "Ireland"}


def _number_key(n: PhoneNumber) -> str:
    return n.number


# ------------------------------------------------------------------------------ routes --


async def list_phone_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    status = query(request, "status")
    if status is not None and status not in ("activate", "deactivate", "pending"):
        raise validation_failed([FieldError("status")])
    calling_type = query(request, "calling_type")
    ct = coerce_query_int(calling_type, "calling_type", 0) if calling_type else None
    site_id, dept, kw = (
        query(request, "site_id"),
        query(request, "department"),
        query(request, "keyword"),
    )
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "phone_users",
        rt.account.ordered_users(),
        key=user_seq,
        keep=svc.phone_users_filter(site_id, ct, status, dept, kw),
        render=svc.phone_user_item,
        filters=f"{site_id}|{ct}|{status}|{dept}|{kw}",
        bad_token_code=400,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "users": rows}
    )


async def get_phone_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.get_phone_user(p["userId"]))


async def get_phone_user_settings(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    return json_response(rt.service.get_phone_user_settings(p["userId"]))


async def update_phone_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "phone_user_update")
    rt.service.update_phone_user(p["userId"], body)
    return empty()


async def batch_phone_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "phone_batch")
    return json_response(rt.service.batch_add(body["users"]), 201)


async def batch_update_phone_users(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    rt.service.batch_update_phone_users(await checked_body(request, "phone_batch_update"))
    return empty()


async def add_plans(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "calling_plans_add")
    rt.service.add_calling_plans(p["userId"], body["calling_plans"])
    return empty(200)  # "200 Calling plan assigned successfully", no body [P]


async def switch_plan(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "calling_plans_switch")
    rt.service.switch_calling_plan(p["userId"], body["source_type"], body["target_type"])
    return empty()


async def remove_plan(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.remove_calling_plan(p["userId"], p["planType"])
    return empty()


async def assign_numbers(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await checked_body(request, "phone_numbers_add")
    # Live Zoom answers 201, not the spec's 200 (folio-sec patchSpec.js, REFERENCE §7.7).
    return json_response(rt.service.assign_numbers(p["userId"], body["phone_numbers"]), 201)


async def unassign_number(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.unassign_number(p["userId"], p["phoneNumberId"])
    return empty()


async def list_numbers(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    type_ = request.query_params.get("type") or "all"
    if type_ not in ("assigned", "unassigned", "byoc", "all"):
        raise validation_failed([FieldError("type")])
    ext_type, site_id, ntype = (
        query(request, "extension_type"),
        query(request, "site_id"),
        query(request, "number_type"),
    )
    # [P GET /phone/numbers params]: extension_type "can be set only if type is
    # assigned", and is one of the assignee kinds.
    if ext_type is not None and (type_ != "assigned" or ext_type not in EXTENSION_TYPES):
        raise validation_failed([FieldError("extension_type")])
    svc = rt.service
    rows, token, size, total = page(
        rt,
        request,
        "numbers",
        rt.account.ordered_numbers(),
        key=_number_key,
        keep=svc.numbers_filter(type_, ext_type, site_id, ntype),
        render=svc.number_item,
        filters=f"{type_}|{ext_type}|{site_id}|{ntype}",
        bad_token_code=400,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "phone_numbers": rows}
    )


async def calling_plans(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return json_response(rt.service.calling_plans())


async def list_sites(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    sites = list(rt.account.sites.values())
    rows, token, size, total = page(
        rt,
        request,
        "sites",
        sites,
        key=lambda s: sites.index(s),
        keep=lambda s: True,
        render=rt.service.site_item,
        filters="",
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "sites": rows}
    )


async def list_templates(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    site_id = query(request, "site_id")
    templates = list(rt.account.templates.values())
    rows, token, size, total = page(
        rt,
        request,
        "templates",
        templates,
        key=lambda t: templates.index(t),
        keep=lambda t: t.site_id == site_id,
        render=rt.service.template_item,
        filters=str(site_id),
        bad_token_code=300,
    )
    return json_response(
        {"next_page_token": token, "page_size": size, "total_records": total, "templates": rows}
    )


ROUTES: tuple[Route, ...] = (
    Route("GET", "/phone/users", list_phone_users),
    Route("GET", "/phone/users/{userId}", get_phone_user),
    Route("GET", "/phone/users/{userId}/settings", get_phone_user_settings),
    Route("PATCH", "/phone/users/{userId}", update_phone_user),
    Route("POST", "/phone/users/batch", batch_phone_users),
    Route("PUT", "/phone/users/batch", batch_update_phone_users),
    Route("POST", "/phone/users/{userId}/calling_plans", add_plans),
    Route("PUT", "/phone/users/{userId}/calling_plans", switch_plan),
    Route("DELETE", "/phone/users/{userId}/calling_plans/{planType}", remove_plan),
    Route("POST", "/phone/users/{userId}/phone_numbers", assign_numbers),
    Route("DELETE", "/phone/users/{userId}/phone_numbers/{phoneNumberId}", unassign_number),
    Route("GET", "/phone/numbers", list_numbers),
    Route("GET", "/phone/calling_plans", calling_plans),
    Route("GET", "/phone/sites", list_sites),
    Route("GET", "/phone/setting_templates", list_templates),
)


# --------------------------------------------------------------------- seed and file --


def _e164_range(start: str, end: str) -> list[str]:
    a, b = int(start.lstrip("+")), int(end.lstrip("+"))
    if b < a or b - a > 1_000_000:
        raise SeedError(f"bad number range {start}..{end}")
    return [f"+{n}" for n in range(a, b + 1)]


def _seed(ctx: SeedContext) -> None:
    account, seed = ctx.account, ctx.seed
    ids = account.ids
    sites_by_name: dict[str, Any] = {}
    ctx.tables["site"] = sites_by_name
    for s in seed.get("sites", []):
        country = str(s.get("country", "US"))
        site = Site(
            id=ids.zoom_id(),
            name=str(s["name"]),
            site_code=int(s["site_code"]),
            country_code=country,
            country_name=str(s.get("country_name", _COUNTRIES.get(country, country))),
            extension_start=int(s.get("extension_start", 1000)),
        )
        account.sites[site.id] = site
        sites_by_name[site.name.lower()] = site
    default_site = (seed.get("account") or {}).get("default_site")
    if default_site is not None:
        account.info.default_site_id = ctx.lookup("site", default_site).id
    _seed_plans(ctx)
    _seed_numbers(ctx)
    templates_by_name: dict[str, Any] = {}
    for t in seed.get("setting_templates", []):
        tsite: Site | None = ctx.lookup("site", t["site"]) if t.get("site") else None
        tpl = SettingTemplate(
            id=ids.zoom_id(),
            name=str(t["name"]),
            type=str(t.get("type", "user")),
            description=str(t.get("description", "")),
            site_id=tsite.id if tsite else None,
        )
        account.templates[tpl.id] = tpl
        templates_by_name[tpl.name.lower()] = tpl
    ctx.tables["template"] = templates_by_name
    ctx.tables["number"] = {n.number: n for n in account.numbers.values()}


def _seed_plans(ctx: SeedContext) -> None:
    plans_by_name: dict[str, Any] = {}
    for p in ctx.seed.get("calling_plans", []):
        plan = CallingPlan(
            type=int(p["type"]),
            name=str(p["name"]),
            subscribed=int(p.get("subscribed", 0)),
            countries=list(p.get("countries") or default_plan_countries(int(p["type"]))),
        )
        ctx.account.plans[plan.type] = plan
        plans_by_name[plan.name.lower()] = plan
        plans_by_name[str(plan.type)] = plan
    ctx.tables["calling plan"] = plans_by_name


def _seed_numbers(ctx: SeedContext) -> None:
    account = ctx.account
    for n in ctx.seed.get("phone_numbers", []):
        nsite: Site | None = ctx.lookup("site", n["site"]) if n.get("site") else None
        numbers = _e164_range(n["from"], n["to"]) if "from" in n else [str(n["number"])]
        holder = n.get("holder") or {}
        if holder and holder.get("type") not in NON_USER_HOLDERS:
            raise SeedError(f"phone_numbers: holder type must be one of {list(NON_USER_HOLDERS)}")
        for e164 in numbers:
            account.add_number(
                PhoneNumber(
                    id=account.ids.zoom_id(),
                    number=e164,
                    site_id=nsite.id if nsite else None,
                    number_type=str(n.get("number_type", "toll")),
                    location=str(n.get("location", "")),
                    holder_type=holder.get("type"),
                    holder_id=account.ids.zoom_id() if holder else "",
                    holder_name=str(holder.get("name", "")),
                )
            )


def _seed_user(ctx: SeedContext, i: int, u: dict[str, Any], user: User) -> None:
    ph = u.get("phone")
    if not ph:
        return
    account = ctx.account
    site = (
        ctx.lookup("site", ph["site"])
        if ph.get("site")
        else account.sites[account.info.default_site_id or next(iter(account.sites))]
    )
    plans = [ctx.lookup("calling plan", str(p)).type for p in ph.get("calling_plans", [])]
    nums = []
    for e164 in ph.get("numbers", []):
        number = ctx.tables["number"].get(str(e164))
        if number is None:
            raise SeedError(f"users[{i}]: number {e164} is not in phone_numbers")
        if number.assignee is not None or number.holder_type is not None:
            raise SeedError(f"users[{i}]: number {e164} is already assigned")
        number.assignee = user.id
        nums.append(number.id)
    ext = int(ph["extension"]) if ph.get("extension") else None
    user.phone = PhoneProfile(
        phone_user_id=account.ids.zoom_id(),
        extension_id=account.ids.zoom_id(),
        extension_number=ext if ext is not None else 0,
        site_id=site.id,
        calling_plans=plans,
        numbers=nums,
        template_id=ctx.lookup("template", ph["template"]).id if ph.get("template") else None,
    )
    user.zoom_phone = True
    if ext is None:
        short = site.extension_start + i
        user.phone.extension_number = int(f"{site.site_code}{short}")
    if user.phone.extension_number in account.ext_owner:
        raise SeedError(f"users[{i}]: extension {user.phone.extension_number} reused")


def _seed_check(ctx: SeedContext) -> None:
    for plan in ctx.account.plans.values():
        if plan.assigned > plan.subscribed:
            raise SeedError(f"calling plan {plan.name}: {plan.assigned} assigned > subscribed")


def _dump(account: Account) -> dict[str, Any]:
    return {
        "sites": [plain(s) for s in account.sites.values()],
        "calling_plans": [plain(p) for p in account.plans.values()],
        "phone_numbers": [plain(n) for n in account.ordered_numbers()],
        "setting_templates": [plain(t) for t in account.templates.values()],
    }


def _load(account: Account, data: dict[str, Any]) -> None:
    for s in data.get("sites", []):
        site = build(Site, s)
        account.sites[site.id] = site
    for p in data.get("calling_plans", []):
        plan = build(CallingPlan, p)
        account.plans[plan.type] = plan
    for n in data.get("phone_numbers", []):
        number = build(PhoneNumber, n)
        number.assignee = None  # re-derived from the users, loaded after
        account.add_number(number)
    for t in data.get("setting_templates", []):
        tpl = build(SettingTemplate, t)
        account.templates[tpl.id] = tpl


FAMILY = Family(
    name="phone",
    routes=ROUTES,
    seed=_seed,
    seed_user=_seed_user,
    seed_check=_seed_check,
    dump=_dump,
    load=_load,
    sections=("sites", "calling_plans", "phone_numbers", "setting_templates"),
)
