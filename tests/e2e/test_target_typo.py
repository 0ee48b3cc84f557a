"""`plan --target` with a typo through the CLI: one line naming it, exit 1 (issue 14)."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.conftest import Served


def test_plan_target_that_names_nobody_is_one_line_exit_1(served: Served, run: Any) -> None:
    result = run("plan", "state", "--target", "aaron.blak@example.com")
    assert result.code == 1
    assert result.err == (
        "Error: --target aaron.blak@example.com: neither in the state nor in the account "
        "(check the spelling of the e-mail)\n"
    )
    assert result.out == ""
    assert served.writes() == {}


def test_plan_target_in_the_state_still_plans(served: Served, run: Any) -> None:
    result = run("plan", "state", "--target", "Aaron.Blake@example.com", "--format", "json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    # Targets are e-mails, compared lower-cased; the plan changes that user only: its own
    # steps, and the steps of its group that add it (after creating the group).
    changed = set()
    for op in plan["operations"]:
        if op["kind"] == "add_group_members":
            changed |= {*op["params"]["members"], *(op["params"].get("pending") or ())}
        elif op["kind"] != "create_group":
            changed.add(op["user"])
    assert changed == {"aaron.blake@example.com"}
