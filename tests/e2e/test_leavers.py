"""One leaver at a time through the CLI over HTTP (issue 17): a user entry's `remove:` and
`transfer_to` against the demo sandbox, with every other unlisted user left to
`on_missing_user: report`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served

ACCOUNT = """\
account:
  domains: [example.com]
  manage: [users]
  on_missing_user: report
  protected: [owner@example.com]
{extra}"""
USERS = """\
users:
  - email: it-admin@example.com
  - email: former.employee@example.com
    remove: delete
    transfer_to: {target}
"""


def leaver_state(served: Served, target: str, extra: str = "") -> str:
    root = served.workdir / "leavers"
    root.mkdir()
    (root / "account.yaml").write_text(ACCOUNT.format(extra=extra))
    (root / "users.yaml").write_text(USERS.format(target=target))
    return str(root.relative_to(served.workdir))


def transfers(served: Served) -> list[dict[str, Any]]:
    state: dict[str, Any] = served.admin.get("/_sandbox/state").json()
    return list(state["transfers"])


def test_one_leaver_deleted_with_its_own_transfer(served: Served, run: Any) -> None:
    state = leaver_state(served, "it-admin@example.com")
    plan = run("plan", state)
    assert plan.code == 0, plan.err
    assert (
        "  - former.employee@example.com  delete_user  active -> (none) "
        "(meetings, webinars, recordings → it-admin@example.com)  [loses data]"
    ) in plan.out
    # Every other user the state leaves out is only reported, as on_missing_user says.
    assert "28 users are in Zoom but not in the state (account.on_missing_user: report)" in plan.out
    listed = run("-v", "plan", state)
    assert "in Zoom but not in the state: tara.singh@example.com" in listed.err
    markdown = run("plan", state, "--format", "markdown")
    assert "(meetings, webinars, recordings → it-admin@example.com)" in markdown.out

    applied = run("apply", state, "--auto-approve", "--allow-data-loss")
    assert applied.code == 0, applied.err
    assert served.writes() == {"DELETE /users/{userId}": 1}
    [record] = transfers(served)
    assert (record["from"], record["to"], record["action"]) == (
        "former.employee@example.com",
        "it-admin@example.com",
        "delete",
    )
    assert record["items"] == ["meeting", "webinar", "recording"]
    assert served.zoom_response("GET", "/users/tara.singh@example.com").status_code == 200

    # The entry stays as the record of who left: planning again finds nothing to do.
    again = run("plan", state, "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "delete_user" not in again.out
    drift = run("drift", state)
    assert "former.employee" not in drift.out


def test_account_transfer_says_what_the_deletion_hands_over(served: Served, run: Any) -> None:
    state = leaver_state(
        served, "it-admin@example.com", "  transfer: [recordings, whiteboard, docs]\n"
    )
    plan = run("plan", state, "--format", "json")
    [op] = json.loads(plan.out)["operations"]
    assert op["params"] == {
        "action": "delete",
        "transfer_email": "it-admin@example.com",
        "transfer": ["recordings", "whiteboard", "docs"],
    }
    # The saved plan carries `transfer` and is applied as reviewed.
    assert run("plan", state, "--out", "leaver.plan.json").code == 0
    applied = run(
        "apply", state, "--plan", "leaver.plan.json", "--auto-approve", "--allow-data-loss"
    )
    assert applied.code == 0, applied.err
    [record] = transfers(served)
    assert record["items"] == ["recording", "whiteboard", "docs"]


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("nobody@example.com", "is not in the account"),
        ("zoe.clark@example.com", "is inactive in Zoom"),
        ("tara.singh@example.com", "is not licensed (type basic)"),
    ],
)
def test_a_transfer_target_that_cannot_receive_is_refused_at_plan_time(
    served: Served, run: Any, target: str, why: str
) -> None:
    state = leaver_state(served, target)
    for command in (("plan", state), ("apply", state, "--auto-approve", "--allow-data-loss")):
        result = run(*command)
        assert result.code == 1
        assert (
            f"{state}/users.yaml:5:18: users[1].transfer_to: transfer target {target} {why}"
        ) in result.err
        assert served.writes() == {}
    assert transfers(served) == []


def test_a_transfer_target_out_of_scope_is_refused_before_any_call(
    served: Served, run: Any
) -> None:
    state = leaver_state(served, "partner@agency.example")
    before = served.zoom_calls()
    result = run("plan", state)
    assert result.code == 1
    assert (
        f"{state}/users.yaml:5:18: users[1].transfer_to: partner@agency.example is outside "
        "account.domains (example.com)"
    ) in result.err
    assert served.zoom_calls() == before


def test_an_account_transfer_to_that_cannot_receive_is_refused_at_its_line(
    served: Served, run: Any
) -> None:
    root = Path(served.workdir / "leavers")
    root.mkdir()
    (root / "account.yaml").write_text(
        ACCOUNT.format(extra="  transfer_to: zoe.clark@example.com\n")
    )
    (root / "users.yaml").write_text(
        "users:\n  - email: it-admin@example.com\n"
        "  - email: former.employee@example.com\n    remove: delete\n"
    )
    result = run("plan", "leavers")
    assert result.code == 1
    assert (
        "leavers/account.yaml:6:16: account.transfer_to: transfer target zoe.clark@example.com "
        "is inactive in Zoom"
    ) in result.err
