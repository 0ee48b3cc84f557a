"""A saved plan is a claim, not an instruction: `apply --plan` plans again and applies only
a plan equal to the file, so a plan file edited by hand (steps appended, a flag flipped,
the fingerprints stripped) changes nothing, and a malformed one is refused in one line
before any API call. The CLI against the sandbox over loopback HTTP (issue 12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Result, Served

Plan = dict[str, Any]
APPLY = ("apply", "state", "--plan", "plan.json", "--auto-approve", "--allow-data-loss")


def saved_plan(run: Any) -> Plan:
    assert run("plan", "state", "--out", "plan.json").code == 0
    plan: Plan = json.loads(Path("plan.json").read_text(encoding="utf-8"))
    return plan


def save(plan: object) -> None:
    Path("plan.json").write_text(json.dumps(plan), encoding="utf-8")


def step(user: str, kind: str, **fields: Any) -> dict[str, Any]:
    """A step as `Plan.to_dict` writes one, every field present."""
    op: dict[str, Any] = {
        "id": f"{user}/{kind}",
        "kind": kind,
        "user": user,
        "params": {},
        "before": None,
        "after": None,
        "depends_on": [],
        "destroys_data": False,
        "removal": False,
        "reads": [f"user:{user}"],
        "note": "",
    }
    op.update(fields)
    return op


def delete(user: str) -> dict[str, Any]:
    return step(
        user,
        "delete_user",
        params={"action": "delete"},
        after="deleted",
        destroys_data=True,
        removal=True,
    )


def one_line_error(result: Result) -> str:
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def users(served: Served) -> dict[str, dict[str, Any]]:
    """The sandbox account's users as Zoom would list them, by e-mail."""
    found: dict[str, dict[str, Any]] = {}
    for status in ("active", "inactive", "pending"):
        listed = served.zoom("GET", "/users", params={"status": status, "page_size": 300})
        found |= {u["email"]: u for u in listed["users"]}
    return found


REGULAR = [
    "alice.ng@example.com",
    "emeka.obi@example.com",
    "fatima.rahman@example.com",
    "gus.larsen@example.com",
    "hana.sato@example.com",
    "julia.rossi@example.com",
]

Tamper = Callable[[Plan], None]


def append(*ops: dict[str, Any]) -> Tamper:
    def tamper(plan: Plan) -> None:
        plan["operations"].extend(ops)

    return tamper


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(append(delete("owner@example.com")), id="delete-protected"),
        pytest.param(append(delete("partner@agency.example")), id="delete-out-of-domain"),
        # The state allows 5 removals (account.safety.max_deletes); the plan has 1.
        pytest.param(append(*(delete(u) for u in REGULAR)), id="over-max-deletes"),
        pytest.param(
            append(
                step(
                    "alice.ng@example.com",
                    "change_email",
                    params={"email": "alice@attacker.example"},
                    before="alice.ng@example.com",
                    after="alice@attacker.example",
                )
            ),
            id="email-out-of-domain",
        ),
        pytest.param(
            append(
                step(
                    "alice.ng@example.com",
                    "assign_role",
                    params={"role_id": "1", "role": "Admin"},
                    before="Member",
                    after="Admin",
                )
            ),
            id="role-admin",
        ),
    ],
)
def test_steps_appended_to_a_saved_plan_are_refused(
    served: Served, run: Any, tamper: Tamper
) -> None:
    plan = saved_plan(run)
    before = users(served)
    appended = {op["id"] for op in plan["operations"]}
    tamper(plan)
    appended = {op["id"] for op in plan["operations"]} - appended
    save(plan)
    line = one_line_error(run(*APPLY))
    assert "steps only in the file: " in line
    for op_id in appended:
        assert op_id in line
    assert "nothing was applied: run plan again" in line
    assert served.writes() == {}
    assert users(served) == before


def test_a_flipped_data_loss_flag_does_not_skip_consent(served: Served, run: Any) -> None:
    plan = saved_plan(run)
    (losing,) = [op for op in plan["operations"] if op["destroys_data"]]
    losing["destroys_data"] = False
    plan["summary"]["destroys_data"] = 0
    save(plan)
    # No --allow-data-loss: the honest plan would need it.
    line = one_line_error(run("apply", "state", "--plan", "plan.json", "--auto-approve"))
    assert f"steps that differ: {losing['id']} (destroys_data)" in line
    assert served.writes() == {}


def test_a_flipped_removal_flag_is_refused(served: Served, run: Any) -> None:
    plan = saved_plan(run)
    removal = next(op for op in plan["operations"] if op["kind"] == "deactivate_user")
    removal["removal"] = False
    save(plan)
    line = one_line_error(run(*APPLY))
    assert f"{removal['id']} (removal)" in line
    assert served.writes() == {}


def test_stripped_fingerprints_do_not_turn_the_stale_check_off(served: Served, run: Any) -> None:
    plan = saved_plan(run)
    plan["fingerprints"] = {}
    save(plan)
    # Someone changes a user the plan touches in the portal after the review.
    resp = served.zoom_response("PATCH", "/users/chen.wei@example.com", json={"dept": "Finance"})
    assert resp.status_code == 204
    before = served.writes()
    line = one_line_error(run(*APPLY))
    assert "user:chen.wei@example.com" in line
    assert "nothing was applied" in line
    assert served.writes() == before
    assert users(served)["chen.wei@example.com"]["dept"] == "Finance"


def test_a_plan_file_without_fingerprints_is_refused_before_any_call(
    served: Served, run: Any
) -> None:
    plan = saved_plan(run)
    del plan["fingerprints"]
    save(plan)
    calls = served.zoom_calls()
    line = one_line_error(run(*APPLY))
    assert (
        line
        == "Error: plan.json: not a zoomstate plan file: the plan: missing field 'fingerprints'"
    )
    assert served.zoom_calls() == calls


def _cycle(plan: Plan) -> None:
    first, second = plan["operations"][:2]
    first["depends_on"] = [second["id"]]
    second["depends_on"] = [first["id"]]


def _duplicate(plan: Plan) -> None:
    plan["operations"].append(dict(plan["operations"][-1]))


def _kind(plan: Plan) -> None:
    plan["operations"][1]["kind"] = "wipe_account"


def _missing(plan: Plan) -> None:
    del plan["operations"][1]["destroys_data"]


def _wrong_type(plan: Plan) -> None:
    plan["operations"][1]["destroys_data"] = 0


def _unknown_dependency(plan: Plan) -> None:
    plan["operations"][1]["depends_on"] = ["nobody@example.com/create_user"]


def _version(plan: Plan) -> None:
    plan["format_version"] = 2


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_cycle, "Contractors/create_group: dependency cycle: "),
        (
            _duplicate,
            "kofi.mensah@example.com/remove_group_member/Sales: the step is listed twice",
        ),
        (
            _kind,
            "operations[1] (Contractors/add_group_members/1).kind: unknown kind 'wipe_account'",
        ),
        (
            _missing,
            "operations[1] (Contractors/add_group_members/1): missing field 'destroys_data'",
        ),
        (
            _wrong_type,
            "operations[1] (Contractors/add_group_members/1).destroys_data: input should "
            "be a valid boolean",
        ),
        (
            _unknown_dependency,
            "Contractors/add_group_members/1: depends on nobody@example.com/create_user, "
            "which is not in the plan",
        ),
        (_version, "format_version 2 is not 1"),
    ],
    ids=["cycle", "duplicate", "unknown-kind", "missing-field", "wrong-type", "dangling", "v2"],
)
def test_a_malformed_plan_is_refused_in_one_line_before_any_call(
    served: Served, run: Any, tamper: Tamper, expected: str
) -> None:
    plan = saved_plan(run)
    tamper(plan)
    save(plan)
    calls = served.zoom_calls()
    line = one_line_error(run(*APPLY))
    assert line.startswith("Error: plan.json: not a zoomstate plan file: "), line
    assert expected in line
    assert served.zoom_calls() == calls


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("null", "a plan is a JSON object, not null"),
        ("[]", "a plan is a JSON object, not []"),
        ('"plan"', 'a plan is a JSON object, not "plan"'),
        ("{", "not JSON ("),
        ("{}", "format_version None is not 1"),
    ],
)
def test_a_file_that_is_no_plan_is_refused_in_one_line(
    served: Served, run: Any, text: str, expected: str
) -> None:
    Path("plan.json").write_text(text, encoding="utf-8")
    line = one_line_error(run(*APPLY))
    assert line.startswith("Error: plan.json: not a zoomstate plan file: "), line
    assert expected in line
    assert served.zoom_calls() == 0


def test_a_missing_plan_file_is_one_line(served: Served, run: Any) -> None:
    line = one_line_error(run(*APPLY))
    assert line == "Error: plan.json: no such plan file"
    assert served.zoom_calls() == 0


def test_a_targeted_plan_is_applied_with_the_same_target(served: Served, run: Any) -> None:
    target = ("--target", "chen.wei@example.com")
    assert run("plan", "state", "--out", "plan.json", *target).code == 0
    # Without the target, the fresh plan is the whole state's: refused, with the hint.
    line = one_line_error(run(*APPLY))
    assert "steps only in a fresh plan: " in line
    assert "is applied with the same options" in line
    assert served.writes() == {}
    applied = run(*APPLY, *target, "--format", "json")
    assert applied.code == 0, applied.err
    steps = json.loads(applied.out)["steps"]
    assert [s["op"] for s in steps] == ["chen.wei@example.com/update_user"]
    assert users(served)["chen.wei@example.com"]["dept"] == "Sales"
