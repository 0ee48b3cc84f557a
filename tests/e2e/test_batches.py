"""Batches through the CLI over HTTP (issue 15): new phone users go through `POST
/phone/users/batch` ten at a time and Contact Center seats through the batch routes twenty
at a time; a batch Zoom refuses for one bad user is split until only that user fails; a
run killed between a batch call and its journal entry sends nobody twice when applied
again; `--no-batch` keeps the per-user way."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served, account_yaml
from zoomstate.apply.journal import Journal
from zoomstate.errors import Unreachable
from zoomstate.zoom.client import ZoomClient

APPLY = ("--auto-approve", "--allow-data-loss")
BATCH = "POST /phone/users/batch"
ACCOUNT = account_yaml("users", "phone", "contact_center")


def roomy(served: Served) -> None:
    """The demo account with room for 60 more users, phone users and agents."""
    served.seed_roomy_demo(licensed=100, zoom_phone=100, us_ca_unlimited=100, per_cc_package=100)


def write_state(served: Served, name: str, users: str) -> str:
    return served.write_state(name, ACCOUNT, users)


def phone_hires(count: int, *, first_ext: int = 105000) -> str:
    return "".join(
        f"  - email: hire{i:02d}@example.com\n"
        f"    first_name: Hire\n    last_name: N{i:02d}\n    type: licensed\n"
        f"    phone: {{site: San Francisco, extension: {first_ext + i}, "
        "calling_plans: [US/CA Unlimited]}\n"
        for i in range(count)
    )


def agents(count: int) -> str:
    return "".join(
        f"  - email: agent{i:02d}@example.com\n"
        f"    first_name: Agent\n    last_name: N{i:02d}\n    type: licensed\n"
        "    contact_center: {package: premium, role: Agent, access: active}\n"
        for i in range(count)
    )


def phone_user(served: Served, email: str) -> dict[str, Any] | None:
    resp = served.zoom_response("GET", f"/phone/users/{email}")
    return resp.json() if resp.status_code == 200 else None


def batch_requests(served: Served, *, answered: bool = True) -> list[list[str]]:
    """The e-mails of each `POST /phone/users/batch` that Zoom took, from every run's
    journal, in order; with `answered=False`, of every one sent, whatever became of its
    answer (a run killed with batches in flight journals the requests, not every answer)."""
    calls: list[list[str]] = []
    for path in sorted((served.workdir / ".zoomstate" / "runs").glob("*.jsonl")):
        pending: dict[str, list[str]] = {}
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record.get("path", "").endswith("/phone/users/batch"):
                key = json.dumps(record.get("op"))
                if record["event"] == "request":
                    pending[key] = [u["email"] for u in record["body"]["users"]]
                    if not answered:
                        calls.append(pending[key])
                elif answered and record["event"] == "response" and record.get("status") == 201:
                    calls.append(pending.pop(key))
    return calls


def test_25_new_phone_users_in_3_batch_calls(served: Served, run: Any) -> None:
    roomy(served)
    state = write_state(served, "hires", phone_hires(25))
    plan = run("plan", state)
    assert plan.code == 0, plan.out + plan.err
    # One line per user, each marked with its batch.
    assert "(25 steps in 3 batch calls)" in plan.out.splitlines()[0]
    lines = [line for line in plan.out.splitlines() if "add_phone_user" in line]
    assert len(lines) == 25
    assert sum("[batch/phone_users/1]" in line for line in lines) == 10
    assert sum("[batch/phone_users/3]" in line for line in lines) == 5
    as_json = json.loads(run("plan", state, "--format", "json").out)
    assert [len(b["members"]) for b in as_json["batches"]] == [10, 10, 5]
    assert {b["kind"] for b in as_json["batches"]} == {"add_phone_user"}
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    writes = served.writes()
    assert writes[BATCH] == 3
    assert "PATCH /phone/users/{userId}" not in writes
    assert "POST /phone/users/{userId}/calling_plans" not in writes
    hire = phone_user(served, "hire07@example.com")
    assert hire is not None and hire["extension_number"] == 105007
    assert [p["type"] for p in hire["calling_plans"]] == [200]
    again = run("plan", state, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_no_batch_keeps_the_per_user_way(served: Served, run: Any) -> None:
    roomy(served)
    state = write_state(served, "hires", phone_hires(4))
    plan = run("plan", state, "--no-batch")
    assert "add_phone_user" not in plan.out and "enable_phone" in plan.out
    applied = run("apply", state, "--no-batch", *APPLY)
    assert applied.code == 0, applied.out + applied.err
    writes = served.writes()
    assert BATCH not in writes
    assert writes["PATCH /phone/users/{userId}"] == 4
    assert run("plan", state, "--detailed-exitcode").code == 0


def test_a_saved_batched_plan_is_refused_by_a_no_batch_apply(served: Served, run: Any) -> None:
    roomy(served)
    state = write_state(served, "hires", phone_hires(3))
    assert run("plan", state, "--out", "plan.json").code == 0
    refused = run("apply", state, "--plan", "plan.json", "--no-batch", *APPLY)
    assert refused.code == 1
    assert "--no-batch" in refused.err
    assert BATCH not in served.writes()


def test_one_bad_user_in_a_batch_fails_alone(served: Served, run: Any) -> None:
    roomy(served)
    # A call queue holds extension 105003: the plan cannot see it (queues' extensions are
    # not read), Zoom refuses the whole batch for it.
    sites = served.zoom("GET", "/phone/sites", params={"page_size": 300})["sites"]
    site = next(s["id"] for s in sites if s["name"] == "San Francisco")
    body = {"name": "Night line", "site_id": site, "extension_number": 5003}
    served.zoom("POST", "/phone/call_queues", json=body)
    state = write_state(served, "hires", phone_hires(10))
    applied = run("apply", state, *APPLY)
    assert applied.code == 1, applied.out + applied.err
    failed = [line for line in applied.out.splitlines() if line.lstrip().startswith("failed")]
    assert len(failed) == 1 and "hire03@example.com/add_phone_user" in failed[0]
    assert "105003" in failed[0] and "already used" in failed[0]
    assert phone_user(served, "hire03@example.com") is None
    for i in (0, 1, 2, 4, 5, 9):
        assert phone_user(served, f"hire{i:02d}@example.com") is not None
    # Split down to the bad user: 1 refused call of 10, then halves.
    assert served.writes()[BATCH] <= 1 + 2 * 4
    taken = Counter(email for call in batch_requests(served) for email in call)
    assert set(taken.values()) == {1} and "hire03@example.com" not in taken
    assert len(taken) == 9


class Killed(BaseException):
    """The process dying: nothing after it runs, not even error handling."""


def test_a_crash_between_a_batch_call_and_its_journal_entry_sends_nobody_twice(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy(served)
    state = write_state(served, "hires", phone_hires(25))
    real_write = Journal.write

    def dies_after_the_first_batch(self: Journal, event: str, **data: Any) -> None:
        if event == "step_done" and data.get("kind") == "add_phone_user":
            raise Killed()
        real_write(self, event, **data)

    monkeypatch.setattr(Journal, "write", dies_after_the_first_batch)
    with pytest.raises(Killed):
        run("apply", state, *APPLY)
    monkeypatch.setattr(Journal, "write", real_write)
    done_before = served.writes()[BATCH]
    assert 1 <= done_before <= 3  # batches in flight when it died may all have gone
    again = run("apply", state, *APPLY)
    assert again.code == 0, again.out + again.err
    # Every batch sent, by either run: a batch whose answer the killed run never
    # journaled (another batch's step was done first) is read back, not sent again.
    sent = Counter(email for call in batch_requests(served, answered=False) for email in call)
    assert len(sent) == 25 and set(sent.values()) == {1}, sent
    assert served.writes()[BATCH] == 3
    assert run("plan", state, "--detailed-exitcode").code == 0


def test_a_lost_answer_is_read_back_not_sent_again(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    roomy(served)
    state = write_state(served, "hires", phone_hires(10))
    real_request = ZoomClient.request

    async def answer_lost(self: ZoomClient, method: str, path: str, **kw: Any) -> Any:
        result = await real_request(self, method, path, **kw)
        if (method, path) == ("POST", "/phone/users/batch"):
            # Zoom did it; the answer never came back (after every retry).
            raise Unreachable("connection failed after 4 attempts", method=method, path=path)
        return result

    monkeypatch.setattr(ZoomClient, "request", answer_lost)
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    assert "already done: an earlier attempt reached Zoom" in applied.out
    assert served.writes()[BATCH] == 1
    assert all(phone_user(served, f"hire{i:02d}@example.com") for i in range(10))
    monkeypatch.setattr(ZoomClient, "request", real_request)
    again = run("plan", state, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_contact_center_seats_in_batches_of_20(served: Served, run: Any) -> None:
    roomy(served)
    state = write_state(served, "agents", agents(45))
    plan = run("plan", state, "--format", "json")
    batches = json.loads(plan.out)["batches"]
    assert [len(b["members"]) for b in batches] == [20, 20, 5]
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    writes = served.writes()
    assert writes["POST /contact_center/users/batch"] == 3
    assert "POST /contact_center/users" not in writes
    assert run("plan", state, "--detailed-exitcode").code == 0
    # A change of package for all of them: the batch update, 20 at a time.
    (Path(served.workdir) / state / "users.yaml").write_text(
        "users:\n" + agents(45).replace("premium", "essentials")
    )
    served.admin.delete("/_sandbox/requests")
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    assert served.writes()["PATCH /contact_center/users"] == 3
    # And their seats released: the batch DELETE, 20 users a call.
    no_cc = "".join(line for line in agents(45).splitlines(True) if "contact_center" not in line)
    (Path(served.workdir) / state / "users.yaml").write_text("users:\n" + no_cc)
    served.admin.delete("/_sandbox/requests")
    applied = run("apply", state, "--force", *APPLY)  # 45 seats: over the safety limits
    assert applied.code == 0, applied.out + applied.err
    assert served.writes()["DELETE /contact_center/users"] == 3
    assert "DELETE /contact_center/users/{userId}" not in served.writes()
    assert run("plan", state, "--detailed-exitcode").code == 0
