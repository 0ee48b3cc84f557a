"""httpx event hooks that hold every sandbox response to Zoom's contract.

Give any client that talks to the sandbox these hooks and each response it receives is
checked with `assert_response_matches` (the admin API under `/_sandbox/` excepted)::

    httpx.AsyncClient(transport=..., base_url=..., event_hooks=async_contract_hooks())
    httpx.Client(base_url=..., event_hooks=contract_hooks())

The `contract_hooks` / `async_contract_hooks` fixtures return the same; enable them suite-
wide with `pytest_plugins = ["tests.contract.plugin"]` in the top-level `tests/conftest.py`.
A violation raises `ContractError` (an AssertionError) out of the request call, so the test
that made the request fails there, with the method, path, status, body and broken rules.
`CHECKED` counts the validated responses per (method, template, status) for tests that
want to prove an endpoint was covered.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.contract.openapi import ADMIN_PREFIX, API_PREFIX, assert_response_matches, find_operation

__all__ = [
    "CHECKED",
    "async_contract_hooks",
    "check_response",
    "contract_hooks",
]

CHECKED: Counter[tuple[str, str, int]] = Counter()
_checked_lock = threading.Lock()


def _body(response: httpx.Response) -> object:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        # Not JSON: hand the text over so the schema check reports it instead of hiding it.
        return response.text


def check_response(response: httpx.Response) -> None:
    """Validate one (already read) response; admin API responses are skipped."""
    request = response.request
    path = request.url.path
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
        return
    assert_response_matches(request.method, path, response.status_code, _body(response))
    op = find_operation(request.method, path)
    template = op.template if op is not None else path.removeprefix(API_PREFIX)
    with _checked_lock:
        CHECKED[(request.method, template, response.status_code)] += 1


def _sync_hook(response: httpx.Response) -> None:
    response.read()
    check_response(response)


async def _async_hook(response: httpx.Response) -> None:
    await response.aread()
    check_response(response)


def contract_hooks() -> dict[str, list[Callable[[httpx.Response], None]]]:
    """`event_hooks` for an `httpx.Client`."""
    return {"response": [_sync_hook]}


def async_contract_hooks() -> dict[str, list[Callable[[httpx.Response], Awaitable[None]]]]:
    """`event_hooks` for an `httpx.AsyncClient`."""
    return {"response": [_async_hook]}


@pytest.fixture(name="contract_hooks")
def contract_hooks_fixture() -> dict[str, list[Callable[[httpx.Response], None]]]:
    return contract_hooks()


@pytest.fixture(name="async_contract_hooks")
def async_contract_hooks_fixture() -> dict[str, list[Callable[[httpx.Response], Awaitable[None]]]]:
    return async_contract_hooks()


class ContractCheckedApp:
    """An ASGI wrapper that holds every API response of `app` to Zoom's contract, for
    servers the test does not hold the client of (the CLI's own client, over HTTP).

    A violation cannot fail the request (the client under test would only see a
    different error), so it is kept in `problems`, which the fixture asserts empty."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.problems: list[str] = []
        self.checked = 0

    def __getattr__(self, name: str) -> Any:
        # The sandbox's runtime, service and the rest stay reachable through the wrapper.
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        path = scope["path"]
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/") or status == 0:
            return
        raw = b"".join(chunks)
        try:
            body: object = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        try:
            assert_response_matches(scope["method"], path, status, body)
        except AssertionError as exc:
            self.problems.append(str(exc))
        self.checked += 1
