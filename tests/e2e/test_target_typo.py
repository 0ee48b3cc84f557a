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
    # Targets are e-mails, compared lower-cased; the plan holds that user's steps only.
    assert {op["user"] for op in plan["operations"]} <= {"aaron.blake@example.com"}
