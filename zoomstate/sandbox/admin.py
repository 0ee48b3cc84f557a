"""The sandbox's admin API under `/_sandbox/` (not Zoom's): the clock, resets and seeds,
faults, rate limits, the request log, saving.

Every route needs the sandbox's admin secret, `Authorization: Bearer <secret>` (printed by
`zoomstate sandbox serve` as ZOOMSTATE_SANDBOX_ADMIN_SECRET, chosen with `--admin-secret`;
random per run otherwise), and a POST, PUT or PATCH with a body needs `Content-Type:
application/json`. So a web page the user happens to open cannot drive it: a browser sends
neither an Authorization header nor a JSON content type to another origin without asking
first (CORS preflight, which the sandbox never grants), and it cannot learn the secret.
Refusals (401, 415) change nothing.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from zoomstate.sandbox.clock import iso
from zoomstate.sandbox.errors import ZoomError
from zoomstate.sandbox.faults import FaultSpecError
from zoomstate.sandbox.limits import TooDeep, loads
from zoomstate.sandbox.seedfile import build_account
from zoomstate.sandbox.seeding import SeedError

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["ADMIN_SECRET_ENV", "admin", "check_admin_secret", "new_admin_secret"]

ADMIN_SECRET_ENV = "ZOOMSTATE_SANDBOX_ADMIN_SECRET"
_SECRET_CHARS = re.compile(r"[\x21-\x7e]{1,512}")  # printable ASCII, no spaces: a header value
_WITH_BODY = ("POST", "PUT", "PATCH")


def new_admin_secret() -> str:
    return secrets.token_urlsafe(24)


def check_admin_secret(secret: str) -> str:
    """`secret` if it can travel in a header (1 to 512 printable ASCII characters, no
    spaces); ValueError otherwise."""
    if not _SECRET_CHARS.fullmatch(secret):
        raise ValueError(
            "the admin secret must be 1 to 512 printable ASCII characters, without spaces"
        )
    return secret


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status, headers=headers)


def _refusal(request: Request, secret: str, body: bytes) -> Response | None:
    """401 without the admin secret, 415 for a body that is not declared JSON; None when
    the request may go on."""
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not secrets.compare_digest(given.encode(), secret.encode()):
        return _json(
            {
                "code": 401,
                "message": "The sandbox's admin API needs its admin secret: "
                f"Authorization: Bearer ${ADMIN_SECRET_ENV} (printed by `zoomstate "
                "sandbox serve`).",
            },
            401,
            {"WWW-Authenticate": 'Bearer realm="zoomstate-sandbox-admin"'},
        )
    if request.method not in _WITH_BODY:
        return None
    declared = request.headers.get("content-type")
    media = (declared or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or (declared is None and not body):
        return None
    return _json(
        {
            "code": 415,
            "message": "The sandbox's admin API takes JSON bodies: send "
            "Content-Type: application/json.",
        },
        415,
    )


def _body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        data = loads(raw)
    except TooDeep as exc:
        raise ZoomError(400, 300, f"Request Body is {exc}.") from None
    except ValueError:
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.") from None
    if not isinstance(data, dict):
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.")
    return data


def _seed_source(body: dict[str, Any]) -> Any:
    """What to seed from: `{"path": file}`, `{"seed": "demo"|file|mapping}`, or the body
    itself as the seed mapping (`random_seed` aside)."""
    if "path" in body:
        return body["path"]
    if isinstance(body.get("seed"), str | dict):
        return body["seed"]
    return {k: v for k, v in body.items() if k != "random_seed"}


def _source(value: Any) -> Any:
    if isinstance(value, dict | str):
        return value
    raise SeedError("a seed is a path, 'demo' or a mapping")


async def admin(rt: SandboxRuntime, request: Request, path: str, raw: bytes) -> Response:
    """One admin request; `raw` is its body, already read under the body cap."""
    refused = _refusal(request, rt.admin_secret, raw)
    if refused is not None:
        return refused
    method = request.method
    body = _body(raw) if method in _WITH_BODY else {}
    if path == "/reset" and method == "POST":
        source = _source(body.get("seed", rt.seed_source))
        # Built in full before anything is replaced: a bad seed changes nothing.
        rt.replace_account(build_account(source, body.get("random_seed")))
        rt.log.clear()
        return _json(rt.account.summary())
    if path == "/seed" and method == "POST":
        source = _source(_seed_source(body))
        rt.replace_account(build_account(source, body.get("random_seed")))
        rt.seed_source = source
        return _json(rt.account.summary())
    return _settings(rt, method, path, body)


def _settings(rt: SandboxRuntime, method: str, path: str, body: dict[str, Any]) -> Response:
    svc = rt.service
    m = re.fullmatch(r"/users/([^/]+)/activate", path)
    if m and method == "POST":
        return _json(svc.activate_pending(unquote(m.group(1))))
    if path == "/clock" and method == "GET":
        return _json({"offset": rt.clock.offset, "now": iso(rt.clock.now())})
    if path == "/clock/advance" and method == "POST":
        offset = rt.clock.advance(float(body.get("seconds", 0)))
        return _json({"offset": offset, "now": iso(rt.clock.now())})
    if path == "/faults" and method == "GET":
        return _json({"spec": str(rt.faults.spec)})
    if path == "/faults" and method == "PUT":
        try:
            spec = rt.faults.set_spec(str(body.get("spec", "")))
        except FaultSpecError as exc:
            raise ZoomError(400, 300, str(exc)) from None
        return _json({"spec": str(spec)})
    if path == "/faults/burst" and method == "POST":
        rt.faults.burst(int(body.get("count", 1)), headers=bool(body.get("headers", True)))
        return _json({"spec": str(rt.faults.spec)})
    if path == "/tokens/expire" and method == "POST":
        return _json({"generation": rt.faults.expire_tokens()})
    if path == "/rate-limits" and method in ("GET", "PUT"):
        return _rate_limits(rt, method, body)
    if path == "/config" and method in ("GET", "PUT"):
        if "phone_user_delay" in body:
            svc.config.phone_user_delay = float(body["phone_user_delay"])
        return _json({"phone_user_delay": svc.config.phone_user_delay})
    return _reports(rt, method, path)


def _rate_limits(rt: SandboxRuntime, method: str, body: dict[str, Any]) -> Response:
    if method == "PUT":
        rt.rate_limits.configure(
            tier=body.get("tier"),
            enabled=body.get("enabled"),
            concurrency=body.get("concurrency"),
            headers=body.get("headers"),
        )
    rl = rt.rate_limits
    shown = {"enabled": rl.enabled, "tier": rl.tier, "concurrency": rl.concurrency}
    return _json({**shown, "headers": rl.headers})


def _reports(rt: SandboxRuntime, method: str, path: str) -> Response:
    if path == "/requests" and method == "GET":
        return _json(rt.log.snapshot())
    if path == "/requests" and method == "DELETE":
        rt.log.clear()
        return Response(status_code=204)
    if path == "/save" and method == "POST":
        if rt.persist is None:
            raise ZoomError(400, 300, "The sandbox was started without a data file.")
        return _json({"saved": rt.save(), "path": str(rt.persist.path)})
    if path == "/state" and method == "GET":
        with rt.account.lock:
            received = [
                {"to": u.email, **r} for u in rt.account.ordered_users() for r in u.received
            ]
            return _json(
                {
                    "summary": rt.account.summary(),
                    "problems": rt.account.check_invariants(),
                    "transfers": received,
                }
            )
    if path == "/health" and method == "GET":
        return _json({"ok": True})
    raise ZoomError(404, 404, f"No admin endpoint {method} /_sandbox{path}.")
