"""Call queues, shared line groups and the hand-over guard through the CLI over HTTP
(issue 17), against the demo sandbox: its Sales Queue (managed by dana.kim) and Support
Queue, its Front Desk shared line group, its Main Line auto receptionist (operator
it-admin), and queues a test makes with Zoom's own API as another admin would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Served, account_yaml

APPLY = ("--auto-approve", "--allow-data-loss")
ACCOUNT = account_yaml("users", "phone", "phone_queues")


def write_state(served: Served, name: str, users: str) -> str:
    return served.write_state(name, ACCOUNT, users)


def site_id(served: Served, name: str = "San Francisco") -> str:
    sites = served.zoom("GET", "/phone/sites", params={"page_size": 300})["sites"]
    return str(next(s["id"] for s in sites if s["name"] == name))


def make_queue(served: Served, name: str, *members: str) -> str:
    """A call queue made in Zoom (its members by e-mail), as another admin would."""
    body = {"name": name, "site_id": site_id(served)}
    queue = str(served.zoom("POST", "/phone/call_queues", json=body)["id"])
    if members:
        join(served, queue, *members)
    return queue


def join(served: Served, queue: str, *members: str) -> None:
    users = [{"email": m} for m in members]
    path = f"/phone/call_queues/{queue}/members"
    served.zoom("POST", path, json={"members": {"users": users}})


def leaving(served: Served, name: str, email: str, how: str) -> str:
    return write_state(served, name, f"  - email: {email}\n    remove: {how}\n")


def queue_members(served: Served, name: str) -> dict[str, str]:
    """Zoom user id -> level, of the queue named."""
    queues = served.zoom("GET", "/phone/call_queues", params={"page_size": 100})["call_queues"]
    queue = next(q for q in queues if q["name"] == name)
    body = served.zoom("GET", f"/phone/call_queues/{queue['id']}")
    return {m["id"]: m["level"] for m in (body.get("members") or {}).get("users") or []}


def user_id(served: Served, email: str) -> str:
    return str(served.zoom("GET", f"/users/{email}")["id"])


def hires(count: int, queue: str) -> str:
    return "".join(
        f"  - email: hire{i:02d}@example.com\n"
        f"    first_name: Hire\n    last_name: N{i:02d}\n    type: licensed\n"
        f"    phone: {{site: San Francisco, call_queues: [{queue}]}}\n"
        for i in range(count)
    )


def roomier_demo(served: Served) -> None:
    """The demo account with licences for 25 more phone users."""
    served.seed_roomy_demo(licensed=80, zoom_phone=80)


def test_25_new_hires_join_one_queue_in_3_member_calls(served: Served, run: Any) -> None:
    roomier_demo(served)
    make_queue(served, "Onboarding")
    state = write_state(served, "hires", hires(25, "Onboarding"))
    plan = run("plan", state)
    assert plan.code == 0, plan.out + plan.err
    assert "call queue Onboarding: + 25 members" in plan.out
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    assert served.writes()["POST /phone/call_queues/{callQueueId}/members"] == 3
    assert len(queue_members(served, "Onboarding")) == 25
    again = run("plan", state, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err


def test_a_leaver_who_manages_a_queue_is_refused_at_plan_time(served: Served, run: Any) -> None:
    state = leaving(served, "manager", "dana.kim@example.com", "delete")
    plan = run("plan", state)
    assert plan.code == 1
    assert "dana.kim@example.com is the manager of call queue 'Sales Queue'" in plan.err
    assert "users.yaml:" in plan.err and "portal" in plan.err
    assert served.writes() == {}


def test_an_operator_is_refused_with_the_receptionist_named(served: Served, run: Any) -> None:
    state = leaving(served, "operator", "it-admin@example.com", "delete")
    plan = run("plan", state)
    assert plan.code == 1
    assert "operator of auto receptionist 'Main Line'" in plan.err


def test_a_replacement_joins_before_the_leaver_leaves(served: Served, run: Any) -> None:
    make_queue(served, "Escalations", "bruno.diaz@example.com")
    users = (
        "  - email: bruno.diaz@example.com\n    remove: delete\n"
        "  - email: newbie@example.com\n    first_name: New\n    last_name: Bie\n"
        "    type: licensed\n    phone: {site: San Francisco, call_queues: [Escalations]}\n"
    )
    state = write_state(served, "replace", users)
    plan = run("plan", state)
    assert plan.code == 0, plan.out + plan.err
    assert "leaves it with no member" not in plan.out + plan.err
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    order = [r["endpoint"] for r in served.requests()["recent"]]
    joined = [
        i for i, e in enumerate(order) if e == "POST /phone/call_queues/{callQueueId}/members"
    ]
    assert joined[-1] < order.index("DELETE /users/{userId}")
    assert list(queue_members(served, "Escalations")) == [user_id(served, "newbie@example.com")]
    assert run("plan", state, "--detailed-exitcode").code == 0


def test_a_queue_left_empty_is_warned(served: Served, run: Any) -> None:
    make_queue(served, "Night Line", "chen.wei@example.com")
    state = leaving(served, "empty", "chen.wei@example.com", "deactivate")
    plan = run("plan", state)
    assert plan.code == 0, plan.out + plan.err
    assert "call queue Night Line: this plan leaves it with no member" in plan.out + plan.err


def test_a_queue_changed_after_review_makes_apply_plan_refuse(
    served: Served, run: Any, tmp_path: Path
) -> None:
    queue = make_queue(served, "Escalations", "bruno.diaz@example.com")
    state = leaving(served, "stale", "bruno.diaz@example.com", "delete")
    saved = tmp_path / "plan.json"
    assert run("plan", state, "--out", str(saved)).code == 0
    join(served, queue, "chen.wei@example.com")
    applied = run("apply", state, "--plan", str(saved), *APPLY)
    assert applied.code != 0
    assert "changed since this plan was made: Escalations" in applied.err
    assert "DELETE /users/{userId}" not in served.writes()


def test_memberships_plan_apply_plan_again_and_export(served: Served, run: Any) -> None:
    make_queue(served, "Escalations", "bruno.diaz@example.com")
    users = (
        "  - email: bruno.diaz@example.com\n    phone: {calling_plans: [US/CA Unlimited],"
        ' numbers: ["+14155550112"], call_queues: []}\n'
        "  - email: chen.wei@example.com\n    phone: {calling_plans: [US/CA Unlimited],"
        ' numbers: ["+14155550113"], call_queues: [Escalations]}\n'
    )
    state = write_state(served, "swap", users)
    plan = run("plan", state)
    assert plan.code == 0, plan.out + plan.err
    assert "remove_call_queue_member" in plan.out
    applied = run("apply", state, *APPLY)
    assert applied.code == 0, applied.out + applied.err
    assert list(queue_members(served, "Escalations")) == [user_id(served, "chen.wei@example.com")]
    assert run("plan", state, "--detailed-exitcode").code == 0
    drift = run("drift", state)
    assert "chen.wei" not in drift.out and "bruno.diaz" not in drift.out, drift.out
    exported = run("export", "--out", "exported")
    assert exported.code == 0, exported.err
    text = "".join(p.read_text() for p in (served.workdir / "exported").rglob("*.yaml"))
    assert "    call_queues:\n    - Escalations\n" in text
    assert "shared_line_groups: []" not in text


def test_drift_reports_a_membership_changed_in_the_portal(served: Served, run: Any) -> None:
    queue = make_queue(served, "Escalations", "bruno.diaz@example.com")
    users = (
        "  - email: bruno.diaz@example.com\n    phone: {calling_plans: [US/CA Unlimited],"
        ' numbers: ["+14155550112"], call_queues: [Escalations]}\n'
    )
    state = write_state(served, "drift", users)
    assert run("plan", state, "--detailed-exitcode").code == 0
    path = f"/phone/call_queues/{queue}/members/{user_id(served, 'bruno.diaz@example.com')}"
    served.zoom("DELETE", path)
    drift = run("drift", state)
    assert drift.code != 0
    assert "bruno.diaz@example.com" in drift.out and "phone.call_queues" in drift.out, drift.out
