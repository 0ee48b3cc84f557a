"""The sandbox in-process: the account persisted in a file, served over httpx's ASGI
transport, for the CLI's global `--sandbox FILE` option.

    with open_embedded(Path("demo.json")) as sb:
        client = httpx.AsyncClient(transport=sb.transport, base_url=sb.api_url)

The file is created from the built-in demo seed when missing, and saved on close.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app

__all__ = ["EMBEDDED_BASE", "EmbeddedSandbox", "open_embedded"]

EMBEDDED_BASE = "http://sandbox.invalid"


@dataclass
class EmbeddedSandbox:
    app: SandboxApp
    transport: httpx.AsyncBaseTransport
    api_url: str = f"{EMBEDDED_BASE}/v2"
    oauth_url: str = f"{EMBEDDED_BASE}/oauth/token"
    account_id: str = DEFAULT_CREDENTIALS.account_id
    client_id: str = DEFAULT_CREDENTIALS.client_id
    client_secret: str = DEFAULT_CREDENTIALS.client_secret

    def env(self) -> dict[str, str]:
        """The client settings that point zoomstate at this sandbox."""
        return {
            "ZOOMSTATE_API_URL": self.api_url,
            "ZOOMSTATE_OAUTH_URL": self.oauth_url,
            "ZOOM_ACCOUNT_ID": self.account_id,
            "ZOOM_CLIENT_ID": self.client_id,
            "ZOOM_CLIENT_SECRET": self.client_secret,
        }

    def save(self) -> None:
        self.app.runtime.save()

    def close(self) -> None:
        self.save()

    def __enter__(self) -> EmbeddedSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_embedded(path: Path, *, seed: str | Path = "demo") -> EmbeddedSandbox:
    """Load the account in `path` (or create it there from `seed`) and serve it in-process.

    No background saver runs: the file is written when created and on `save()`/`close()`.
    """
    app = create_app(data=Path(path), seed=seed, save_interval=0)
    return EmbeddedSandbox(app=app, transport=httpx.ASGITransport(app=app))
