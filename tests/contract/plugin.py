"""httpx event hooks that hold every sandbox response to Zoom's contract.

Give any client that talks to the sandbox these hooks and each response it receives is
checked with `assert_response_matches` (the admin API under `/_sandbox/` excepted)::

    httpx.AsyncClient(transport=..., base_url=..., event_hooks=async_contract_hooks())
    httpx.Client(base_url=..., event_hooks=contract_hooks())

The `contract_hooks` / `async_contract_hooks` fixtures return the same. A violation raises
`ContractError` (an AssertionError) out of the request call, so the test that made the
request fails there, with the method, path, status, body and broken rules.

`checked_call` does the same on the server side, for any ASGI call: `tests/conftest.py`
wraps every sandbox app of the test process with it, so each answer the CLI, the client or
apply gets in any test is checked too. `CHECKED` counts the responses the hooks validated,
per (method, template, status), for tests that want to prove an endpoint was covered.
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


async def checked_call(
    app: Callable[..., Awaitable[None]], scope: Any, receive: Any, send: Any, problems: list[str]
) -> bool:
    """Serve one ASGI request through `app`, holding its answer to Zoom's contract; a
    violation is appended to `problems` (it cannot fail the request: the client under
    test would only see a different error). True when an API response was checked."""
    if scope["type"] != "http":
        await app(scope, receive, send)
        return False
    status = 0
    chunks: list[bytes] = []

    async def capture(message: Any) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    await app(scope, receive, capture)
    path = scope["path"]
    if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/") or status == 0:
        return False
    raw = b"".join(chunks)
    try:
        body: object = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    try:
        assert_response_matches(scope["method"], path, status, body)
    except AssertionError as exc:
        problems.append(str(exc))
    return True
