"""`--target` names users: one that is neither in the state nor in the account is a typo,
refused, never a quiet "No changes" (issue 14)."""

from __future__ import annotations

import pytest

from tests.plan_builders import email, live_state, live_user, state, want
from zoomstate.errors import ConfigError
from zoomstate.plan import PlanOptions, make_plan


def test_a_target_nobody_has_is_refused_naming_it() -> None:
    desired = state(want("ann", 101001))
    live = live_state(live_user("bob", 101002))
    with pytest.raises(ConfigError) as caught:
        make_plan(desired, live, PlanOptions(targets=frozenset({"nobdy@example.com"})))
    assert str(caught.value) == (
        "--target nobdy@example.com: neither in the state nor in the account "
        "(check the spelling of the e-mail)"
    )


def test_targets_in_the_state_or_only_in_the_account_are_planned() -> None:
    desired = state(
        want("ann", 101009),
        on_missing_user="deactivate",
        safety={"max_deletes": 5, "max_delete_percent": 100},
    )
    live = live_state(live_user("ann", 101001), live_user("bob", 101002))
    for target in (email("ann"), email("bob")):
        plan = make_plan(desired, live, PlanOptions(targets=frozenset({target})))
        assert {op.user for op in plan.operations} == {target}


def test_one_unknown_among_known_targets_is_still_refused() -> None:
    desired = state(want("ann", 101001))
    live = live_state()
    targets = frozenset({email("ann"), "zed@example.com", "amy@example.com"})
    with pytest.raises(ConfigError, match=r"^--target amy@example.com, zed@example.com: "):
        make_plan(desired, live, PlanOptions(targets=targets))
