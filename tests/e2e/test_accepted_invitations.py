"""Hires who accept their invitation, against the served sandbox: apply invites them (the
rest of their steps wait), `/_sandbox/users/{email}/activate` accepts, and then

- drift calls what the state gives them and Zoom does not hold yet "not applied yet",
  never "changed outside git", with calling plans by name;
- a portal change made after that is still drift.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Served

HIRES = """\
users:
  - email: new.hire@example.com
    first_name: Nadia
    last_name: Hire
    department: Sales
    type: licensed
    role: Admin
    phone:
      site: San Francisco
      calling_plans: [US/CA Metered]
  - email: second.hire@example.com
    first_name: Sam
    last_name: Second
    type: licensed
    contact_center: {package: premium, role: Agent}
"""


def adopt_and_invite(run: Any, hires: str = HIRES) -> dict[str, Any]:
    """The account adopted as the state, hires added and applied (invited): the plan
    that apply carried out, saved."""
    shutil.rmtree("state")
    assert run("export", "--out", "state", "--domain", "example.com").code == 0
    Path("state/users/new-hires.yaml").write_text(hires, encoding="utf-8")
    made = run("plan", "state", "--out", "invited.json")
    assert made.code == 0, made.err
    done = run("apply", "state", "--plan", "invited.json", "--auto-approve")
    assert done.code == 0, done.err
    plan: dict[str, Any] = json.loads(Path("invited.json").read_text(encoding="utf-8"))
    assert {w["user"] for w in plan["waiting"]} >= {"new.hire@example.com"}
    return plan


def drift(run: Any, fmt: str = "json") -> tuple[int, str]:
    result = run("drift", "state", "--format", fmt)
    assert result.code in (0, 2), result.err
    return result.code, result.out


def test_drift_calls_an_accepted_hires_steps_not_applied_yet(served: Served, run: Any) -> None:
    adopt_and_invite(run)
    code, out = drift(run)
    assert code == 0 and json.loads(out)["waiting"], out  # pending: not drift

    served.activate("new.hire@example.com")
    code, out = drift(run)
    report = json.loads(out)
    assert code == 2  # apply has work to do
    assert report["changed"] == [], report["changed"]
    (item,) = report["not_applied"]
    assert item["user"] == "new.hire@example.com"
    fields = {c["field"]: c for c in item["changes"]}
    assert set(fields) == {"department", "role", "phone"}
    # The calling plan by the name the state gave it, not Zoom's type code.
    assert fields["phone"]["state"]["calling_plans"] == ["US/CA Metered"]
    assert report["summary"]["not_applied"] == 1 and report["summary"]["changed"] == 0

    _, text = drift(run, "text")
    assert "Changed outside git" not in text
    assert text.startswith("Not applied yet: 1 user(s) with steps not applied yet")
    assert "US/CA Metered" in text and "[100]" not in text
    _, markdown = drift(run, "markdown")
    assert "Not applied yet" in markdown and "| Changed outside git | 0 |" in markdown
    assert "US/CA Metered" in markdown


def test_a_portal_change_after_the_apply_is_still_drift(served: Served, run: Any) -> None:
    adopt_and_invite(run)
    served.activate("new.hire@example.com")
    served.activate("second.hire@example.com")
    assert run("apply", "state", "--auto-approve").code == 0
    code, out = drift(run)
    assert code == 0, out
    # Someone gives a hire another department in the portal: Zoom holds a value the
    # state does not want, which is a change made outside git.
    user = served.zoom("GET", "/users/new.hire@example.com")
    served.zoom("PATCH", f"/users/{user['id']}", json={"dept": "Marketing"})
    code, out = drift(run)
    report = json.loads(out)
    assert code == 2
    assert [i["user"] for i in report["changed"]] == ["new.hire@example.com"]
    assert report["not_applied"] == []
    _, text = drift(run, "text")
    assert text.startswith("Drift: 1 changed.")


def test_an_adopted_users_phone_taken_away_is_drift(served: Served, run: Any) -> None:
    """A user the state pins by Zoom id (exported) was in Zoom when the state was written:
    Zoom holding none of their phone is a change outside git, not a step not applied."""
    shutil.rmtree("state")
    assert run("export", "--out", "state", "--domain", "example.com").code == 0
    users = served.zoom("GET", "/phone/users", params={"page_size": 100})["users"]
    (holder, *_) = [u for u in users if u["email"] == "bruno.diaz@example.com"]
    served.zoom("PATCH", f"/users/{holder['id']}/settings", json={"feature": {"zoom_phone": False}})
    code, out = drift(run)
    report = json.loads(out)
    assert code == 2
    assert [i["user"] for i in report["changed"]] == [holder["email"]]
    assert report["not_applied"] == []


# --- apply --only-waiting: what waited, now ready, and nothing else ----------------------


def plan_json(run: Any) -> dict[str, Any]:
    result = run("plan", "state", "--format", "json")
    assert result.code == 0, result.err
    body: dict[str, Any] = json.loads(result.out)
    return body


def waited_and_ready(plan: dict[str, Any], waited: list[dict[str, Any]]) -> set[str]:
    """The ids of `plan`'s steps that `waited` announced (same user, kind and effect)."""
    listed = {(w["user"], w["kind"], json.dumps(w["after"], sort_keys=True)) for w in waited}
    return {
        op["id"]
        for op in plan["operations"]
        if (op["user"], op["kind"], json.dumps(op["after"], sort_keys=True)) in listed
    }


def test_only_waiting_applies_the_accepted_hires_steps_and_nothing_else(
    served: Served, run: Any
) -> None:
    invited = adopt_and_invite(run)
    served.activate("new.hire@example.com")  # second.hire has not accepted yet
    # Two changes that are not waiting steps and must stay unapplied: one made in the
    # portal (the state would undo it), one merged into the state and not applied yet.
    bruno = served.zoom("GET", "/users/bruno.diaz@example.com")
    served.zoom("PATCH", f"/users/{bruno['id']}", json={"dept": "Changed In Portal"})
    sales = Path("state/users/sales.yaml")
    text = sales.read_text(encoding="utf-8")
    sales.write_text(text.replace("department: Sales", "department: Sales EMEA", 1), "utf-8")

    before = plan_json(run)
    ready = waited_and_ready(before, invited["waiting"])
    assert ready and all(i.startswith("new.hire@example.com/") for i in ready), ready
    others = {op["id"] for op in before["operations"]} - ready
    assert any(i.startswith("bruno.diaz@example.com/") for i in others), others
    assert len(others) >= 2

    done = run("apply", "state", "--only-waiting", "invited.json", "--auto-approve")
    assert done.code == 0, done.err
    assert f"{len(others)} step(s) of the plan that did not wait" in done.err

    after = plan_json(run)
    # Exactly the steps that waited are done; every other step is still to do, and the
    # hire who has not accepted still waits.
    assert {op["id"] for op in after["operations"]} == others
    assert {w["user"] for w in after["waiting"]} == {"second.hire@example.com"}
    hire = served.zoom("GET", "/users/new.hire@example.com")
    assert hire["role_id"] == "1"  # Admin
    phone = served.zoom("GET", f"/phone/users/{hire['id']}")
    assert [p["name"] for p in phone["calling_plans"]] == ["US/CA Metered"]
    bruno_now = served.zoom("GET", "/users/bruno.diaz@example.com")
    assert bruno_now["dept"] == "Changed In Portal"  # left alone


def test_only_waiting_skips_a_step_the_state_changed_since(served: Served, run: Any) -> None:
    """The earlier plan said the hire waits for US/CA Metered; the state now says US/CA
    Unlimited. That step is not what waited: it is left for a reviewed apply, while the
    hire's other waiting steps run."""
    invited = adopt_and_invite(run)
    served.activate("new.hire@example.com")
    hires = Path("state/users/new-hires.yaml")
    hires.write_text(
        hires.read_text(encoding="utf-8").replace("US/CA Metered", "US/CA Unlimited"), "utf-8"
    )
    before = plan_json(run)
    ready = waited_and_ready(before, invited["waiting"])
    changed = [op["id"] for op in before["operations"] if op["kind"] == "assign_calling_plan"]
    assert changed and not set(changed) & ready
    assert "new.hire@example.com/assign_role" in ready

    done = run("apply", "state", "--only-waiting", "invited.json", "--auto-approve")
    assert done.code == 0, done.err
    after = plan_json(run)
    left = {op["id"] for op in after["operations"]}
    assert left == {op["id"] for op in before["operations"]} - ready
    assert set(changed) <= left


def test_only_waiting_with_nothing_listed_reads_nothing(served: Served, run: Any) -> None:
    shutil.rmtree("state")
    assert run("export", "--out", "state", "--domain", "example.com").code == 0
    assert run("plan", "state", "--out", "synced.json").code == 0
    calls = served.zoom_calls()
    done = run("apply", "state", "--only-waiting", "synced.json", "--auto-approve")
    assert done.code == 0, done.err
    assert "lists no step waiting for an invitation: nothing to apply" in done.err
    assert served.zoom_calls() == calls


def test_only_waiting_and_plan_do_not_mix(served: Served, run: Any) -> None:
    assert run("plan", "state", "--out", "p.json").code in (0, 2)
    done = run("apply", "state", "--plan", "p.json", "--only-waiting", "p.json")
    assert done.code == 64
    assert "--plan and --only-waiting cannot be used together" in done.err


def test_a_hire_who_accepts_after_the_review_makes_the_saved_plan_stale(
    served: Served, run: Any
) -> None:
    """A plan reviewed while a hire was pending lists her steps as waiting; once she has
    accepted, the fresh plan has them as steps. That is the account changing since the
    plan was made (stale: CI plans again and applies the additions), not a plan file that
    zoomstate would not make (which reads as a doctored file and fails CI's apply)."""
    adopt_and_invite(run)
    sales = Path("state/users/sales.yaml")
    text = sales.read_text(encoding="utf-8")
    sales.write_text(text.replace("department: Sales", "department: Sales EMEA", 1), "utf-8")
    assert run("plan", "state", "--out", "reviewed.json").code == 0
    served.activate("new.hire@example.com")
    done = run("apply", "state", "--plan", "reviewed.json", "--auto-approve")
    assert done.code == 1
    assert "the live account changed since this plan was made: new.hire@example.com" in done.err
    assert "not what zoomstate plans" not in done.err
