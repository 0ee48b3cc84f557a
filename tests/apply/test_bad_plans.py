"""The executor refuses a plan it cannot carry out safely, whoever built it: a dependency
cycle would leave apply waiting forever, a step listed twice would run twice. Both are an
InvalidPlan before any call (issue 12). The wait_for bound only turns the old hang into a
failure; a passing run never waits."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.apply.support import DOMAIN, WRITES, make_client, no_sleep, sandbox_app
from zoomstate.apply import apply_plan
from zoomstate.errors import InvalidPlan
from zoomstate.plan import Operation, Plan
from zoomstate.sandbox.app import SandboxApp
from zoomstate.zoom.read import read_account


def dept(n: int, *deps: str) -> Operation:
    user = f"user{n:06d}@{DOMAIN}"
    return Operation(
        id=f"{user}/update_user",
        kind="update_user",
        user=user,
        params={"fields": {"department": "Moved"}},
        depends_on=deps,
    )


def writes(app: SandboxApp) -> list[str]:
    return [
        f"{e['method']} {e['path']}"
        for e in app.runtime.log.snapshot()["recent"]
        if e["method"] in WRITES and not e["path"].startswith(("/oauth/", "/_sandbox"))
    ]


def run(app: SandboxApp, plan: Plan) -> None:
    async def go() -> None:
        async with make_client(httpx.ASGITransport(app=app)) as client:
            live = await read_account(client)
            await asyncio.wait_for(apply_plan(plan, client, live, sleep=no_sleep), timeout=30)

    asyncio.run(go())


@pytest.mark.parametrize(
    ("ops", "message"),
    [
        (
            (dept(0, dept(1).id), dept(1, dept(0).id)),
            "user000000@example.com/update_user: dependency cycle",
        ),
        ((dept(2, dept(2).id),), "user000002@example.com/update_user: dependency cycle"),
        ((dept(0), dept(0)), "user000000@example.com/update_user: the step is listed twice"),
    ],
    ids=["cycle", "self", "duplicate"],
)
def test_a_cyclic_or_duplicated_plan_is_refused_before_any_call(
    ops: tuple[Operation, ...], message: str
) -> None:
    app = sandbox_app(4, seed=1)
    plan = Plan(operations=ops, waiting=(), warnings=(), state_hash="", fingerprints={})
    with pytest.raises(InvalidPlan, match=message):
        run(app, plan)
    assert writes(app) == []


def test_a_dependency_outside_the_plan_is_not_waited_for() -> None:
    # A step may name one that a narrower plan left out: that is no reason to refuse.
    app = sandbox_app(4, seed=1)
    plan = Plan(
        operations=(dept(0, "user000009@example.com/create_user"),),
        waiting=(),
        warnings=(),
        state_hash="",
        fingerprints={},
    )
    run(app, plan)
    (write,) = writes(app)
    assert write.startswith("PATCH /users/")
