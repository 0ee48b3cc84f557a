"""How much the sandbox takes in: request bodies stop being read at 10 MiB (413), JSON
deeper than 64 levels is a Zoom-style 400 (never a traceback), and NaN is not a number."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.sandbox.conftest import admin_auth, token_for
from zoomstate.sandbox.app import SandboxApp
from zoomstate.sandbox.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, TooDeep, check_depth, loads

MIB = 1024 * 1024


class Endless:
    """An ASGI `receive` that would send 1 MiB chunks for ever (up to `limit` of them, so
    a sandbox that reads everything still finishes): counts what the app read."""

    def __init__(self, limit: int = 64) -> None:
        self.chunks = 0
        self.limit = limit

    async def __call__(self) -> dict[str, Any]:
        if self.chunks >= self.limit:
            return {"type": "http.request", "body": b"", "more_body": False}
        self.chunks += 1
        return {"type": "http.request", "body": b" " * MIB, "more_body": True}


def _call(app: SandboxApp, path: str, receive: Any, headers: list[tuple[bytes, bytes]]) -> int:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"sandbox.test"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("sandbox.test", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if start["status"] == 413:
        assert json.loads(body)["code"] == 413
    return int(start["status"])


@pytest.mark.parametrize("path", ["/v2/users", "/oauth/token", "/_sandbox/seed"])
def test_a_body_without_length_stops_being_read_at_the_cap(app: SandboxApp, path: str) -> None:
    receive = Endless()
    assert _call(app, path, receive, []) == 413
    # The first chunk past 10 MiB is the last one read: nothing more is buffered.
    assert receive.chunks == MAX_BODY_BYTES // MIB + 1


def test_a_declared_2_gb_body_is_refused_before_any_of_it_is_read(app: SandboxApp) -> None:
    receive = Endless()
    status = _call(app, "/v2/users", receive, [(b"content-length", str(2 * 1024 * MIB).encode())])
    assert status == 413
    assert receive.chunks == 0


def test_a_body_at_the_cap_is_read(api: httpx.Client) -> None:
    body = json.dumps({"action": "create", "user_info": {"email": "cap@example.com", "type": 1}})
    padded = body.encode() + b" " * (MAX_BODY_BYTES - len(body))
    assert len(padded) == MAX_BODY_BYTES
    assert api.post("/v2/users", content=padded).status_code == 201
    resp = api.post("/v2/users", content=padded + b" ")
    assert resp.status_code == 413
    assert resp.json()["message"] == "The request body is larger than the sandbox's 10 MiB limit."


def test_over_http_a_large_upload_gets_413_and_the_server_goes_on(api: httpx.Client) -> None:
    def chunks() -> Any:
        for _ in range(30):
            yield b" " * MIB

    assert api.post("/v2/users", content=chunks()).status_code == 413
    assert api.get("/v2/users").status_code == 200


def _nested(depth: int) -> bytes:
    """A user-create body whose ignored field `x` brings the document to `depth` levels."""
    inner = "[" * (depth - 1) + "]" * (depth - 1)
    return (
        '{"action": "create", "user_info": {"email": "deep@example.com", "type": 1}, "x": '
        + inner
        + "}"
    ).encode()


def test_json_nested_64_levels_is_accepted_65_refused(api: httpx.Client) -> None:
    assert api.post("/v2/users", content=_nested(MAX_JSON_DEPTH)).status_code == 201
    resp = api.post("/v2/users", content=_nested(MAX_JSON_DEPTH + 1))
    assert resp.status_code == 400
    assert resp.json() == {
        "code": 300,
        "message": "Request Body is nested more than 64 levels deep.",
    }


@pytest.mark.parametrize("path", ["/v2/users", "/v2/phone/users/batch", "/_sandbox/faults"])
def test_json_nested_100000_deep_is_a_400_not_a_traceback(app: SandboxApp, path: str) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with TestClient(app, base_url="http://sandbox.test", raise_server_exceptions=True) as raw:
        auth = admin_auth(app) if path.startswith("/_sandbox") else {}
        if not auth:
            auth = {"Authorization": f"Bearer {token_for(raw)}"}
        method = "PUT" if path.endswith("faults") else "POST"
        resp = raw.request(
            method, path, content=body, headers={**auth, "content-type": "application/json"}
        )
    assert resp.status_code == 400, resp.text
    assert "nested more than 64 levels" in resp.json()["message"]


def test_nan_is_not_a_number(api: httpx.Client, app: SandboxApp) -> None:
    before = app.runtime.clock.offset
    resp = api.post(
        "/_sandbox/clock/advance",
        content=b'{"seconds": NaN}',
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 400
    assert app.runtime.clock.offset == before


def test_depth_helpers() -> None:
    assert loads(b"[[[]]]", limit=3) == [[[]]]
    with pytest.raises(TooDeep):
        loads(b"[[[[]]]]", limit=3)
    # Brackets inside strings are not nesting.
    assert loads(b'["[[[[[[", {"a": "{{{{{"}]', limit=2) == ["[[[[[[", {"a": "{{{{{"}]
    shared: list[Any] = []
    bomb = [shared] * 10
    for _ in range(5):
        bomb = [bomb] * 10
    with pytest.raises(ValueError, match="alias"):
        check_depth(bomb, 64, budget=1000)
