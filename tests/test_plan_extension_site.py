"""An extension must start with its site's code (Zoom: "Must start with site code 10"):
a plan-time problem at the user's line, not a failure at apply (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.demo_edits import plan_demo_with
from tests.plan_builders import LONDON, SF, live_state, live_user, state, want
from zoomstate.errors import ValidationFailed
from zoomstate.plan import make_plan


def _problems(exc: ValidationFailed) -> list[str]:
    return [f"{i.path}: {i.message}" for i in exc.issues]


def test_a_new_extension_outside_its_site_code_is_a_plan_problem() -> None:
    desired = state(want("ann", 1112, site=SF))
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live_state(live_user("ann")))
    (problem,) = _problems(caught.value)
    assert "extension 1112 does not start with the code 10 of site 'San Francisco'" in problem


def test_the_live_site_counts_when_the_state_leaves_the_site_out() -> None:
    # ann is in London (code 20) in Zoom; the state names only an extension.
    desired = state(want("ann", 101005, site=None))
    live = live_state(live_user("ann", 201001, site=LONDON))
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live)
    assert "the code 20 of site 'London'" in _problems(caught.value)[0]


def test_an_extension_that_is_only_the_site_code_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_plan(state(want("ann", 10, site=SF)), live_state(live_user("ann")))
    (problem,) = _problems(caught.value)
    assert (
        "extension 10 is only the code 10 of site 'San Francisco', with no short extension"
    ) in problem


def test_an_extension_with_its_site_code_plans() -> None:
    plan = make_plan(state(want("ann", 101005, site=SF)), live_state(live_user("ann", 101001)))
    assert [op.kind for op in plan.operations] == ["update_phone"]
    assert plan.operations[0].params["extension"] == 101005


def test_through_the_cli_the_problem_points_at_the_extension_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = "      extension: 101001\n"
    code, text = plan_demo_with(tmp_path, "users/leadership.yaml", old, "      extension: 1112\n")
    err = capsys.readouterr().err
    assert code == 1
    line = text.splitlines().index("      extension: 101001") + 1
    assert f"leadership.yaml:{line}:" in err
    assert "extension 1112 does not start with the code 10 of site 'San Francisco'" in err
