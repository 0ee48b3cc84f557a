"""Unit tests of the Zoom client's request loop, auth flow, pacing and pagination, with a
scripted transport (httpx.MockTransport). End-to-end tests against the sandbox live in
tests/zoom/test_read_sandbox.py."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from zoomstate.errors import AuthError, BackendError, ConfigError, RateLimited
from zoomstate.settings import load_settings
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient, _parse_retry_after
from zoomstate.zoom.pacing import Pacer

SECRET = "s3cret-client-secret"
API = "https://api.example.test/v2"
TOKEN_URL = "https://oauth.example.test/oauth/token"


class FakeTime:
    """A clock and a sleep that advances it: no test waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


def make_client(
    handler: Handler, fake: FakeTime | None = None, *, pacing: bool = False, tier: str = "pro"
) -> tuple[ZoomClient, ServerToServerAuth, FakeTime]:
    fake = fake or FakeTime()
    auth = ServerToServerAuth(
        account_id="acct",
        client_id="cid",
        client_secret=SecretStr(SECRET),
        token_url=TOKEN_URL,
        clock=fake.clock,
    )
    client = ZoomClient(
        api_url=API,
        auth=auth,
        transport=httpx.MockTransport(handler),
        pacer=Pacer(tier=tier, clock=fake.clock, sleep=fake.sleep, enabled=pacing),
        retry=RetryPolicy(attempts=4, base_s=0.5, cap_s=8),
        sleep=fake.sleep,
        wall_clock=lambda: datetime(2026, 11, 22, 12, 0, tzinfo=UTC),
        rng=random.Random(1),
    )
    return client, auth, fake


class TokenServer:
    def __init__(self) -> None:
        self.minted = 0

    def mint(self, request: httpx.Request) -> httpx.Response:
        assert request.url.params["grant_type"] == "account_credentials"
        assert request.headers["Authorization"].startswith("Basic ")
        self.minted += 1
        return httpx.Response(
            200,
            json={
                "access_token": f"tok-{self.minted}",
                "token_type": "bearer",
                "expires_in": 3599,
                "scope": "user:read:admin",
            },
        )


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_token_is_minted_once_and_reused() -> None:
    tokens = TokenServer()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        seen.append(request.headers["Authorization"])
        assert request.headers["User-Agent"].startswith("zoomstate/")
        return httpx.Response(200, json={"id": "u1"})

    client, _, _ = make_client(handler)

    async def go() -> None:
        async with client:
            await asyncio.gather(*(client.get("/users/u1") for _ in range(5)))

    run(go())
    assert tokens.minted == 1
    assert seen == ["Bearer tok-1"] * 5


@pytest.mark.parametrize("status", [401, 400])
def test_expired_token_code_124_is_reminted_once(status: int) -> None:
    tokens = TokenServer()
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        calls.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer tok-1":
            return httpx.Response(status, json={"code": 124, "message": "Access token is expired."})
        return httpx.Response(200, json={"ok": True})

    client, _, _ = make_client(handler)
    assert run(client.get("/users/me")) == {"ok": True}
    assert tokens.minted == 2
    assert calls == ["Bearer tok-1", "Bearer tok-2"]


def test_token_refused_twice_is_an_error_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    tokens = TokenServer()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        return httpx.Response(401, json={"code": 124, "message": "Invalid access token."})

    client, auth, _ = make_client(handler)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(BackendError) as info:
        run(client.get("/users"))
    assert info.value.status == 401 and info.value.code == 124
    assert tokens.minted == 2
    text = str(info.value) + caplog.text + repr(auth)
    assert SECRET not in text and "tok-1" not in text and "tok-2" not in text


def test_token_expiry_by_clock_mints_before_zoom_refuses() -> None:
    tokens = TokenServer()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        return httpx.Response(200, json={})

    client, _, fake = make_client(handler)
    run(client.get("/users"))
    fake.now += 3599 - 60  # inside the safety margin
    run(client.get("/users"))
    assert tokens.minted == 2


def test_bad_credentials_are_an_auth_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"reason": "Invalid client_id or client_secret"})

    client, _, _ = make_client(handler)
    with pytest.raises(AuthError) as info:
        run(client.get("/users"))
    assert "Invalid client_id" in str(info.value)
    assert SECRET not in str(info.value)


def scripted(responses: list[httpx.Response | Exception]) -> tuple[Handler, list[str]]:
    tokens = TokenServer()
    log: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        log.append(f"{request.method} {request.url.path}")
        item = responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, log


def test_retries_5xx_429_and_dropped_connections_then_succeeds() -> None:
    handler, log = scripted(
        [
            httpx.Response(503, json={"code": 503, "message": "busy"}),
            httpx.Response(429, json={"code": 429, "message": "rate"}),  # no headers at all
            httpx.RemoteProtocolError("server disconnected"),
            httpx.Response(200, json={"done": 1}),
        ]
    )
    client, _, fake = make_client(handler)
    assert run(client.get("/users")) == {"done": 1}
    assert len(log) == 4
    assert len(fake.sleeps) == 3
    # A 429 without Retry-After waits at least a second: the budget refills per second.
    assert fake.sleeps[1] >= 1.0
    assert client.stats.retries == 3


def test_retry_after_seconds_and_date_are_honoured() -> None:
    handler, _ = scripted(
        [
            httpx.Response(429, headers={"Retry-After": "3"}, json={"code": 429, "message": "x"}),
            httpx.Response(
                429,
                headers={"Retry-After": "2026-11-22T12:00:05Z", "X-RateLimit-Type": "QPS"},
                json={"code": 429, "message": "x"},
            ),
            httpx.Response(200, json={}),
        ]
    )
    client, _, fake = make_client(handler)
    run(client.get("/users"))
    assert fake.sleeps == [3.0, 5.0]


def test_daily_limit_stops_the_run_with_resume_time() -> None:
    handler, log = scripted(
        [
            httpx.Response(
                429,
                headers={
                    "X-RateLimit-Category": "Heavy",
                    "X-RateLimit-Type": "Daily-limit",
                    "Retry-After": "2026-11-23T00:00:00Z",
                },
                json={"code": 429, "message": "You have reached the maximum daily rate limit"},
            )
        ]
    )
    client, _, fake = make_client(handler)
    with pytest.raises(RateLimited) as info:
        run(client.request("POST", "/users", json={"action": "create"}))
    assert info.value.resume_at == "2026-11-23T00:00:00Z"
    assert "2026-11-23T00:00:00Z" in str(info.value)
    assert len(log) == 1 and fake.sleeps == []


def test_daily_limit_without_headers_is_recognised_by_message() -> None:
    handler, _ = scripted(
        [httpx.Response(429, json={"code": 429, "message": "maximum daily rate limit"})]
    )
    client, _, _ = make_client(handler)
    with pytest.raises(RateLimited) as info:
        run(client.get("/users"))
    # No Retry-After: Zoom's daily windows end at 00:00 UTC, after the client's 12:00.
    assert info.value.resume_at == "2026-11-23T00:00:00Z"
    assert "2026-11-23T00:00:00Z" in str(info.value)


def test_a_long_retry_after_stops_the_run_without_calling_it_daily() -> None:
    handler, log = scripted(
        [
            httpx.Response(
                429,
                headers={"X-RateLimit-Type": "QPS", "Retry-After": "600"},
                json={"code": 429, "message": "You have reached the maximum per-second rate"},
            )
        ]
    )
    client, _, fake = make_client(handler)
    with pytest.raises(RateLimited) as info:
        run(client.get("/users"))
    message = str(info.value)
    # Ten minutes is not sat out inside a run, but it is not Zoom's daily limit either.
    assert "daily" not in message
    assert "wait 600 s" in message and "Retry-After" in message
    assert len(log) == 1 and fake.sleeps == []


def test_token_endpoint_outage_is_retried_like_a_dropped_connection() -> None:
    tokens = TokenServer()
    outages = [503, 429]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            if outages:
                return httpx.Response(outages.pop(0), json={"reason": "busy"})
            return tokens.mint(request)
        return httpx.Response(200, json={"ok": True})

    client, _, fake = make_client(handler)
    assert run(client.get("/users")) == {"ok": True}
    assert client.stats.token_requests == 3 and client.stats.retries == 2
    assert len(fake.sleeps) == 2 and client.stats.calls == 1


def test_token_endpoint_down_for_good_is_an_auth_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    client, _, _ = make_client(handler)
    with pytest.raises(AuthError) as info:
        run(client.get("/users"))
    assert info.value.status == 502 and "unavailable" in str(info.value)
    assert client.stats.token_requests == 4 and client.stats.calls == 0


def test_stats_count_what_goes_over_the_wire() -> None:
    """A request the auth flow sends again after code 124 is two calls to Zoom (and to
    its rate limits), though the request loop saw one."""
    tokens = TokenServer()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        if request.headers["Authorization"] == "Bearer tok-1":
            return httpx.Response(401, json={"code": 124, "message": "Access token is expired."})
        return httpx.Response(200, json={"ok": True})

    client, _, _ = make_client(handler)
    run(client.get("/users/a@example.com"))
    assert client.stats.by_endpoint == {"GET /users/{userId}": 2}
    assert client.stats.by_status == {401: 1, 200: 1}
    assert client.stats.token_requests == 2 and client.stats.retries == 0


def test_other_4xx_is_final_with_method_path_status_code() -> None:
    handler, log = scripted(
        [httpx.Response(404, json={"code": 1001, "message": "User does not exist: x@y.z"})]
    )
    client, _, _ = make_client(handler)
    with pytest.raises(BackendError) as info:
        run(client.get("/users/x@y.z"))
    err = info.value
    assert (err.method, err.path, err.status, err.code) == ("GET", "/users/x@y.z", 404, 1001)
    assert str(err) == "GET /users/x@y.z, HTTP 404, Zoom code 1001: User does not exist: x@y.z"
    assert len(log) == 1


def test_validation_error_details_are_kept() -> None:
    body = {
        "code": 300,
        "message": "Validation Failed.",
        "errors": [{"field": "user_info.email", "message": "Invalid field."}],
    }
    handler, _ = scripted([httpx.Response(400, json=body)])
    client, _, _ = make_client(handler)
    with pytest.raises(BackendError, match=r"user_info\.email: Invalid field"):
        run(client.request("POST", "/users", json={}))


def test_gives_up_after_bounded_attempts() -> None:
    handler, log = scripted([httpx.Response(502, json={"code": 502, "message": "bad"})] * 10)
    client, _, _ = make_client(handler)
    with pytest.raises(BackendError, match="gave up after 4 attempts"):
        run(client.get("/users"))
    assert len(log) == 4


def test_connection_errors_exhausted() -> None:
    handler, log = scripted([httpx.ConnectError("refused")] * 10)
    client, _, _ = make_client(handler)
    with pytest.raises(BackendError, match="connection failed after 4 attempts"):
        run(client.get("/users"))
    assert len(log) == 4


def pages_handler(
    total: int, served: int, *, expire_once_at: int | None = None
) -> tuple[Handler, list[dict[str, str]]]:
    """A list endpoint that serves `served` items a page whatever page_size asks for."""
    tokens = TokenServer()
    asked: list[dict[str, str]] = []
    state = {"expired": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        params = dict(request.url.params)
        asked.append(params)
        start = int(params.get("next_page_token") or 0)
        if expire_once_at is not None and start == expire_once_at and not state["expired"]:
            state["expired"] = True
            return httpx.Response(
                400, json={"code": 300, "message": "The next page token is invalid or expired."}
            )
        end = min(total, start + served)
        return httpx.Response(
            200,
            json={
                "page_size": served,
                "total_records": total,
                "next_page_token": str(end) if end < total else "",
                "users": [{"id": str(i)} for i in range(start, end)],
            },
        )

    return handler, asked


def test_pagination_follows_tokens_not_page_size() -> None:
    handler, asked = pages_handler(total=250, served=30)
    client, _, _ = make_client(handler)
    items = run(client.list_all("/users", "users", page_size=300))
    assert [i["id"] for i in items] == [str(i) for i in range(250)]  # type: ignore[attr-defined]
    assert len(asked) == 9
    assert all(a["page_size"] == "300" for a in asked)


def test_pagination_of_an_empty_list_is_one_call() -> None:
    handler, asked = pages_handler(total=0, served=30)
    client, _, _ = make_client(handler)
    assert run(client.list_all("/users", "users", page_size=300)) == []
    assert len(asked) == 1


def test_expired_page_token_restarts_the_listing() -> None:
    handler, asked = pages_handler(total=100, served=30, expire_once_at=60)
    client, _, _ = make_client(handler)
    items = run(client.list_all("/users", "users", page_size=30))
    assert len(items) == 100  # type: ignore[arg-type]
    assert len(asked) == 3 + 4  # two pages, the refused third, then a full re-read


def test_repeated_page_token_is_an_error_not_a_loop() -> None:
    tokens = TokenServer()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        return httpx.Response(200, json={"next_page_token": "same", "users": [{"id": "1"}]})

    client, _, _ = make_client(handler)
    with pytest.raises(BackendError, match="repeated"):
        run(client.list_all("/users", "users", page_size=30))


def test_pacer_spaces_requests_at_80_percent_of_the_budget() -> None:
    tokens = TokenServer()
    sent: list[float] = []
    fake = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        sent.append(fake.now)
        return httpx.Response(200, json={})

    client, _, _ = make_client(handler, fake, pacing=True, tier="business")

    async def go() -> None:
        # GET /phone/users is Phone/Medium: 20/s on Business, so 16/s at 80%.
        for _ in range(33):
            await client.get("/phone/users")

    run(go())
    assert client.pacer.rate("phone", "medium") == pytest.approx(16.0)
    # In any one-second window, at most 16 requests.
    for i, start in enumerate(sent):
        assert sum(1 for t in sent[i:] if t < start + 1.0) <= 16
    assert sent[-1] - sent[0] == pytest.approx(32 / 16)


def test_a_429_slows_the_bucket_for_a_while_then_it_recovers() -> None:
    from zoomstate.zoom.pacing import MAX_SLOW, RECOVERY, SLOWDOWN

    fake = FakeTime()
    pacer = Pacer(tier="business", clock=fake.clock, sleep=fake.sleep)
    normal = 1 / pacer.rate("phone", "light")

    def spacing() -> float:
        async def two() -> float:
            await pacer.acquire("phone", "light")
            first = fake.now
            await pacer.acquire("phone", "light")
            return fake.now - first

        return run(two())

    assert spacing() == pytest.approx(normal)
    # Eight requests in flight all come back 429: one signal, one slowdown.
    for _ in range(8):
        pacer.backoff("phone", "light", 1.0)
    before = fake.now
    assert spacing() == pytest.approx(normal * SLOWDOWN)
    assert fake.now - before >= 1.0  # and the pause Zoom asked for came first
    # Other buckets are not slowed.
    assert pacer._bucket("users", "light").slow == 1.0
    # Repeated 429s (each after the last pause) slow it more, up to MAX_SLOW.
    for _ in range(20):
        fake.now += 5
        pacer.backoff("phone", "light", 0.0)
    assert pacer._bucket("phone", "light").slow == MAX_SLOW
    # Then it speeds up again, request by request.
    for _ in range(int((MAX_SLOW - 1) / RECOVERY) + 1):
        run(pacer.acquire("phone", "light"))
    assert spacing() == pytest.approx(normal)


def test_pacer_counts_daily_user_creations() -> None:
    fake = FakeTime()
    pacer = Pacer(tier="pro", clock=fake.clock, sleep=fake.sleep)
    for _ in range(1500):
        pacer.count_daily("users", "light", creates_user=True)
    with pytest.raises(RateLimited, match="daily cap"):
        pacer.count_daily("users", "light", creates_user=True)


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert _parse_retry_after("7", now) == 7.0
    assert _parse_retry_after("2026-11-22T12:01:00Z", now) == 60.0
    assert _parse_retry_after("Sun, 22 Nov 2026 12:00:10 GMT", now) == 10.0
    assert _parse_retry_after("garbage", now) is None
    assert _parse_retry_after(None, now) is None


def test_missing_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", "a")
    monkeypatch.setenv("ZOOM_CLIENT_ID", "b")
    monkeypatch.delenv("ZOOM_CLIENT_SECRET", raising=False)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value).startswith("ZOOM_CLIENT_SECRET not set")
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", SECRET)
    settings = load_settings()
    assert SECRET not in repr(settings)
    assert settings.api_url == "https://api.zoom.us/v2"


def test_body_is_sent_as_json() -> None:
    tokens = TokenServer()
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return tokens.mint(request)
        bodies.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "new"})

    client, _, _ = make_client(handler)
    assert run(client.request("POST", "/users", json={"action": "create"})) == {"id": "new"}
    assert bodies == [{"action": "create"}]
