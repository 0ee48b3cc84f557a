"""An API that dies in the middle of an apply: the run stops starting steps after
STOP_AFTER_UNANSWERED steps in a row got no answer, instead of spending every remaining
step's full round of retries on it (284 s for 300 users, about 3 hours for 10,000).

The backoff is the client's real policy; time is virtual (tests/virtual_time.py), so the
time the run would take is measured exactly and costs nothing."""

from __future__ import annotations

import random
from pathlib import Path

import httpx
from pydantic import SecretStr

from tests.apply.support import BASE, Changes, desired_state, read_journal, sandbox_app
from tests.virtual_time import run_virtual
from zoomstate.apply import (
    NOT_STARTED,
    STOP_AFTER_UNANSWERED,
    ApplyReport,
    Journal,
    JournalTransport,
    apply_plan,
)
from zoomstate.plan import make_plan
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer
from zoomstate.zoom.read import read_account

USERS = 300
CONCURRENCY = 8
ATTEMPTS = RetryPolicy().attempts
# The longest a step can spend on retries with the default policy (full jitter).
RETRY_S = sum(min(RetryPolicy().cap_s, RetryPolicy().base_s * 2**a) for a in range(ATTEMPTS - 1))


class DiesAfter(httpx.AsyncBaseTransport):
    """Passes `alive` more requests through, then refuses every connection."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.alive: int | None = None
        self.sent = 0
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.alive is not None:
            if self.alive <= 0:
                self.refused += 1
                raise httpx.ConnectError("connection refused")
            self.alive -= 1
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def client_for(transport: httpx.AsyncBaseTransport) -> ZoomClient:
    auth = ServerToServerAuth(
        account_id=DEFAULT_CREDENTIALS.account_id,
        client_id=DEFAULT_CREDENTIALS.client_id,
        client_secret=SecretStr(DEFAULT_CREDENTIALS.client_secret),
        token_url=f"{BASE}/oauth/token",
    )
    # The default retry policy and asyncio's sleep: on the virtual clock.
    return ZoomClient(
        api_url=f"{BASE}/v2",
        auth=auth,
        transport=transport,
        pacer=Pacer(enabled=False),
        rng=random.Random(7),
    )


def test_an_api_that_dies_mid_apply_stops_the_run_after_five_unanswered_steps(
    tmp_path: Path,
) -> None:
    app = sandbox_app(USERS, seed=3)
    dying = DiesAfter(httpx.ASGITransport(app=app))
    journal = Journal(tmp_path / "run.jsonl")

    async def go() -> tuple[ApplyReport, int]:
        async with client_for(JournalTransport(dying, journal)) as client:
            live = await read_account(client)
            desired = desired_state(live, seed=3, changes=_every_user_renamed())
            plan = make_plan(desired, live)
            assert len(plan.operations) == USERS, plan.summary()
            dying.alive = 20  # the API dies 20 requests into the apply
            before = dying.sent
            report = await apply_plan(plan, client, live, journal=journal, concurrency=8)
            return report, dying.sent - before

    (report, sent), elapsed = run_virtual(go())
    journal.close()

    assert report.stopped.startswith("the API stopped answering")
    done, failed = report.count("done"), report.count("failed")
    not_started = [r for r in report.results if r.detail == NOT_STARTED]
    assert done <= 20 and failed >= STOP_AFTER_UNANSWERED
    # What was in flight when the run stopped finished its retries; nothing else started.
    assert failed <= STOP_AFTER_UNANSWERED + CONCURRENCY
    assert all(r.status == "skipped" for r in not_started)
    assert done + failed + len(not_started) == USERS
    assert len(not_started) >= USERS - 20 - STOP_AFTER_UNANSWERED - CONCURRENCY
    # Bounded by the stop, not by the number of users: each failed step made its attempts.
    assert dying.refused == failed * ATTEMPTS
    assert sent <= 20 + (STOP_AFTER_UNANSWERED + CONCURRENCY) * ATTEMPTS < 100
    # Two rounds of retries at most (the steps in flight, then those started while the
    # first failures came in), not one per 8 users.
    assert elapsed <= 2 * RETRY_S, elapsed
    records = read_journal([tmp_path / "run.jsonl"])
    stops = [r for r in records if r["event"] == "run_stopped"]
    assert len(stops) == 1 and stops[0]["reason"] == report.stopped
    skipped = [r for r in records if r["event"] == "step_skipped" and r["detail"] == NOT_STARTED]
    assert len(skipped) == len(not_started)
    assert report.to_dict()["stopped"] == report.stopped


def test_failures_the_api_answered_do_not_stop_the_run(tmp_path: Path) -> None:
    # Every step refused with a 4xx: the API is there and says no. Each step fails on
    # its own; the run goes on to the end.
    app = sandbox_app(40, seed=4)

    class Refusing(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self._inner = inner

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PATCH":
                return httpx.Response(400, json={"code": 300, "message": "Refused by the test"})
            return await self._inner.handle_async_request(request)

    async def go() -> ApplyReport:
        async with client_for(Refusing(httpx.ASGITransport(app=app))) as client:
            live = await read_account(client)
            desired = desired_state(live, seed=4, changes=_every_user_renamed())
            plan = make_plan(desired, live)
            return await apply_plan(plan, client, live)

    report, _ = run_virtual(go())
    assert report.stopped == ""
    assert report.count("failed") == 40 and report.count("skipped") == 0


def _every_user_renamed() -> Changes:
    """One step per user: a new department or last name, nothing else."""
    kinds = {name: 0 for name in Changes.__dataclass_fields__ if name != "new_phone_share"}
    return Changes(**{**kinds, "profile_changes": 10**6})
