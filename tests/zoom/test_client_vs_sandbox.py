"""The Zoom client against the sandbox (in-process and over loopback HTTP): token expiry
in both forms, 429 storms with and without headers, 5xx, dropped connections, daily
limits, pagination across many pages with an expiring page token, every user status,
mixed-case e-mails, both number formats; and the call count of a whole-account read
against the pagination lower bound."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from tests.sandbox.conftest import LiveServer, frozen_clock
from zoomstate.errors import RateLimited
from zoomstate.live import LiveState
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer
from zoomstate.zoom.read import USER_STATUSES, fetch_raw, map_account, read_account

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


async def no_sleep(_: float) -> None:
    return None


def client_for(
    app: SandboxApp, base: str = "http://sandbox.test", *, http: bool = False
) -> ZoomClient:
    auth = ServerToServerAuth(
        account_id=DEFAULT_CREDENTIALS.account_id,
        client_id=DEFAULT_CREDENTIALS.client_id,
        client_secret=SecretStr(DEFAULT_CREDENTIALS.client_secret),
        token_url=f"{base}/oauth/token",
    )
    return ZoomClient(
        api_url=f"{base}/v2",
        auth=auth,
        transport=None if http else httpx.ASGITransport(app=app),
        pacer=Pacer(enabled=False),
        retry=RetryPolicy(attempts=16, base_s=0.01, cap_s=0.05),
        sleep=no_sleep,
        rng=random.Random(3),
    )


def snapshot(live: LiveState) -> list[tuple[str, str, object, object]]:
    return [(u.key, u.status, u.spec.phone, u.spec.contact_center) for u in live.users]


def baseline() -> LiveState:
    app = create_app(seed="demo", clock=frozen_clock())
    return run(read_account(client_for(app)))


@pytest.mark.parametrize("status", ["401", "400"])
def test_token_expiry_mid_run_in_both_forms(status: str) -> None:
    app = create_app(seed="demo", clock=frozen_clock(), faults=f"expired={status}")

    async def go() -> tuple[LiveState, httpx.Auth]:
        client = client_for(app)
        await client.get("/users/alice.ng@example.com")
        app.runtime.faults.expire_tokens()  # every token minted so far is now expired
        return await read_account(client), client.auth

    live, auth = run(go())
    assert snapshot(live) == snapshot(baseline())
    # Zoom's 124 came back (as the status asked for) and was answered by one new token.
    assert app.runtime.log.snapshot()["by_status"].get(status, 0) >= 1
    assert isinstance(auth, ServerToServerAuth) and auth.minted == 2


@pytest.mark.parametrize(
    "faults",
    [
        "burst429=12",
        "burst429-noheaders=12",
        "429=0.2,429-noheaders=0.2",
        "5xx=0.3",
        "drop=0.1",
        "5xx=0.1,429-noheaders=0.05,drop=0.05",
    ],
)
def test_transient_failures_are_retried_to_the_same_result(faults: str) -> None:
    app = create_app(seed="demo", clock=frozen_clock(), faults=f"{faults},seed=11")
    client = client_for(app)
    live = run(read_account(client))
    assert snapshot(live) == snapshot(baseline())
    assert client.stats.retries > 0


def test_daily_limit_stops_the_run_with_a_resume_time() -> None:
    app = create_app(seed="demo", clock=frozen_clock(), rate_limits=True, tier="pro")
    limiter = app.runtime.rate_limits
    client = client_for(app)

    async def go() -> None:
        # Another app on the account spends the day's user creations (Pro: 1,500), one a
        # second so that no per-second budget is in the way.
        for _ in range(1500):
            with limiter.admit("POST", "/users", creates_user=True) as decision:
                assert decision.allowed
            app.runtime.clock.advance(1)
        await client.request(
            "POST",
            "/users",
            json={"action": "create", "user_info": {"email": "late@example.com", "type": 1}},
        )

    with pytest.raises(RateLimited) as info:
        run(go())
    assert info.value.resume_at and info.value.resume_at.endswith("Z")
    assert "Run the same command again" in str(info.value)


def test_pagination_across_many_pages_with_an_expired_token() -> None:
    app = create_app(seed="demo", clock=frozen_clock())
    app.runtime.replace_account(generate_account(1200, seed=5))
    app.runtime.page_caps["phone_users"] = 7  # many pages, whatever page_size asks for
    client = client_for(app)
    advanced = {"done": False}

    async def go() -> list[dict[str, Any]]:
        original = client.get

        async def get(path: str, params: Any = None) -> Any:
            data = await original(path, params)
            if (
                path == "/phone/users"
                and params
                and params.get("next_page_token")
                and not advanced["done"]
            ):
                # 16 minutes pass between two pages: Zoom's tokens live 15.
                app.runtime.clock.advance(16 * 60)
                advanced["done"] = True
            return data

        client.get = get  # type: ignore[method-assign]
        return await client.list_all("/phone/users", "users", page_size=100)

    users = run(go())
    assert advanced["done"]
    ids = [u["id"] for u in users]
    assert (
        len(ids) == len(set(ids)) == sum(1 for u in app.runtime.account.users.values() if u.phone)
    )


def test_statuses_case_and_number_formats_are_normalised() -> None:
    app = create_app(seed="demo", clock=frozen_clock())
    svc = app.runtime.service
    svc.create_user(
        {"action": "create", "user_info": {"email": "Pending.Person@Example.com", "type": 1}}
    )
    svc.create_user(
        {"action": "autoCreate", "user_info": {"email": "MiXed.Case@Example.COM", "type": 2}}
    )
    live = run(read_account(client_for(app)))
    by_key = live.by_key()
    statuses = {u.status for u in live.users}
    assert statuses == set(USER_STATUSES)
    pending = by_key["pending.person@example.com"]
    assert pending.status == "pending" and pending.zoom_id is None
    assert "mixed.case@example.com" in by_key
    assert all(u.key == u.key.lower() for u in live.users)
    numbers = [n for u in live.users if u.spec.phone for n in u.spec.phone.numbers]
    assert numbers and all(n.startswith("+") for n in numbers)
    assert all(n.number.startswith("+") for n in live.numbers)
    alice = by_key["alice.ng@example.com"].spec.phone
    assert alice is not None and alice.extension == 101101 and alice.calling_plans == (200,)


@pytest.mark.parametrize("users", [0, 250, 3000])
def test_whole_account_read_stays_within_the_lower_bound_plus_10(users: int) -> None:
    app = create_app(seed="demo", clock=frozen_clock())
    app.runtime.replace_account(generate_account(users, seed=9))
    client = client_for(app)

    async def go() -> int:
        raw = await fetch_raw(client)
        map_account(raw)
        caps = app.runtime.page_caps
        served = {
            "users": caps["users"],
            "phone_users": caps["phone_users"],
            "numbers": caps["numbers"],
            "cc_users": caps["cc_users"],
            "sites": caps["sites"],
            "templates": caps["templates"],
        }

        def pages(n: int, size: int) -> int:
            return max(1, -(-n // size))

        bound = sum(pages(len(raw.users[s]), served["users"]) for s in USER_STATUSES)
        bound += pages(len(raw.phone_users), served["phone_users"])
        bound += pages(len(raw.numbers), served["numbers"])
        bound += pages(len(raw.cc_users), served["cc_users"])
        bound += pages(len(raw.sites), served["sites"])
        bound += pages(len(raw.templates), served["templates"])
        bound += 3  # calling plans, roles, Contact Center roles: one list call each
        return bound

    bound = run(go())
    logged = app.runtime.log.snapshot()["by_endpoint"]
    api_calls = sum(n for key, n in logged.items() if not key.endswith("/oauth/token"))
    assert client.stats.calls == api_calls
    assert client.stats.calls <= bound + 10
    assert set(k.split()[0] for k in client.stats.by_endpoint) == {"GET"}


def test_read_over_loopback_http() -> None:
    app = create_app(seed="demo", clock=frozen_clock())
    with LiveServer(app) as server:
        live = run(read_account(client_for(app, server.base_url, http=True)))
    assert snapshot(live) == snapshot(baseline())
