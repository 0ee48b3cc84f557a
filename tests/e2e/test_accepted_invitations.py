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
