"""When the executor stops starting steps, what it skips and what it journals: a daily cap
met by a step, by the snapshot read before a data-losing step or by a batch call stops the
whole run (and apply raises it); steps that got no answer stop the run after exactly
`stop_after` in a row, a step Zoom answered in between starting the count again, a
snapshot that could not be read for want of an answer counting as one, and a batch
counting as one only when none of it got an answer; a step whose dependency was skipped is
skipped in turn; a batch is not sent once the run stopped or when every member was
skipped; Ctrl-C during a batch call leaves its members interrupted.

Each plan is small and built by hand (or planned over the generated account), run in
process against the sandbox with one slot, so the order of the steps is the plan's and
each outcome is exact."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.apply.support import DOMAIN, WRITES, make_client, no_sleep, read_journal, sandbox_app
from tests.apply.test_executor import desired_from, update
from zoomstate.apply import NOT_STARTED, ApplyReport, Journal, JournalTransport, apply_plan
from zoomstate.core.aspect import JsonValue
from zoomstate.errors import RateLimited
from zoomstate.live import LiveState
from zoomstate.model import ContactCenterSpec
from zoomstate.plan import Operation, OpKind, Plan, Waiting, make_plan
from zoomstate.sandbox.app import SandboxApp
from zoomstate.zoom.read import read_account

USERS, SEED = 12, 3
REFUSED = {"code": 300, "message": "Refused by the test."}
DAILY = {"code": 429, "message": "You have reached the maximum daily rate limit"}


def user(n: int) -> str:
    return f"user{n:06d}@{DOMAIN}"


def step(kind: OpKind, n: int, *deps: str) -> Operation:
    moved: JsonValue = {"department": "Moved"}
    params: dict[str, JsonValue] = {"fields": moved} if kind == "update_user" else {}
    return Operation(
        id=f"{user(n)}/{kind}",
        kind=kind,
        user=user(n),
        params=params,
        depends_on=deps,
        destroys_data=kind == "deactivate_user",
    )


def plan_of(*ops: Operation) -> Plan:
    return Plan(operations=ops, waiting=(), warnings=(), state_hash="", fingerprints={})


class Scripted(httpx.AsyncBaseTransport):
    """Once armed (after the account is read), answers a request with the response `rule`
    gives, drops its connection when it gives None, passes it through when it gives False.
    `writes` are the API writes that reached the sandbox."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        rule: Callable[[httpx.Request], httpx.Response | bool | None],
    ) -> None:
        self._inner = inner
        self._rule = rule
        self.armed = False
        self.writes: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.armed and not request.url.path.startswith("/oauth/"):
            await asyncio.sleep(0)  # in flight: the other lanes run meanwhile
            answer = self._rule(request)
            if answer is None:
                raise httpx.ConnectError("connection dropped by the test")
            if isinstance(answer, httpx.Response):
                return answer
        response = await self._inner.handle_async_request(request)
        if request.method in WRITES and not request.url.path.startswith("/oauth/"):
            self.writes.append(f"{request.method} {request.url.path}")
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def run(
    app: SandboxApp,
    make: Callable[[LiveState], Plan],
    rule: Callable[[LiveState, httpx.Request], httpx.Response | bool | None],
    journal: Journal,
    *,
    stop_after: int = 5,
) -> tuple[ApplyReport | BaseException, list[str], LiveState]:
    """Read the account, arm the transport, apply `make(live)` with one slot: the report
    (or what the run raised), the writes that reached the sandbox, the live account."""
    live_box: list[LiveState] = []
    scripted = Scripted(httpx.ASGITransport(app=app), lambda request: rule(live_box[0], request))

    async def go() -> ApplyReport:
        async with make_client(JournalTransport(scripted, journal), attempts=2) as client:
            live = await read_account(client)
            live_box.append(live)
            plan = make(live)
            scripted.armed = True
            return await asyncio.wait_for(
                apply_plan(
                    plan,
                    client,
                    live,
                    journal=journal,
                    concurrency=1,
                    sleep=no_sleep,
                    stop_after=stop_after,
                ),
                timeout=30,
            )

    try:
        outcome: ApplyReport | BaseException = asyncio.run(go())
    except RateLimited as exc:
        outcome = exc
    journal.close()
    return outcome, scripted.writes, live_box[0]


def zoom_id(live: LiveState, n: int) -> str:
    found = next(u.zoom_id for u in live.users if u.key == user(n))
    assert found
    return found


def refuses_user_0(live: LiveState, request: httpx.Request) -> httpx.Response | bool:
    """A rule: Zoom refuses user 0's PATCH (400 / 300) and passes everything else."""
    refused = request.method == "PATCH" and request.url.path.endswith(zoom_id(live, 0))
    return httpx.Response(400, json=REFUSED) if refused else False


def outcomes(report: ApplyReport) -> dict[str, tuple[str, str]]:
    """Each step's (status, detail) in the report."""
    return {r.op: (r.status, r.detail) for r in report.results}


def ends(journal: Path) -> dict[str, tuple[str, str]]:
    """Each step's journaled end: (status, detail)."""
    return {
        r["op"]: (r["event"].removeprefix("step_"), r["detail"])
        for r in read_journal([journal])
        if r["event"] in ("step_done", "step_failed", "step_skipped")
    }


# --------------------------------------------------------------------------------------
# 1. A daily cap stops the run, wherever the run meets it


def _cc_batch(live: LiveState) -> Plan:
    """A Contact Center seat for users 1 to 4 (one batch call), then a department for
    users 5 and 6."""
    role = sorted(r.name for r in live.contact_center_roles)[0]
    seats = {user(n): ContactCenterSpec(package="premium", role=role) for n in range(1, 5)}
    # The planner over the account with those seats: its batch, as plan would make it.
    desired = desired_from(live, {key: update(contact_center=cc) for key, cc in seats.items()})
    planned = make_plan(desired, live).operations
    assert len({op.batch for op in planned}) == 1 and planned[0].batch, planned
    return plan_of(*planned, step("update_user", 5), step("update_user", 6))


CAPS: dict[str, tuple[Callable[[LiveState], Plan], Callable[[LiveState, httpx.Request], bool]]]
CAPS = {
    # The second user's PATCH meets the cap.
    "step": (
        lambda live: plan_of(*(step("update_user", n) for n in range(4))),
        lambda live, r: r.method == "PATCH" and r.url.path.endswith(f"/users/{zoom_id(live, 1)}"),
    ),
    # The snapshot read before the second user's deactivation meets it: the step wraps
    # the read's errors, not the cap.
    "snapshot": (
        lambda live: plan_of(*(step("deactivate_user", n) for n in range(4))),
        lambda live, r: r.method == "GET" and r.url.path.endswith(f"/users/{zoom_id(live, 1)}"),
    ),
    # The batch call meets it (its read-back and split never get there).
    "batch": (
        _cc_batch,
        lambda live, r: r.url.path.endswith("/contact_center/users/batch"),
    ),
}


@pytest.mark.parametrize("where", list(CAPS))
def test_a_daily_cap_stops_the_run_wherever_it_is_met(where: str, tmp_path: Path) -> None:
    make, capped = CAPS[where]
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def rule(live: LiveState, request: httpx.Request) -> httpx.Response | bool:
        return httpx.Response(429, json=DAILY) if capped(live, request) else False

    outcome, writes, live = run(app, make, rule, journal)

    # apply raises the cap (the CLI says when it may resume) ...
    assert isinstance(outcome, RateLimited), outcome
    steps = ends(tmp_path / "run.jsonl")
    failed = {op for op, (status, _) in steps.items() if status == "failed"}
    assert failed and all("daily" in steps[op][1] for op in failed), steps
    # ... and no step started after it: every one after the capped one is skipped.
    later = [op for op, (status, _) in steps.items() if status not in ("done", "failed")]
    assert later and all(steps[op] == ("skipped", "the run stopped") for op in later), steps
    for op in later:
        ref = zoom_id(live, int(op.split("@")[0].removeprefix("user")))
        assert not [w for w in writes if ref in w], writes
    records = read_journal([tmp_path / "run.jsonl"])
    assert records[-1]["event"] == "run_end"


# --------------------------------------------------------------------------------------
# 2. The stop when the API stops answering counts steps in a row, exactly


@pytest.mark.parametrize(
    ("dropped", "expected"),
    [
        # Two in a row with stop_after=2: stopped there, on the count, not one later.
        ((0, 1, 2), ("failed", "failed", "skipped", "skipped")),
        # A step Zoom answered in between starts the count again: never two in a row.
        ((0, 2), ("failed", "done", "failed", "done")),
    ],
    ids=["in-a-row", "reset-by-an-answer"],
)
def test_the_run_stops_after_stop_after_unanswered_steps_in_a_row(
    dropped: tuple[int, ...], expected: tuple[str, ...], tmp_path: Path
) -> None:
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def rule(live: LiveState, request: httpx.Request) -> bool | None:
        ids = {f"/users/{zoom_id(live, n)}" for n in dropped}
        return None if request.method == "PATCH" and request.url.path[3:] in ids else False

    outcome, _, _ = run(
        app,
        lambda live: plan_of(*(step("update_user", n) for n in range(4))),
        rule,
        journal,
        stop_after=2,
    )

    assert isinstance(outcome, ApplyReport)
    assert tuple(r.status for r in outcome.results) == expected, outcome.results
    stopped = "skipped" in expected
    assert bool(outcome.stopped) == stopped
    skipped = [r for r in outcome.results if r.status == "skipped"]
    assert all(r.detail == NOT_STARTED for r in skipped)


def test_a_snapshot_that_got_no_answer_counts_as_a_step_without_one(tmp_path: Path) -> None:
    # The snapshot read before user 0's deactivation gets no answer: the step fails,
    # wrapping the error, and still counts. With stop_after=1, nothing more starts:
    # nobody is deactivated.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def rule(live: LiveState, request: httpx.Request) -> bool | None:
        snapshot = request.method == "GET" and request.url.path.endswith(zoom_id(live, 0))
        return None if snapshot else False

    outcome, writes, _ = run(
        app,
        lambda live: plan_of(*(step("deactivate_user", n) for n in range(3))),
        rule,
        journal,
        stop_after=1,
    )

    assert isinstance(outcome, ApplyReport)
    assert [r.status for r in outcome.results] == ["failed", "skipped", "skipped"]
    assert "could not read the configuration" in outcome.results[0].detail
    assert outcome.stopped.startswith("the API stopped answering")
    assert writes == []


# --------------------------------------------------------------------------------------
# 3. A skipped step's dependants are skipped too


def test_a_step_whose_dependency_was_skipped_is_skipped_and_sends_nothing(
    tmp_path: Path,
) -> None:
    # user 0's step is refused; user 1's waits for it (skipped); user 2's waits for user
    # 1's only, and must not run on a dependency that never happened.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")
    first = step("update_user", 0)
    second = step("update_user", 1, first.id)
    third = step("update_user", 2, second.id)

    outcome, writes, live = run(
        app,
        lambda live: plan_of(first, second, third, step("update_user", 3)),
        refuses_user_0,
        journal,
    )

    assert isinstance(outcome, ApplyReport)
    status = outcomes(outcome)
    assert status[first.id][0] == "failed"
    assert status[second.id] == ("skipped", f"depends on {first.id}, which failed")
    assert status[third.id] == ("skipped", f"depends on {second.id}, which skipped")
    assert status[step("update_user", 3).id][0] == "done"
    # Only user 3's PATCH reached Zoom (the refused one is answered by the test).
    assert writes == [f"PATCH /v2/users/{zoom_id(live, 3)}"]
    assert ends(tmp_path / "run.jsonl")[third.id][0] == "skipped"


def test_the_waiting_steps_of_a_user_whose_creation_was_skipped_are_skipped(
    tmp_path: Path,
) -> None:
    # A new user's creation waits for user 0's step, which Zoom refuses: there is no
    # invitation, so the user's waiting steps are skipped and say why, not left waiting.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")
    first = step("update_user", 0)
    hire = f"hire@{DOMAIN}"
    create = Operation(
        id=f"{hire}/create_user",
        kind="create_user",
        user=hire,
        params={"email": hire, "type": 1, "action": "create"},
        depends_on=(first.id,),
    )
    waiting = Waiting(user=hire, kind="assign_role", reason="waits for the invitation")

    def make(live: LiveState) -> Plan:
        return dataclasses.replace(plan_of(first, create), waiting=(waiting,))

    outcome, writes, _ = run(app, make, refuses_user_0, journal)

    assert isinstance(outcome, ApplyReport)
    status = outcomes(outcome)
    assert status[create.id] == ("skipped", f"depends on {first.id}, which failed")
    assert status[f"{hire}/assign_role"] == (
        "skipped",
        f"{create.id} skipped, so there is no invitation to wait for",
    )
    assert outcome.count("waiting") == 0
    assert writes == []


# --------------------------------------------------------------------------------------
# 4. Batches in the count of steps without an answer


def _batch_path(request: httpx.Request) -> bool:
    return request.url.path.endswith("/contact_center/users/batch")


def _cc_read(live: LiveState, request: httpx.Request, *users: int) -> bool:
    return request.method == "GET" and any(
        request.url.path.endswith(f"/contact_center/users/{zoom_id(live, n)}") for n in users
    )


def test_a_batch_that_got_no_answer_at_all_counts_as_a_step_without_one(
    tmp_path: Path,
) -> None:
    # The batch call and the read-back of its members all go unanswered: with
    # stop_after=1, the run stops there, and the steps after it do not start.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def rule(live: LiveState, request: httpx.Request) -> bool | None:
        dead = _batch_path(request) or _cc_read(live, request, 1, 2, 3, 4)
        return None if dead else False

    outcome, writes, _ = run(app, _cc_batch, rule, journal, stop_after=1)

    assert isinstance(outcome, ApplyReport)
    assert outcome.stopped.startswith("the API stopped answering")
    status = outcomes(outcome)
    assert [status[f"{user(n)}/create_contact_center_user"][0] for n in (1, 2, 3, 4)] == [
        "failed"
    ] * 4
    assert status[f"{user(5)}/update_user"] == ("skipped", NOT_STARTED)
    assert status[f"{user(6)}/update_user"] == ("skipped", NOT_STARTED)
    assert writes == []


def test_a_batch_partly_answered_does_not_count_as_one_without_an_answer(
    tmp_path: Path,
) -> None:
    # Refused as a whole (for nobody in particular), then split: the first half goes in,
    # the second gets no answer. Zoom answered this batch, so the count starts again
    # and the run goes on, with stop_after=1.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")
    calls: list[int] = []

    def rule(live: LiveState, request: httpx.Request) -> httpx.Response | bool | None:
        if _batch_path(request):
            calls.append(1)
            if len(calls) == 1:
                return httpx.Response(400, json={"code": 300, "message": "Validation Failed."})
            if zoom_id(live, 3) in request.content.decode() or user(3) in request.content.decode():
                return None
        return False

    outcome, _, _ = run(app, _cc_batch, rule, journal, stop_after=1)

    assert isinstance(outcome, ApplyReport)
    status = {r.op: r.status for r in outcome.results}
    assert [status[f"{user(n)}/create_contact_center_user"] for n in (1, 2, 3, 4)] == [
        "done",
        "done",
        "failed",
        "failed",
    ]
    assert outcome.stopped == ""
    assert status[f"{user(5)}/update_user"] == "done"
    assert status[f"{user(6)}/update_user"] == "done"
    # The journal has the batch once, with its members, and how it ended for them.
    records = read_journal([tmp_path / "run.jsonl"])
    (start,) = [r for r in records if r["event"] == "batch_start"]
    (end,) = [r for r in records if r["event"] == "batch_end"]
    assert start["members"] == [f"{user(n)}/create_contact_center_user" for n in (1, 2, 3, 4)]
    assert (end["batch"], end["done"], end["failed"]) == (start["batch"], 2, 2)


def test_a_batch_waiting_for_its_slot_when_the_run_stops_is_not_sent(tmp_path: Path) -> None:
    # User 0's step holds the only slot and gets no answer (stop_after=1); the batch,
    # ready meanwhile, waits for that slot. Once the run stops, nothing of it is sent.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def make(live: LiveState) -> Plan:
        return plan_of(step("update_user", 0), *_cc_batch(live).operations)

    def rule(live: LiveState, request: httpx.Request) -> bool | None:
        dropped = request.method == "PATCH" and request.url.path.endswith(zoom_id(live, 0))
        return None if dropped else False

    outcome, writes, _ = run(app, make, rule, journal, stop_after=1)

    assert isinstance(outcome, ApplyReport)
    assert outcome.stopped.startswith("the API stopped answering")
    assert [r.status for r in outcome.results] == ["failed"] + ["skipped"] * 6
    assert all(r.detail == NOT_STARTED for r in outcome.results[1:])
    assert writes == []
    records = read_journal([tmp_path / "run.jsonl"])
    assert not [r for r in records if r["event"] == "batch_start"]


def test_a_batch_whose_every_member_is_skipped_is_not_sent(tmp_path: Path) -> None:
    # Every member waits for user 0's step, which Zoom refuses: the batch goes without
    # all of them, that is not at all, and the run ends normally.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")
    first = step("update_user", 0)

    def make(live: LiveState) -> Plan:
        ops = [
            dataclasses.replace(op, depends_on=(first.id,)) if op.batch else op
            for op in _cc_batch(live).operations
        ]
        return plan_of(first, *ops)

    outcome, writes, _ = run(app, make, refuses_user_0, journal)

    assert isinstance(outcome, ApplyReport)
    status = outcomes(outcome)
    members = [f"{user(n)}/create_contact_center_user" for n in (1, 2, 3, 4)]
    for op in members:
        assert status[op] == ("skipped", f"depends on {first.id}, which failed")
    assert [status[f"{user(n)}/update_user"][0] for n in (5, 6)] == ["done", "done"], status
    assert not [w for w in writes if "contact_center" in w]
    assert not [r for r in read_journal([tmp_path / "run.jsonl"]) if r["event"] == "batch_start"]


def test_a_data_losing_batch_member_is_snapshot_before_the_batch_call(tmp_path: Path) -> None:
    # No batch kind loses data today; the executor does not rely on that: a member
    # marked so gets its snapshot journaled before the batch's call.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")

    def make(live: LiveState) -> Plan:
        ops = _cc_batch(live).operations
        return plan_of(*(dataclasses.replace(op, destroys_data=bool(op.batch)) for op in ops))

    outcome, _, _ = run(app, make, lambda live, request: False, journal)

    assert isinstance(outcome, ApplyReport) and outcome.count("failed") == 0
    records = read_journal([tmp_path / "run.jsonl"])
    call = next(
        i
        for i, r in enumerate(records)
        if r["event"] == "request" and r["path"].endswith("/contact_center/users/batch")
    )
    snapshots = [r["user"] for r in records[:call] if r["event"] == "snapshot"]
    assert snapshots == [user(n) for n in (1, 2, 3, 4)]


# --------------------------------------------------------------------------------------
# 5. Ctrl-C during a batch call


class HangsOnBatch(httpx.AsyncBaseTransport):
    """Passes everything through but the Contact Center batch call, which never answers;
    `in_flight` is set once it is sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self.in_flight = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _batch_path(request):
            self.in_flight.set()
            await asyncio.Event().wait()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def test_ctrl_c_during_a_batch_call_reports_its_members_interrupted(tmp_path: Path) -> None:
    # The call may have reached Zoom: its members are interrupted (the next plan shows
    # what happened), not failed, in the report and in the journal.
    app = sandbox_app(USERS, SEED)
    journal = Journal(tmp_path / "run.jsonl")
    hangs = HangsOnBatch(httpx.ASGITransport(app=app))

    async def go() -> ApplyReport:
        async with make_client(JournalTransport(hangs, journal)) as client:
            live = await read_account(client)
            plan = _cc_batch(live)
            task = asyncio.ensure_future(
                apply_plan(plan, client, live, journal=journal, concurrency=1, sleep=no_sleep)
            )
            await asyncio.wait_for(hangs.in_flight.wait(), timeout=30)
            task.cancel()  # what asyncio.run does on Ctrl-C
            return await asyncio.wait_for(task, timeout=30)

    report = asyncio.run(go())
    journal.close()

    assert report.interrupted
    members = [f"{user(n)}/create_contact_center_user" for n in (1, 2, 3, 4)]
    status = {r.op: r.status for r in report.results}
    assert [status[op] for op in members] == ["interrupted"] * 4
    records = read_journal([tmp_path / "run.jsonl"])
    ended = {
        r["op"]: r["event"] for r in records if r["event"] in ("step_interrupted", "step_failed")
    }
    assert [ended[op] for op in members] == ["step_interrupted"] * 4
    assert records[-1]["event"] == "run_interrupted"
