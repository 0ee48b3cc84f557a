"""Zoom's Server-to-Server OAuth token endpoint, `POST /oauth/token`, with the sandbox's
fixed credentials and the scopes its tokens carry."""

from __future__ import annotations

import base64
import contextlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from zoomstate.endpoints import scopes
from zoomstate.sandbox.routing import json_response

if TYPE_CHECKING:
    from zoomstate.sandbox.runtime import SandboxRuntime

__all__ = ["DEFAULT_CREDENTIALS", "SCOPES", "TOKEN_TTL", "Credentials", "oauth_token"]

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


def _oauth_error(status: int, error: str, reason: str) -> Response:
    return json_response({"reason": reason, "error": error}, status)


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
    return json_response(
        {
            "access_token": rt.mint_token(),
            "token_type": "bearer",
            "expires_in": int(TOKEN_TTL) - 1,  # Zoom's example says 3599 (DW:(root))
            "scope": SCOPES,
            "api_url": base,
        }
    )
