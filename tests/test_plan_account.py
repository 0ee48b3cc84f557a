"""The plan, the pull-request comment and the apply prompt name the account they act on
(its id, and its owner's e-mail when the user list shows one), the prompt repeats how many
steps lose data, and a plan saved for one account is refused on another (issue 14)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.plan_builders import ALICE, live_state, live_user, make_plan, state, want
from zoomstate.cli import main
from zoomstate.cli.ui import confirm_question
from zoomstate.errors import StalePlan
from zoomstate.plan import Plan
from zoomstate.planfile import check_claim, parse_plan_file
from zoomstate.render import render_plan_markdown, render_plan_text

REPO = Path(__file__).resolve().parents[1]


def _plan() -> Plan:
    owner = replace(live_user("boss"), role_id="0")
    live = replace(live_state(ALICE, owner), account_id="acc-123")
    # alice gives up her number (loses data) and her extension changes.
    return make_plan(state(want("alice", 101009), want("boss", phone=False)), live)


def test_text_and_markdown_name_the_account_and_its_owner() -> None:
    plan = _plan()
    assert plan.account is not None and plan.account.owner == "boss@example.com"
    text = render_plan_text(plan).splitlines()
    assert text[1] == "Account: acc-123 (owner: boss@example.com)"
    assert "Account: acc-123 (owner: boss@example.com)" in render_plan_markdown(plan)


def test_the_prompt_names_the_account_and_the_steps_that_lose_data() -> None:
    plan = _plan()
    lost = sum(op.destroys_data for op in plan.operations)
    assert lost == 1
    assert confirm_question(plan) == (
        f"Apply {len(plan.operations)} steps to account acc-123 (owner: boss@example.com)? "
        "1 of them loses data."
    )


def test_a_plan_made_for_another_account_is_refused(tmp_path: Path) -> None:
    plan = _plan()
    data = plan.to_dict()
    assert data["account"] == {"id": "acc-123", "owner": "boss@example.com"}
    data["account"] = {"id": "acc-999", "owner": "someone@example.com"}
    path = tmp_path / "plan.json"
    saved = parse_plan_file(path, json.dumps(data))
    with pytest.raises(StalePlan, match="the plan was made for account acc-999"):
        check_claim(saved, plan)


def test_the_cli_plan_names_the_sandbox_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--sandbox", str(tmp_path / "sb.json"), "plan", str(REPO / "state")])
    out = capsys.readouterr().out.splitlines()
    assert code == 0  # plan exits 0 unless --detailed-exitcode
    assert out[0].startswith("Plan: ") and "(1 step loses data" in out[0]
    assert out[1] == "Account: sandbox-account (owner: owner@example.com)"
