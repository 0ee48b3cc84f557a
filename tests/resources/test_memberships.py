"""Call queues, shared line groups and the hand-over guard in `make_plan` alone (no CLI,
no sandbox): one rule a test, on hand-built states and live accounts.

The account has the call queues Support (manager dana, members erin and finn) and Sales
(manager dana, no other member), the shared line group Front Desk (erin), the auto
receptionist Main Line (operator gus) and a desk phone of finn's."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.plan_builders import deps, email, ids, live_state, live_user, problems, state, want
from zoomstate.core.plan_format import live_fingerprints, phone_group_fingerprint
from zoomstate.export import user_document
from zoomstate.live import DeskPhone, LiveState, LiveUser, PhoneGroup, PhoneMember, Receptionist
from zoomstate.model import DesiredState, UserSpec
from zoomstate.plan import Plan, make_plan
from zoomstate.resources.handover import needs_phone_groups
from zoomstate.resources.memberships import PHONE_QUEUES, membership_summary

QUEUE_OF = {"dana": ("Sales", "Support"), "erin": ("Support",), "finn": ("Support",)}
LINE_OF = {"erin": ("Front Desk",)}
EXTS = {"dana": 101001, "erin": 101002, "finn": 101003, "gus": 101004}


def phone_user(name: str, ext: int | None = None) -> LiveUser:
    user = live_user(name, ext or EXTS.get(name) or 101050 + len(name))
    assert user.spec.phone is not None
    phone = user.spec.phone.model_copy(
        update={
            "call_queues": QUEUE_OF.get(name, ()),
            "shared_line_groups": LINE_OF.get(name, ()),
        }
    )
    return dataclasses.replace(user, spec=user.spec.model_copy(update={"phone": phone}))


def member(name: str, level: str = "user") -> PhoneMember:
    return PhoneMember(f"id-{name}", email(name), level)


QUEUES = (
    PhoneGroup("q-sales", "Sales", (member("dana", "manager"),)),
    PhoneGroup("q-support", "Support", (member("dana", "manager"), member("erin"), member("finn"))),
)
LINE_GROUPS = (PhoneGroup("l-front", "Front Desk", (member("erin"),)),)


def account(*extra: LiveUser, queues: tuple[PhoneGroup, ...] = QUEUES) -> LiveState:
    users = [phone_user(n) for n in ("dana", "erin", "finn", "gus")]
    return dataclasses.replace(
        live_state(*users, *extra, available={200: 30}),
        call_queues=queues,
        shared_line_groups=LINE_GROUPS,
        receptionists=(Receptionist("ar-1", "Main Line", "id-gus", email("gus")),),
        desk_phones=(DeskPhone("dev-1", "Yealink T54W", "id-finn", email("finn")),),
    )


def keep(name: str, **phone: Any) -> UserSpec:
    """The state's entry for a live phone user as it is, with `phone` fields changed."""
    spec = want(name, EXTS[name])
    assert spec.phone is not None
    fields = {
        "call_queues": QUEUE_OF.get(name, ()),
        "shared_line_groups": LINE_OF.get(name, ()),
        **phone,
    }
    return spec.model_copy(update={"phone": spec.phone.model_copy(update=fields)})


def queues_state(*users: UserSpec, **account: Any) -> DesiredState:
    everyone = {u.key for u in users}
    stay = [keep(n) for n in ("dana", "erin", "finn", "gus") if email(n) not in everyone]
    return state(*users, *stay, **account)


def hire(name: str, ext: int, queues: tuple[str, ...] = ("Support",)) -> UserSpec:
    spec = want(name, ext)
    assert spec.phone is not None
    return spec.model_copy(update={"phone": spec.phone.model_copy(update={"call_queues": queues})})


def plan(desired: DesiredState, live: LiveState) -> Plan:
    return make_plan(desired, live)


# -- memberships


def test_an_account_in_step_plans_nothing() -> None:
    assert plan(queues_state(), account()).operations == ()


def test_25_hires_join_one_queue_in_3_calls_after_their_zoom_phone() -> None:
    hires = [hire(f"new{i:02d}", 102000 + i) for i in range(25)]
    result = plan(queues_state(*hires), account())
    adds = [op for op in result.operations if op.kind == "add_call_queue_members"]
    assert [op.id for op in adds] == [f"Support/add_call_queue_members/{i}" for i in (1, 2, 3)]
    assert [len(op.params["members"]) for op in adds] == [10, 10, 5]  # type: ignore[arg-type]
    first = adds[0]
    assert first.reads[0] == "queue:Support"
    assert {f"{email('new00')}/add_phone_user", f"{email('new00')}/create_user"} <= set(
        first.depends_on
    )
    assert membership_summary(result.operations) == ["call queue Support: + 25 members"]


def test_leaving_a_queue_while_keeping_zoom_phone_is_a_removal() -> None:
    result = plan(queues_state(keep("erin", call_queues=())), account())
    op = result.operations[0]
    assert (op.id, op.kind, op.removal) == (
        f"{email('erin')}/remove_call_queue_member/Support",
        "remove_call_queue_member",
        True,
    )
    assert op.params == {"group_id": "q-support", "name": "Support"}


def test_an_unknown_queue_is_a_plan_error_naming_the_account_s_queues() -> None:
    found = problems(queues_state(keep("erin", call_queues=("Suport",))), account())
    assert found == [
        "unknown call queue 'Suport' (the account has: Sales, Support): zoomstate does "
        "not create them; create it in the portal first"
    ]


def test_the_manager_is_never_removed_from_its_queue() -> None:
    [message] = problems(queues_state(keep("dana", call_queues=("Support",))), account())
    assert "manager of call queue 'Sales'" in message and "portal" in message


def test_a_manager_zoom_lists_with_an_empty_email_is_known_by_its_id() -> None:
    nameless = PhoneMember("id-dana", "", "manager")
    queues = (PhoneGroup("q-sales", "Sales", (nameless,)), QUEUES[1])
    [message] = problems(
        queues_state(keep("dana", call_queues=("Support",))), account(queues=queues)
    )
    assert "manager of call queue 'Sales'" in message


def test_shared_line_groups_are_managed_the_same_way() -> None:
    result = plan(queues_state(keep("finn", shared_line_groups=("Front Desk",))), account())
    assert ids(result) == ["Front Desk/add_shared_line_group_members/1"]
    assert result.operations[0].reads[0] == "line_group:Front Desk"


def test_memberships_left_out_of_manage_are_never_touched() -> None:
    manage = ["users", "profile", "role", "groups", "phone", "contact_center"]
    desired = queues_state(keep("erin", call_queues=()), manage=manage)
    assert plan(desired, account()).operations == ()


# -- the hand-over guard


def leaver(name: str, how: str = "delete") -> UserSpec:
    return UserSpec(email=email(name), remove=how)  # type: ignore[arg-type]


def test_a_leaver_who_manages_a_queue_is_refused_with_the_queue_named() -> None:
    found = problems(queues_state(leaver("dana")), account())
    assert len(found) == 2
    assert all("manager of call queue" in m and "portal" in m for m in found)
    assert {"'Sales'", "'Support'"} == {m.split("call queue ")[1].split(",")[0] for m in found}


def test_a_leaver_who_is_an_operator_is_refused_with_the_receptionist_named() -> None:
    [message] = problems(queues_state(leaver("gus", "deactivate")), account())
    assert "operator of auto receptionist 'Main Line'" in message


def test_a_queue_left_empty_is_warned_and_desk_phones_are_named() -> None:
    queues = (PhoneGroup("q-support", "Support", (member("finn"),)),)
    result = plan(queues_state(leaver("finn")), account(queues=queues))
    assert [op.kind for op in result.operations] == ["delete_user"]
    empty = "call queue Support: this plan leaves it with no member"
    assert any(empty in w for w in result.warnings)
    assert any("Yealink T54W" in w for w in result.warnings)


def test_a_replacement_joins_before_the_leaver_leaves() -> None:
    queues = (PhoneGroup("q-support", "Support", (member("finn"),)),)
    desired = queues_state(leaver("finn"), hire("hank", 102001))
    result = plan(desired, account(queues=queues))
    add = "Support/add_call_queue_members/1"
    assert add in deps(result)[f"{email('finn')}/delete_user"]
    assert ids(result).index(add) < ids(result).index(f"{email('finn')}/delete_user")
    assert not any("no member" in w for w in result.warnings)


def test_the_leaver_s_step_reads_its_queues_so_a_changed_queue_makes_the_plan_stale() -> None:
    live = account()
    result = plan(queues_state(leaver("finn")), live)
    step = result.operations[0]
    assert {"queue:Support", "user:" + email("finn")} <= set(step.reads)
    before = live_fingerprints(live, ["queue:Support"])
    changed = (QUEUES[0], dataclasses.replace(QUEUES[1], members=QUEUES[1].members[:2]))
    after = live_fingerprints(dataclasses.replace(live, call_queues=changed), ["queue:Support"])
    assert before != after
    assert result.fingerprints["queue:Support"] == phone_group_fingerprint(QUEUES[1])


def test_nothing_is_read_for_a_state_that_removes_no_phone_user() -> None:
    manage = ["users", "profile", "role", "groups", "phone", "contact_center"]
    live = account()
    assert not needs_phone_groups(queues_state(manage=manage))(live)
    assert needs_phone_groups(queues_state(leaver("finn"), manage=manage))(live)
    no_phone = queues_state(want("finn", phone=False), manage=manage)
    assert needs_phone_groups(no_phone)(live)
    assert needs_phone_groups(queues_state())(live)  # memberships managed: always
    # zoomstate never touches a protected user (in any case) or one outside its domains
    protected = queues_state(leaver("finn"), manage=manage, protected=[email("Finn").upper()])
    assert not needs_phone_groups(protected)(live)
    elsewhere = queues_state(leaver("finn"), manage=manage, domains=["example.org"])
    assert not needs_phone_groups(elsewhere)(live)


# -- the aspect


def test_the_aspect_compares_sets_and_export_writes_them() -> None:
    erin = phone_user("erin")
    assert PHONE_QUEUES.same(keep("erin"), erin.spec, None)  # type: ignore[arg-type]
    assert not PHONE_QUEUES.same(keep("erin", call_queues=()), erin.spec, None)  # type: ignore[arg-type]
    doc = user_document(erin, {})
    assert doc["phone"]["call_queues"] == ["Support"]
    assert doc["phone"]["shared_line_groups"] == ["Front Desk"]


# -- the hand-over guard: each way of taking Zoom Phone away, and members removed alongside

NO_QUEUES = ["users", "profile", "role", "groups", "phone", "contact_center"]


def test_a_manager_whose_zoom_phone_is_taken_away_is_refused_like_a_leaver() -> None:
    # disable_phone is a way of leaving too: Zoom refuses it for a queue's manager.
    desired = queues_state(want("dana", EXTS["dana"], phone=False), manage=NO_QUEUES)
    found = problems(desired, account())
    assert len(found) == 2
    assert all("manager of call queue" in m for m in found)


def test_a_state_that_deactivates_a_phone_user_reads_the_phone_groups() -> None:
    # Its phone block kept: only status: inactive says that it leaves.
    inactive = keep("gus").model_copy(update={"status": "inactive"})
    desired = queues_state(inactive, manage=NO_QUEUES)
    assert needs_phone_groups(desired)(account())
    [message] = problems(desired, account())
    assert "operator of auto receptionist 'Main Line'" in message


def test_a_queue_whose_last_members_leave_it_in_the_same_plan_is_warned() -> None:
    # finn is deleted and erin leaves the queue by her own step: nobody stays.
    queues = (PhoneGroup("q-support", "Support", (member("erin"), member("finn"))),)
    desired = queues_state(leaver("finn"), keep("erin", call_queues=()))
    result = plan(desired, account(queues=queues))
    assert f"{email('erin')}/remove_call_queue_member/Support" in ids(result)
    empty = "call queue Support: this plan leaves it with no member"
    assert any(empty in w for w in result.warnings)
