"""Apply converges through Zoom's failures: 10% 5xx, 5% 429 without headers, 1% dropped
connections and a token that expires mid-run, for 20 seeds, on a 500-user account with a
plan of creates, leavers, licence and phone changes and number moves. Afterwards the next
plan is empty, and every write the sandbox saw belongs to a planned step and is in the
journal."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr

from tests.sandbox.conftest import frozen_clock
from zoomstate.apply import Journal, JournalTransport, StepResult, apply_plan
from zoomstate.export import export_files
from zoomstate.loader import load_state
from zoomstate.plan import PlanOptions, make_plan
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer
from zoomstate.zoom.read import read_account

FAULTS = "5xx=0.1,429-noheaders=0.05,drop=0.01"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


async def no_sleep(_: float) -> None:
    return None


def client(app: SandboxApp, seed: int, journal: Journal | None = None) -> ZoomClient:
    transport: httpx.AsyncBaseTransport = httpx.ASGITransport(app=app)
    if journal is not None:
        transport = JournalTransport(transport, journal)
    return ZoomClient(
        api_url="http://sandbox.test/v2",
        auth=ServerToServerAuth(
            account_id=DEFAULT_CREDENTIALS.account_id,
            client_id=DEFAULT_CREDENTIALS.client_id,
            client_secret=SecretStr(DEFAULT_CREDENTIALS.client_secret),
            token_url="http://sandbox.test/oauth/token",
        ),
        transport=transport,
        pacer=Pacer(enabled=False),
        retry=RetryPolicy(attempts=12, base_s=0.01, cap_s=0.05),
        sleep=no_sleep,
        rng=random.Random(seed),
    )


def desired_state(app: SandboxApp, root: Path, seed: int) -> Path:
    """The live account exported, then changed the way a busy month changes it."""
    live = asyncio.run(read_account(client(app, seed)))
    files = export_files(live, domains=["example.com"], split="none")
    docs = {name: yaml.safe_load(text) for name, text in files.items()}
    users: list[dict[str, Any]] = docs["users.yaml"]["users"]
    account = docs["account.yaml"]["account"]
    account.update(
        on_missing_user="deactivate",
        allow_data_loss=True,
        create_action="autoCreate",
        safety={"max_deletes": 1000, "max_delete_percent": 100},
    )
    rng = random.Random(seed)
    rng.shuffle(users)
    with_phone = [u for u in users if "phone" in u]
    without = [u for u in users if "phone" not in u]
    # Leavers: dropped from the state (deactivated).
    del users[:5]
    for u in users[5:30]:
        u["department"] = f"Team {rng.randrange(5)}"
    for u in with_phone[5:15]:
        del u["phone"]  # licence removed: numbers and plans go
    template = next(u["phone"] for u in with_phone[20:] if u["phone"].get("calling_plans"))
    for u in without[5:15]:
        u["phone"] = {"site": template["site"], "calling_plans": list(template["calling_plans"])}
    # Numbers move from one user to another.
    # (A taker has the giver's calling plans: a number needs a plan of its country.)
    givers = [u for u in with_phone[20:40] if u["phone"].get("numbers")][:5]
    free = [u for u in with_phone[40:] if not u["phone"].get("numbers")]
    for giver in givers:
        plans = giver["phone"].get("calling_plans")
        taker = next((u for u in free if u["phone"].get("calling_plans") == plans), None)
        if taker is not None:
            free.remove(taker)
            taker["phone"]["numbers"] = giver["phone"].pop("numbers")
    for i in range(15):
        users.append(
            {
                "email": f"new{i}@example.com",
                "first_name": "New",
                "last_name": f"Hire{i}",
                "type": "licensed",
                "phone": {
                    "site": template["site"],
                    "calling_plans": list(template["calling_plans"]),
                },
            }
        )
    state = root / "state"
    state.mkdir()
    (state / "account.yaml").write_text(yaml.safe_dump({"account": account}), encoding="utf-8")
    (state / "users.yaml").write_text(yaml.safe_dump({"users": users}), encoding="utf-8")
    return state


@pytest.mark.parametrize("seed", range(20))
def test_apply_converges_under_faults(seed: int, tmp_path: Path) -> None:
    app = create_app(seed="demo", clock=frozen_clock())
    app.runtime.replace_account(generate_account(500, seed=seed))
    desired = load_state(desired_state(app, tmp_path, seed))
    app.runtime.faults.set_spec(f"{FAULTS},seed={seed}")
    app.runtime.log = type(app.runtime.log)()
    journal = Journal(tmp_path / "run.jsonl")
    steps: list[StepResult] = []

    async def go() -> Any:
        zoom = client(app, seed, journal)
        live = await read_account(zoom)
        plan = make_plan(desired, live, PlanOptions())
        assert len(plan.operations) > 60

        def on_step(result: StepResult) -> None:
            steps.append(result)
            if len(steps) == len(plan.operations) // 2:
                app.runtime.faults.expire_tokens()  # the token dies half-way

        report = await apply_plan(
            plan, zoom, live, journal=journal, sleep=no_sleep, on_step=on_step
        )
        return plan, report

    plan, report = asyncio.run(go())
    journal.close()
    assert not report.failed, [r for r in report.results if r.status == "failed"][:3]
    # The next plan, read without faults, is empty.
    app.runtime.faults.set_spec("none")
    again = make_plan(desired, asyncio.run(read_account(client(app, seed))), PlanOptions())
    assert again.operations == () and again.waiting == ()
    # Every write that reached the sandbox was asked for by a step of the plan and is in
    # the journal; no step wrote more than its retries explain.
    records = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    writes = [
        r
        for r in records
        if r["event"] == "request" and r["method"] in WRITES and "oauth" not in r["path"]
    ]
    planned = {op.id for op in plan.operations}
    assert writes and {w["op"] for w in writes} <= planned
    logged = app.runtime.log.snapshot()["by_endpoint"]
    served = sum(n for k, n in logged.items() if k.split()[0] in WRITES and "oauth" not in k)
    assert served <= len(writes)
