"""Crash tests: `zoomstate apply` as a subprocess over a ~300-user plan against a sandbox
served over loopback HTTP (uvicorn in a thread of this process), killed with SIGKILL at
10 points spread over the run, then run again to completion. Each time:

- the run after the kill converges: the next plan is empty;
- the journals of the two runs account for every call in the sandbox's request log
  (every call the sandbox saw is a `request` record of one of them), every journaled
  write belongs to an operation of the plan that run carried out, and no create or
  assignment was sent again except after an attempt that failed or never got its answer.

The kill is exact rather than timed: the child process patches `Journal.write` to send
itself SIGKILL right after its N-th record is flushed, so the test never sleeps or polls
and each point is the same on every run. Other steps run concurrently (--concurrency 4),
so requests are in flight at the kill: some reached the sandbox, whose answers nobody
reads. That is the case the journal must make safe.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.apply.support import (
    Changes,
    audit,
    desired_state,
    make_client,
    read_journal,
    sandbox_app,
    write_state,
    zoom_ids,
)
from tests.sandbox.conftest import LiveServer
from zoomstate.live import LiveState
from zoomstate.loader import load_state
from zoomstate.plan import Operation, make_plan
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS
from zoomstate.zoom.read import read_account

USERS = 280  # live; the state adds 30 and removes 15
SEED = 7
# A full run writes about 1,100 journal records (about 30 for the read, then each call
# and each step twice); the kill points spread over it: during the read, early, middle
# and late in the apply.
KILL_AFTER = (10, 40, 100, 200, 350, 500, 650, 800, 900, 950)
CHANGES = Changes(
    leavers=15,
    new_users=30,
    disable_phone=10,
    enable_phone=12,
    extension_moves=15,
    number_moves=10,
    number_drops=6,
    plan_switches=6,
    cc_changes=8,
    cc_adds=6,
    cc_removals=3,
    profile_changes=20,
)
# The child: the CLI, with Journal.write patched to SIGKILL the process after the N-th
# record (already flushed to the file, as every record is).
KILLER = """
import os, signal, sys
from zoomstate import apply
from zoomstate.cli import main
limit = int(os.environ["TEST_KILL_AFTER_RECORDS"])
write = apply.Journal.write
def write_then_die(self, event, **data):
    write(self, event, **data)
    if self.records >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
apply.Journal.write = write_then_die
sys.exit(main(sys.argv[1:]))
"""


def _env(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMSTATE_"))}
    env.update(
        ZOOMSTATE_API_URL=f"{base_url}/v2",
        ZOOMSTATE_OAUTH_URL=f"{base_url}/oauth/token",
        ZOOM_ACCOUNT_ID=DEFAULT_CREDENTIALS.account_id,
        ZOOM_CLIENT_ID=DEFAULT_CREDENTIALS.client_id,
        ZOOM_CLIENT_SECRET=DEFAULT_CREDENTIALS.client_secret,
        # The sandbox enforces no rate limit here: pacing would only make the test wait.
        ZOOMSTATE_PACING="off",
    )
    return env


def _apply_args(state: Path, journals: Path) -> list[str]:
    return [
        "apply",
        str(state),
        "--auto-approve",
        "--allow-data-loss",
        "--concurrency",
        "4",
        "--format",
        "json",
        "--journal-dir",
        str(journals),
    ]


async def _read(base_url: str) -> LiveState:
    async with make_client(httpx.AsyncHTTPTransport(), base=base_url) as client:
        return await read_account(client)


@pytest.mark.parametrize("kill_after", KILL_AFTER)
def test_apply_killed_then_run_again_converges_and_is_accounted_for(
    kill_after: int, tmp_path: Path
) -> None:
    app = sandbox_app(USERS, SEED)
    # The generated account has few spare Zoom Phone licences: the state says how many
    # it owns, so that new phone users wait for the ones given up, wherever the kill fell.
    licences = app.runtime.account.seats.zoom_phone
    with LiveServer(app) as server:
        env = _env(server.base_url)
        live = asyncio.run(_read(server.base_url))
        desired = desired_state(live, SEED, CHANGES, phone_licences=licences)
        state = write_state(desired, tmp_path / "state")
        desired = load_state(state)
        first_plan = make_plan(desired, live)
        assert len(first_plan.operations) > 150, first_plan.summary()
        app.runtime.log.clear()
        journals = tmp_path / "runs"

        killed = subprocess.run(
            [sys.executable, "-c", KILLER, *_apply_args(state, journals)],
            env={**env, "TEST_KILL_AFTER_RECORDS": str(kill_after)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        first = sorted(journals.glob("*.jsonl"))
        assert len(first) == 1

        again = subprocess.run(
            [sys.executable, "-m", "zoomstate.cli", *_apply_args(state, journals)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr + again.stdout
        logged: list[dict[str, Any]] = app.runtime.log.snapshot()["recent"]
        after = asyncio.run(_read(server.base_url))

    assert [op.id for op in make_plan(desired, after).operations] == []
    assert app.runtime.account.check_invariants() == []

    second = [p for p in sorted(journals.glob("*.jsonl")) if p not in first]
    runs = [read_journal(first), read_journal(second)]
    assert len(runs[0]) == kill_after
    # The second run carried out what was left: the steps of its report (a run that
    # found nothing to do prints no report).
    report = json.loads(again.stdout) if again.stdout.strip() else {"steps": []}
    second_ops = [
        Operation(id=s["op"], kind=s["kind"], user=s["user"], params={})
        for s in report["steps"]
        if s["status"] != "waiting"
    ]
    assert all(s["status"] == "done" for s in report["steps"]), report["summary"]
    problems = audit([*first_plan.operations, *second_ops], runs, logged, zoom_ids(live, after))
    assert problems == []
