"""`zoomstate apply` end to end: the CLI against the sandbox over loopback HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Served
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS

APPLY = ("apply", "state", "--auto-approve", "--allow-data-loss")


def journal_records(workdir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((workdir / ".zoomstate" / "runs").glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text().splitlines()]
    return records


def test_demo_converges_then_the_invited_user_finishes(served: Served, run: Any) -> None:
    first = run("plan", "state", "--detailed-exitcode")
    assert first.code == 2, first.err
    applied = run(*APPLY)
    assert applied.code == 0, applied.err
    assert "15 done, 0 failed, 0 skipped, 4 waiting" in applied.out
    # Only the invitation is outstanding: waiting steps are not changes.
    again = run("plan", "state", "--detailed-exitcode")
    assert again.code == 0, again.err
    assert "wait for users to accept" in again.out
    assert "Only waiting steps remain" in again.err
    served.activate("ivan.petrov@example.com")
    assert run("plan", "state", "--detailed-exitcode").code == 2
    finish = run(*APPLY)
    assert finish.code == 0, finish.err
    final = run("plan", "state", "--detailed-exitcode", "--format", "json")
    assert final.code == 0
    plan = json.loads(final.out)
    assert plan["operations"] == [] and plan["waiting"] == []


def test_apply_refuses_without_a_terminal_or_auto_approve(served: Served, run: Any) -> None:
    result = run("apply", "state", "--allow-data-loss")
    assert result.code == 1
    assert "refusing to apply without --auto-approve" in result.err
    assert served.writes() == {}


def test_data_loss_needs_consent_and_nothing_is_applied(served: Served, run: Any) -> None:
    result = run("apply", "state", "--auto-approve")
    assert result.code == 1
    assert "former.employee@example.com/deactivate_user" in result.err
    assert "--allow-data-loss" in result.err
    assert served.writes() == {}


def test_saved_plan_is_carried_out_exactly(served: Served, run: Any) -> None:
    planned = run("plan", "state", "--out", "plan.json", "--format", "json")
    assert planned.code == 0
    plan = json.loads(Path("plan.json").read_text())
    assert plan == json.loads(planned.out)
    result = run(
        "apply",
        "state",
        "--plan",
        "plan.json",
        "--auto-approve",
        "--allow-data-loss",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    report = json.loads(result.out)
    done = [s["op"] for s in report["steps"] if s["status"] == "done"]
    assert done == [op["id"] for op in plan["operations"]]
    # Every write the sandbox saw belongs to one of the plan's steps.
    writes = [
        r
        for r in journal_records(served.workdir)
        if r["event"] == "request"
        and r["method"] != "GET"
        and not r["path"].endswith("/oauth/token")
    ]
    # A batch call is journaled under its batch, whose members are all steps of the plan.
    batches = {b["id"]: b["members"] for b in plan.get("batches", [])}
    assert {r["op"] for r in writes} - set(batches) <= set(done)
    assert all(set(batches[r["op"]]) <= set(done) for r in writes if r["op"] in batches)
    assert sum(served.writes().values()) == len(writes)


def test_stale_plan_is_refused_by_name(served: Served, run: Any) -> None:
    assert run("plan", "state", "--out", "plan.json").code == 0
    # Someone changes a user in Zoom between plan and apply.
    resp = served.zoom_response("PATCH", "/users/chen.wei@example.com", json={"dept": "Finance"})
    assert resp.status_code == 204
    before = served.writes()
    result = run("apply", "state", "--plan", "plan.json", "--auto-approve", "--allow-data-loss")
    assert result.code == 1
    assert "chen.wei@example.com" in result.err
    assert "nothing was applied" in result.err
    assert served.writes() == before


def test_plan_made_from_another_state_is_refused(served: Served, run: Any) -> None:
    assert run("plan", "state", "--out", "plan.json").code == 0
    sales = Path("state/users/sales.yaml")
    sales.write_text(sales.read_text().replace("Bruno, last_name: Diaz", "Bruno, last_name: Díaz"))
    result = run("apply", "state", "--plan", "plan.json", "--auto-approve", "--allow-data-loss")
    assert result.code == 1
    assert "the state changed since this plan was made" in result.err
    assert served.writes() == {}


def test_no_secret_or_token_in_any_output(served: Served, run: Any) -> None:
    outputs = [
        run("-vv", "plan", "state", "--out", "plan.json"),
        run("-vv", "apply", "state", "--plan", "plan.json", "--auto-approve", "--allow-data-loss"),
        run("-vv", "apply", "state", "--auto-approve", "--allow-data-loss", "--format", "json"),
    ]
    assert [r.code for r in outputs] == [0, 0, 0], [r.err for r in outputs]
    texts = [r.out + r.err for r in outputs]
    texts.append(Path("plan.json").read_text())
    texts += [p.read_text() for p in (served.workdir / ".zoomstate" / "runs").glob("*.jsonl")]
    tokens = list(served.app.runtime.tokens)
    assert tokens, "the sandbox issued no token: the test would prove nothing"
    blob = "\n".join(texts)
    assert DEFAULT_CREDENTIALS.client_secret not in blob
    for token in tokens:
        assert token not in blob


def test_journal_records_every_call_with_status(served: Served, run: Any) -> None:
    assert run(*APPLY).code == 0
    records = journal_records(served.workdir)
    requests = [r for r in records if r["event"] == "request"]
    responses = [r for r in records if r["event"] == "response"]
    assert len(requests) == len(responses)
    api_calls = [r for r in requests if not r["path"].endswith("/oauth/token")]
    assert len(api_calls) == served.api_calls()
    assert records[0]["event"] == "request" or records[0]["event"] == "run_start"
    events = [r["event"] for r in records]
    assert "run_start" in events and events[-1] == "run_end"
    # The configuration of what a data-losing step removes is kept before it runs.
    snapshots = [r for r in records if r["event"] == "snapshot"]
    assert [s["user"] for s in snapshots] == ["former.employee@example.com"]
    assert snapshots[0]["config"]["phone"]["numbers"]
    # ... as Zoom has it at that moment, read before the step, not only the plan's view.
    live = snapshots[0]["live"]
    assert live["user"]["email"] == "former.employee@example.com"
    assert live["phone_user"]["extension_number"]
    assert live["phone_user"]["phone_numbers"]
    assert live["phone_settings"]["extension_number"] == live["phone_user"]["extension_number"]
    reads = [
        r["path"]
        for r in requests
        if r["op"] == "former.employee@example.com/deactivate_user" and r["method"] == "GET"
    ]
    assert any(p.startswith("/v2/phone/users/") for p in reads), reads


def test_apply_with_nothing_to_do(served: Served, run: Any) -> None:
    assert run(*APPLY).code == 0
    result = run(*APPLY)
    assert result.code == 0
    assert "Nothing to apply" in result.err
