"""The Zoom client against the sandbox: over loopback HTTP (uvicorn on 127.0.0.1) for the
main paths, in-process (httpx.ASGITransport) where speed matters.

Covered: token expiry mid-run (code 124 as 401 and as 400, and the sandbox clock running
past the token's hour), 429 storms with and without headers, 5xx, dropped connections, a
daily-limit 429, pagination across many pages, expired page tokens, every user status,
mixed-case e-mails, both number formats, and the call count of a whole-account read
against the pagination lower bound. Nothing sleeps: the client's sleeps are recorded (or
move the sandbox's clock), and the sandbox's clock only moves when a test moves it.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from pydantic import SecretStr

from tests.sandbox.conftest import T0, LiveServer, frozen_clock
from zoomstate.errors import BackendError, RateLimited, ValidationFailed
from zoomstate.live import LiveState
from zoomstate.model import AccountPolicy, DesiredState
from zoomstate.plan import make_plan
from zoomstate.sandbox.account import Account
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app, served_page_sizes
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.adapters.phone import NON_USER_ASSIGNEES
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer
from zoomstate.zoom.read import (
    PAGE_SIZES,
    USER_STATUSES,
    RawAccount,
    fetch_raw,
    lower_bound,
    map_account,
    read_account,
)

T = TypeVar("T")

# Small pages, so that a 600-user account takes dozens of pages per list.
SMALL_CAPS = {"users": 50, "phone_users": 20, "numbers": 20, "cc_users": 10}
PENDING = ("New.Hire@Example.com", "ANOTHER.Pending@example.com", "third.pending@Example.COM")
INACTIVE = ("user000590@example.com", "user000591@example.com")  # in the 600-user account


def inactive(users: int) -> tuple[str, ...]:
    """Two users near the end, past the phone and Contact Center ones."""
    return tuple(f"user{i:06d}@example.com" for i in (users - 10, users - 9))


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@dataclass
class Sleeps:
    """The client's sleep: records the delay, waits for nothing."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def build_app(users: int = 600, *, caps: dict[str, int] | None = None, **kw: Any) -> SandboxApp:
    """A generated account plus what generate_account does not make: pending invitations
    with mixed-case e-mails, deactivated users, an admin, an inactive Contact Center
    agent."""
    app = create_app(seed="demo", clock=frozen_clock(), **kw)
    rt = app.runtime
    rt.replace_account(generate_account(users, seed=7))
    svc = rt.service
    if users >= 10:
        for email in PENDING:
            svc.create_user({"action": "create", "user_info": {"email": email, "type": 1}})
        svc.create_user(
            {"action": "autoCreate", "user_info": {"email": "MiXed.Case@Example.COM", "type": 1}}
        )
        for email in inactive(users):
            svc.set_status(email, "deactivate")
        svc.assign_role("1", [{"email": "user000003@example.com"}])
        agent = rt.account.find_user("user000005@example.com")
        assert agent is not None and agent.cc is not None
        agent.cc.user_access = "inactive"
    rt.page_caps.update(caps or {})
    return app


@dataclass
class Target:
    """A sandbox to talk to: its app (in this process either way) and how to reach it."""

    app: SandboxApp
    base: str
    http: bool

    def transport(self) -> httpx.AsyncBaseTransport:
        if self.http:
            return httpx.AsyncHTTPTransport(retries=0)
        return httpx.ASGITransport(app=self.app)

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(transport=self.transport(), base_url=self.base) as c:
            auth = {"Authorization": f"Bearer {self.app.runtime.admin_secret}"}
            resp = await c.request(method, f"/_sandbox{path}", json=body, headers=auth)
            assert resp.status_code < 300, resp.text
            return resp.json() if resp.content else None

    def api_log(self) -> dict[str, Any]:
        """The sandbox's request log, read through its admin API, without the token
        endpoint and the admin API itself."""
        log: dict[str, Any] = run(self.admin("GET", "/requests"))
        return log

    def client(
        self,
        *,
        sleeps: Callable[[float], Awaitable[None]] | None = None,
        pacer: Pacer | None = None,
        wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
        attempts: int = 12,
    ) -> ZoomClient:
        auth = ServerToServerAuth(
            account_id=DEFAULT_CREDENTIALS.account_id,
            client_id=DEFAULT_CREDENTIALS.client_id,
            client_secret=SecretStr(DEFAULT_CREDENTIALS.client_secret),
            token_url=f"{self.base}/oauth/token",
        )
        transport = self.transport()
        return ZoomClient(
            api_url=f"{self.base}/v2",
            auth=auth,
            transport=wrap(transport) if wrap else transport,
            pacer=pacer or Pacer(enabled=False),
            retry=RetryPolicy(attempts=attempts, base_s=0.5, cap_s=8.0),
            sleep=sleeps or Sleeps(),
            wall_clock=lambda: datetime.fromtimestamp(T0, UTC),
            rng=random.Random(3),
        )


@contextmanager
def served(app: SandboxApp) -> Iterator[Target]:
    with LiveServer(app) as server:
        yield Target(app, server.base_url, http=True)


def inproc(app: SandboxApp) -> Target:
    return Target(app, "http://sandbox.test", http=False)


Action = Callable[[], Awaitable[None]]


class Tap(httpx.AsyncBaseTransport):
    """Wraps the client's transport: after the n-th successful API response whose path
    starts with `path`, runs `actions[n]` (an admin call: expire tokens, move the clock);
    answers with `replace(request)` instead of the server when that gives a response."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        actions: dict[int, Action] | None = None,
        *,
        path: str = "/v2/",
        replace: Callable[[httpx.Request], httpx.Response | None] | None = None,
    ) -> None:
        self.inner = inner
        self.actions = dict(actions or {})
        self.path = path
        self.replace = replace
        self.seen = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # In-process, nothing else suspends: without this, each list would run to its
        # end before the next starts, where over a network they overlap.
        await asyncio.sleep(0)
        if self.replace is not None and (answer := self.replace(request)) is not None:
            return answer
        response = await self.inner.handle_async_request(request)
        if request.url.path.startswith(self.path) and response.status_code < 300:
            self.seen += 1
            action = self.actions.pop(self.seen, None)
            if action is not None:
                await response.aread()
                await action()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _is_api(endpoint: str) -> bool:
    template = endpoint.split()[1]
    return template not in ("/oauth/token", "/_sandbox")


def api_calls(log: dict[str, Any]) -> int:
    """Zoom API requests in the sandbox's log (not the token endpoint, not the admin API)."""
    return sum(n for key, n in log["by_endpoint"].items() if _is_api(key))


def api_statuses(log: dict[str, Any]) -> Counter[int]:
    """API responses by status; 0 is a connection the sandbox dropped."""
    counts: Counter[int] = Counter()
    for key, n in log["by_endpoint_status"].items():
        endpoint, _, status = key.rpartition(" ")
        if _is_api(endpoint):
            counts[int(status)] += n
    return counts


async def read(client: ZoomClient) -> LiveState:
    async with client:
        return await read_account(client)


async def list_raw(client: ZoomClient, path: str, key: str, **params: str) -> list[Any]:
    """One list as Zoom's JSON, with no mapping."""
    async with client:
        return await client.list_all(path, key, page_size=PAGE_SIZES[path], params=params)


async def read_raw(client: ZoomClient) -> RawAccount:
    async with client:
        return await fetch_raw(client)


_BASELINES: dict[tuple[int, tuple[tuple[str, int], ...]], tuple[LiveState, RawAccount]] = {}


def baseline(users: int = 600, caps: dict[str, int] | None = None) -> tuple[LiveState, RawAccount]:
    """The same account read in-process without faults (built again: the read must not
    depend on the sandbox object the faulty run used)."""
    key = (users, tuple(sorted((caps or {}).items())))
    if key not in _BASELINES:
        raw = run(read_raw(inproc(build_app(users, caps=caps)).client()))
        _BASELINES[key] = (map_account(raw), raw)
    return _BASELINES[key]


def assert_wire_counts_agree(target: Target, client: ZoomClient) -> dict[str, Any]:
    """The client's own count of its calls is the sandbox's, endpoint by endpoint and
    status by status."""
    log = target.api_log()
    assert client.stats.calls == api_calls(log)
    assert dict(client.stats.by_endpoint) == {
        k: n for k, n in log["by_endpoint"].items() if _is_api(k)
    }
    statuses = api_statuses(log)
    dropped = statuses.pop(0, 0)
    if target.http and dropped:
        # A drop over HTTP sends a 500 status line and closes before the body
        # (faults.abort_response): the client saw the status, the sandbox logs 0.
        statuses[500] += dropped
    assert +client.stats.by_status == statuses
    return log


# ------------------------------------------------------------------------ tokens --


@pytest.mark.parametrize("status", ["401", "400"])
def test_token_expiry_mid_run_in_both_forms(status: str) -> None:
    app = build_app(caps=SMALL_CAPS)
    with served(app) as target:
        run(target.admin("PUT", "/faults", {"spec": f"expired={status}"}))

        async def expire() -> None:
            await target.admin("POST", "/tokens/expire")

        # Twice, while every list is between pages.
        client = target.client(wrap=lambda t: Tap(t, {6: expire, 30: expire}))
        live = run(read(client))
        log = assert_wire_counts_agree(target, client)
    assert live == baseline(caps=SMALL_CAPS)[0]
    statuses = api_statuses(log)
    assert statuses[int(status)] >= 2  # code 124 came back in the form asked for...
    assert statuses[401 if status == "400" else 400] == 0
    # ...and each expiry cost one new token, however many requests were refused at once.
    assert isinstance(client.auth, ServerToServerAuth) and client.auth.minted == 3
    assert client.stats.token_requests == 3
    assert client.stats.retries == 0  # the auth flow repeats a refused request, not the retry loop


def test_clock_past_the_token_hour_mid_run() -> None:
    """The sandbox's clock runs 61 minutes ahead between pages: the OAuth token and every
    page token expire together. The client's own clock still trusts its token, so only
    Zoom's code 124 can tell it; then each list starts again."""
    app = build_app(caps=SMALL_CAPS)
    with served(app) as target:

        async def later() -> None:
            await target.admin("POST", "/clock/advance", {"seconds": 61 * 60})

        client = target.client(wrap=lambda t: Tap(t, {8: later}))
        raw = run(read_raw(client))
        log = assert_wire_counts_agree(target, client)
    assert map_account(raw) == baseline(caps=SMALL_CAPS)[0]
    assert api_statuses(log)[401] >= 1
    assert isinstance(client.auth, ServerToServerAuth) and client.auth.minted == 2
    # The page tokens handed out before the jump were refused and the lists restarted.
    assert log["by_endpoint_status"].get("GET /users 400", 0) >= 1


# ------------------------------------------------------------ transient failures --


@pytest.mark.parametrize("headers", [True, False], ids=["headers", "no-headers"])
def test_429_storm_is_waited_out(headers: bool) -> None:
    app = build_app(caps=SMALL_CAPS)
    sleeps = Sleeps()
    with served(app) as target:
        run(target.admin("POST", "/faults/burst", {"count": 40, "headers": headers}))
        client = target.client(sleeps=sleeps, attempts=60)
        live = run(read(client))
        log = assert_wire_counts_agree(target, client)
    assert live == baseline(caps=SMALL_CAPS)[0]
    assert api_statuses(log)[429] == 40 == client.stats.retries
    # Zoom's per-second 429 names no wait (with headers or not): each is at least a
    # second of backoff, never an immediate hammering.
    assert len(sleeps.delays) == 40 and min(sleeps.delays) >= 1.0


@pytest.mark.parametrize(
    "spec",
    [
        "5xx=0.3,seed=3",
        "drop=0.15,seed=4",
        "500=0.1,503=0.1,429-noheaders=0.1,drop=0.05,seed=5",
    ],
)
def test_5xx_and_dropped_connections_are_retried(spec: str) -> None:
    app = build_app(caps=SMALL_CAPS)
    with served(app) as target:
        run(target.admin("PUT", "/faults", {"spec": spec}))
        client = target.client(attempts=20)
        live = run(read(client))
        log = assert_wire_counts_agree(target, client)
    assert live == baseline(caps=SMALL_CAPS)[0]
    statuses = api_statuses(log)
    failed = sum(n for status, n in statuses.items() if status == 0 or status >= 429)
    assert failed > 0 and client.stats.retries == failed
    if "drop" in spec:
        assert statuses[0] > 0


@pytest.mark.parametrize("headers", ["full", "partial", "none"])
def test_daily_limit_stops_the_run_with_a_resume_time(headers: str) -> None:
    app = build_app(0)
    sleeps = Sleeps()
    with served(app) as target:
        run(
            target.admin(
                "PUT", "/rate-limits", {"enabled": True, "tier": "pro", "headers": headers}
            )
        )
        limiter = app.runtime.rate_limits
        # Another app on the account creates the day's 1,500 users (Pro), one a second so
        # that no per-second budget is in the way.
        for _ in range(1500):
            with limiter.admit("POST", "/users", creates_user=True) as decision:
                assert decision.allowed
            app.runtime.clock.advance(1)
        client = target.client(sleeps=sleeps)

        async def create() -> None:
            async with client:
                await client.request(
                    "POST",
                    "/users",
                    json={
                        "action": "create",
                        "user_info": {"email": "late@example.com", "type": 1},
                    },
                )

        with pytest.raises(RateLimited) as info:
            run(create())
        log = target.api_log()
    # Zoom's daily windows end at 00:00 UTC: with the header, from it; without, computed.
    assert info.value.resume_at == "2026-01-02T00:00:00Z"
    assert "2026-01-02T00:00:00Z" in str(info.value) and "again" in str(info.value)
    # Stopped, not retried: one request, no sleep.
    assert log["by_endpoint"]["POST /users"] == 1 and sleeps.delays == []


# ---------------------------------------------------------------- a run that stops --


def _daily_429(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/v2/phone/users" and "next_page_token" in request.url.params:
        return httpx.Response(
            429,
            headers={"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-01-02T00:00:00Z"},
            json={"code": 429, "message": "You have reached the maximum daily rate limit."},
        )
    return None


def _no_phone_scope(request: httpx.Request) -> httpx.Response | None:
    if request.url.path == "/v2/phone/users":
        return httpx.Response(
            400,
            json={
                "code": 4711,
                "message": "Invalid access token, does not contain scopes:"
                "[phone:read:list_users:admin].",
            },
        )
    return None


@pytest.mark.parametrize("answer", [_daily_429, _no_phone_scope], ids=["daily-limit", "scope"])
def test_a_final_error_stops_every_list(
    answer: Callable[[httpx.Request], httpx.Response | None],
) -> None:
    """A daily limit or a missing scope in one list ends the read: the error goes up (a
    missing phone scope is not "this account has no Zoom Phone"), and no other list goes
    on spending the account's budget afterwards."""
    app = build_app(caps=SMALL_CAPS)
    target = inproc(app)
    client = target.client(wrap=lambda t: Tap(t, replace=answer))

    async def go() -> tuple[BaseException, int, int]:
        try:
            await read_account(client)
        except BackendError as exc:
            before = app.runtime.log.snapshot()["total"]
            for _ in range(200):  # give any list left running every chance to call again
                await asyncio.sleep(0)
            await client.aclose()
            return exc, before, app.runtime.log.snapshot()["total"]
        raise AssertionError("the read did not fail")

    error, before, after = run(go())
    assert before < 40  # the other lists were still under way when the error came
    assert after == before
    assert isinstance(error, RateLimited if answer is _daily_429 else BackendError)
    assert "/phone/users" in str(error)


# ------------------------------------------------------------------- pagination --


def test_expired_page_token_restarts_the_listing_and_loses_nothing() -> None:
    """16 minutes pass between two pages (Zoom keeps a page token 15): each list in
    flight is refused (400/300 on Users, 400/400 on Phone), starts again, and every item
    comes back exactly once."""
    app = build_app(caps=SMALL_CAPS)
    with served(app) as target:

        async def later() -> None:
            await target.admin("POST", "/clock/advance", {"seconds": 16 * 60})

        client = target.client(wrap=lambda t: Tap(t, {3: later}, path="/v2/users"))
        raw = run(read_raw(client))
        log = assert_wire_counts_agree(target, client)
    expected = baseline(caps=SMALL_CAPS)[1]
    assert log["by_endpoint_status"].get("GET /users 400", 0) >= 1
    assert log["by_endpoint_status"].get("GET /phone/users 400", 0) >= 1
    for status in USER_STATUSES:
        emails = [u.email for u in raw.users[status]]
        assert len(emails) == len(set(emails))
        assert emails == [u.email for u in expected.users[status]]
    for got, want in [
        ([p.email for p in raw.phone_users], [p.email for p in expected.phone_users]),
        ([n.id for n in raw.numbers], [n.id for n in expected.numbers]),
        ([c.email for c in raw.cc_users], [c.email for c in expected.cc_users]),
    ]:
        assert len(got) == len(set(got)) and got == want
    assert raw.listed == expected.listed


def test_a_listing_longer_than_15_minutes_is_not_restarted() -> None:
    """Each page token lives 15 minutes from its own page: a slow listing (a paced run
    on a large account) whose pages come 10 minutes apart keeps going."""
    app = build_app(caps=SMALL_CAPS)
    target = inproc(app)

    async def later() -> None:
        await target.admin("POST", "/clock/advance", {"seconds": 10 * 60})

    active_pages = -(-(600 - len(INACTIVE) + 1) // SMALL_CAPS["users"])
    actions: dict[int, Action] = {n: later for n in range(1, active_pages)}
    client = target.client(wrap=lambda t: Tap(t, actions, path="/v2/users"))

    async def go() -> list[dict[str, Any]]:
        async with client:
            return await client.list_all(
                "/users", "users", page_size=PAGE_SIZES["/users"], params={"status": "active"}
            )

    users = run(go())
    log = target.api_log()["by_endpoint_status"]
    expected = baseline(caps=SMALL_CAPS)[1].users["active"]
    assert [u["email"].lower() for u in users] == [u.email for u in expected]
    assert log["GET /users 200"] == active_pages and "GET /users 400" not in log
    assert log["GET /users 401"] == 1  # the hour of the OAuth token did run out


def test_many_pages_read_the_same_as_few() -> None:
    """The page size asked for is a wish: with the sandbox serving 7 items a page where
    the client asks for 100 to 2,000, the account reads the same, in exactly the pages
    that takes."""
    caps = {"users": 7, "phone_users": 7, "numbers": 7, "cc_users": 7, "sites": 1, "templates": 1}
    app = build_app(250, caps=caps)
    target = inproc(app)
    client = target.client()
    raw = run(read_raw(client))
    assert map_account(raw) == baseline(250)[0]
    assert client.stats.calls == lower_bound(raw, served_page_sizes(app.runtime.page_caps))
    assert client.stats.by_endpoint["GET /users"] > 30


# -------------------------------------------------------------------- mapping --


def test_statuses_case_numbers_extensions_plans_and_contact_center() -> None:
    app = build_app()
    account = app.runtime.account
    with served(app) as target:
        raw = run(read_raw(target.client()))
        # Zoom's JSON as it came, for what the mapping does to it.
        zoom_active = run(list_raw(target.client(), "/users", "users", status="active"))
        zoom_pending = run(list_raw(target.client(), "/users", "users", status="pending"))
        zoom_phone = run(list_raw(target.client(), "/phone/users", "users"))
        zoom_numbers = run(list_raw(target.client(), "/phone/numbers", "phone_numbers", type="all"))
    live = map_account(raw)
    by_key = live.by_key()

    assert {u.status for u in live.users} == set(USER_STATUSES)
    for email in PENDING:
        user = by_key[email.lower()]
        assert user.status == "pending" and user.zoom_id is None
    # Zoom lists pending users without an id: keyed by e-mail, they still come through.
    assert all("id" not in u for u in zoom_pending) and len(zoom_pending) == 3
    assert all(u.id is None for u in raw.users["pending"]) and len(raw.users["pending"]) == 3
    assert {by_key[e].status for e in INACTIVE} == {"inactive"}
    assert by_key[INACTIVE[0]].spec.status == "inactive"
    assert "MiXed.Case@Example.COM" in {u["email"] for u in zoom_active}
    assert "mixed.case@example.com" in by_key
    assert all(u.key == u.key.lower() == u.spec.email for u in live.users)
    assert by_key["user000003@example.com"].spec.role == "Admin"
    assert by_key["user000004@example.com"].spec.role == "Member"

    # Zoom's two number formats: without "+" on phone users, with it on /phone/numbers.
    raw_user_numbers = [n["number"] for p in zoom_phone for n in p["phone_numbers"]]
    assert raw_user_numbers and not any(n.startswith("+") for n in raw_user_numbers)
    assert all(n["number"].startswith("+") for n in zoom_numbers)
    # The numbers users hold come from the phone users, read as GET /phone/numbers
    # lists them (the plan's fingerprints of them are the same); only the others are
    # read from /phone/numbers.
    listed = {n["number"]: n for n in zoom_numbers}
    assert {n.number for n in live.numbers} == set(listed)
    assert {n.number for n in raw.numbers} == {
        n for n, item in listed.items() if "assignee" not in item
    }
    for n in live.numbers:
        item = listed[n.number]
        assert (n.id, n.status, n.assignee_id, n.assignee_type) == (
            item["id"],
            item["status"],
            (item.get("assignee") or {}).get("id"),
            (item.get("assignee") or {}).get("type"),
        )
    owned = {n.number: n.assignee_id for n in live.numbers}
    checked = 0
    for user in account.users.values():
        if user.status == "pending":
            continue
        spec = by_key[user.email.lower()].spec
        if user.phone is None:
            assert spec.phone is None
        else:
            assert spec.phone is not None
            numbers = tuple(sorted(account.numbers[n].number for n in user.phone.numbers))
            assert spec.phone.numbers == numbers
            assert all(n.startswith("+") and n[1:].isdigit() for n in numbers)
            assert all(owned[n] == user.id for n in numbers)
            # The full extension (site code + short), an integer, as PATCH expects it.
            assert spec.phone.extension == user.phone.extension_number
            assert isinstance(spec.phone.extension, int)
            site = account.sites[user.phone.site_id]
            assert str(spec.phone.extension).startswith(str(site.site_code))
            assert spec.phone.site == site.name
            assert spec.phone.calling_plans == tuple(sorted(user.phone.calling_plans))
            assert spec.phone.template is None  # not on any list: not read back
            checked += 1
        if user.cc is None:
            assert spec.contact_center is None
        else:
            cc = spec.contact_center
            assert cc is not None
            assert cc.package == user.cc.package_name
            assert cc.role == account.cc_roles[user.cc.role_id].name
            assert cc.access == user.cc.user_access
    assert checked == 360
    assert by_key["user000005@example.com"].spec.contact_center.access == "inactive"  # type: ignore[union-attr]
    assert {p.type for p in live.calling_plans} == set(account.plans)
    assert all(p.subscribed is not None and p.available is not None for p in live.calling_plans)
    assert {s.name for s in live.sites} == {s.name for s in account.sites.values()}
    assert live.warnings == ()


# ----------------------------------------------------------- the call-count bound --


def ground_truth_bound(app: SandboxApp) -> int:
    """The lower bound from the sandbox's own records (not from what the client read),
    with the page sizes the sandbox serves."""
    account: Account = app.runtime.account
    served = served_page_sizes(app.runtime.page_caps)

    def pages(count: int, path: str) -> int:
        return max(1, -(-count // min(served.get(path, PAGE_SIZES[path]), PAGE_SIZES[path])))

    people = list(account.users.values())
    total = sum(pages(sum(1 for u in people if u.status == s), "/users") for s in USER_STATUSES)
    total += pages(sum(1 for u in people if u.phone is not None), "/phone/users")
    # The numbers users hold come with the phone users: GET /phone/numbers for the
    # unassigned ones, and one pass per kind of non-user assignee.
    total += pages(sum(1 for n in account.numbers.values() if n.assignee is None), "/phone/numbers")
    total += len(NON_USER_ASSIGNEES) * pages(0, "/phone/numbers")
    total += pages(len(account.plans), "/phone/calling_plans")
    total += pages(len(account.sites), "/phone/sites")
    total += pages(
        sum(1 for t in account.templates.values() if t.site_id is None), "/phone/setting_templates"
    )
    total += pages(len(account.roles), "/roles")
    total += pages(sum(1 for u in people if u.cc is not None), "/contact_center/users")
    total += pages(len(account.cc_roles), "/contact_center/roles")
    total += pages(len(account.groups), "/groups")
    return total


@pytest.mark.parametrize("users,http", [(0, False), (250, False), (3000, False), (3000, True)])
def test_whole_account_read_within_the_lower_bound_plus_10(users: int, http: bool) -> None:
    app = build_app(users)
    bound = ground_truth_bound(app)

    def go(target: Target) -> tuple[RawAccount, ZoomClient, dict[str, Any]]:
        client = target.client()
        raw = run(read_raw(client))
        return raw, client, assert_wire_counts_agree(target, client)

    if http:
        with served(app) as target:
            raw, client, log = go(target)
    else:
        raw, client, log = go(inproc(app))
    assert lower_bound(raw, served_page_sizes(app.runtime.page_caps)) == bound
    assert api_calls(log) == client.stats.calls <= bound + 10
    assert {k.split()[0] for k in client.stats.by_endpoint} == {"GET"}  # a read writes nothing
    # No per-user GET: every call is a list endpoint.
    assert not any("{" in k for k in client.stats.by_endpoint)
    if users:
        assert len(map_account(raw).users) == users + len(PENDING) + 1


# ------------------------------------------------------------ pacing vs the limiter --


@pytest.mark.parametrize("tier", ["pro", "business"])
@pytest.mark.parametrize("pacing", [True, False], ids=["paced", "unpaced"])
def test_pacing_stays_under_the_sandbox_rate_limit(tier: str, pacing: bool) -> None:
    """The sandbox enforces the tier's per-second budget on its clock; the client's sleeps
    move that clock (virtual time, nothing waits). Paced at 80%, a long listing draws no
    429; unpaced, it bounces off the limit and only retries get it through."""
    app = build_app(250, caps={"phone_users": 1}, rate_limits=True, tier=tier)
    clock = app.runtime.clock

    async def advance(seconds: float) -> None:
        clock.advance(seconds)

    pacer = Pacer(tier=tier, clock=clock.now, sleep=advance, enabled=pacing)  # type: ignore[arg-type]
    target = inproc(app)
    # Retries wait on the same virtual clock as the pacer.
    client = target.client(pacer=pacer, sleeps=advance, attempts=30)

    async def go() -> list[dict[str, Any]]:
        async with client:
            return await client.list_all("/phone/users", "users", page_size=100)

    started = clock.now()
    users = run(go())
    elapsed = clock.now() - started
    log = target.api_log()
    assert len(users) == 150
    throttled = api_statuses(log)[429]
    if pacing:
        assert throttled == 0
        # 150 requests spaced at 80% of the phone Medium budget.
        assert elapsed >= 149 / pacer.rate("phone", "medium")
    else:
        assert throttled > 0 and client.stats.retries == throttled


def test_numbers_users_hold_come_with_the_phone_users_and_the_rest_by_kind() -> None:
    """Issue 15: GET /phone/numbers is read for the unassigned numbers and for those of
    each kind of non-user assignee only; the numbers users hold come from /phone/users,
    as /phone/numbers lists them (so a plan's fingerprints of them do not change)."""
    app = build_app(250)
    account = app.runtime.account
    free = [n for n in account.ordered_numbers() if n.assignee is None]
    queue, pool = free[0], free[1]
    queue.holder_type, queue.holder_id, queue.holder_name = "callQueue", "cq-1", "Main line"
    pool.holder_type, pool.holder_id = "emergencyNumberPool", "enp-1"
    target = inproc(app)
    client = target.client()
    raw = run(read_raw(client))
    live = map_account(raw)
    by_number = {n.number: n for n in live.numbers}
    assert (by_number[queue.number].assignee_type, by_number[queue.number].assignee_id) == (
        "callQueue",
        "cq-1",
    )
    assert by_number[pool.number].assignee_type == "emergencyNumberPool"
    held = [n for n in account.ordered_numbers() if n.assignee is not None]
    assert held and all(by_number[n.number].assignee_type == "user" for n in held)
    assert len(live.numbers) == len(account.numbers)
    # Read from /phone/numbers: the free ones and the two held by something else.
    assert len(raw.numbers) == len(free)
    assert raw.listed["numbers_unassigned"] == len(free) - 2
    assert raw.listed["numbers_callQueue"] == raw.listed["numbers_emergencyNumberPool"] == 1
    log = target.api_log()["by_endpoint"]
    assert log["GET /phone/numbers"] == 1 + len(NON_USER_ASSIGNEES)
    assert client.stats.calls == lower_bound(raw, served_page_sizes(app.runtime.page_caps))
    # A state that gives one of them to a user is refused at plan time, naming the holder.
    user = next(u for u in live.users if u.spec.phone is not None and u.spec.phone.calling_plans)
    assert user.spec.phone is not None
    phone = user.spec.phone.model_copy(update={"numbers": (*user.spec.phone.numbers, queue.number)})
    desired = DesiredState(
        account=AccountPolicy(domains=("example.com",), on_missing_user="ignore"),
        users=(user.spec.model_copy(update={"phone": phone}),),
    )
    with pytest.raises(ValidationFailed) as refused:
        make_plan(desired, live)
    assert [i.message for i in refused.value.issues] == [
        f"number {queue.number} is assigned to a callQueue in Zoom, outside the state's reach"
    ]
