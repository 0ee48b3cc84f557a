"""`zoomstate plan` through the CLI against the sandbox, one scenario of issue 5 each.

The scenarios are data (`cases.py`); every test builds a sandbox file from the seed,
writes the state, runs `zoomstate --sandbox FILE plan STATE --format json
--detailed-exitcode` and asserts the exact operations in order, the waiting steps, the
warnings and the exit code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.cases import BY_NAME, SCENARIOS, Scenario, materialise
from zoomstate.cli import main
from zoomstate.plan import FORMAT_VERSION, OP_KINDS


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def plan_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(sandbox: Path, *args: str) -> Run:
        code = main(["--sandbox", str(sandbox), *args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario, tmp_path: Path, plan_cli: Any) -> None:
    sandbox, state = materialise(scenario, tmp_path)
    result = plan_cli(sandbox, *scenario.plan_args(state))
    assert result.code == scenario.exit_code, result.err
    for text in scenario.stderr:
        assert text in result.err
    if scenario.exit_code == 1:
        assert result.out == ""
        return
    plan = json.loads(result.out)
    ops = plan["operations"]
    assert [op["id"] for op in ops] == list(scenario.operations)
    for op in ops:
        assert op["kind"] in OP_KINDS
        assert op["id"].split("/")[:2] == [op["user"], op["kind"]]
        # Every dependency is planned, and earlier.
        earlier = {o["id"] for o in ops[: ops.index(op)]}
        assert set(op["depends_on"]) <= earlier
    assert [(w["user"], w["kind"]) for w in plan["waiting"]] == list(scenario.waiting)
    for warning in scenario.warnings:
        assert warning in plan["warnings"]


def _ops(scenario: str, tmp_path: Path, plan_cli: Any) -> dict[str, dict[str, Any]]:
    sandbox, state = materialise(BY_NAME[scenario], tmp_path)
    result = plan_cli(sandbox, *BY_NAME[scenario].plan_args(state))
    return {op["id"]: op for op in json.loads(result.out)["operations"]}


def test_new_hire_steps_depend_on_each_other(tmp_path: Path, plan_cli: Any) -> None:
    ops = _ops("new_hire_with_phone_and_number", tmp_path, plan_cli)
    dan = "dan@example.com"
    assert ops[f"{dan}/create_user"]["params"] == {
        "action": "autoCreate",
        "email": dan,
        "type": 2,
        "first_name": "Dan",
        "last_name": "New",
    }
    # Zoom Phone with its site, extension, calling plan and number in one batched step,
    # after the user exists (the batch takes active users only).
    phone = ops[f"{dan}/add_phone_user"]
    assert phone["depends_on"] == [f"{dan}/create_user"]
    assert phone["params"]["extension"] == 101010
    assert phone["params"]["short_extension"] == "1010"
    assert phone["params"]["plan_names"] == ["US/CA Unlimited"]
    assert phone["params"]["numbers"] == ["+14155550105"]
    assert not any(op["destroys_data"] for op in ops.values())


@pytest.mark.parametrize(
    ("policy", "params"),
    [
        ("disassociate", {"action": "disassociate"}),
        ("delete", {"action": "delete", "transfer_email": "alice@example.com"}),
    ],
)
def test_leaver_removal_params(policy: str, params: Any, tmp_path: Path, plan_cli: Any) -> None:
    op = _ops(f"leaver_{policy}", tmp_path, plan_cli)["carol@example.com/delete_user"]
    assert op["params"] == params
    assert op["destroys_data"] and op["removal"]


def test_number_move_waits_for_the_release(tmp_path: Path, plan_cli: Any) -> None:
    ops = _ops("number_moves_between_users", tmp_path, plan_cli)
    claim = ops["bob@example.com/assign_number/+14155550100"]
    assert "alice@example.com/unassign_number/+14155550100" in claim["depends_on"]
    # The number goes to someone else, so giving it up loses nothing.
    assert ops["alice@example.com/unassign_number/+14155550100"]["destroys_data"] is False


def test_extension_swap_goes_through_a_free_extension(tmp_path: Path, plan_cli: Any) -> None:
    ops = _ops("extension_swap", tmp_path, plan_cli)
    temp = ops["alice@example.com/update_phone/temp"]["params"]["extension"]
    assert temp not in (101001, 101002)
    assert (
        "alice@example.com/update_phone/temp" in ops["bob@example.com/update_phone"]["depends_on"]
    )
    assert "bob@example.com/update_phone" in ops["alice@example.com/update_phone"]["depends_on"]


def test_leaver_freeing_a_seat_runs_before_the_claim(tmp_path: Path, plan_cli: Any) -> None:
    ops = _ops("seats_full_until_a_leaver_frees_one", tmp_path, plan_cli)
    assert (
        "carol@example.com/deactivate_user" in ops["dan@example.com/add_phone_user"]["depends_on"]
    )


def test_a_phone_licence_given_up_runs_before_the_claim(tmp_path: Path, plan_cli: Any) -> None:
    ops = _ops("phone_licences_full_until_one_is_given_up", tmp_path, plan_cli)
    claim = ops["dan@example.com/add_phone_user"]
    assert "carol@example.com/disable_phone" in claim["depends_on"]


def test_email_change_keeps_the_user(tmp_path: Path, plan_cli: Any) -> None:
    op = _ops("email_changed_with_id", tmp_path, plan_cli)["frank.new@example.com/change_email"]
    assert (op["before"], op["after"]) == ("frank.old@example.com", "frank.new@example.com")


def test_a_renamed_user_changed_after_the_plan_makes_it_stale(
    tmp_path: Path, plan_cli: Any
) -> None:
    sandbox, state = materialise(BY_NAME["email_changed_with_id"], tmp_path)
    plan_file = tmp_path / "plan.json"
    assert plan_cli(sandbox, "plan", str(state), "--out", str(plan_file)).code == 0
    reads = json.loads(plan_file.read_text())["operations"][0]["reads"]
    assert "user:frank.old@example.com" in reads
    # Someone edits the user, still under its old e-mail, before the apply.
    data = json.loads(sandbox.read_text())
    frank = next(u for u in data["users"] if u["email"] == "frank.old@example.com")
    frank["dept"] = "Finance"
    sandbox.write_text(json.dumps(data))
    result = plan_cli(sandbox, "apply", str(state), "--plan", str(plan_file), "--auto-approve")
    assert result.code == 1
    assert "frank.old@example.com" in result.err and "nothing was applied" in result.err
    after = json.loads(sandbox.read_text())
    assert any(u["email"] == "frank.old@example.com" for u in after["users"])


# -- output formats, on the new-hire scenario


def test_json_is_valid_versioned_and_deterministic(tmp_path: Path, plan_cli: Any) -> None:
    scenario = BY_NAME["new_hire_with_phone_and_number"]
    sandbox, state = materialise(scenario, tmp_path)
    first = plan_cli(sandbox, *scenario.plan_args(state))
    second = plan_cli(sandbox, *scenario.plan_args(state))
    assert first.out == second.out  # byte-identical
    plan = json.loads(first.out)
    assert plan["format_version"] == FORMAT_VERSION
    assert set(plan) >= {"format_version", "operations", "summary", "waiting", "warnings"}
    assert plan["summary"]["operations"] == len(plan["operations"]) == 2
    assert plan["summary"]["by_kind"]["create_user"] == 1
    for op in plan["operations"]:
        assert set(op) >= {"id", "kind", "user", "before", "after", "depends_on", "destroys_data"}


def test_text_output(tmp_path: Path, plan_cli: Any) -> None:
    scenario = BY_NAME["leaver_deactivate"]
    sandbox, state = materialise(scenario, tmp_path)
    result = plan_cli(sandbox, *scenario.plan_args(state, "text"))
    assert result.code == 2
    lines = result.out.splitlines()
    assert lines[0] == "Plan: 1 step for 1 user (1 step loses data)."
    assert lines[1].startswith("Account: sandbox-account")
    assert lines[3].startswith("  - carol@example.com  deactivate_user  active -> inactive")
    assert lines[3].endswith("[loses data]")
    assert "\x1b[" not in result.out  # not a terminal: no colour


def test_markdown_output(tmp_path: Path, plan_cli: Any) -> None:
    scenario = BY_NAME["new_hire_with_phone_and_number"]
    sandbox, state = materialise(scenario, tmp_path)
    result = plan_cli(sandbox, *scenario.plan_args(state, "markdown"))
    assert result.code == 2
    text = result.out
    # The summary table comes first, the details are collapsed after it.
    assert text.index("| step | count |") < text.index("<details>")
    assert "| `+ create_user` | 1 |" in text
    assert "<summary>All steps, in order</summary>" in text
    rows = [line for line in text.splitlines() if line.startswith("| 1 |")]
    assert rows and "`create_user`" in rows[0]


def test_out_file_holds_the_json_plan(tmp_path: Path, plan_cli: Any) -> None:
    scenario = BY_NAME["number_moves_between_users"]
    sandbox, state = materialise(scenario, tmp_path)
    out = tmp_path / "plan.json"
    result = plan_cli(sandbox, *scenario.plan_args(state, "text"), "--out", str(out))
    assert result.code == 2
    saved = json.loads(out.read_text())
    assert [op["id"] for op in saved["operations"]] == list(scenario.operations)
    assert saved["state_hash"].startswith("sha256:")
    assert "number:+14155550100" in saved["fingerprints"]
