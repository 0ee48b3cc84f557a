"""Routes and listings: the route record each family's table is made of, the table the app
dispatches on, request-body and query helpers, and the paging every listing shares.

A route's path is a Zoom path template under `/v2` (`/users/{userId}`); it matches the path
as sent, still percent-encoded, and each value is decoded once (see `app._encoded_path`).
"""

from __future__ import annotations

import bisect
import re
import secrets
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zoomstate.endpoints import endpoint
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.limits import TooDeep, loads
from zoomstate.sandbox.validation import SCHEMAS, check, coerce_query_int

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = [
    "DEFAULT_PAGE_CAPS",
    "PAGE_TOKEN_TTL",
    "SERVED_PAGE_SIZES",
    "Handler",
    "PageTokens",
    "Route",
    "RouteTable",
    "checked_body",
    "empty",
    "json_response",
    "numbered_page",
    "page",
    "parse_json",
    "query",
    "served_page_sizes",
]

T = TypeVar("T")

PAGE_TOKEN_TTL = 15 * 60.0  # "The expiration period for this token is 15 minutes." [U, P, C]

Handler = Callable[["SandboxRuntime", Request, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Route:
    """One row of a family's route table: method, Zoom path template, handler."""

    method: str
    template: str
    handler: Handler
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # The path parameter naming a user: the rate limiter counts per-user budgets by it.
    user_param: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(self.template)) + "$"
        object.__setattr__(self, "regex", re.compile(pattern))
        object.__setattr__(self, "user_param", "userId" if "{userId}" in self.template else None)


class RouteTable:
    """The routes of every family, matched in order (the first match wins)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes: tuple[Route, ...] = tuple(routes)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for r in self.routes:
            if r.method != method:
                continue
            m = r.regex.match(path)
            if m is not None:
                return r, {k: unquote(v) for k, v in m.groupdict().items()}
        return None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status, headers=headers)


def empty(status: int = 204) -> Response:
    return Response(status_code=status)


def parse_json(raw: bytes) -> Any:
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


async def checked_body(request: Request, schema: str) -> dict[str, Any]:
    """The request body checked against the named schema of `validation.SCHEMAS`."""
    return check(parse_json(await request.body()), SCHEMAS[schema])


def query(request: Request, name: str) -> str | None:
    """A query parameter, None when absent or empty (Zoom treats both alike)."""
    value = request.query_params.get(name)
    return value if value not in (None, "") else None


# ----------------------------------------------------------------------------- paging --


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


_CAP_PATHS = {
    "users": "/users",
    "phone_users": "/phone/users",
    "numbers": "/phone/numbers",
    "cc_users": "/contact_center/users",
    "cc_roles": "/contact_center/roles",
    "sites": "/phone/sites",
    "templates": "/phone/setting_templates",
    "groups": "/groups",
    "call_queues": "/phone/call_queues",
    "shared_line_groups": "/phone/shared_line_groups",
    "auto_receptionists": "/phone/auto_receptionists",
    "devices": "/phone/devices",
}
_ROLE_MEMBERS = "/roles/{roleId}/members"
_GROUP_MEMBERS = "/groups/{groupId}/members"


def _served(path: str) -> int:
    served = endpoint("GET", path).served
    assert served is not None, f"zoomstate.endpoints has no page size for GET {path}"
    return served


# Page-size caps by listing, from the endpoint table: what Zoom really serves (users 300 as
# Zoom's pagination guide says, although the spec allows 2000); larger page_size values
# are clamped, never refused.
DEFAULT_PAGE_CAPS: Mapping[str, int] = {
    **{kind: _served(path) for kind, path in _CAP_PATHS.items()},
    "role_members": _served(_ROLE_MEMBERS),
    "group_members": _served(_GROUP_MEMBERS),
}


def served_page_sizes(caps: Mapping[str, int] = DEFAULT_PAGE_CAPS) -> dict[str, int]:
    """The largest page each paginated listing serves, by Zoom path (for call-count
    bounds: a client asking for more gets this many)."""
    return {path: caps[kind] for kind, path in _CAP_PATHS.items()}


SERVED_PAGE_SIZES: Mapping[str, int] = served_page_sizes()


def page(
    rt: SandboxRuntime,
    request: Request,
    kind: str,
    items: Sequence[T],
    *,
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
    cap = rt.page_caps[kind]
    size = coerce_query_int(request.query_params.get("page_size"), "page_size", 30)
    if size < 1:
        raise validation_failed([FieldError("page_size")])
    size = min(size, cap)
    now = rt.clock.now()
    token = query(request, "next_page_token")
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


def numbered_page(
    key: str, rows: list[dict[str, Any]], token: str, size: int, total: int
) -> dict[str, Any]:
    """A page in the shape of Zoom's user and member lists (users, roles', groups'): the
    rows under `key`, the cursor, and the page-number fields those endpoints still carry."""
    return {
        key: rows,
        "next_page_token": token,
        "page_count": max((total + size - 1) // size, 1) if total else 0,
        "page_number": 1,
        "page_size": size,
        "total_records": total,
    }
