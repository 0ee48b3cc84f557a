"""One leaver at a time (issue 17): a user entry's `remove:` and `transfer_to`, and the
transfer target's plan-time check, on `make_plan` alone (tests/plan_builders.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.plan_builders import (
    ALICE,
    KEEP_ALICE,
    email,
    ids,
    live_state,
    live_user,
    problems,
    state,
    want,
)
from zoomstate.drift import drift_report
from zoomstate.errors import UnsafePlan, ValidationFailed
from zoomstate.loader import load_state
from zoomstate.model import DesiredState, Origin, UserSpec
from zoomstate.plan import Plan, PlanOptions, make_plan
from zoomstate.render import render_plan_markdown, render_plan_text
from zoomstate.resources.leaver_rules import leaver_problems

BOB = live_user("bob", 101002)
CAROL = live_user("carol", 101003)


def leaver(name: str, how: str, **fields: object) -> UserSpec:
    return UserSpec.model_validate({"email": email(name), "remove": how, **fields})


def carol() -> UserSpec:
    return want("carol", 101003)


def located(*users: UserSpec, **account: object) -> DesiredState:
    """A state whose account block is at account.yaml:1 and whose users are entries of
    users.yaml, one every 6 lines (as the loader records them)."""
    origins = {
        u.key: Origin("users.yaml", 1 + 6 * i, 5, f"users[{i}]") for i, u in enumerate(users)
    }
    return dataclasses.replace(
        state(*users, **account),
        origins=origins,
        account_origin=Origin("account.yaml", 1, 1, "account"),
    )


def only_op(plan: Plan) -> dict[str, object]:
    assert len(plan.operations) == 1, ids(plan)
    op = plan.operations[0]
    return {"id": op.id, "params": dict(op.params), "removal": op.removal}


def test_a_leaver_is_deleted_with_its_own_transfer_while_others_are_only_reported() -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        carol(),
    )
    dan = live_user("dan")
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL, dan))
    assert only_op(plan) == {
        "id": "bob@example.com/delete_user",
        "params": {"action": "delete", "transfer_email": "carol@example.com"},
        "removal": True,
    }
    assert plan.operations[0].destroys_data
    # on_missing_user: report still holds for everyone the state does not list.
    assert plan.warnings == (
        "dan@example.com is in Zoom but not in the state (account.on_missing_user: report)",
    )


@pytest.mark.parametrize(
    ("how", "kind", "params"),
    [
        ("deactivate", "deactivate_user", {}),
        # A disassociated user takes their data along: account.transfer_to is not used.
        ("disassociate", "delete_user", {"action": "disassociate"}),
        ("delete", "delete_user", {"action": "delete", "transfer_email": "alice@example.com"}),
    ],
)
def test_each_way_of_leaving(how: str, kind: str, params: dict[str, object]) -> None:
    desired = state(KEEP_ALICE, leaver("bob", how), transfer_to=email("alice"))
    plan = make_plan(desired, live_state(ALICE, BOB))
    assert only_op(plan) == {"id": f"bob@example.com/{kind}", "params": params, "removal": True}


def test_the_leavers_other_fields_are_not_planned() -> None:
    # The entry is the record of who left: its phone and type are history, not wishes.
    gone = leaver("bob", "delete", type="basic", phone={"site": "London", "extension": 202002})
    plan = make_plan(state(KEEP_ALICE, gone), live_state(ALICE, BOB))
    assert ids(plan) == ["bob@example.com/delete_user"]


@pytest.mark.parametrize("how", ["deactivate", "disassociate", "delete"])
def test_a_leaver_already_gone_plans_nothing_and_is_not_drift(how: str) -> None:
    desired = state(KEEP_ALICE, leaver("bob", how))
    live = live_state(ALICE)
    plan = make_plan(desired, live)
    assert plan.operations == () and plan.warnings == ()
    assert drift_report(desired, live, datetime(2026, 1, 1, tzinfo=UTC)).in_sync


def test_a_deactivated_leaver_is_already_as_remove_deactivate_asks() -> None:
    desired = state(KEEP_ALICE, leaver("bob", "deactivate"))
    live = live_state(ALICE, live_user("bob", status="inactive", type="basic"))
    assert make_plan(desired, live).operations == ()
    assert drift_report(desired, live, datetime(2026, 1, 1, tzinfo=UTC)).in_sync
    # Deleting one who is inactive is still to do.
    desired = state(KEEP_ALICE, leaver("bob", "delete"))
    assert ids(make_plan(desired, live)) == ["bob@example.com/delete_user"]


def test_a_leaver_still_in_zoom_is_drift() -> None:
    desired = state(KEEP_ALICE, leaver("bob", "delete"))
    report = drift_report(desired, live_state(ALICE, BOB), datetime(2026, 1, 1, tzinfo=UTC))
    [item] = report.of("changed")
    assert item.user == "bob@example.com"
    assert [(c.path, c.before, c.after) for c in item.changes] == [("remove", "active", "delete")]


def test_a_pending_leaver_has_its_invitation_revoked() -> None:
    desired = state(KEEP_ALICE, leaver("bob", "delete", transfer_to=email("alice")))
    plan = make_plan(desired, live_state(ALICE, live_user("bob", status="pending")))
    assert only_op(plan) == {
        "id": "bob@example.com/delete_user",
        "params": {"action": None},
        "removal": True,
    }


@pytest.mark.parametrize(("how", "code"), [("deactivate", 200), ("disassociate", 1117)])
def test_an_admin_leaver_zoom_refuses_is_a_problem_at_its_remove(how: str, code: int) -> None:
    desired = located(KEEP_ALICE, leaver("bob", how))
    boss = live_user("bob", role="Admin")
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live_state(ALICE, boss))
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.path) == ("users.yaml", 7, "users[1].remove")
    assert f"Zoom refuses to {how} admins (code {code})" in issue.message


# -- the transfer target


@pytest.mark.parametrize(
    ("target", "why"),
    [
        (live_user("carol", status="inactive", type="basic"), "is inactive in Zoom"),
        (live_user("carol", status="pending"), "is pending in Zoom"),
        (live_user("carol", type="basic"), "is not licensed (type basic)"),
        (None, "is not in the account"),
    ],
)
def test_a_transfer_target_that_cannot_receive_is_refused(target: object, why: str) -> None:
    desired = located(KEEP_ALICE, leaver("bob", "delete", transfer_to=email("carol")))
    users = [ALICE, BOB] + ([target] if target is not None else [])
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live_state(*users))  # type: ignore[arg-type]
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.path) == ("users.yaml", 7, "users[1].transfer_to")
    assert issue.message.startswith(f"transfer target carol@example.com {why}")


@pytest.mark.parametrize(
    ("carol_entry", "why"),
    [
        (leaver("carol", "deactivate"), "leaves in this state (remove: deactivate)"),
        (UserSpec(email=email("carol"), status="inactive"), "is deactivated by this state"),
        (UserSpec(email=email("carol"), type="basic"), "loses its licence in this state"),
    ],
)
def test_a_transfer_target_leaving_by_the_same_state_is_refused(
    carol_entry: UserSpec, why: str
) -> None:
    desired = state(KEEP_ALICE, leaver("bob", "delete", transfer_to=email("carol")), carol_entry)
    [message] = problems(desired, live_state(ALICE, BOB, CAROL))
    assert message.startswith(f"transfer target carol@example.com {why}")


def test_an_unlisted_target_that_on_missing_user_removes_is_refused() -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        on_missing_user="deactivate",
    )
    [message] = problems(desired, live_state(ALICE, BOB, CAROL))
    assert "is not in the state, and account.on_missing_user: deactivate removes it" in message


def test_a_protected_target_may_receive() -> None:
    # Protection keeps zoomstate from changing a user; receiving data changes nothing
    # zoomstate manages, and an archive account is often protected.
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        protected=["owner@example.com", email("carol")],
    )
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert ids(plan) == ["bob@example.com/delete_user"]


def test_a_bad_account_transfer_to_is_one_problem_at_the_account_field() -> None:
    # Two leavers, one target outside the scope: one issue, at account.transfer_to.
    desired = located(KEEP_ALICE, on_missing_user="delete", transfer_to="archive@agency.example")
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live_state(ALICE, BOB, CAROL))
    [issue] = caught.value.issues
    assert (issue.file, issue.line, issue.path) == ("account.yaml", 1, "account.transfer_to")
    assert "archive@agency.example is outside account.domains" in issue.message


def test_an_account_transfer_to_that_is_itself_a_leaver_is_refused() -> None:
    desired = state(KEEP_ALICE, on_missing_user="delete", transfer_to=email("carol"))
    [message] = problems(desired, live_state(ALICE, BOB, CAROL))
    assert "carol@example.com is not in the state, and account.on_missing_user: delete" in message


def test_the_per_user_target_wins_over_the_account_one() -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        carol(),
        transfer_to="nobody@example.com",
    )
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert plan.operations[0].params["transfer_email"] == "carol@example.com"


# -- what is handed over


def test_account_transfer_lists_what_goes_and_the_plan_shows_it() -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        carol(),
        transfer=["docs", "recordings", "meetings", "whiteboard"],
    )
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert plan.operations[0].params["transfer"] == ["meetings", "recordings", "whiteboard", "docs"]
    assert "(meetings, recordings, whiteboard, docs → carol@example.com)" in render_plan_text(plan)


def test_the_default_transfer_keeps_the_params_plans_always_had() -> None:
    desired = state(KEEP_ALICE, leaver("bob", "delete", transfer_to=email("carol")), carol())
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert "transfer" not in plan.operations[0].params
    line = "(meetings, webinars, recordings → carol@example.com)"
    text = render_plan_text(plan)
    assert f"- bob@example.com  delete_user  active -> (none) {line}  [loses data]" in text
    assert line in render_plan_markdown(plan)


def test_a_delete_without_a_target_shows_no_transfer() -> None:
    plan = make_plan(state(KEEP_ALICE, leaver("bob", "delete")), live_state(ALICE, BOB))
    assert "→" not in render_plan_text(plan)


# -- safety


def test_per_user_removals_count_toward_account_safety() -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete"),
        leaver("carol", "deactivate"),
        safety={"max_deletes": 1, "max_delete_percent": 100},
    )
    live = live_state(ALICE, BOB, CAROL)
    with pytest.raises(UnsafePlan, match="from 2 of 3 managed users"):
        make_plan(desired, live)
    assert len(make_plan(desired, live, PlanOptions(force=True)).operations) == 2
    skipped = make_plan(desired, live, PlanOptions(skip_removals=True))
    assert skipped.operations == ()


def test_removing_everyone_by_remove_entries_is_refused_even_with_force() -> None:
    desired = state(leaver("alice", "delete"), leaver("bob", "deactivate"))
    with pytest.raises(UnsafePlan, match="every managed user"):
        make_plan(desired, live_state(ALICE, BOB), PlanOptions(force=True))


def test_a_leaver_is_matched_by_email_not_by_id() -> None:
    # An id on a leaver's entry is part of the record; it never renames a live user.
    renamed = leaver("robert", "delete", id="id-bob")
    plan = make_plan(state(KEEP_ALICE, renamed), live_state(ALICE, BOB))
    assert plan.operations == ()


# -- the loader


def test_a_leavers_phone_block_is_a_record_that_claims_nothing(tmp_path: Path) -> None:
    (tmp_path / "account.yaml").write_text("account:\n  domains: [example.com]\n")
    (tmp_path / "users.yaml").write_text(
        "users:\n"
        "  - {email: bob@example.com, remove: delete, phone: {extension: 101002}}\n"
        "  - {email: dan@example.com, phone: {extension: 101002}}\n"
    )
    desired = load_state(tmp_path)
    assert desired.by_key()["bob@example.com"].remove == "delete"
    assert desired.account_origin == Origin(str(tmp_path / "account.yaml"), 1, 1, "account")


def test_a_transfer_target_whose_email_changes_in_the_same_plan_is_refused() -> None:
    # Zoom would look for the target under its old e-mail when the delete runs.
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        want("caroline", 101003, id="id-carol"),
    )
    [message] = problems(desired, live_state(ALICE, BOB, CAROL))
    assert "changes its e-mail to caroline@example.com in this state" in message


# -- the transfer target: more of what it must be


def test_a_target_zoom_lists_with_type_none_is_refused() -> None:
    # Only "licensed" receives: Zoom's third type (none) is no licence either.
    desired = state(KEEP_ALICE, leaver("bob", "delete", transfer_to=email("carol")))
    [message] = problems(desired, live_state(ALICE, BOB, live_user("carol", type="none")))
    assert message.startswith("transfer target carol@example.com is not licensed (type none)")


def test_a_target_written_with_capitals_is_found_in_the_account() -> None:
    # E-mails keep the case they are written in; the account's users are keyed lowercased.
    desired = state(KEEP_ALICE, leaver("bob", "delete", transfer_to="Carol@Example.com"), carol())
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert ids(plan) == ["bob@example.com/delete_user"]
    assert plan.operations[0].params["transfer_email"] == "Carol@Example.com"


@pytest.mark.parametrize("policy", ["deactivate", "disassociate", "delete"])
def test_an_unlisted_target_is_refused_under_each_removing_policy(policy: str) -> None:
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        on_missing_user=policy,
    )
    [message] = problems(desired, live_state(ALICE, BOB, CAROL))
    assert f"is not in the state, and account.on_missing_user: {policy} removes it" in message


def test_an_unlisted_protected_target_may_receive_under_a_removing_policy() -> None:
    # on_missing_user never removes a protected user, so it stays to receive the data.
    desired = state(
        KEEP_ALICE,
        leaver("bob", "delete", transfer_to=email("carol")),
        on_missing_user="delete",
        protected=["owner@example.com", email("carol")],
    )
    plan = make_plan(desired, live_state(ALICE, BOB, CAROL))
    assert ids(plan) == ["bob@example.com/delete_user"]
    assert plan.operations[0].params["transfer_email"] == email("carol")


def test_a_disassociated_user_has_no_transfer_to() -> None:
    # Zoom moves a disassociated user's data along with it: transfer_to would do nothing.
    account = state().account
    entry = leaver("bob", "disassociate", transfer_to=email("carol"))
    assert leaver_problems(account, entry) == [
        (
            "transfer_to",
            "transfer_to applies only to remove: delete (a disassociated user takes their "
            "meetings and recordings along): add remove: delete, or drop transfer_to",
        )
    ]


def test_a_leaver_outside_the_domains_naming_itself_gets_one_transfer_problem() -> None:
    # The loader already refuses the entry's e-mail; its transfer_to says only why it
    # is wrong first (the user itself), not also that it is outside the domains.
    account = state().account
    entry = UserSpec(email="dan@agency.example", remove="delete", transfer_to="Dan@agency.example")
    assert [field for field, _ in leaver_problems(account, entry)] == ["transfer_to"]
