"""Read a whole account from list endpoints only, concurrently, in the fewest calls.

One pass per list (users in each of the three statuses, phone users, phone numbers,
calling plans, sites, setting templates, roles, Contact Center users and roles), no
per-user GETs: on 100,000 users a per-user reader needs 200,000 calls where this needs a
few hundred. The lists are independent, so they are fetched at the same time; the
pacer keeps each API family and label inside its budget.

Mapping (`map_*`) turns Zoom's JSON into the spec types the loader produces: e-mails
lower-cased, numbers in E.164, extensions as full integers, calling plans as type codes,
Zoom's defaults and read-only fields dropped so they never show as differences. Fields
that no list endpoint returns are not read back (`job_title`, the phone setting
template): see docs/zoom-client.md.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast, get_args

from zoomstate.endpoints import page_sizes
from zoomstate.errors import BackendError
from zoomstate.live import CallingPlan, LiveState, LiveStatus, LiveUser, Named, PhoneNumber, Site
from zoomstate.model import (
    ContactCenterPackage,
    ContactCenterSpec,
    PhoneSpec,
    UserSpec,
    UserType,
)
from zoomstate.zoom.client import JsonObject, ZoomClient

log = logging.getLogger(__name__)

# Page sizes asked for: the maximum each endpoint documents. The server may give fewer.
PAGE_SIZES: Mapping[str, int] = page_sizes()
USER_STATUSES: tuple[LiveStatus, ...] = ("active", "inactive", "pending")
_PACKAGES = frozenset(get_args(ContactCenterPackage))
_TYPE_NAMES: Mapping[int, UserType] = {1: "basic", 2: "licensed", 4: "none"}
# "Invalid access token, does not contain scopes" (D:errors says 4700, the field 4711).
SCOPE_ERROR_CODES = frozenset({4700, 4711})


def e164(number: object) -> str:
    """Zoom writes numbers with and without '+' depending on the endpoint."""
    text = str(number).strip().replace(" ", "").replace("-", "")
    return text if text.startswith("+") else f"+{text}"


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


@dataclass(frozen=True, slots=True)
class RawAccount:
    """Every list as Zoom returned it (used by the mapping and by tests)."""

    users: Mapping[LiveStatus, list[JsonObject]]
    phone_users: list[JsonObject]
    numbers: list[JsonObject]
    calling_plans: list[JsonObject]
    sites: list[JsonObject]
    templates: list[JsonObject]
    roles: list[JsonObject]
    cc_users: list[JsonObject]
    cc_roles: list[JsonObject]
    phone_enabled: bool
    contact_center_enabled: bool
    warnings: tuple[str, ...]


def lower_bound(raw: RawAccount, page_sizes: Mapping[str, int] | None = None) -> int:
    """The fewest list calls any reader needs for this account: per list and status
    pass, max(1, ceil(items / page size)).

    `page_sizes` are the sizes the server really serves, by endpoint path (Zoom caps
    some below what it documents; the sandbox's caps are `sandbox.app.SERVED_PAGE_SIZES`);
    endpoints missing from it count with the size the client asks for."""
    sizes = {**PAGE_SIZES, **(page_sizes or {})}

    def pages(count: int, path: str) -> int:
        return max(1, -(-count // min(sizes[path], PAGE_SIZES[path])))

    total = sum(pages(len(raw.users[s]), "/users") for s in USER_STATUSES)
    total += pages(len(raw.roles), "/roles")
    if raw.phone_enabled:
        total += pages(len(raw.phone_users), "/phone/users")
        total += pages(len(raw.numbers), "/phone/numbers")
        total += pages(len(raw.calling_plans), "/phone/calling_plans")
        total += pages(len(raw.sites), "/phone/sites")
        total += pages(len(raw.templates), "/phone/setting_templates")
    if raw.contact_center_enabled:
        total += pages(len(raw.cc_users), "/contact_center/users")
        total += pages(len(raw.cc_roles), "/contact_center/roles")
    return total


async def _optional(
    client: ZoomClient, path: str, key: str, warnings: list[str], *, params: Any = None
) -> list[JsonObject] | None:
    """A list the account may not have (no Zoom Phone, no Contact Center, no multiple
    sites): None with a warning instead of failing the whole read."""
    try:
        return await client.list_all(path, key, page_size=PAGE_SIZES[path], params=params)
    except BackendError as exc:
        # A missing scope (400 / 4700 or 4711) is a mistake in the app's setup, not an
        # account without Zoom Phone: read as "no phone users", it would make a plan
        # that licenses everyone again.
        if exc.status in (400, 403, 404) and exc.code not in SCOPE_ERROR_CODES:
            warnings.append(f"{path}: not available on this account ({exc.zoom_message})")
            return None
        raise


async def fetch_raw(client: ZoomClient) -> RawAccount:
    """Fetch every list concurrently."""
    warnings: list[str] = []

    async def users(status: LiveStatus) -> list[JsonObject]:
        return await client.list_all(
            "/users", "users", page_size=PAGE_SIZES["/users"], params={"status": status}
        )

    tasks = [
        asyncio.ensure_future(c)
        for c in (
            *(users(s) for s in USER_STATUSES),
            _optional(client, "/phone/users", "users", warnings),
            _optional(client, "/phone/numbers", "phone_numbers", warnings, params={"type": "all"}),
            _optional(client, "/phone/calling_plans", "calling_plans", warnings),
            _optional(client, "/phone/sites", "sites", warnings),
            _optional(client, "/phone/setting_templates", "templates", warnings),
            _optional(client, "/roles", "roles", warnings),
            _optional(client, "/contact_center/users", "users", warnings),
            _optional(client, "/contact_center/roles", "roles", warnings),
        )
    ]
    try:
        results = await asyncio.gather(*tasks)
    except BaseException:
        # gather leaves the other lists running: after a daily limit or a final error
        # they would go on spending the account's budget (and use a client about to be
        # closed). Stop them before the error goes up.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    active, inactive, pending = results[0], results[1], results[2]
    phone_users, numbers, plans, sites, templates, roles, cc_users, cc_roles = results[3:]
    return RawAccount(
        users={"active": active or [], "inactive": inactive or [], "pending": pending or []},
        phone_users=phone_users or [],
        numbers=numbers or [],
        calling_plans=plans or [],
        sites=sites or [],
        templates=templates or [],
        roles=roles or [],
        cc_users=cc_users or [],
        cc_roles=cc_roles or [],
        phone_enabled=phone_users is not None,
        contact_center_enabled=cc_users is not None,
        warnings=tuple(warnings),
    )


def map_phone(item: JsonObject) -> PhoneSpec:
    site = item.get("site")
    extension = item.get("extension_number")
    plans = sorted(
        {int(p["type"]) for p in item.get("calling_plans") or [] if p.get("type") is not None}
    )
    numbers = sorted(
        {e164(n["number"]) for n in item.get("phone_numbers") or [] if n.get("number")}
    )
    return PhoneSpec.model_construct(
        site=_text(site.get("name")) if isinstance(site, dict) else None,
        extension=int(extension) if extension not in (None, "") else None,
        calling_plans=tuple(plans),
        numbers=tuple(numbers),
        template=None,
    )


def map_contact_center(item: JsonObject) -> ContactCenterSpec:
    # Zoom's batch endpoints capitalise package names ("Premium"): compare lower-cased.
    package = (_text(item.get("package_name")) or "").lower()
    access = (_text(item.get("user_access")) or "active").lower()
    return ContactCenterSpec.model_construct(
        package=cast(ContactCenterPackage, package) if package in _PACKAGES else None,
        role=_text(item.get("role_name")) or "",
        access="inactive" if access == "inactive" else "active",
    )


def map_account(raw: RawAccount) -> LiveState:
    roles = {str(r.get("id")): str(r.get("name")) for r in raw.roles if r.get("id") is not None}
    phones = {str(p["email"]).lower(): p for p in raw.phone_users if p.get("email")}
    ccs = {str(c["user_email"]).lower(): c for c in raw.cc_users if c.get("user_email")}
    users: list[LiveUser] = []
    seen: set[str] = set()
    for status in USER_STATUSES:
        for item in raw.users[status]:
            email = str(item.get("email") or "").lower()
            if not email or email in seen:
                continue
            seen.add(email)
            role_id = _text(item.get("role_id"))
            phone = phones.get(email)
            cc = ccs.get(email)
            # model_construct: Zoom's own data is trusted to be well-formed, and 100,000
            # full validations would cost seconds for nothing.
            spec = UserSpec.model_construct(
                email=email,
                id=_text(item.get("id")),
                first_name=_text(item.get("first_name")),
                last_name=_text(item.get("last_name")),
                department=_text(item.get("dept")),
                job_title=None,
                type=_TYPE_NAMES.get(int(item.get("type") or 0)),
                role=roles.get(role_id, role_id) if role_id is not None else None,
                status="inactive" if status == "inactive" else "active",
                phone=map_phone(phone) if phone else None,
                contact_center=map_contact_center(cc) if cc else None,
                profile=None,
            )
            users.append(
                LiveUser(
                    spec=spec,
                    status=status,
                    zoom_id=spec.id,
                    role_id=role_id,
                    created_at=_text(item.get("created_at") or item.get("user_created_at")),
                )
            )
    users.sort(key=lambda u: u.key)
    return LiveState(
        users=tuple(users),
        sites=tuple(
            sorted(
                (
                    Site(
                        id=str(s["id"]),
                        name=str(s.get("name")),
                        site_code=int(s["site_code"]) if s.get("site_code") is not None else None,
                    )
                    for s in raw.sites
                    if s.get("id") is not None
                ),
                key=lambda s: s.name,
            )
        ),
        calling_plans=tuple(
            sorted(
                (
                    CallingPlan(
                        type=int(p["type"]),
                        name=str(p.get("name")),
                        subscribed=p.get("subscribed"),
                        assigned=p.get("assigned"),
                        available=p.get("available"),
                    )
                    for p in raw.calling_plans
                    if p.get("type") is not None
                ),
                key=lambda p: p.type,
            )
        ),
        numbers=tuple(
            sorted(
                (
                    PhoneNumber(
                        id=str(n.get("id")),
                        number=e164(n["number"]),
                        status=_text(n.get("status")),
                        assignee_id=_text((n.get("assignee") or {}).get("id")),
                        assignee_type=_text((n.get("assignee") or {}).get("type")),
                        site_id=_text((n.get("site") or {}).get("id")),
                    )
                    for n in raw.numbers
                    if n.get("number")
                ),
                key=lambda n: n.number,
            )
        ),
        templates=tuple(
            sorted(
                (Named(str(t["id"]), str(t.get("name"))) for t in raw.templates if t.get("id")),
                key=lambda t: t.name,
            )
        ),
        roles=tuple(sorted((Named(k, v) for k, v in roles.items()), key=lambda r: r.id)),
        contact_center_roles=tuple(
            sorted(
                (
                    Named(str(r["role_id"]), str(r.get("role_name")))
                    for r in raw.cc_roles
                    if r.get("role_id")
                ),
                key=lambda r: r.name,
            )
        ),
        phone_enabled=raw.phone_enabled,
        contact_center_enabled=raw.contact_center_enabled,
        warnings=raw.warnings,
    )


async def read_account(client: ZoomClient) -> LiveState:
    """The live account, read with list calls only."""
    raw = await fetch_raw(client)
    live = map_account(raw)
    log.info(
        "read: users=%s phone_users=%s numbers=%s calls=%s",
        len(live.users),
        len(raw.phone_users),
        len(raw.numbers),
        client.stats.calls,
    )
    return live


__all__ = [
    "PAGE_SIZES",
    "RawAccount",
    "e164",
    "fetch_raw",
    "lower_bound",
    "map_account",
    "read_account",
]
