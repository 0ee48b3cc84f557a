"""Fixtures for the sandbox's own tests: an in-process app on a frozen, advanceable clock,
an authenticated client (in-process and over loopback HTTP) whose every response is held
to Zoom's contract, and a real uvicorn server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from tests.contract.plugin import contract_hooks
from zoomstate.sandbox.app import SandboxApp, create_app
from zoomstate.sandbox.clock import Clock

T0 = 1767225600.0  # 2026-01-01T00:00:00Z: tests never read the wall clock


def frozen_clock() -> Clock:
    return Clock(source=lambda: T0)


def token_for(client: httpx.Client) -> str:
    resp = client.post(
        "/oauth/token",
        params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        auth=("sandbox-client", "sandbox-secret"),
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


def admin_auth(app: SandboxApp) -> dict[str, str]:
    """The header the admin API (`/_sandbox/`) requires: the app's admin secret."""
    return {"Authorization": f"Bearer {app.runtime.admin_secret}"}


def admin_hooks(app: SandboxApp, *, contract: bool = True) -> dict[str, list[Any]]:
    """`event_hooks` for a client that talks to both APIs: its Zoom token goes to `/v2`,
    the admin secret (instead) to `/_sandbox/`; responses held to Zoom's contract."""
    secret = admin_auth(app)["Authorization"]

    def authorize(request: httpx.Request) -> None:
        if request.url.path.startswith("/_sandbox/"):
            request.headers["Authorization"] = secret

    hooks: dict[str, list[Any]] = {"request": [authorize]}
    if contract:
        hooks.update(contract_hooks())
    return hooks


def make_client(app: SandboxApp, *, contract: bool = True) -> TestClient:
    client = TestClient(app, base_url="http://sandbox.test")
    client.headers["Authorization"] = f"Bearer {token_for(client)}"
    client.event_hooks = admin_hooks(app, contract=contract)
    return client


@pytest.fixture
def clock() -> Clock:
    return frozen_clock()


@pytest.fixture
def app(clock: Clock) -> SandboxApp:
    return create_app(seed="demo", clock=clock)


@pytest.fixture(params=["asgi", "http"])
def api(app: SandboxApp, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """An authenticated client of `app`, in-process (ASGI) and over real loopback HTTP
    (uvicorn): the sandbox must behave the same either way."""
    if request.param == "asgi":
        with make_client(app) as client:
            yield client
        return
    with LiveServer(app) as server, httpx.Client(base_url=server.base_url) as client:
        client.headers["Authorization"] = f"Bearer {token_for(client)}"
        client.event_hooks = admin_hooks(app)
        yield client


def advance(client: httpx.Client, seconds: float, *, refresh: bool = True) -> None:
    """Move the sandbox clock; by default also mint a fresh token, as a client would after
    a long pause (the old one may have expired)."""
    resp = client.post("/_sandbox/clock/advance", json={"seconds": seconds})
    assert resp.status_code == 200
    if refresh:
        client.headers["Authorization"] = f"Bearer {token_for(client)}"


def all_pages(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    token = ""
    while True:
        resp = client.get(path, params={**params, "next_page_token": token})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        rows.extend(body[key])
        token = body["next_page_token"]
        if not token:
            return rows


class LiveServer:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As in `zoomstate sandbox serve`: asyncio leaves Nagle on for this socket
        # (proto 0), and each response would wait for a delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]})
        self.thread.daemon = True

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live(clock: Clock) -> Iterator[LiveServer]:
    with LiveServer(create_app(seed="demo", clock=clock)) as server:
        yield server
