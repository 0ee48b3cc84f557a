"""Connecting a command to an account: Zoom itself, or the embedded sandbox.

An edge module (I/O): it reads the environment and opens files. The client it returns
is the same either way; only the transport and the credentials differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from zoomstate.errors import ConfigError
from zoomstate.model import RateLimitTier
from zoomstate.settings import load_settings
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.pacing import DEFAULT_SHARE, Pacer


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach the account: `sandbox` (a file) wins over the environment."""

    sandbox: Path | None = None
    tier: RateLimitTier = "pro"
    share: float = DEFAULT_SHARE
    pacing: bool = True


Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


@asynccontextmanager
async def open_client(conn: Connection, *, wrap: Wrap | None = None) -> AsyncIterator[ZoomClient]:
    """A client for the account; `wrap` decorates the transport (the apply journal)."""
    pacer = Pacer(tier=conn.tier, share=conn.share, enabled=conn.pacing)

    def wrapped(transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        return wrap(transport) if wrap else transport

    if conn.sandbox is not None:
        from zoomstate.sandbox.embedded import open_embedded
        from zoomstate.sandbox.persistence import SandboxFileError

        try:
            embedded = open_embedded(conn.sandbox)
        except SandboxFileError as exc:
            raise ConfigError(str(exc)) from None
        with embedded as sandbox:
            # An embedded sandbox enforces no rate limit unless told to: pacing it would
            # only slow the demo and the tests down.
            pacer.enabled = conn.pacing and sandbox.app.runtime.rate_limits.enabled
            auth = ServerToServerAuth(
                account_id=sandbox.account_id,
                client_id=sandbox.client_id,
                client_secret=SecretStr(sandbox.client_secret),
                token_url=sandbox.oauth_url,
            )
            async with ZoomClient(
                api_url=sandbox.api_url,
                auth=auth,
                account_id=sandbox.account_id,
                transport=wrapped(sandbox.transport),
                pacer=pacer,
            ) as client:
                yield client
        return
    settings = load_settings()
    auth = ServerToServerAuth(
        account_id=settings.account_id,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        token_url=settings.oauth_url,
    )
    async with ZoomClient(
        api_url=settings.api_url,
        auth=auth,
        account_id=settings.account_id,
        transport=wrapped(httpx.AsyncHTTPTransport(retries=0)),
        pacer=pacer,
        deadline_s=settings.request_deadline_s,
    ) as client:
        yield client


__all__ = ["Connection", "open_client"]
