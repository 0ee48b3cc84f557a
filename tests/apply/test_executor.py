"""Behaviours of apply that the fault runs do not reach: a failed step skips only what
depends on it (and the CLI exits 1), the bounded wait for a new phone user, the re-assign
of a number a calling-plan switch dropped, the progress bar's counts and rate, and the
confirmation asked on a terminal.

Everything runs in-process against the sandbox (httpx.ASGITransport) on its frozen clock,
with zero or fake sleeps: nothing waits in real time.
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from rich.console import Console

from tests.apply.support import (
    DOMAIN,
    T0,
    WRITES,
    make_client,
    no_sleep,
    read_journal,
    sandbox_app,
    write_state,
)
from tests.virtual_time import run_virtual
from zoomstate import cli as cli_module
from zoomstate.apply import ApplyReport, Journal, JournalTransport, StepResult, apply_plan
from zoomstate.live import LiveState
from zoomstate.model import (
    AccountPolicy,
    DesiredState,
    PhoneSpec,
    SafetyLimits,
    UserSpec,
)
from zoomstate.plan import Plan, make_plan
from zoomstate.sandbox import embedded
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app
from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.faults import FaultSpec, FaultSpecError, request_faults
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.read import read_account

# The generated account (12 users, seed 3): users 0, 2, 4 and 6 have Zoom Phone at San
# Francisco with plan 200 (US/CA unlimited) and one number each; 1, 3, 5 at London with
# no number; 7 to 11 have no Zoom Phone. +14155000000 to ...047 are free SF numbers.
USERS, SEED = 12, 3
SF = "San Francisco"


def user(n: int) -> str:
    return f"user{n:06d}@{DOMAIN}"


Change = Callable[[UserSpec], UserSpec]


def desired_from(live: LiveState, changes: dict[str, Change]) -> DesiredState:
    """The live account's active users with `changes` applied to some of them."""
    specs = {u.key: u.spec for u in live.users if u.status == "active"}
    for key, change in changes.items():
        specs[key] = change(specs[key])
    account = AccountPolicy(
        domains=(DOMAIN,),
        create_action="autoCreate",
        on_missing_user="deactivate",
        allow_data_loss=True,
        safety=SafetyLimits(max_deletes=100_000, max_delete_percent=100),
        rate_limits="business",
    )
    return DesiredState(account=account, users=tuple(specs[k] for k in sorted(specs)))


def phone(spec: UserSpec, **values: Any) -> UserSpec:
    assert spec.phone is not None
    return spec.model_copy(update={"phone": spec.phone.model_copy(update=values)})


def update(**values: Any) -> Change:
    return lambda spec: spec.model_copy(update=values)


async def read_live(app: SandboxApp) -> LiveState:
    async with make_client(httpx.ASGITransport(app=app)) as client:
        return await read_account(client)


def api_writes(app: SandboxApp) -> list[str]:
    """The Zoom API writes the sandbox carried out or refused (token requests aside)."""
    return [
        f"{e['method']} {e['path']}"
        for e in app.runtime.log.snapshot()["recent"]
        if e["method"] in WRITES and not e["path"].startswith(("/oauth/", "/_sandbox"))
    ]


def dependants(plan: Plan, op_id: str) -> set[str]:
    """Every step that waits, directly or not, for `op_id`."""
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for op in plan.operations:
            if op.id not in found and ({op_id} | found) & set(op.depends_on):
                found.add(op.id)
                changed = True
    return found


def embed(monkeypatch: pytest.MonkeyPatch, app: SandboxApp, transport: Any = None) -> None:
    """`--sandbox FILE` serves `app` (frozen clock, no file) through `transport`."""

    def open_embedded(path: Path, **_: Any) -> embedded.EmbeddedSandbox:
        return embedded.EmbeddedSandbox(
            app=app, transport=transport or httpx.ASGITransport(app=app)
        )

    monkeypatch.setattr(embedded, "open_embedded", open_embedded)


def run_cli(args: list[str], *, stdin: str = "", tty: bool = False) -> tuple[int, str, str]:
    """`zoomstate ARGS` through the console entry point, with `stdin` as input; `tty`
    makes standard input look like a terminal (apply asks on one)."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        if tty:
            # The instance CliRunner put in place of sys.stdin, gone with the isolation.
            sys.stdin.isatty = lambda: True  # type: ignore[method-assign]
        code = cli_module.main(args)
    return int(code), out.getvalue().decode(), err.getvalue().decode()


# --------------------------------------------------------------------------------------
# 1. A failed step skips only what depends on it; the CLI exits 1


class RefuseOne(httpx.AsyncBaseTransport):
    """Answers one request (method and path fragment) with a final 400, as Zoom would
    a bad request: not retried, the step fails."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, fragment: str) -> None:
        self._inner = inner
        self._method = method
        self._fragment = fragment
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self._method and self._fragment in request.url.path:
            self.refused += 1
            return httpx.Response(400, json={"code": 300, "message": "Refused by the test."})
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_a_failed_step_skips_only_its_dependants_and_apply_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app(USERS, SEED)
    live = asyncio.run(read_live(app))
    moved = "+14155000050"  # user 2's number goes to user 7, who gets Zoom Phone
    desired = desired_from(
        live,
        {
            user(2): lambda s: phone(s, numbers=()).model_copy(update={"department": "Moved"}),
            user(7): update(phone=PhoneSpec(site=SF, calling_plans=(200,), numbers=(moved,))),
            user(3): update(department="Test Dept"),
            user(4): update(last_name="Renamed"),
        },
    )
    plan = make_plan(desired, live)
    failing = f"{user(2)}/unassign_number/{moved}"
    claim = f"{user(7)}/assign_number/{moved}"
    ops = {op.id for op in plan.operations}
    assert failing in ops and claim in ops, plan.summary()
    # The number's claim waits for its release; the rest does not.
    assert dependants(plan, failing) == {claim}
    assert len(ops) >= 6, sorted(ops)

    zoom_id = next(u.zoom_id for u in live.users if u.key == user(2))
    refusing = RefuseOne(httpx.ASGITransport(app=app), "DELETE", f"/phone/users/{zoom_id}/")
    embed(monkeypatch, app, refusing)
    state = write_state(desired, tmp_path / "state")
    runs = tmp_path / "runs"
    code, out, err = run_cli(
        [
            "--sandbox",
            str(tmp_path / "unused.json"),
            "apply",
            str(state),
            "--auto-approve",
            "--format",
            "json",
            "--journal-dir",
            str(runs),
        ]
    )

    assert code == 1, err
    assert refusing.refused == 1
    report = json.loads(out)
    status = {s["op"]: s["status"] for s in report["steps"]}
    detail = {s["op"]: s["detail"] for s in report["steps"]}
    assert status[failing] == "failed"
    assert "Refused by the test" in detail[failing]
    assert status[claim] == "skipped"
    assert detail[claim] == f"depends on {failing}, which failed"
    assert {op for op, s in status.items() if s == "done"} == ops - {failing, claim}
    assert report["summary"] == {
        "done": len(ops) - 2,
        "failed": 1,
        "skipped": 1,
        "interrupted": 0,
        "waiting": 0,
    }
    # The skipped claim sent nothing; the journal ends with the same counts.
    records = read_journal(sorted(runs.glob("*.jsonl")))
    assert not [r for r in records if r["event"] == "request" and r.get("op") == claim]
    assert records[-1]["event"] == "run_end"
    assert (records[-1]["done"], records[-1]["failed"], records[-1]["skipped"]) == (
        len(ops) - 2,
        1,
        1,
    )
    # What went on is in the account: only the failed step and its dependant are left.
    again = make_plan(desired, asyncio.run(read_live(app)))
    assert {op.id for op in again.operations} == {failing, claim}


# --------------------------------------------------------------------------------------
# 2. The wait for a new phone user is bounded


def test_the_wait_for_a_phone_user_that_never_appears_is_bounded(tmp_path: Path) -> None:
    app = sandbox_app(USERS, SEED)
    # The phone user appears this long after the licence is turned on, on a clock that
    # never moves: never.
    app.runtime.service.config.phone_user_delay = 10**9
    live = asyncio.run(read_live(app))
    desired = desired_from(
        live,
        {
            user(8): update(
                phone=PhoneSpec(site=SF, calling_plans=(200,), numbers=("+14155000000",))
            ),
            user(9): update(department="Test Dept"),
        },
    )
    plan = make_plan(desired, live)
    enable = f"{user(8)}/enable_phone"
    after = {op.id for op in plan.operations if op.user == user(8)} - {enable}
    assert after and after == dependants(plan, enable), plan.summary()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    journal = Journal(tmp_path / "run.jsonl")

    async def run() -> ApplyReport:
        async with make_client(JournalTransport(httpx.ASGITransport(app=app), journal)) as client:
            return await apply_plan(
                plan, client, live, journal=journal, sleep=fake_sleep, phone_user_timeout_s=60
            )

    started = time.perf_counter()
    report = asyncio.run(run())
    elapsed = time.perf_counter() - started
    journal.close()

    results = {r.op: r for r in report.results}
    assert results[enable].status == "failed"
    assert results[enable].detail.endswith(
        "the phone user did not appear within 60 s after Zoom Phone was turned on; "
        "run apply again later"
    )
    assert {op for op in after if results[op].status == "skipped"} == after
    direct = [op.id for op in plan.operations if enable in op.depends_on]
    assert direct
    for op in direct:
        assert "which failed" in results[op].detail or "which skipped" in results[op].detail
    assert results[f"{user(9)}/update_user"].status == "done"
    assert (report.count("done"), report.count("failed"), report.count("skipped")) == (
        len(plan.operations) - 1 - len(after),
        1,
        len(after),
    )
    # Backoff capped at 10 s, the last sleep cut to what was left: 60 s in all, and the
    # phone user looked for after every sleep. None of it in real time.
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 4.5]
    assert sum(slept) == 60
    polls = [
        r
        for r in read_journal([journal.path])
        if r["event"] == "request" and r["method"] == "GET" and r.get("op") == enable
    ]
    assert len(polls) == len(slept) + 1
    assert elapsed < 30


class InFlight(httpx.AsyncBaseTransport):
    """Counts the API requests in flight at once (the token endpoint aside)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.now = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/v2/"):
            return await self._inner.handle_async_request(request)
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await self._inner.handle_async_request(request)
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self._inner.aclose()


def _virtual_now() -> float:
    """The sandbox's clock on the test's virtual loop (tests/virtual_time.py)."""
    try:
        return T0 + asyncio.get_running_loop().time()
    except RuntimeError:
        return T0


def test_the_wait_for_a_phone_user_holds_no_slot() -> None:
    """Issue 15: enable_phone polled for the phone user while holding its slot, so with
    Zoom taking its time, new phone users took turns even where nothing linked them.
    With one slot and four new phone users (Zoom creates each one 30 s after its licence),
    the four waits overlap: the run takes one wait, not four, and still never has more
    than one request in flight."""
    delay, slots = 30.0, 1
    app = create_app(seed="demo", clock=Clock(source=_virtual_now), phone_user_delay=delay)
    app.runtime.replace_account(generate_account(USERS, seed=SEED, domain=DOMAIN))
    licensed = [user(n) for n in (7, 8, 9, 10)]  # no Zoom Phone in the generated account
    counter = InFlight(httpx.ASGITransport(app=app))

    async def go() -> tuple[Plan, ApplyReport]:
        async with make_client(counter) as client:
            live = await read_account(client)
            new_phone = update(phone=PhoneSpec(site=SF, calling_plans=(200,)))
            plan = make_plan(desired_from(live, {u: new_phone for u in licensed}), live)
            report = await apply_plan(plan, client, live, concurrency=slots)
            return plan, report

    (plan, report), elapsed = run_virtual(go())
    assert {op.user for op in plan.operations} == set(licensed)
    assert report.count("done") == len(plan.operations), report.results
    # The backoff (0.5, 1, 2, 4, 8, 10, 10 s) first finds the phone user 35.5 s after
    # its licence; holding the slot, the four waits took 4 x 35.5 s one after another.
    one_wait = 35.5
    assert one_wait <= elapsed < 2 * one_wait
    assert counter.most == slots


# --------------------------------------------------------------------------------------
# 3. A calling-plan switch that drops the direct number


def test_the_fault_spec_switch_drops_numbers() -> None:
    spec = FaultSpec.parse("switch-drops-numbers=true,5xx=0.1,seed=4")
    assert spec.switch_drops_numbers
    assert FaultSpec.parse(str(spec)) == spec
    assert "switch-drops-numbers=true" in str(spec)
    assert not FaultSpec.parse("switch-drops-numbers=false").switch_drops_numbers
    assert str(FaultSpec.parse("switch-drops-numbers=false")) == "none"
    with pytest.raises(FaultSpecError, match="switch-drops-numbers is true or false"):
        FaultSpec.parse("switch-drops-numbers=maybe")
    # Outside a request the service sees no faults.
    assert request_faults() == FaultSpec()


@pytest.mark.parametrize("drops", [True, False])
def test_a_switch_that_drops_the_number_is_followed_by_a_reassign(
    drops: bool, tmp_path: Path
) -> None:
    app = sandbox_app(USERS, SEED, faults="switch-drops-numbers=true" if drops else None)
    live = asyncio.run(read_live(app))
    holder = user(0)
    (number,) = next(u.spec.phone for u in live.users if u.key == holder).numbers  # type: ignore[union-attr]
    # Plan 200 (unlimited) -> 100 (metered): both cover the US number.
    desired = desired_from(live, {holder: lambda s: phone(s, calling_plans=(100,))})
    plan = make_plan(desired, live)
    switch = f"{holder}/switch_calling_plan/200-100"
    assert [op.id for op in plan.operations] == [switch]
    journal = Journal(tmp_path / "run.jsonl")

    async def run() -> tuple[ApplyReport, LiveState]:
        async with make_client(JournalTransport(httpx.ASGITransport(app=app), journal)) as client:
            report = await apply_plan(plan, client, live, journal=journal, sleep=no_sleep)
            return report, await read_account(client)

    report, after = asyncio.run(run())
    journal.close()

    (result,) = report.results
    assert result.status == "done"
    writes = [
        (r["method"], r["path"].rsplit("/", 1)[-1], r["body"])
        for r in read_journal([journal.path])
        if r["event"] == "request"
        and r["method"] in WRITES
        and r.get("op") == switch
        and not r["path"].endswith("/oauth/token")
    ]
    put = ("PUT", "calling_plans", {"source_type": 200, "target_type": 100})
    if drops:
        assert result.detail == f"re-assigned {number} dropped by the switch"
        assert writes == [put, ("POST", "phone_numbers", {"phone_numbers": [{"number": number}]})]
    else:
        assert result.detail == ""
        assert writes == [put]
    held = next(u.spec.phone for u in after.users if u.key == holder)
    assert held is not None and held.numbers == (number,) and held.calling_plans == (100,)
    assert make_plan(desired, after).operations == ()
    assert app.runtime.account.check_invariants() == []


# --------------------------------------------------------------------------------------
# 4. The progress bar: counts and rate


def test_the_progress_bar_shows_counts_and_a_rate() -> None:
    now = [1000.0]
    out = io.StringIO()
    console = Console(
        file=out, force_terminal=True, color_system=None, width=120, get_time=lambda: now[0]
    )
    obj = cli_module.Context(verbosity=0, sandbox=None)
    with cli_module._progress(obj, 8, console=console) as advance:
        for k in range(6):
            now[0] += 0.5  # two steps a second
            status = "failed" if k == 2 else "done"
            advance(StepResult(f"u/op{k}", "update_user", "u", status))  # type: ignore[arg-type]
    shown = out.getvalue()
    assert "6/8" in shown
    assert "(1 failed)" in shown
    assert "2.0 steps/s" in shown


def test_the_progress_bar_is_silent_when_quiet() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    obj = cli_module.Context(verbosity=-1, sandbox=None)
    with cli_module._progress(obj, 3, console=console) as advance:
        advance(StepResult("u/op", "update_user", "u", "done"))
    assert out.getvalue() == ""


# --------------------------------------------------------------------------------------
# 5. On a terminal, apply asks; "no" applies nothing


@pytest.mark.parametrize(("answer", "applied"), [("n\n", False), ("y\n", True)])
def test_apply_on_a_terminal_asks_and_no_applies_nothing(
    answer: str, applied: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app(USERS, SEED)
    live = asyncio.run(read_live(app))
    desired = desired_from(
        live, {user(3): update(department="Test Dept"), user(4): update(last_name="Renamed")}
    )
    assert len(make_plan(desired, live).operations) == 2
    embed(monkeypatch, app)
    state = write_state(desired, tmp_path / "state")
    args = ["--sandbox", str(tmp_path / "unused.json"), "apply", str(state)]
    args += ["--journal-dir", str(tmp_path / "runs")]

    code, out, err = run_cli(args, stdin=answer, tty=True)

    assert "Apply 2 steps to account sandbox-account? [y/N]" in err  # no owner in this seed
    if applied:
        assert code == 0, err
        assert "Apply: 2 done, 0 failed, 0 skipped, 0 waiting" in out
        assert len(api_writes(app)) == 2
    else:
        assert code == 1
        assert "Aborted." in err
        assert api_writes(app) == []
        assert make_plan(desired, asyncio.run(read_live(app))).operations != ()


# --------------------------------------------------------------------------------------
# A data-losing step whose snapshot cannot be read does not run


def test_a_data_losing_step_without_its_snapshot_removes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = sandbox_app(USERS, SEED)
    live = asyncio.run(read_live(app))
    desired = desired_from(live, {user(2): update(phone=None), user(3): update(department="X")})
    plan = make_plan(desired, live)
    disable = f"{user(2)}/disable_phone"
    assert disable in {op.id for op in plan.operations}, plan.summary()

    zoom_id = next(u.zoom_id for u in live.users if u.key == user(2))
    # Only the snapshot reads the single phone user: the plan's read is a list.
    refusing = RefuseOne(httpx.ASGITransport(app=app), "GET", f"/phone/users/{zoom_id}")
    embed(monkeypatch, app, refusing)
    state = write_state(desired, tmp_path / "state")
    runs = tmp_path / "runs"
    code, out, err = run_cli(
        ["--sandbox", str(tmp_path / "unused.json"), "apply", str(state), "--auto-approve",
         "--format", "json", "--journal-dir", str(runs)]
    )  # fmt: skip

    assert code == 1, err
    report = json.loads(out)
    step = next(s for s in report["steps"] if s["op"] == disable)
    assert step["status"] == "failed"
    assert "could not read the configuration about to be removed" in step["detail"]
    assert "nothing was removed" in step["detail"]
    records = read_journal(sorted(runs.glob("*.jsonl")))
    assert not [r for r in records if r["event"] == "snapshot"]
    writes = [
        r for r in records
        if r["event"] == "request" and r.get("op") == disable and r["method"] in WRITES
    ]  # fmt: skip
    assert writes == []
    # The phone user is still there; the unrelated step went ahead.
    after = {u.key: u for u in asyncio.run(read_live(app)).users}
    assert after[user(2)].spec.phone is not None
    assert after[user(3)].spec.department == "X"


def test_the_journal_keeps_no_passcode_host_key_or_password(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.jsonl")
    journal.write(
        "snapshot",
        live={
            "user": {
                "personal_meeting_url": "https://us05web.zoom.us/j/8512345678?pwd=aBcD3fGh1",
                "host_key": "907531",
                "pmi": 8512345678,
            }
        },
        body={"user_info": {"email": "a@example.com", "password": "Secret-123"}},
        query={"next_page_token": "abc", "page_size": "300"},
    )
    journal.close()
    text = (tmp_path / "run.jsonl").read_text()
    for secret in ("aBcD3fGh1", "907531", "Secret-123"):
        assert secret not in text
    record = json.loads(text)
    user = record["live"]["user"]
    assert user["personal_meeting_url"] == "https://us05web.zoom.us/j/8512345678?pwd=***"
    assert user["pmi"] == 8512345678
    # Page tokens are not secrets: they stay, for reading the journal.
    assert record["query"]["next_page_token"] == "abc"


def test_the_token_request_is_journaled_by_path_only(tmp_path: Path) -> None:
    # Its query names the account and its headers carry the app's credentials: neither
    # is written, the request and its answer are there all the same.
    journal = Journal(tmp_path / "run.jsonl")
    app = sandbox_app(1, SEED)

    async def go() -> None:
        async with make_client(JournalTransport(httpx.ASGITransport(app=app), journal)) as client:
            await read_account(client)

    asyncio.run(go())
    journal.close()
    records = read_journal([tmp_path / "run.jsonl"])
    token = [r for r in records if r["path"].endswith("/oauth/token")]
    assert [r["event"] for r in token] == ["request", "response"]
    assert all("query" not in r and r.get("body") is None for r in token)
    text = (tmp_path / "run.jsonl").read_text()
    assert "account_credentials" not in text
    assert DEFAULT_CREDENTIALS.account_id not in text
    assert DEFAULT_CREDENTIALS.client_secret not in text


class ForwardThenRefuse(RefuseOne):
    """Lets the request reach Zoom, then loses its answer and says 400 instead, as a
    retried request for something already done may be answered."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == self._method and self._fragment in request.url.path:
            await self._inner.handle_async_request(request)
            self.refused += 1
            return httpx.Response(400, json={"code": 300, "message": "Already a member."})
        return await self._inner.handle_async_request(request)


@pytest.mark.parametrize("reached", [True, False])
def test_assign_role_reads_the_role_back_when_zoom_refuses(tmp_path: Path, reached: bool) -> None:
    app = sandbox_app(USERS, SEED)
    live = asyncio.run(read_live(app))
    admin = next(r for r in live.roles if r.name == "Admin")
    desired = desired_from(live, {user(3): update(role="Admin")})
    plan = make_plan(desired, live)
    step = f"{user(3)}/assign_role"
    assert [op.id for op in plan.operations] == [step], plan.summary()
    kind = ForwardThenRefuse if reached else RefuseOne
    transport = kind(httpx.ASGITransport(app=app), "POST", f"/roles/{admin.id}/members")

    async def run() -> ApplyReport:
        async with make_client(transport) as client:
            return await apply_plan(plan, client, live, sleep=no_sleep)

    report = asyncio.run(run())
    result = report.results[0]
    assert transport.refused == 1
    after = {u.key: u for u in asyncio.run(read_live(app)).users}
    if reached:
        # The role was given: the refusal is read as "already done", not as a failure.
        assert (result.status, result.detail) == ("done", "already in the role")
        assert after[user(3)].spec.role == "Admin"
    else:
        assert result.status == "failed" and "Refused by the test" in result.detail
        assert after[user(3)].spec.role != "Admin"
