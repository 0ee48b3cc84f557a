"""Server-to-server OAuth as an `httpx.Auth`.

Zoom's S2S tokens live one hour and have no refresh token: the flow mints one with
`grant_type=account_credentials`, caches it until shortly before it expires, and mints a
new one once when Zoom answers code 124 (expired or invalid token), which Zoom sends as
HTTP 401 in practice and as HTTP 400 in its spec. The token and the client secret are
never logged and never part of an error message.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator

import httpx
from pydantic import SecretStr

from zoomstate.errors import AuthError, Unreachable
from zoomstate.redact import shown

log = logging.getLogger(__name__)

# Mint a new token this long before the old one expires, so a request that leaves with a
# token does not arrive after its expiry.
EXPIRY_MARGIN_S = 120.0
EXPIRED_TOKEN_CODE = 124


class TokenUnavailable(AuthError, Unreachable):
    """The token endpoint answered 429 or 5xx: not a verdict on the credentials, so the
    client retries it like a dropped connection (and after the last retry, the API is
    as unreachable as one that drops every connection)."""


def sent_credentials(request: httpx.Request) -> tuple[str, ...]:
    """The credentials a request carried (its Authorization header, and the token or
    base64 blob in it), which a server may echo back in its answer."""
    header = request.headers.get("Authorization", "")
    return (header, header.partition(" ")[2]) if header else ()


def is_expired_token(response: httpx.Response) -> bool:
    """Zoom's code 124 ("Access token is expired" / "Invalid access token"), as 401 or 400."""
    if response.status_code not in (400, 401):
        return False
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("code") == EXPIRED_TOKEN_CODE


class ServerToServerAuth(httpx.Auth):
    requires_response_body = True

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: SecretStr,
        token_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._account_id = account_id
        self._client_id = client_id
        self._secret = client_secret
        self._token_url = token_url
        self._clock = clock
        self._token: SecretStr | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.minted = 0

    def __repr__(self) -> str:
        return f"ServerToServerAuth(account_id={self._account_id!r}, client_secret=***)"

    def _token_request(self) -> httpx.Request:
        basic = base64.b64encode(
            f"{self._client_id}:{self._secret.get_secret_value()}".encode()
        ).decode()
        return httpx.Request(
            "POST",
            self._token_url,
            params={"grant_type": "account_credentials", "account_id": self._account_id},
            headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
        )

    def _accept_token(self, response: httpx.Response) -> None:
        if response.status_code == 429 or response.status_code >= 500:
            raise TokenUnavailable(
                "the OAuth token endpoint is unavailable",
                method="POST",
                path=httpx.URL(self._token_url).path,
                status=response.status_code,
            )
        if response.status_code != 200:
            reason = ""
            try:
                body = response.json()
                if isinstance(body, dict):
                    reason = str(body.get("reason") or body.get("error") or body.get("message"))
            except ValueError:
                pass
            # The token endpoint saw the secret: it must not come back through its answer.
            known = (self._secret.get_secret_value(), *sent_credentials(response.request))
            reason = shown(reason, known)
            raise AuthError(
                f"Zoom refused the OAuth credentials{': ' + reason if reason else ''} "
                "(check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET)",
                method="POST",
                path=httpx.URL(self._token_url).path,
                status=response.status_code,
            )
        try:
            body = response.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as exc:
            raise AuthError("the OAuth token response has no access_token") from exc
        self._token = SecretStr(token)
        self._expires_at = self._clock() + lifetime - EXPIRY_MARGIN_S
        self.minted += 1
        log.debug("auth: minted token lifetime_s=%s", lifetime)

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at

    def _authorize(self, request: httpx.Request) -> SecretStr:
        assert self._token is not None
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        return self._token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        # One request mints at a time; the others wait and reuse its token.
        async with self._lock:
            if not self._valid():
                minted = yield self._token_request()
                await minted.aread()
                self._accept_token(minted)
            used = self._authorize(request)
        response = yield request
        if response.status_code not in (400, 401):
            return
        # Overriding async_auth_flow skips httpx's own reading of the body for
        # `requires_response_body`: read it here, where the code 124 is needed.
        await response.aread()
        if not is_expired_token(response):
            return
        log.info("auth: token refused with code 124, minting a new one")
        async with self._lock:
            if self._token is used or not self._valid():
                self._token = None
                minted = yield self._token_request()
                await minted.aread()
                self._accept_token(minted)
            self._authorize(request)
        yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        # zoomstate's client is async; a sync flow would bypass the lock above.
        raise NotImplementedError("ServerToServerAuth supports httpx.AsyncClient only")


__all__ = [
    "EXPIRY_MARGIN_S",
    "ServerToServerAuth",
    "TokenUnavailable",
    "is_expired_token",
    "sent_credentials",
]
