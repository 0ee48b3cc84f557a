"""What the client does with a server that misbehaves: one that trickles its answer (each
attempt has a deadline, whole body included), one that repeats the request's credentials
or a whole page of text in its error (masked and cut before they are shown), and
addresses that cannot be used (a setting to fix, not a fault to retry).

Time is virtual (tests/virtual_time.py): a server that sends a byte every 5 s and a
deadline of 60 s cost no real time, and the time they would take is measured exactly."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pydantic import SecretStr

from tests.virtual_time import run_virtual
from zoomstate.errors import AuthError, BackendError, ConfigError, Unreachable
from zoomstate.redact import mask_text, scrub, shown
from zoomstate.settings import load_settings
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer

API = "https://api.example.test/v2"
TOKEN_URL = "https://oauth.example.test/oauth/token"
SECRET = "s3cret-client-secret"
TOKEN = "eyJhbGciOiJIUzUxMiJ9.the-token-this-client-holds"
ATTEMPTS = 4

Handler = Callable[[httpx.Request], object]


def mint(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3599})


def client_for(handler: Handler, *, deadline_s: float = 60.0) -> ZoomClient:
    """A client whose every wait (backoff, deadline) is on the loop's clock."""
    auth = ServerToServerAuth(
        account_id="acct",
        client_id="cid",
        client_secret=SecretStr(SECRET),
        token_url=TOKEN_URL,
    )
    return ZoomClient(
        api_url=API,
        auth=auth,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
        pacer=Pacer(enabled=False),
        retry=RetryPolicy(attempts=ATTEMPTS, base_s=0.5, cap_s=8),
        rng=random.Random(1),
        deadline_s=deadline_s,
    )


# --------------------------------------------------------------------------------------
# A server that trickles


def test_a_server_that_trickles_a_byte_every_5_s_is_cut_off_by_the_deadline() -> None:
    # httpx's timeout (30 s) applies to each read: a byte every 5 s never trips it, and
    # `plan` hung forever. The deadline bounds each attempt, body included.
    attempts: list[int] = []

    async def trickle(counter: list[int]) -> AsyncIterator[bytes]:
        yield b'{"users": ['
        while True:
            await asyncio.sleep(5.0)
            counter[-1] += 1
            yield b" "

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return mint(request)
        attempts.append(0)
        return httpx.Response(200, content=trickle(attempts))

    async def go() -> BaseException | None:
        client = client_for(handler)
        try:
            # A virtual hour: without a deadline the request never ends, and this says so.
            async with asyncio.timeout(3600), client:
                await client.get("/users")
        except Exception as exc:
            return exc
        return None

    error, elapsed = run_virtual(go())
    assert isinstance(error, Unreachable), repr(error)
    assert str(error) == f"GET /users: no complete answer within 60 s, {ATTEMPTS} attempts"
    assert len(attempts) == ATTEMPTS
    # Each attempt was receiving bytes all along (11 of them in 60 s), and each was cut
    # at its deadline: the whole request took the attempts plus their backoff, no more.
    assert all(n >= 11 for n in attempts), attempts
    backoff = sum(min(8, 0.5 * 2**a) for a in range(ATTEMPTS - 1))
    assert ATTEMPTS * 60 <= elapsed <= ATTEMPTS * 60 + backoff


def test_an_attempt_that_misses_the_deadline_is_retried_and_the_next_one_succeeds() -> None:
    calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return mint(request)
        calls.append(request.url.path)
        if len(calls) == 1:
            await asyncio.sleep(10_000)  # a server that never answers
        return httpx.Response(200, json={"ok": True})

    async def go() -> object:
        async with client_for(handler, deadline_s=0.05) as client:
            return await client.get("/users")

    result, elapsed = run_virtual(go())
    assert result == {"ok": True}
    assert len(calls) == 2 and elapsed < 1.0


def test_the_deadline_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("ZOOM_ACCOUNT_ID", "a"), ("ZOOM_CLIENT_ID", "b")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", SECRET)
    assert load_settings().request_deadline_s == 60.0
    monkeypatch.setenv("ZOOMSTATE_REQUEST_DEADLINE", "12.5")
    assert load_settings().request_deadline_s == 12.5
    for bad in ("0", "-1", "soon", "86400"):
        monkeypatch.setenv("ZOOMSTATE_REQUEST_DEADLINE", bad)
        with pytest.raises(ConfigError, match=r"^ZOOMSTATE_REQUEST_DEADLINE: the seconds"):
            load_settings()


# --------------------------------------------------------------------------------------
# A server that repeats what it was sent


def echo_headers(status: int) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return mint(request)
        headers = "; ".join(f"{k}: {v}" for k, v in request.headers.items())
        return httpx.Response(status, json={"code": 300, "message": f"Bad request ({headers})"})

    return handler


@pytest.mark.parametrize("status", [400, 503])
def test_a_token_echoed_in_an_error_body_is_masked(status: int) -> None:
    async def go() -> BaseException:
        async with client_for(echo_headers(status)) as client:
            with pytest.raises(BackendError) as info:
                await client.get("/users")
            return info.value

    error, _ = run_virtual(go())
    text = str(error) + error.zoom_message
    assert TOKEN not in text and TOKEN.split(".")[0] not in text
    assert "authorization: ***" in text
    # The rest of what the server said is still there to read.
    assert "Bad request (" in text and "user-agent: zoomstate/" in text


def test_the_held_token_is_masked_wherever_the_server_puts_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return mint(request)
        return httpx.Response(404, text=f"no such thing for caller {TOKEN}")

    async def go() -> BaseException:
        async with client_for(handler) as client:
            with pytest.raises(BackendError) as info:
                await client.get("/users/x")
            return info.value

    error, _ = run_virtual(go())
    assert str(error) == "GET /users/x, HTTP 404: no such thing for caller ***"


def test_a_long_error_body_is_cut_to_500_characters() -> None:
    page = "<html>" + "x" * 10_000 + "</html>"

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return mint(request)
        return httpx.Response(400, text=page)

    async def go() -> BaseException:
        async with client_for(handler) as client:
            with pytest.raises(BackendError) as info:
                await client.get("/users")
            return info.value

    error, _ = run_virtual(go())
    assert error.zoom_message == page[:500] + f"…({len(page) - 500} more)"


def test_the_token_endpoint_repeating_the_secret_is_masked() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        basic = request.headers["Authorization"]
        sent.append(basic.partition(" ")[2])
        return httpx.Response(
            401, json={"reason": f"bad client {SECRET} (Authorization was {basic})"}
        )

    async def go() -> BaseException:
        async with client_for(handler) as client:
            with pytest.raises(AuthError) as info:
                await client.get("/users")
            return info.value

    error, _ = run_virtual(go())
    assert SECRET not in str(error) and sent[0] not in str(error)
    assert "bad client *** (Authorization was ***)" in str(error)
    assert str(error).startswith("POST /oauth/token, HTTP 401: Zoom refused the OAuth credentials")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: ***"),
        ('{"authorization": "Bearer abc"}', '{"authorization": "***"}'),
        ("got 'Bearer abc123' here", "got 'Bearer ***' here"),
        ("access_token=abc&x=1", "access_token=***&x=1"),
        ('{"access_token":"abc","expires_in":3599}', '{"access_token":"***","expires_in":3599}'),
        ("client_secret: hunter22", "client_secret: ***"),
        ("Basic dXNlcjpwYXNzd29yZA==", "Basic ***"),
        ("join https://zoom.us/j/1?pwd=abc", "join https://zoom.us/j/1?pwd=***"),
        # What must stay readable.
        ("next_page_token=abc", "next_page_token=abc"),
        ("Access token is expired.", "Access token is expired."),
        ("Basic users cannot have Zoom Phone", "Basic users cannot have Zoom Phone"),
        ("Basic accounts, Basic Onboarding", "Basic accounts, Basic Onboarding"),
    ],
)
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


def test_known_values_are_masked_and_short_text_is_left_whole() -> None:
    assert mask_text("token abc-1234-xyz leaked", known=["abc-1234-xyz"]) == "token *** leaked"
    assert shown("short") == "short"
    assert shown("y" * 501) == "y" * 500 + "…(1 more)"


def test_the_journal_masks_with_the_same_function() -> None:
    record = {"detail": "HTTP 400: Authorization: Bearer abc", "password": "p", "query": {}}
    assert scrub(record) == {
        "detail": "HTTP 400: Authorization: ***",
        "password": "***",
        "query": {},
    }
