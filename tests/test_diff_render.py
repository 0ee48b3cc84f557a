"""Unit tests of `zoomstate.diff` (effective specs, field-level changes) and of the plan
renderers (text, Markdown)."""

from __future__ import annotations

from typing import Any

import pytest

from zoomstate.diff import (
    PlanResolver,
    diff_users,
    effective,
    field_changes,
    unchanged,
)
from zoomstate.live import CallingPlan, LiveState, LiveUser
from zoomstate.model import (
    ALL_ASPECTS,
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    PhoneSpec,
    UserSpec,
)
from zoomstate.plan import Operation, Plan, Waiting
from zoomstate.render import render_plan_markdown, render_plan_text

PLANS = PlanResolver([CallingPlan(200, "US/CA Unlimited"), CallingPlan(100, "US/CA Metered")])


def live_spec(**kw: Any) -> UserSpec:
    base: dict[str, Any] = {
        "email": "ann@example.com",
        "id": "z1",
        "first_name": "Ann",
        "last_name": "Lee",
        "department": "Sales",
        "type": "licensed",
        "role": "Member",
        "status": "active",
        "phone": PhoneSpec(
            site="SF", extension=101, calling_plans=(200,), numbers=("+14155550100",)
        ),
        "contact_center": ContactCenterSpec(package="premium", role="Agent"),
    }
    return UserSpec.model_construct(**(base | kw))


# -- effective specs


def test_absent_scalars_take_the_live_value() -> None:
    live = live_spec()
    target = effective(UserSpec(email="Ann@Example.com"), live, ("users", "profile"), PLANS)
    assert target.first_name == "Ann" and target.department == "Sales"
    assert target.type == "licensed" and target.status == "active"
    assert target.email == "ann@example.com"
    assert target.id == "z1"


def test_written_scalars_win_and_empty_text_clears() -> None:
    target = effective(
        UserSpec(email="ann@example.com", department="", type="basic"),
        live_spec(),
        ALL_ASPECTS,
        PLANS,
    )
    assert target.department == "" and target.type == "basic"


def test_a_new_user_gets_zoom_defaults() -> None:
    target = effective(UserSpec(email="new@example.com"), None, ALL_ASPECTS, PLANS)
    assert (target.type, target.status, target.phone, target.contact_center) == (
        "basic",
        "active",
        None,
        None,
    )


def test_unmanaged_aspects_are_copied_from_live() -> None:
    live = live_spec(role="Admin")
    desired = UserSpec(email="ann@example.com", role="Member", phone=None, first_name="X")
    target = effective(desired, live, ("users", "profile"), PLANS)
    assert target.role == "Admin"
    assert target.phone == live.phone
    assert target.contact_center == live.contact_center
    assert target.first_name == "X"


def test_absent_phone_block_means_no_licence_when_managed() -> None:
    target = effective(UserSpec(email="ann@example.com"), live_spec(), ALL_ASPECTS, PLANS)
    assert target.phone is None and target.contact_center is None


def test_phone_plan_names_resolve_to_codes_and_absent_site_extension_are_kept() -> None:
    desired = UserSpec(
        email="ann@example.com",
        phone=PhoneSpec(calling_plans=("us/ca metered", "200"), numbers=("+14155550101",)),
    )
    target = effective(desired, live_spec(), ("phone",), PLANS)
    assert target.phone is not None
    assert target.phone.calling_plans == (100, 200)
    assert (target.phone.site, target.phone.extension) == ("SF", 101)
    assert target.phone.numbers == ("+14155550101",)


def test_unknown_plan_name_stays_a_name() -> None:
    assert PLANS.code("Mars Unlimited") == "Mars Unlimited"
    assert PLANS.code(" 300 ") == 300


def test_contact_center_package_absent_keeps_live() -> None:
    desired = UserSpec(
        email="ann@example.com", contact_center=ContactCenterSpec(role="Agent", access="inactive")
    )
    target = effective(desired, live_spec(), ("contact_center",), PLANS)
    assert target.contact_center == ContactCenterSpec(
        package="premium", role="Agent", access="inactive"
    )


# -- the cheap equality agrees with effective()


@pytest.mark.parametrize(
    "desired",
    [
        UserSpec(email="ann@example.com"),
        UserSpec(email="ann@example.com", department="Sales"),
        UserSpec(email="ann@example.com", department="Ops"),
        UserSpec(
            email="ann@example.com",
            phone=PhoneSpec(calling_plans=("US/CA Unlimited",), numbers=("+14155550100",)),
            contact_center=ContactCenterSpec(role="Agent"),
        ),
        UserSpec(
            email="ann@example.com",
            phone=PhoneSpec(extension=102, calling_plans=(200,), numbers=("+14155550100",)),
        ),
        UserSpec(email="ann@example.com", phone=PhoneSpec(calling_plans=(200,))),
    ],
)
@pytest.mark.parametrize("manage", [ALL_ASPECTS, ("phone",), ("users", "profile")])
def test_unchanged_means_effective_equals_live(desired: UserSpec, manage: Any) -> None:
    live = live_spec()
    target = effective(desired, live, manage, PLANS)
    same = target.model_copy(update={"job_title": None, "profile": None}) == live
    assert unchanged(desired, live, manage, PLANS) is same


# -- field changes


def test_field_changes_granularity() -> None:
    live = live_spec()
    target = live_spec(
        department="Ops",
        phone=PhoneSpec(
            site="SF", extension=102, calling_plans=(200,), numbers=("+14155550101", "+1415")
        ),
        contact_center=None,
    )
    changes = {c.path: (c.before, c.after) for c in field_changes(live, target)}
    assert changes == {
        "department": ("Sales", "Ops"),
        "phone.extension": (101, 102),
        # A set that changed is one change, not one per element.
        "phone.numbers": (["+14155550100"], ["+1415", "+14155550101"]),
        # A whole block removed is one change.
        "contact_center": (
            {"package": "premium", "role": "Agent", "access": "active"},
            None,
        ),
    }


def test_field_changes_ignore_set_order() -> None:
    a = live_spec(phone=PhoneSpec(site="SF", calling_plans=(100, 200), numbers=("+12", "+13")))
    b = live_spec(phone=PhoneSpec(site="SF", calling_plans=(200, 100), numbers=("+13", "+12")))
    assert field_changes(a, b) == ()


def test_field_changes_of_a_new_user_list_every_set_field() -> None:
    paths = [c.path for c in field_changes(None, live_spec(contact_center=None))]
    assert paths == ["department", "first_name", "last_name", "phone", "role", "status", "type"]


def _live(*specs: UserSpec, status: Any = "active") -> LiveState:
    return LiveState(
        users=tuple(LiveUser(s, status, s.id) for s in specs),
        calling_plans=(CallingPlan(200, "US/CA Unlimited"),),
    )


def test_diff_users_kinds_scope_and_protection() -> None:
    account = AccountPolicy(domains=("example.com",), protected=("boss@example.com",))
    desired = DesiredState(
        account=account,
        users=(
            UserSpec(email="new@example.com"),
            UserSpec(email="ann@example.com", department="Ops"),
            UserSpec(email="boss@example.com", department="Ops"),
        ),
    )
    live = _live(
        live_spec(),
        live_spec(email="boss@example.com", id="z2"),
        live_spec(email="gone@example.com", id="z3"),
        live_spec(email="guest@partner.test", id="z4"),
    )
    diffs, _ = diff_users(desired, live)
    assert [(d.key, d.kind) for d in diffs] == [
        ("ann@example.com", "update"),
        ("gone@example.com", "missing"),
        ("new@example.com", "create"),
    ]
    only, _ = diff_users(desired, live, only=frozenset({"new@example.com"}))
    assert [d.key for d in only] == ["new@example.com"]


def test_diff_users_sees_an_email_change_by_id() -> None:
    account = AccountPolicy(domains=("example.com",))
    desired = DesiredState(account=account, users=(UserSpec(email="ann.lee@example.com", id="z1"),))
    diffs, _ = diff_users(desired, _live(live_spec()))
    assert len(diffs) == 1 and diffs[0].kind == "update"
    assert diffs[0].changes[0].path == "email"
    assert (diffs[0].changes[0].before, diffs[0].changes[0].after) == (
        "ann@example.com",
        "ann.lee@example.com",
    )


# -- renderers


def _plan() -> Plan:
    return Plan(
        operations=(
            Operation(
                "a@example.com/create_user",
                "create_user",
                "a@example.com",
                {},
                after="licensed",
            ),
            Operation(
                "b@example.com/update_phone",
                "update_phone",
                "b@example.com",
                {"extension": 102},
                before={"extension": 101},
                after={"extension": 102},
            ),
            Operation(
                "c@example.com/disable_phone",
                "disable_phone",
                "c@example.com",
                {},
                before="Zoom Phone",
                destroys_data=True,
                removal=True,
            ),
        ),
        waiting=(Waiting("d@example.com", "enable_phone", "pending"),),
        warnings=("a warning",),
        state_hash="sha256:" + "0" * 64,
        fingerprints={},
    )


def test_text_symbols_and_no_colour_unless_asked() -> None:
    text = render_plan_text(_plan())
    lines = text.splitlines()
    assert lines[0] == "Plan: 3 steps for 3 users (1 step loses data, 1 waiting)."
    assert lines[2].startswith("  + a@example.com  create_user")
    assert lines[3].startswith("  ~ b@example.com  update_phone ")
    assert "extension: 101 -> 102" in lines[3]
    assert lines[4].startswith("  - c@example.com  disable_phone")
    assert lines[4].endswith("[loses data]")
    at = lines.index("  . d@example.com  enable_phone")
    assert lines[at + 1] == "      pending"
    assert "  ! a warning" in lines
    assert "\x1b[" not in text
    coloured = render_plan_text(_plan(), color=True)
    assert "\x1b[32m" in coloured and "\x1b[31m" in coloured


def test_text_of_an_empty_plan_and_of_waiting_only() -> None:
    empty = Plan((), (), (), "sha256:x", {})
    assert render_plan_text(empty) == "No changes: the account matches the state.\n"
    waiting = Plan((), (Waiting("d@example.com", "enable_phone", "pending"),), (), "h", {})
    assert render_plan_text(waiting).startswith("No changes now; 1 step waits")


def test_markdown_summary_table_first_details_collapsed() -> None:
    text = render_plan_markdown(_plan())
    lines = text.splitlines()
    assert lines[0] == "### zoomstate plan"
    table = lines.index("| step | count |")
    assert table < lines.index("<details><summary>All steps, in order</summary>")
    assert "| `+ create_user` | 1 |" in lines
    assert "| `- disable_phone` | 1 |" in lines
    (lost,) = [line for line in lines if "**1 step(s) lose data**" in line]
    # Says what gates them: the CI apply job always passes --allow-data-loss, so "they need
    # --allow-data-loss" would promise a second check that CI never makes.
    assert "need `--allow-data-loss`" not in lost
    assert "the review and its approval are what gate them" in lost
    # Every step row sits inside the collapsed block.
    start = lines.index("<details><summary>All steps, in order</summary>")
    end = lines.index("</details>", start)
    rows = [i for i, line in enumerate(lines) if line.startswith("| 1 | + |")]
    assert rows and start < rows[0] < end
    assert "<details><summary>Waiting: 1</summary>" in lines
    assert "\x1b[" not in text


def test_markdown_escapes_pipes() -> None:
    plan = _plan()
    op = Operation("x@example.com/update_user", "update_user", "x@example.com", {}, "a|b", "c")
    text = render_plan_markdown(Plan((op,), (), (), plan.state_hash, {}))
    assert "a\\|b -> c" in text
