"""Values in URL paths are percent-encoded, one segment each (issue 12): apply updates and
removes users whose e-mails hold characters a URL reads (`'`, `+`, `@`, `%`, `#`) at the
right user, against the in-process sandbox."""

from __future__ import annotations

import asyncio

import httpx

from tests.apply.support import make_client, sandbox_app
from zoomstate.apply import apply_plan
from zoomstate.live import LiveState
from zoomstate.model import AccountPolicy, DesiredState, SafetyLimits
from zoomstate.plan import make_plan
from zoomstate.sandbox.app import SandboxApp
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.paths import path, seg
from zoomstate.zoom.read import read_account

OBRIEN = "o'brien+x@example.com"
# Zoom holds what its own checks let through; such an address, decoded once on the way,
# was `partner@agency.example`: a user outside the scope.
HOSTILE = "partner%40agency.example#@example.com"
OUTSIDE = "partner@agency.example"


def test_seg_encodes_everything_a_url_reads() -> None:
    assert seg("o'brien+x@example.com") == "o%27brien%2Bx%40example.com"
    assert seg(HOSTILE) == "partner%2540agency.example%23%40example.com"
    assert seg("a/b?c d") == "a%2Fb%3Fc%20d"
    assert seg(200) == "200"
    assert seg("KDcuGIm1QgePTO8WbOqwIQ") == "KDcuGIm1QgePTO8WbOqwIQ"
    assert path("/users/{}/status", "a@b.com") == "/users/a%40b.com/status"


async def _setup(app: SandboxApp) -> None:
    async with make_client(httpx.ASGITransport(app=app)) as client:
        for email, action in ((OBRIEN, "autoCreate"), (HOSTILE, "create"), (OUTSIDE, "autoCreate")):
            info = {"email": email, "type": 1, "first_name": "Old"}
            await client.request("POST", "/users", json={"action": action, "user_info": info})


async def _live(client: ZoomClient) -> LiveState:
    return await read_account(client)


def test_apply_updates_and_revokes_users_with_url_characters_in_their_e_mail() -> None:
    app = sandbox_app(4, 1)
    asyncio.run(_setup(app))

    async def run() -> None:
        async with make_client(httpx.ASGITransport(app=app)) as client:
            live = await _live(client)
            keys = {u.key for u in live.users}
            assert {OBRIEN, HOSTILE.lower(), OUTSIDE} <= keys
            specs = {u.key: u.spec for u in live.users if u.key not in (HOSTILE.lower(), OUTSIDE)}
            specs[OBRIEN] = specs[OBRIEN].model_copy(update={"first_name": "New"})
            account = AccountPolicy(
                domains=("example.com",),
                on_missing_user="delete",
                allow_data_loss=True,
                safety=SafetyLimits(max_deletes=100, max_delete_percent=100),
            )
            desired = DesiredState(
                account=account,
                users=tuple(specs[k] for k in sorted(specs)),
            )
            plan = make_plan(desired, live)
            report = await apply_plan(plan, client, live, sleep=lambda _: asyncio.sleep(0))
            assert not report.failed, report.results
            assert {(r.kind, r.user) for r in report.results} == {
                ("update_user", OBRIEN),
                ("delete_user", HOSTILE.lower()),
            }
            after = {u.key: u for u in (await _live(client)).users}
            assert after[OBRIEN].spec.first_name == "New"
            assert HOSTILE.lower() not in after
            assert OUTSIDE in after

    asyncio.run(run())
