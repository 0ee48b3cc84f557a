"""The admin API (`/_sandbox/`) takes orders only from who holds the sandbox's admin
secret, and only as JSON: a web page the user opens can neither authenticate (it cannot
learn the secret, nor send an Authorization header cross-origin without a preflight the
sandbox never grants) nor send a JSON body (same), so it cannot reset the account. Every
refusal changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.sandbox.conftest import LiveServer, admin_auth, token_for
from zoomstate.cli import ExitCode
from zoomstate.sandbox import open_embedded
from zoomstate.sandbox.app import SandboxApp

# One request per admin route, each of which would change something or tell something.
ROUTES: list[tuple[str, str, Any]] = [
    ("POST", "/_sandbox/reset", {"seed": {"users": []}}),
    ("POST", "/_sandbox/seed", {"seed": {"users": []}}),
    ("POST", "/_sandbox/users/new.hire@example.com/activate", None),
    ("POST", "/_sandbox/clock/advance", {"seconds": 86400}),
    ("PUT", "/_sandbox/faults", {"spec": "5xx=1"}),
    ("POST", "/_sandbox/faults/burst", {"count": 5}),
    ("POST", "/_sandbox/tokens/expire", None),
    ("PUT", "/_sandbox/rate-limits", {"enabled": True}),
    ("PUT", "/_sandbox/config", {"phone_user_delay": 99}),
    ("DELETE", "/_sandbox/requests", None),
    ("GET", "/_sandbox/requests", None),
    ("GET", "/_sandbox/state", None),
    ("GET", "/_sandbox/clock", None),
    ("GET", "/_sandbox/health", None),
]


def _fingerprint(app: SandboxApp) -> dict[str, Any]:
    rt = app.runtime
    return {
        "summary": rt.account.summary(),
        "pending": [u.status for u in rt.account.ordered_users()],
        "clock": rt.clock.offset,
        "faults": str(rt.faults.spec),
        "generation": rt.faults.token_generation,
        "rate_limits": rt.rate_limits.enabled,
        "delay": rt.service.config.phone_user_delay,
        # Refusals are logged like any request; what must survive is the log itself.
        "listed": rt.log.snapshot()["by_endpoint"].get("GET /users", 0),
    }


@pytest.fixture(params=["asgi", "http"])
def raw(app: SandboxApp, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client that adds no credential of its own, in-process and over loopback HTTP."""
    if request.param == "asgi":
        with TestClient(app, base_url="http://sandbox.test") as client:
            yield client
        return
    with LiveServer(app) as server, httpx.Client(base_url=server.base_url) as client:
        yield client


@pytest.mark.parametrize("credential", ["none", "wrong", "zoom-token", "basic"])
def test_admin_routes_refuse_without_the_admin_secret(
    app: SandboxApp, raw: httpx.Client, credential: str
) -> None:
    token = token_for(raw)
    headers = {
        "none": {},
        "wrong": {"Authorization": "Bearer not-the-secret"},
        # The Zoom API's own token is not the admin secret: its credentials are public.
        "zoom-token": {"Authorization": f"Bearer {token}"},
        "basic": {"Authorization": f"Basic {app.runtime.admin_secret}"},
    }[credential]
    raw.get("/v2/users", headers={"Authorization": f"Bearer {token}"})  # something in the log
    before = _fingerprint(app)
    for method, path, body in ROUTES:
        resp = raw.request(method, path, json=body, headers=headers)
        assert resp.status_code == 401, (method, path, resp.text)
        assert resp.headers["content-type"] == "application/json"
        assert "admin secret" in resp.json()["message"]
        assert resp.headers["www-authenticate"].startswith("Bearer")
    assert _fingerprint(app) == before


def test_a_web_page_cannot_reset_the_account(app: SandboxApp, raw: httpx.Client) -> None:
    """What a page can send cross-origin without a preflight: a text/plain (or form) POST
    without an Authorization header. Refused, and the account is as it was."""
    before = _fingerprint(app)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        resp = raw.post(
            "/_sandbox/reset",
            content=b'{"seed": {"users": []}}',
            headers={"content-type": content_type},
        )
        assert resp.status_code == 401, resp.text
    assert _fingerprint(app) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_admin_bodies_must_be_declared_json(
    app: SandboxApp, raw: httpx.Client, content_type: str | None
) -> None:
    """Even with the secret, a body must come as `Content-Type: application/json`: 415
    and no change otherwise."""
    headers = admin_auth(app)
    if content_type is not None:
        headers["content-type"] = content_type
    before = _fingerprint(app)
    for method, path, body in ROUTES:
        if method not in ("POST", "PUT") or body is None:
            continue
        resp = raw.request(method, path, content=json.dumps(body).encode(), headers=headers)
        assert resp.status_code == 415, (method, path, content_type, resp.text)
        assert "application/json" in resp.json()["message"]
    assert _fingerprint(app) == before


def test_an_empty_plain_text_post_is_refused_too(app: SandboxApp, raw: httpx.Client) -> None:
    before = _fingerprint(app)
    headers = {**admin_auth(app), "content-type": "text/plain"}
    assert raw.post("/_sandbox/tokens/expire", headers=headers).status_code == 415
    assert _fingerprint(app) == before


def test_the_admin_secret_opens_every_route(app: SandboxApp, raw: httpx.Client) -> None:
    headers = admin_auth(app)
    for method, path, body in ROUTES:
        resp = raw.request(method, path, json=body, headers=headers)
        # The activate of a user the empty seed no longer has is a 404; the rest work.
        assert resp.status_code in (200, 204) or "activate" in path, (method, path, resp.text)
    # A body-less POST needs no content type; a JSON one may carry a charset.
    assert raw.post("/_sandbox/tokens/expire", headers=headers).status_code == 200
    resp = raw.post(
        "/_sandbox/clock/advance",
        content=b'{"seconds": 1}',
        headers={**headers, "content-type": "Application/JSON; charset=utf-8"},
    )
    assert resp.status_code == 200, resp.text


def test_each_sandbox_has_its_own_secret(app: SandboxApp) -> None:
    from zoomstate.sandbox.app import create_app

    other = create_app(seed={"users": []})
    assert other.runtime.admin_secret != app.runtime.admin_secret
    assert len(app.runtime.admin_secret) >= 32
    chosen = create_app(seed={"users": []}, admin_secret="s3cret-for-tests")
    assert chosen.runtime.admin_secret == "s3cret-for-tests"
    for bad in ("", "has space", "tab\there", "é"):
        with pytest.raises(ValueError, match="admin secret"):
            create_app(seed={"users": []}, admin_secret=bad)


def test_embedded_sandbox_serves_the_cli_unchanged_and_the_admin_api_with_its_secret(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        with open_embedded(tmp_path / "sb.json") as sb:
            base = sb.api_url.removesuffix("/v2")
            async with httpx.AsyncClient(transport=sb.transport, base_url=base) as c:
                assert (await c.get("/_sandbox/state")).status_code == 401
                auth = {"Authorization": f"Bearer {sb.admin_secret}"}
                assert (await c.get("/_sandbox/state", headers=auth)).status_code == 200

    asyncio.run(scenario())


def _serve(*args: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoomstate.cli", "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
    )
    assert proc.stdout is not None
    settings: dict[str, str] = {}
    for line in proc.stdout:
        if "=" in line and not line.startswith("#"):
            key, _, value = line.strip().partition("=")
            settings[key] = value
        if "ZOOM_CLIENT_SECRET" in settings:
            break
    return proc, settings


@pytest.mark.parametrize("how", ["random", "option", "env"])
def test_serve_prints_the_admin_secret_and_requires_it(how: str) -> None:
    args = ("--admin-secret", "from-the-option") if how == "option" else ()
    env = {"ZOOMSTATE_SANDBOX_ADMIN_SECRET": "from-the-env"} if how == "env" else {}
    proc, settings = _serve(*args, "--no-rate-limits", env=env)
    try:
        secret = settings["ZOOMSTATE_SANDBOX_ADMIN_SECRET"]
        expected = {"option": "from-the-option", "env": "from-the-env"}.get(how)
        assert secret == expected if expected else len(secret) >= 32
        base = settings["ZOOMSTATE_API_URL"].removesuffix("/v2")
        assert httpx.get(f"{base}/_sandbox/clock").status_code == 401
        auth = {"Authorization": f"Bearer {secret}"}
        assert httpx.get(f"{base}/_sandbox/clock", headers=auth).status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_serve_refuses_an_admin_secret_that_cannot_be_a_header() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "zoomstate.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--admin-secret",
            "two words",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == ExitCode.USAGE
    assert "--admin-secret" in done.stderr and "Traceback" not in done.stderr
