"""The sandbox in-process: the account persisted in a file, served over httpx's ASGI
transport, for the CLI's global `--sandbox FILE` option.

    with open_embedded(Path("demo.json")) as sb:
        client = httpx.AsyncClient(transport=sb.transport, base_url=sb.api_url)

The file is created from the built-in demo seed when missing, and saved on close. From
before the load until after that save, the process holds an exclusive lock on `FILE.lock`
(`filelock.py`): a second process on the same file waits, so neither loses the other's
writes. The admin API works in-process too, with `admin_secret` (random per open).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app
from zoomstate.sandbox.filelock import FileLock

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
    lock: FileLock | None = None

    @property
    def admin_secret(self) -> str:
        return self.app.runtime.admin_secret

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
        try:
            self.save()
        finally:
            if self.lock is not None:
                self.lock.release()

    def __enter__(self) -> EmbeddedSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_embedded(
    path: Path, *, seed: str | Path = "demo", on_wait: Callable[[str], None] | None = _tell
) -> EmbeddedSandbox:
    """Lock `path`, load the account in it (or create it there from `seed`) and serve it
    in-process; `on_wait` hears (once) that another process holds the lock.

    No background saver runs: the file is written when created and on `save()`/`close()`.
    A file that is not a sandbox file raises `SandboxFileError` and is left as it was.
    """
    lock = FileLock(Path(path), on_wait=on_wait)
    lock.acquire()
    try:
        app = create_app(data=Path(path), seed=seed, save_interval=0)
    except BaseException:
        lock.release()
        raise
    return EmbeddedSandbox(app=app, transport=httpx.ASGITransport(app=app), lock=lock)
