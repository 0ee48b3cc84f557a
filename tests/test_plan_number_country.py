"""A direct number needs a calling plan of its user that covers its country (Zoom:
"Assign a calling plan that covers ... before the number"): a plan-time problem at the
number's line, from the calling-plan codes the read already has (issue 14)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.plan_builders import N5, live_state, live_user, make_plan, problems, state, want
from zoomstate.cli import main
from zoomstate.live import CallingPlan, LiveState, PhoneNumber
from zoomstate.resources.phone_regions import number_region, plan_region, uncovered

GB_NUMBER = "+442071234567"
REPO = Path(__file__).resolve().parents[1]


def _account(*users: object) -> LiveState:
    base = live_state(*users)  # type: ignore[arg-type]
    return replace(
        base,
        calling_plans=(
            *base.calling_plans,
            CallingPlan(202, "GB/IE Unlimited", 10, 0, 10),
            CallingPlan(51000, "Global Select", 10, 0, 10),
        ),
        numbers=(*base.numbers, PhoneNumber("num-gb", GB_NUMBER, "available", None, None, None)),
    )


def test_a_us_number_for_a_gb_ie_only_user_is_a_plan_problem() -> None:
    desired = state(want("ann", 101005, plans=(202,), numbers=(N5,)))
    (problem,) = problems(desired, _account(live_user("ann")))
    assert problem == (
        f"number {N5} is not covered by the user's calling plans (GB/IE Unlimited: GB/IE "
        "only): add a calling plan for its country"
    )


def test_a_gb_number_on_a_us_plan_is_a_plan_problem_for_a_new_phone_user() -> None:
    desired = state(want("ann", 101005, plans=("US/CA Unlimited",), numbers=(GB_NUMBER,)))
    (problem,) = problems(desired, _account(live_user("ann", None)))
    assert f"number {GB_NUMBER} is not covered" in problem and "US/CA only" in problem


def test_a_plan_of_the_numbers_region_covers_it() -> None:
    desired = state(want("ann", 101005, plans=(200, 202), numbers=(N5, GB_NUMBER)))
    plan = make_plan(desired, _account(live_user("ann", 101005)))
    assert sorted(op.kind for op in plan.operations) == [
        "assign_calling_plan",
        "assign_number",
        "assign_number",
    ]


def test_a_plan_whose_code_names_no_region_is_never_refused() -> None:
    # Global Select covers countries the code table cannot list: Zoom decides.
    desired = state(want("ann", 101005, plans=(51000,), numbers=(GB_NUMBER,)))
    plan = make_plan(desired, _account(live_user("ann", 101005, plans=(51000,))))
    assert [op.kind for op in plan.operations] == ["assign_number"]


@pytest.mark.parametrize(
    ("code", "region"),
    [(100, "US/CA"), (202, "GB/IE"), (201, "AU/NZ"), (207, "JP"), (31002, "GB/IE"),
     (50200, "US/CA"), (70207, "JP"), (403, "AU/NZ"), (203, None), (1001, None),
     (3000, None), (51000, None), (208, None)],
)  # fmt: skip
def test_plan_regions_follow_zooms_code_table(code: int, region: str | None) -> None:
    assert plan_region(code) == region


def test_number_regions_by_country_calling_code() -> None:
    assert number_region("+14155550100") == "US/CA"
    assert number_region("+35312345678") == "GB/IE"
    assert number_region("+61212345678") == "AU/NZ"
    assert number_region("+4930123456") is None  # Germany: EURA/EURB, not listed
    assert uncovered("+4930123456", [200]) is None
    assert uncovered("+14155550100", [202, 201]) == ["AU/NZ", "GB/IE"]


def test_through_the_cli_the_problem_points_at_the_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir = tmp_path / "state"
    shutil.copytree(REPO / "state", state_dir)
    support = state_dir / "users" / "support.yaml"
    text = support.read_text(encoding="utf-8")
    old = '      numbers: ["+442079460001"]\n'
    assert old in text
    support.write_text(
        text.replace(old, old + "      calling_plans: [US/CA Unlimited]\n"), encoding="utf-8"
    )
    code = main(["--sandbox", str(tmp_path / "sb.json"), "plan", str(state_dir)])
    err = capsys.readouterr().err
    assert code == 1
    line = text.splitlines().index(old.rstrip("\n")) + 1
    assert f"support.yaml:{line}:" in err
    assert "number +442079460001 is not covered by the user's calling plans" in err
