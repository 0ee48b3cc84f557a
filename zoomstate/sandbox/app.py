"""The sandbox's ASGI shell: Zoom's REST paths under `/v2`, the S2S OAuth token endpoint at
`/oauth/token` (`oauth.py`), and the admin API under `/_sandbox/` (`admin.py`).

Per request, first: the body is read, at most `limits.MAX_BODY_BYTES` (10 MiB; 413 past
it, without reading on). Per Zoom API request, then, in order: route (the families' route
tables, `families/`; unknown paths get Zoom's 404 body, never a 5xx), injected faults
(latency, 5xx, 429 bursts, dropped connections; `faults.py`), the bearer token (code 124
when missing, unknown or expired), rate limits (`ratelimit.py`), then the family's handler.
Every request is counted in the request log by method + path template and status. The
admin API needs the per-run admin secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.ratelimits import match as label_match
from zoomstate.sandbox.admin import admin, check_admin_secret, new_admin_secret
from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.errors import ZoomError
from zoomstate.sandbox.families import all_routes
from zoomstate.sandbox.faults import FaultInjector, abort_response, serving
from zoomstate.sandbox.limits import MAX_BODY_BYTES, BodyTooLarge, ClientGone, read_body, replay
from zoomstate.sandbox.oauth import DEFAULT_CREDENTIALS, SCOPES, Credentials, oauth_token
from zoomstate.sandbox.persistence import Debouncer, load, save
from zoomstate.sandbox.ratelimit import RateLimiter
from zoomstate.sandbox.routing import (
    DEFAULT_PAGE_CAPS,
    SERVED_PAGE_SIZES,
    Route,
    RouteTable,
    json_response,
    parse_json,
    served_page_sizes,
)
from zoomstate.sandbox.runtime import RequestLog, SandboxRuntime
from zoomstate.sandbox.seedfile import build_account
from zoomstate.sandbox.seeding import SeedError
from zoomstate.sandbox.service import Service, ServiceConfig

__all__ = [
    "DEFAULT_CREDENTIALS",
    "DEFAULT_PAGE_CAPS",
    "ROUTES",
    "SCOPES",
    "SERVED_PAGE_SIZES",
    "Credentials",
    "RequestLog",
    "SandboxApp",
    "SandboxRuntime",
    "create_app",
    "served_page_sizes",
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Every route of Zoom's API the sandbox serves: the families' tables, nothing else.
ROUTES = RouteTable(all_routes())
_ROUTES = ROUTES.routes  # the name tests/contract/test_endpoint_table.py reads


def _template(method: str, path: str) -> str:
    """How the request log names the endpoint of `path`."""
    if path.startswith("/v2/") or path == "/v2":
        found = ROUTES.find(method, path[3:] or "/")
        return found[0].template if found else "(unknown)"
    if path == "/oauth/token" and method == "POST":
        return "/oauth/token"
    return "/_sandbox" if path.startswith("/_sandbox/") else "(unknown)"


def _encoded_path(scope: Scope, decoded: str) -> str:
    """The API path (after `/v2`) as sent, still percent-encoded: routes match on it and
    `RouteTable.find` decodes each value once, so an encoded `/` or `#` stays inside its segment (as
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
            response = json_response(
                {"code": 413, "message": str(exc)}, 413, {"Connection": "close"}
            )
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
            response = json_response(
                {"code": 2300, "message": "This API endpoint is not recognized."}, 404
            )
        rt.log.record(method, _template(method, path), path, response.status_code, rt.clock.now())
        await response(scope, receive, send)

    @staticmethod
    def _error(exc: Exception) -> Response:
        if isinstance(exc, ZoomError):
            return json_response(exc.body(), exc.status, exc.headers or None)
        return json_response({"code": 300, "message": str(exc)}, 400)

    async def _api(
        self, request: Request, scope: Scope, receive: Receive, send: Send, path: str
    ) -> None:
        rt = self.runtime
        method = request.method
        # `path` (decoded once) is what the request log shows; routing uses the path as sent.
        routed = _encoded_path(scope, path)
        found = ROUTES.find(method, routed)
        template = found[0].template if found else "(unknown)"
        labelled = label_match(method, routed)
        decision = rt.faults.decide(labelled.label if labelled else None)
        if decision.latency_ms > 0:
            await asyncio.sleep(decision.latency_ms / 1000)
        if decision.action == "drop":
            rt.log.record(method, template, path, 0, rt.clock.now())
            await abort_response(send)
        if decision.action == "respond" and decision.status is not None:
            response: Response = json_response(
                decision.body, decision.status, decision.headers or None
            )
        else:
            with serving(rt.faults.spec):
                response = await self._handle(request, found, method, routed)
        rt.log.record(method, template, path, response.status_code, rt.clock.now())
        if decision.action == "drop_after":
            await abort_response(send)
        await response(scope, receive, send)

    async def _handle(
        self, request: Request, found: tuple[Route, dict[str, str]] | None, method: str, path: str
    ) -> Response:
        rt = self.runtime
        if found is None:
            # Zoom answers unknown endpoints with 404 / 2300 [U GET /users r400 lists 2300].
            return json_response(
                {"code": 2300, "message": "This API endpoint is not recognized."}, 404
            )
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        state = rt.token_state(token) if token else "invalid"
        if state == "invalid":
            return json_response({"code": 124, "message": "Invalid access token."}, 401)
        if state == "expired":
            status, body = rt.faults.expired_token_error()
            return json_response(body, status)
        route, params = found
        resource: str | None = None
        if route.user_param is not None:
            with rt.account.lock:
                user = rt.account.find_user(params[route.user_param])
                resource = user.id if user is not None else params[route.user_param]
        creates = False
        if method == "POST" and route.template == "/users":
            try:
                creates = parse_json(await request.body()).get("action") == "create"
            except (ZoomError, AttributeError):
                creates = False
        limit = rt.rate_limits.admit(method, path, resource=resource, creates_user=creates)
        if not limit.allowed:
            return json_response(limit.body, limit.status, limit.headers or None)
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
