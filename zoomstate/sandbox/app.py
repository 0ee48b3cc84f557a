"""The sandbox's ASGI application: Zoom's REST paths under `/v2`, the S2S OAuth token
endpoint at `/oauth/token`, and the admin API under `/_sandbox/`.

Per request, first: the body is read, at most `limits.MAX_BODY_BYTES` (10 MiB; 413 past
it, without reading on). Per Zoom API request, then, in order: route (unknown paths get
Zoom's 404 body, never a 5xx), injected faults (latency, 5xx, 429 bursts, dropped
connections; `faults.py`), the bearer token (code 124 when missing, unknown or expired),
rate limits (`ratelimit.py`), then the handler. Every request is counted in the request
log by method + path template and status. The admin API (`admin.py`) needs the per-run admin secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import secrets
import threading
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zoomstate.endpoints import scopes
from zoomstate.ratelimits import match as label_match
from zoomstate.sandbox.account import Account, PhoneNumber, User
from zoomstate.sandbox.admin import admin, check_admin_secret, new_admin_secret
from zoomstate.sandbox.clock import Clock, iso
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.faults import FaultInjector, abort_response, serving
from zoomstate.sandbox.limits import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    ClientGone,
    TooDeep,
    loads,
    read_body,
    replay,
)
from zoomstate.sandbox.persistence import Debouncer, load, save
from zoomstate.sandbox.ratelimit import RateLimiter
from zoomstate.sandbox.seedfile import build_account
from zoomstate.sandbox.seeding import SeedError
from zoomstate.sandbox.service import Service, ServiceConfig
from zoomstate.sandbox.validation import SCHEMAS, check, coerce_query_int

__all__ = [
    "DEFAULT_CREDENTIALS",
    "DEFAULT_PAGE_CAPS",
    "SERVED_PAGE_SIZES",
    "Credentials",
    "RequestLog",
    "SandboxApp",
    "SandboxRuntime",
    "create_app",
    "served_page_sizes",
]

T = TypeVar("T")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PAGE_TOKEN_TTL = 15 * 60.0  # "The expiration period for this token is 15 minutes." [U, P, C]
TOKEN_TTL = 3600.0  # S2S tokens live one hour (REFERENCE §4)

# What a token grants: every scope of the endpoint table, as a token of an app set up the
# way docs/getting-started.md says would (the table is tested against the specs).
SCOPES = " ".join(scopes())


@dataclass(frozen=True, slots=True)
class Credentials:
    account_id: str = "sandbox-account"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"


DEFAULT_CREDENTIALS = Credentials()


class RequestLog:
    """Counts per endpoint (method + path template) and per status, plus recent requests.
    Benchmarks and tests read API-call counts from it through the admin API."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_endpoint_status: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def record(self, method: str, template: str, path: str, status: int, at: float) -> None:
        key = f"{method} {template}"
        with self._lock:
            self.by_endpoint[key] += 1
            self.by_status[str(status)] += 1
            self.by_endpoint_status[f"{key} {status}"] += 1
            self.recent.append(
                {"method": method, "path": path, "endpoint": key, "status": status, "at": iso(at)}
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.by_endpoint.values()),
                "by_endpoint": dict(sorted(self.by_endpoint.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "by_endpoint_status": dict(sorted(self.by_endpoint_status.items())),
                "recent": list(self.recent),
            }

    def clear(self) -> None:
        with self._lock:
            self.by_endpoint.clear()
            self.by_status.clear()
            self.by_endpoint_status.clear()
            self.recent.clear()


@dataclass(slots=True)
class _Cursor:
    kind: str
    filters: str
    last_key: Any
    total: int
    created: float  # when this token was issued: its 15 minutes run from here


class PageTokens:
    """`next_page_token`s: opaque, bound to one listing and its filters, each valid 15
    minutes from when it was issued, on the sandbox clock ("The expiration period for this
    token is 15 minutes" [U, P, C param:next_page_token] is said of each token, so a long
    listing that keeps paging never expires)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: dict[str, _Cursor] = {}

    def issue(self, cursor: _Cursor) -> str:
        token = secrets.token_urlsafe(26)[:35]
        with self._lock:
            if len(self._cursors) > 10_000:
                oldest = sorted(self._cursors.items(), key=lambda kv: kv[1].created)
                for key, _ in oldest[: len(oldest) // 2]:
                    del self._cursors[key]
            self._cursors[token] = cursor
        return token

    def take(self, token: str, kind: str, filters: str, now: float) -> _Cursor | None:
        with self._lock:
            cursor = self._cursors.get(token)
        if cursor is None or cursor.kind != kind or cursor.filters != filters:
            return None
        if now - cursor.created > PAGE_TOKEN_TTL:
            return None
        return cursor

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()


# Page-size caps by listing: users 300 as Zoom's pagination guide says ("Light ... up to
# 300"), although the spec allows 2000; larger page_size values are clamped, never refused.
DEFAULT_PAGE_CAPS: Mapping[str, int] = {
    "users": 300,
    "phone_users": 100,
    "numbers": 100,
    "cc_users": 300,
    "cc_roles": 300,
    "sites": 300,
    "templates": 300,
    "role_members": 300,
}
_CAP_PATHS = {
    "users": "/users",
    "phone_users": "/phone/users",
    "numbers": "/phone/numbers",
    "cc_users": "/contact_center/users",
    "cc_roles": "/contact_center/roles",
    "sites": "/phone/sites",
    "templates": "/phone/setting_templates",
}


def served_page_sizes(caps: Mapping[str, int] = DEFAULT_PAGE_CAPS) -> dict[str, int]:
    """The largest page each paginated listing serves, by Zoom path (for call-count
    bounds: a client asking for more gets this many)."""
    return {path: caps[kind] for kind, path in _CAP_PATHS.items()}


SERVED_PAGE_SIZES: Mapping[str, int] = served_page_sizes()


@dataclass
class SandboxRuntime:
    """Everything one sandbox instance holds: the account (inside `service`), the clock,
    credentials, tokens, rate limits, faults, the request log and persistence. The admin API
    changes it at runtime."""

    service: Service
    clock: Clock
    credentials: Credentials = DEFAULT_CREDENTIALS
    rate_limits: RateLimiter = field(default_factory=lambda: RateLimiter(enabled=False))
    faults: FaultInjector = field(default_factory=FaultInjector)
    log: RequestLog = field(default_factory=RequestLog)
    pages: PageTokens = field(default_factory=PageTokens)
    page_caps: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAGE_CAPS))
    seed_source: str | Path | dict[str, Any] = "demo"
    persist: Debouncer | None = None
    tokens: dict[str, tuple[float, int]] = field(default_factory=dict)
    token_lock: threading.Lock = field(default_factory=threading.Lock)
    # What the admin API (`/_sandbox/`) requires as `Authorization: Bearer ...`.
    admin_secret: str = field(default_factory=new_admin_secret, repr=False)

    @property
    def account(self) -> Account:
        return self.service.account

    def replace_account(self, account: Account) -> None:
        self.service.account = account
        self.pages.clear()
        self.rate_limits.reset()

    def mint_token(self) -> str:
        token = secrets.token_urlsafe(48)
        with self.token_lock:
            now = self.clock.now()
            if len(self.tokens) > 10_000:
                self.tokens = {k: v for k, v in self.tokens.items() if v[0] > now}
            self.tokens[token] = (now + TOKEN_TTL, self.faults.token_generation)
        return token

    def token_state(self, token: str) -> str:
        """ "ok", "expired" or "invalid"."""
        with self.token_lock:
            entry = self.tokens.get(token)
        if entry is None:
            return "invalid"
        expires, generation = entry
        if expires <= self.clock.now() or generation < self.faults.token_generation:
            return "expired"
        return "ok"

    def save(self) -> bool:
        if self.persist is None:
            return False
        return self.persist.flush()


# ----------------------------------------------------------------------------- routing --

Handler = Callable[["SandboxRuntime", Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    user_param: str | None


_ROUTES: list[_Route] = []


def _route(method: str, template: str) -> Callable[[Handler], Handler]:
    pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
    user_param = "userId" if "{userId}" in template else None

    def register(fn: Handler) -> Handler:
        _ROUTES.append(_Route(method, template, re.compile(pattern), fn, user_param))
        return fn

    return register


def _find(method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
    for r in _ROUTES:
        if r.method != method:
            continue
        m = r.regex.match(path)
        if m is not None:
            return r, {k: unquote(v) for k, v in m.groupdict().items()}
    return None


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status, headers=headers)


def _empty(status: int = 204) -> Response:
    return Response(status_code=status)


def _parse_json(raw: bytes) -> Any:
    """The body as JSON ({} when empty): Zoom's 400 / 300 when it is not JSON or nests
    more than MAX_JSON_DEPTH levels (never a RecursionError)."""
    if not raw.strip():
        return {}
    try:
        return loads(raw)
    except TooDeep as exc:
        raise ZoomError(400, 300, f"Request Body is {exc}.") from None
    except ValueError:
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.") from None


async def _body(request: Request, schema: str) -> dict[str, Any]:
    return check(_parse_json(await request.body()), SCHEMAS[schema])


def _q(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


def _page(
    rt: SandboxRuntime,
    request: Request,
    kind: str,
    items: Sequence[T],
    key: Callable[[T], Any],
    keep: Callable[[T], bool],
    render: Callable[[T], dict[str, Any]],
    filters: str,
    bad_token_code: int,
) -> tuple[list[dict[str, Any]], str, int, int]:
    """One page of a listing: (rows, next_page_token, page_size, total_records).

    The cursor remembers the last key returned, so rows created or deleted between pages
    never make a row appear twice or shift the rest.
    """
    import bisect

    cap = rt.page_caps[kind]
    size = coerce_query_int(request.query_params.get("page_size"), "page_size", 30)
    if size < 1:
        raise validation_failed([FieldError("page_size")])
    size = min(size, cap)
    now = rt.clock.now()
    token = _q(request, "next_page_token")
    with rt.account.lock:
        if token is not None:
            cursor = rt.pages.take(token, kind, filters, now)
            if cursor is None:
                raise ZoomError(400, bad_token_code, "The next page token is invalid or expired.")
            start = bisect.bisect_right(items, cursor.last_key, key=key)
            total = cursor.total
        else:
            start = 0
            total = sum(1 for it in items if keep(it))
        rows: list[dict[str, Any]] = []
        last: T | None = None
        i = start
        more = False
        while i < len(items):
            item = items[i]
            i += 1
            if not keep(item):
                continue
            if len(rows) == size:
                more = True
                break
            rows.append(render(item))
            last = item
    next_token = ""
    if more and last is not None:
        next_token = rt.pages.issue(_Cursor(kind, filters, key(last), total, now))
    return rows, next_token, size, total


def _user_seq(u: User) -> int:
    return u.seq


def _number_key(n: PhoneNumber) -> str:
    return n.number


# -------------------------------------------------------------------------------- users --


@_route("GET", "/users")
async def list_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    status = request.query_params.get("status") or "active"
    if status not in ("active", "inactive", "pending"):
        raise validation_failed([FieldError("status")])
    role_id = _q(request, "role_id")
    svc = rt.service
    rows, token, size, total = _page(
        rt,
        request,
        "users",
        rt.account.ordered_users(),
        _user_seq,
        svc.users_filter(status, role_id),
        svc.user_list_item,
        f"{status}|{role_id}",
        300,
    )
    pages = max((total + size - 1) // size, 1) if total else 0
    return _json(
        {
            "next_page_token": token,
            "page_count": pages,
            "page_number": 1,
            "page_size": size,
            "total_records": total,
            "users": rows,
        }
    )


@_route("POST", "/users")
async def create_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "user_create")
    return _json(rt.service.create_user(body), 201)


@_route("GET", "/users/{userId}")
async def get_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.get_user(p["userId"]))


@_route("PATCH", "/users/{userId}")
async def update_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "user_update")
    rt.service.update_user(p["userId"], body)
    return _empty()


@_route("DELETE", "/users/{userId}")
async def delete_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.delete_user(p["userId"], dict(request.query_params))
    return _empty()


@_route("PUT", "/users/{userId}/status")
async def user_status(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "user_status")
    rt.service.set_status(p["userId"], body["action"])
    return _empty(200)  # the spec documents 200 with no body [U PUT status responses]


@_route("GET", "/users/{userId}/settings")
async def get_settings(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.get_settings(p["userId"]))


@_route("PATCH", "/users/{userId}/settings")
async def update_settings(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "user_settings")
    rt.service.update_settings(p["userId"], body)
    return _empty()


@_route("PUT", "/users/{userId}/email")
async def change_email(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "user_email")
    rt.service.change_email(p["userId"], body["email"])
    return _empty()


# -------------------------------------------------------------------------------- roles --


@_route("GET", "/roles")
async def list_roles(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.list_roles())


@_route("GET", "/roles/{roleId}/members")
async def role_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    role_id = p["roleId"]
    svc = rt.service
    rows, token, size, total = _page(
        rt,
        request,
        "role_members",
        rt.account.ordered_users(),
        _user_seq,
        svc.role_filter(role_id),
        svc.role_member_item,
        role_id,
        300,
    )
    return _json(
        {
            "members": rows,
            "next_page_token": token,
            "page_count": max((total + size - 1) // size, 1) if total else 0,
            "page_number": 1,
            "page_size": size,
            "total_records": total,
        }
    )


@_route("POST", "/roles/{roleId}/members")
async def add_role_members(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "role_members")
    return _json(rt.service.assign_role(p["roleId"], body["members"]), 201)


@_route("DELETE", "/roles/{roleId}/members/{memberId}")
async def remove_role_member(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.unassign_role(p["roleId"], p["memberId"])
    return _empty()


# -------------------------------------------------------------------------------- phone --


@_route("GET", "/phone/users")
async def list_phone_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    status = _q(request, "status")
    if status is not None and status not in ("activate", "deactivate", "pending"):
        raise validation_failed([FieldError("status")])
    calling_type = _q(request, "calling_type")
    ct = coerce_query_int(calling_type, "calling_type", 0) if calling_type else None
    site_id, dept, kw = _q(request, "site_id"), _q(request, "department"), _q(request, "keyword")
    svc = rt.service
    rows, token, size, total = _page(
        rt,
        request,
        "phone_users",
        rt.account.ordered_users(),
        _user_seq,
        svc.phone_users_filter(site_id, ct, status, dept, kw),
        svc.phone_user_item,
        f"{site_id}|{ct}|{status}|{dept}|{kw}",
        400,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "users": rows}
    )


@_route("GET", "/phone/users/{userId}")
async def get_phone_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.get_phone_user(p["userId"]))


@_route("GET", "/phone/users/{userId}/settings")
async def get_phone_user_settings(
    rt: SandboxRuntime, request: Request, p: dict[str, str]
) -> Response:
    return _json(rt.service.get_phone_user_settings(p["userId"]))


@_route("PATCH", "/phone/users/{userId}")
async def update_phone_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "phone_user_update")
    rt.service.update_phone_user(p["userId"], body)
    return _empty()


@_route("POST", "/phone/users/batch")
async def batch_phone_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "phone_batch")
    return _json(rt.service.batch_add(body["users"]), 201)


@_route("POST", "/phone/users/{userId}/calling_plans")
async def add_plans(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "calling_plans_add")
    rt.service.add_calling_plans(p["userId"], body["calling_plans"])
    return _empty(200)  # "200 Calling plan assigned successfully", no body [P]


@_route("PUT", "/phone/users/{userId}/calling_plans")
async def switch_plan(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "calling_plans_switch")
    rt.service.switch_calling_plan(p["userId"], body["source_type"], body["target_type"])
    return _empty()


@_route("DELETE", "/phone/users/{userId}/calling_plans/{planType}")
async def remove_plan(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.remove_calling_plan(p["userId"], p["planType"])
    return _empty()


@_route("POST", "/phone/users/{userId}/phone_numbers")
async def assign_numbers(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "phone_numbers_add")
    # Live Zoom answers 201, not the spec's 200 (folio-sec patchSpec.js, REFERENCE §7.7).
    return _json(rt.service.assign_numbers(p["userId"], body["phone_numbers"]), 201)


@_route("DELETE", "/phone/users/{userId}/phone_numbers/{phoneNumberId}")
async def unassign_number(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.unassign_number(p["userId"], p["phoneNumberId"])
    return _empty()


@_route("GET", "/phone/numbers")
async def list_numbers(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    type_ = request.query_params.get("type") or "all"
    if type_ not in ("assigned", "unassigned", "byoc", "all"):
        raise validation_failed([FieldError("type")])
    ext_type, site_id, ntype = (
        _q(request, "extension_type"),
        _q(request, "site_id"),
        _q(request, "number_type"),
    )
    svc = rt.service
    rows, token, size, total = _page(
        rt,
        request,
        "numbers",
        rt.account.ordered_numbers(),
        _number_key,
        svc.numbers_filter(type_, ext_type, site_id, ntype),
        svc.number_item,
        f"{type_}|{ext_type}|{site_id}|{ntype}",
        400,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "phone_numbers": rows}
    )


@_route("GET", "/phone/calling_plans")
async def calling_plans(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.calling_plans())


@_route("GET", "/phone/sites")
async def list_sites(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    sites = list(rt.account.sites.values())
    rows, token, size, total = _page(
        rt,
        request,
        "sites",
        sites,
        lambda s: sites.index(s),
        lambda s: True,
        rt.service.site_item,
        "",
        300,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "sites": rows}
    )


@_route("GET", "/phone/setting_templates")
async def list_templates(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    site_id = _q(request, "site_id")
    templates = list(rt.account.templates.values())
    rows, token, size, total = _page(
        rt,
        request,
        "templates",
        templates,
        lambda t: templates.index(t),
        lambda t: t.site_id == site_id,
        rt.service.template_item,
        str(site_id),
        300,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "templates": rows}
    )


# ------------------------------------------------------------------------ contact center --


@_route("GET", "/contact_center/users")
async def list_cc_users(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    access = _q(request, "user_access")
    if access is not None and access not in ("active", "inactive"):
        raise validation_failed([FieldError("user_access")])
    key, region = _q(request, "search_key"), _q(request, "region_id")
    svc = rt.service
    rows, token, size, total = _page(
        rt,
        request,
        "cc_users",
        rt.account.ordered_users(),
        _user_seq,
        svc.cc_filter(key, access, region),
        svc.cc_item,
        f"{key}|{access}|{region}",
        300,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "users": rows}
    )


@_route("POST", "/contact_center/users")
async def create_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "cc_user_create")
    return _json(rt.service.create_cc_user(body), 201)


@_route("GET", "/contact_center/users/{userId}")
async def get_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    return _json(rt.service.get_cc_user(p["userId"]))


@_route("PATCH", "/contact_center/users/{userId}")
async def update_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    body = await _body(request, "cc_user_update")
    rt.service.update_cc_user(p["userId"], body)
    return _empty()


@_route("DELETE", "/contact_center/users/{userId}")
async def delete_cc_user(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    rt.service.delete_cc_user(p["userId"])
    return _empty()


@_route("GET", "/contact_center/roles")
async def cc_roles(rt: SandboxRuntime, request: Request, p: dict[str, str]) -> Response:
    # Paginated like every other listing: a fixed first page with no token would hide
    # every role past page_size (30 by default).
    roles = rt.service.cc_roles()
    rows, token, size, total = _page(
        rt,
        request,
        "cc_roles",
        list(range(len(roles))),
        lambda i: i,
        lambda i: True,
        lambda i: roles[i],
        "",
        300,
    )
    return _json(
        {"next_page_token": token, "page_size": size, "total_records": total, "roles": rows}
    )


# ------------------------------------------------------------------------------- oauth --


def _oauth_error(status: int, error: str, reason: str) -> Response:
    return _json({"reason": reason, "error": error}, status)


async def oauth_token(rt: SandboxRuntime, request: Request) -> Response:
    params: dict[str, str] = dict(request.query_params)
    raw = await request.body()
    if raw:
        for k, v in parse_qs(raw.decode("utf-8", "replace")).items():
            params.setdefault(k, v[0])
    auth = request.headers.get("authorization", "")
    client_id = secret = ""
    if auth.lower().startswith("basic "):
        with contextlib.suppress(ValueError):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
    creds = rt.credentials
    if not secrets.compare_digest(client_id, creds.client_id) or not secrets.compare_digest(
        secret, creds.client_secret
    ):
        return _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
    if params.get("grant_type") != "account_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")
    if params.get("account_id") != creds.account_id:
        return _oauth_error(400, "invalid_request", "Invalid request : Account id is not valid")
    base = str(request.base_url).rstrip("/")
    return _json(
        {
            "access_token": rt.mint_token(),
            "token_type": "bearer",
            "expires_in": int(TOKEN_TTL) - 1,  # Zoom's example says 3599 (DW:(root))
            "scope": SCOPES,
            "api_url": base,
        }
    )


# --------------------------------------------------------------------------------- app --


def _template(method: str, path: str) -> str:
    """How the request log names the endpoint of `path`."""
    if path.startswith("/v2/") or path == "/v2":
        found = _find(method, path[3:] or "/")
        return found[0].template if found else "(unknown)"
    if path == "/oauth/token" and method == "POST":
        return "/oauth/token"
    return "/_sandbox" if path.startswith("/_sandbox/") else "(unknown)"


def _encoded_path(scope: Scope, decoded: str) -> str:
    """The API path (after `/v2`) as sent, still percent-encoded: routes match on it and
    `_find` decodes each value once, so an encoded `/` or `#` stays inside its segment (as
    at Zoom) instead of reaching another resource, and `%2540` is `%40`, not `@`."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes) or not raw.startswith(b"/v2"):
        return decoded
    return raw.split(b"?", 1)[0][3:].decode("latin-1") or "/"


class SandboxApp:
    """The ASGI callable. Built on Starlette's request/response types, dispatched by hand so
    that dropped connections (`faults.abort_response`) can act on the raw ASGI channel."""

    def __init__(self, runtime: SandboxRuntime) -> None:
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        rt = self.runtime
        method = scope["method"]
        try:
            raw = await read_body(scope, receive, MAX_BODY_BYTES)
        except ClientGone:
            return
        except BodyTooLarge as exc:
            # Answered without reading on: the rest of the body is never buffered.
            path = Request(scope).url.path
            response = _json({"code": 413, "message": str(exc)}, 413, {"Connection": "close"})
            rt.log.record(method, _template(method, path), path, 413, rt.clock.now())
            await response(scope, receive, send)
            return
        request = Request(scope, replay(raw, receive))
        path = request.url.path
        if path.startswith("/v2/") or path == "/v2":
            await self._api(request, scope, receive, send, path[3:] or "/")
            return
        if path == "/oauth/token" and method == "POST":
            response = await oauth_token(rt, request)
        elif path.startswith("/_sandbox/"):
            try:
                response = await admin(rt, request, path[len("/_sandbox") :], raw)
            except (ZoomError, SeedError, ValueError, TypeError, OSError) as exc:
                response = self._error(exc)
        else:
            response = _json({"code": 2300, "message": "This API endpoint is not recognized."}, 404)
        rt.log.record(method, _template(method, path), path, response.status_code, rt.clock.now())
        await response(scope, receive, send)

    @staticmethod
    def _error(exc: Exception) -> Response:
        if isinstance(exc, ZoomError):
            return _json(exc.body(), exc.status, exc.headers or None)
        return _json({"code": 300, "message": str(exc)}, 400)

    async def _api(
        self, request: Request, scope: Scope, receive: Receive, send: Send, path: str
    ) -> None:
        rt = self.runtime
        method = request.method
        # `path` (decoded once) is what the request log shows; routing uses the path as sent.
        routed = _encoded_path(scope, path)
        found = _find(method, routed)
        template = found[0].template if found else "(unknown)"
        labelled = label_match(method, routed)
        decision = rt.faults.decide(labelled.label if labelled else None)
        if decision.latency_ms > 0:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.action == "drop":
            rt.log.record(method, template, path, 0, rt.clock.now())
            await abort_response(send)
        if decision.action == "respond" and decision.status is not None:
            response: Response = _json(decision.body, decision.status, decision.headers or None)
        else:
            with serving(rt.faults.spec):
                response = await self._handle(request, found, method, routed)
        rt.log.record(method, template, path, response.status_code, rt.clock.now())
        if decision.action == "drop_after":
            await abort_response(send)
        await response(scope, receive, send)

    async def _handle(
        self, request: Request, found: tuple[_Route, dict[str, str]] | None, method: str, path: str
    ) -> Response:
        rt = self.runtime
        if found is None:
            # Zoom answers unknown endpoints with 404 / 2300 [U GET /users r400 lists 2300].
            return _json({"code": 2300, "message": "This API endpoint is not recognized."}, 404)
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        state = rt.token_state(token) if token else "invalid"
        if state == "invalid":
            return _json({"code": 124, "message": "Invalid access token."}, 401)
        if state == "expired":
            status, body = rt.faults.expired_token_error()
            return _json(body, status)
        route, params = found
        resource: str | None = None
        if route.user_param is not None:
            with rt.account.lock:
                user = rt.account.find_user(params[route.user_param])
                resource = user.id if user is not None else params[route.user_param]
        creates = False
        if method == "POST" and route.template == "/users":
            try:
                creates = _parse_json(await request.body()).get("action") == "create"
            except (ZoomError, AttributeError):
                creates = False
        limit = rt.rate_limits.admit(method, path, resource=resource, creates_user=creates)
        if not limit.allowed:
            return _json(limit.body, limit.status, limit.headers or None)
        try:
            response = await route.handler(rt, request, params)
        except ZoomError as exc:
            response = self._error(exc)
        finally:
            limit.release()
        for k, v in limit.headers.items():
            response.headers[k] = v
        return response

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.runtime.persist is not None:
                    self.runtime.persist.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.runtime.persist is not None:
                    self.runtime.persist.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    *,
    data: Path | None = None,
    seed: str | Path | dict[str, Any] = "demo",
    random_seed: int | None = None,
    clock: Clock | None = None,
    credentials: Credentials = DEFAULT_CREDENTIALS,
    tier: str = "business",
    rate_limits: bool = False,
    faults: str | None = None,
    phone_user_delay: float = 0.0,
    save_interval: float = 2.0,
    admin_secret: str | None = None,
) -> SandboxApp:
    """Build a sandbox.

    With `data`, the account is loaded from that file when it exists (else built from
    `seed` and written there at once), and saved: every `save_interval` seconds while
    serving if it changed, on shutdown, and on `POST /_sandbox/save`. `seed` is a seed file
    path, `"demo"`, or an already-parsed seed mapping. Rate limits are off unless asked for.
    The admin API takes `admin_secret` (random when None: `app.runtime.admin_secret`).
    """
    secret = check_admin_secret(admin_secret) if admin_secret is not None else new_admin_secret()
    clock = clock or Clock()
    if data is not None and Path(data).exists():
        account, offset = load(Path(data))
        clock.advance(offset - clock.offset)
    else:
        account = build_account(seed, random_seed)
    service = Service(account, clock, ServiceConfig(phone_user_delay=phone_user_delay))
    limiter = RateLimiter(
        "pro" if tier == "pro" else "business", clock=clock.now, enabled=rate_limits
    )
    runtime = SandboxRuntime(
        service=service,
        clock=clock,
        credentials=credentials,
        rate_limits=limiter,
        faults=FaultInjector(faults),
        seed_source=seed,
        admin_secret=secret,
    )
    if data is not None:
        runtime.persist = Debouncer(
            lambda: runtime.account, Path(data), save_interval, lambda: clock.offset
        )
        if not Path(data).exists():
            save(account, Path(data), clock.offset)
        runtime.persist.mark_saved()
    return SandboxApp(runtime)
