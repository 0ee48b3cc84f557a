"""Property tests of the planner on random desired/live pairs.

Small accounts (up to 8 users, 2 sites, 3 calling plans, 6 numbers, extensions from a
small range) so that moves, swaps, seat shortages, pending users, leavers (unlisted, or by
their own `remove:` entry, with transfer targets good and bad), e-mail changes
(a state user carrying the live user's Zoom `id`), out-of-scope and protected users all
come up. Seats are tight: calling plans, licensed seats (`account.seats.licensed`) and
Contact Center packages (`account.seats.contact_center`) have exactly what the end state
needs, sometimes one more, so that claims must wait for releases. Half the accounts are
"busy" (every active user on Zoom Phone: extension swaps, calling-plan switches), half
"trade" licences and Contact Center seats (holders give theirs up, others take one). Each
plan is replayed on `tests.plan_model.AccountModel`, which applies Zoom's side effects and
records every step Zoom would refuse. Checked:

(a) after the replay, every in-scope, non-protected, non-waiting user is as the state
    says (a renamed user under its new e-mail, by change_email), and every other user
    is as it was;
(b) no step claims an extension or number another user holds, nor a calling-plan,
    licensed or Contact Center seat that is not free, in the plan's order AND in another
    order that apply could run it in (apply runs users concurrently, bound only by
    `depends_on`);
(c) the same inputs give a byte-identical plan;
(d) the planner refuses seat trades only when no order of the steps works;
(e) every user the replay takes something from (the user, a licence, Zoom Phone, a calling
    plan, a number no one else ends up with, a Contact Center seat, a group membership)
    counts toward `account.safety`, and no other user does: limits one below that count
    refuse the plan, limits at it let it through (issue 12: unassigned numbers counted
    nothing);
(f) leavers by their own entry (`remove:`, issue 17) leave whatever on_missing_user says,
    their other fields unplanned; a deletion's transfer target is refused at plan time
    exactly when it cannot receive the data (`_bad_targets`), and the model (Zoom's
    400/300 at delete time) never sees a bad one;
(g) user groups (issue 16): the managed ones end as the state says, the others (an
    identity provider's) as they were, the primary group as declared; and no user that is
    in a group before the plan and after it is ever in none in between, in the plan's order
    or another one (a change of group is a move);
(h) call queue memberships (issue 17): a phone user the state lists queues for ends in
    exactly those, one that loses Zoom Phone in none, the others as they were.

`--hypothesis-show-statistics` shows how often each step kind, e-mail change, swap,
calling-plan switch and seat wait came up.

Zoom picks the extension of a new phone user; the model picks the worst one it can (an
extension someone else is about to claim), since Zoom promises nothing.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
from hypothesis import event, given, note, reject, settings

from tests.plan_model import AccountModel, MUser
from tests.properties import property_settings
from zoomstate.errors import UnsafePlan, ValidationFailed
from zoomstate.live import (
    CallingPlan,
    LiveState,
    LiveUser,
    Named,
    PhoneGroup,
    PhoneMember,
    PhoneNumber,
    Site,
)
from zoomstate.model import (
    AccountPolicy,
    ContactCenterPackage,
    ContactCenterSpec,
    DesiredState,
    GroupsPolicy,
    PhoneSpec,
    SafetyLimits,
    SeatCounts,
    UserSpec,
)
from zoomstate.plan import Operation, Plan, PlanOptions, make_plan
from zoomstate.resources.handover import LEAVING, needs_phone_groups

SETTINGS = property_settings(300)

SITES = {"SF": 1, "LDN": 2}
DEFAULT_SITE = "SF"
EXTENSIONS = [1001, 1002, 1003, 1004, 2001, 2002, 2003]
# Room for Zoom's own picks beyond the ones states use.
EXTENSION_RANGE = [*range(1001, 1013), *range(2001, 2013)]
PLANS = (100, 200, 300)  # all US/CA: any of them covers the US numbers below
NUMBERS = [f"+1415555010{i}" for i in range(6)]
ROLES = ("Member", "Admin", "Auditor")
CC_ROLES = ("Agent", "Supervisor")
CC_PACKAGES: tuple[ContactCenterPackage, ...] = ("essentials", "premium")
# The state manages three groups; Okta is an identity provider's, never the state's. EMEA
# exists in half the accounts (created when missing, in half of the others).
MANAGED_GROUPS = ("EMEA", "Sales", "Support")
IDP_GROUP = "Okta"
# Call queues (issue 17): members are phone users; a state lists some users' exact sets.
CALL_QUEUES = ("Billing", "Support")


class Case:
    def __init__(
        self, desired: DesiredState, live: LiveState, renames: dict[str, str] | None = None
    ) -> None:
        self.desired = desired
        self.live = live
        self.renames = renames or {}  # new e-mail -> old, for users matched by Zoom id

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        lines = [f"account: {self.desired.account.model_dump(exclude_defaults=True)}"]
        lines += [
            f"  live {u.status} {u.zoom_id}: {u.spec.model_dump(exclude_none=True)}"
            for u in self.live.users
        ]
        lines += [f"  want: {u.model_dump(exclude_none=True)}" for u in self.desired.users]
        lines += [f"  plan {p.type}: available {p.available}" for p in self.live.calling_plans]
        return "\n".join(lines)


def _site_of(extension: int) -> str:
    return "SF" if str(extension).startswith("1") else "LDN"


def _leaver_entry(draw: st.DrawFn, key: str, how: str, targets: list[str | None]) -> UserSpec:
    """A leaver's entry: how it leaves, maybe where its data goes, and fields left over
    from when it was a user (a record: never planned, and its extension is anyone's)."""
    fields: dict[str, Any] = {"email": key, "remove": how}
    if how == "delete":
        fields["transfer_to"] = draw(st.sampled_from(targets))
    if draw(st.booleans()):
        fields["type"] = draw(st.sampled_from(["licensed", "basic"]))
        ext = draw(st.sampled_from(EXTENSIONS))
        fields["phone"] = {"site": _site_of(ext), "extension": ext, "calling_plans": [200]}
    return UserSpec.model_validate(fields)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    # Half the accounts are busy phone systems (more users, every active one on Zoom
    # Phone with calling plans), where extension swaps and plan switches come up often.
    busy = draw(st.booleans())
    n = draw(st.integers(4 if busy else 1, 8))
    policy = draw(st.sampled_from(["ignore", "report", "deactivate", "disassociate", "delete"]))
    create_action = draw(st.sampled_from(["create", "autoCreate"]))
    # In half the accounts licences and Contact Center seats change hands: users who hold
    # one give it up (or change package) while others take one, so claims meet releases.
    trade = draw(st.booleans())
    emea_exists, create_missing = draw(st.booleans()), draw(st.booleans())
    live_groups = ["Sales", "Support", IDP_GROUP, *(["EMEA"] if emea_exists else [])]
    free_exts = list(EXTENSIONS)
    free_nums = list(NUMBERS)
    live_users: list[LiveUser] = []
    slots: list[dict[str, Any]] = []
    # Live side first: extensions and numbers held by at most one user each.
    for i in range(n):
        scope = draw(st.sampled_from(["in"] * (8 if busy else 4) + ["out", "protected"]))
        key = f"u{i}@partner.test" if scope == "out" else f"u{i}@example.com"
        slot: dict[str, Any] = {"key": key, "scope": scope, "live": None}
        slots.append(slot)
        if scope == "in" and draw(st.integers(0, 3)) == 0:
            continue
        status = draw(st.sampled_from(["active"] * (6 if busy else 3) + ["inactive", "pending"]))
        phone = None
        if status == "active" and free_exts and (busy or draw(st.integers(0, 3)) > 0):
            ext = draw(st.sampled_from(free_exts))
            free_exts.remove(ext)
            plans = draw(st.sets(st.sampled_from(PLANS), min_size=int(busy), max_size=2))
            nums: list[str] = []
            if plans and free_nums:
                nums = draw(st.lists(st.sampled_from(free_nums), max_size=2, unique=True))
                for x in nums:
                    free_nums.remove(x)
            phone = PhoneSpec.model_construct(
                site=_site_of(ext),
                extension=ext,
                calling_plans=tuple(sorted(plans)),
                numbers=tuple(sorted(nums)),
                template=None,
                call_queues=tuple(sorted(draw(st.sets(st.sampled_from(CALL_QUEUES))))),
                shared_line_groups=(),
            )
        cc = None
        if status == "active" and draw(st.sampled_from([trade, False, False, True])):
            cc = ContactCenterSpec.model_construct(
                package=draw(st.sampled_from(CC_PACKAGES)),
                role=draw(st.sampled_from(CC_ROLES)),
                access="active",
            )
        # A leaver is never an admin here (refusing admin leavers is a scenario test).
        role = draw(st.sampled_from(ROLES)) if status == "active" else "Member"
        # An invitee is in one group at most (it joins one through PATCH group_id).
        in_groups = draw(
            st.sets(st.sampled_from(live_groups), max_size=1 if status == "pending" else 3)
        )
        spec = UserSpec.model_construct(
            email=key,
            id=None if status == "pending" else f"id{i}",
            first_name=draw(st.sampled_from(["Ann", "Bob"])),
            last_name="X",
            department=draw(st.sampled_from(["Sales", "Support"])),
            job_title=None,
            # A pending invitation holds its licence already (the sandbox counts it).
            type=draw(st.sampled_from(["licensed", "basic"])) if status != "inactive" else "basic",
            role=role,
            status="inactive" if status == "inactive" else "active",
            groups=tuple(sorted(in_groups)),
            primary_group=draw(st.sampled_from(sorted(in_groups))) if in_groups else None,
            phone=phone,
            contact_center=cc,
            profile=None,
        )
        slot["live"] = LiveUser(spec=spec, status=status, zoom_id=spec.id)
        live_users.append(slot["live"])

    # Who keeps what they hold, whatever the plan does.
    def untouched(slot: dict[str, Any], wanted: bool) -> bool:
        if slot["scope"] != "in":
            return True
        return not wanted and policy in ("ignore", "report")

    wants = [
        slot["scope"] == "in"
        and (slot["live"] is None or draw(st.sampled_from([True, True, True, False])))
        for slot in slots
    ]
    held_exts: set[int] = set()
    held_nums: set[str] = set()
    for slot, wanted in zip(slots, wants, strict=True):
        live = slot["live"]
        if live is not None and live.spec.phone is not None and untouched(slot, wanted):
            held_exts.add(live.spec.phone.extension)
            held_nums.update(live.spec.phone.numbers)
        if live is not None and live.spec.role == "Admin" and not wanted and slot["scope"] == "in":
            # An admin leaver would be refused (a scenario test): keep them in the state.
            wants[slots.index(slot)] = True
    # Some users leave by their own entry (`remove:`), whatever on_missing_user says, now
    # and then one whose account is already gone (the entry is the record). Never an admin
    # here (Zoom refuses to deactivate or disassociate one: a scenario test).
    leaves: dict[int, str] = {}
    for index, (slot, wanted) in enumerate(zip(slots, wants, strict=True)):
        live = slot["live"]
        if wanted and (live is None or live.spec.role != "Admin") and draw(st.integers(0, 4)) == 0:
            leaves[index] = draw(st.sampled_from(["deactivate", "disassociate", "delete"]))
    # Who receives a deleted user's data: nobody, a user that does not exist, anyone, and
    # most often a user who could (in the account, active, licensed).
    could = [
        s["key"]
        for s in slots
        if s["scope"] != "out"
        and s["live"] is not None
        and s["live"].status == "active"
        and s["live"].spec.type == "licensed"
    ]
    targets = [None, "ghost@example.com", *(s["key"] for s in slots), *could * 4]
    claimable_exts = [e for e in EXTENSIONS if e not in held_exts]
    # Often two users swap (or three rotate) their extensions: the planner must route one
    # of them through a free extension.
    movers = [
        i
        for i, (slot, wanted) in enumerate(zip(slots, wants, strict=True))
        if wanted
        and slot["live"] is not None
        and slot["live"].status == "active"
        and slot["live"].spec.phone is not None
        and slot["live"].spec.role != "Admin"
        and i not in leaves
    ]
    rotation: dict[int, int] = {}
    if len(movers) >= 2 and (busy or draw(st.booleans())):
        ring = draw(st.permutations(movers))[: draw(st.integers(2, min(3, len(movers))))]
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            ext = slots[b]["live"].spec.phone.extension
            rotation[a] = ext
            claimable_exts.remove(ext)
    claimable_nums = [x for x in NUMBERS if x not in held_nums]

    desired_users: list[UserSpec] = []
    wanted_spec: dict[int, UserSpec] = {}
    renames: dict[str, str] = {}
    # Extensions kept without being named (absent = leave as Zoom has it) are claimed
    # first, so no one else is given them.
    for index, (slot, wanted) in enumerate(zip(slots, wants, strict=True)):
        if not wanted or slot["scope"] == "out":
            continue
        if index in leaves:
            desired_users.append(_leaver_entry(draw, slot["key"], leaves[index], targets))
            continue
        live = slot["live"]
        status = draw(st.sampled_from(["active", "active", "active", "active", "inactive", None]))
        if index in rotation:
            status = "active"
        fields: dict[str, Any] = {"email": slot["key"]}
        if live is not None and live.zoom_id is not None:
            choice = draw(st.integers(0, 3))
            if choice == 0:
                # A new e-mail for the same Zoom user, recognised by its id: change_email.
                fields["email"] = "r" + slot["key"][1:]
                renames[fields["email"]] = slot["key"]
            if choice <= 1:
                fields["id"] = live.zoom_id
        if status is not None:
            fields["status"] = status
        if draw(st.booleans()):
            fields["first_name"] = draw(st.sampled_from(["Ann", "Bob"]))
        if draw(st.booleans()):
            fields["department"] = draw(st.sampled_from(["Sales", "Support"]))
        if trade and live is not None:
            fields["type"] = (
                draw(st.sampled_from(["basic", "none"]))
                if live.spec.type == "licensed"
                else "licensed"
            )
        elif draw(st.booleans()):
            fields["type"] = draw(st.sampled_from(["licensed", "basic", "licensed", "none"]))
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(ROLES))
        if draw(st.integers(0, 2)) > 0:
            joinable = [g for g in MANAGED_GROUPS if g != "EMEA" or emea_exists or create_missing]
            groups = draw(st.lists(st.sampled_from(joinable), unique=True, max_size=3))
            fields["groups"] = groups
            if groups and draw(st.booleans()):
                fields["primary_group"] = draw(st.sampled_from(groups))
        if status == "inactive":
            # Deactivation drops every licence; an admin is demoted first.
            if live is not None and live.spec.role == "Admin":
                fields["role"] = "Member"
        elif (
            index in rotation
            or draw(st.booleans())
            or (live is not None and live.spec.phone is not None and draw(st.integers(0, 5)) > 0)
        ):
            keep_ext = index not in rotation and (
                live is not None
                and live.spec.phone is not None
                and live.spec.phone.extension in claimable_exts
                and draw(st.booleans())
            )
            phone: dict[str, Any] = {}
            if index in rotation:
                phone["extension"] = rotation[index]
                phone["site"] = _site_of(rotation[index])
            elif keep_ext:
                assert live is not None and live.spec.phone is not None
                claimable_exts.remove(live.spec.phone.extension)
                if draw(st.booleans()):
                    phone["site"] = live.spec.phone.site
            elif claimable_exts and draw(st.integers(0, 4)) > 0:
                ext = draw(st.sampled_from(claimable_exts))
                claimable_exts.remove(ext)
                phone["extension"] = ext
                phone["site"] = _site_of(ext)
            elif live is None or live.spec.phone is None:
                # Zoom picks the extension, at the default site.
                if draw(st.booleans()):
                    phone["site"] = DEFAULT_SITE
            else:
                # Nothing to keep and nothing free: leave phone out of this user.
                phone = {}
                fields["phone"] = None
            if "phone" not in fields and draw(st.integers(0, 2)) > 0:
                queues = draw(st.lists(st.sampled_from(CALL_QUEUES), unique=True, max_size=2))
                phone["call_queues"] = queues
            if "phone" not in fields:
                held = set(live.spec.phone.calling_plans) if live and live.spec.phone else set()
                if held and draw(st.integers(0, 2)) > 0:
                    # One plan for another: a switch (PUT), which keeps the numbers.
                    source = draw(st.sampled_from(sorted(held)))
                    target = draw(st.sampled_from([x for x in PLANS if x not in held]))
                    plans = (held - {source}) | {target}
                else:
                    plans = draw(st.sets(st.sampled_from(PLANS), max_size=2))
                phone["calling_plans"] = sorted(plans)
                if plans and claimable_nums:
                    nums = draw(st.lists(st.sampled_from(claimable_nums), max_size=2, unique=True))
                    for x in nums:
                        claimable_nums.remove(x)
                    phone["numbers"] = nums
                fields["phone"] = phone
        held_cc = live.spec.contact_center if live is not None else None
        if status != "inactive" and trade and held_cc is not None:
            if draw(st.booleans()):  # another package; else the block goes, and the seat
                other = next(x for x in CC_PACKAGES if x != held_cc.package)
                fields["contact_center"] = {"package": other, "role": held_cc.role}
        elif status != "inactive" and (
            (trade and live is not None) or draw(st.integers(0, 2)) == 0
        ):
            fields["contact_center"] = {
                "package": draw(st.sampled_from([*CC_PACKAGES, *([] if trade else [None])])),
                "role": draw(st.sampled_from(CC_ROLES)),
                "access": draw(st.sampled_from(["active", "inactive"])),
            }
        wanted_spec[index] = UserSpec.model_validate(fields)
        desired_users.append(wanted_spec[index])

    # Seats: exactly what the end state needs, sometimes one spare, so that claims must
    # often wait for releases (calling plans, licences, Contact Center packages).
    nothing: tuple[bool, set[int], str | None, bool] = (False, set(), None, False)

    def at_end(
        index: int, slot: dict[str, Any], wanted: bool, eventual: bool
    ) -> tuple[bool, set[int], str | None, bool]:
        """What a user holds once the plan has run (`eventual`: and once every pending
        user has accepted and the waiting steps ran): a licensed seat, calling plans, a
        Contact Center package, a Zoom Phone licence."""
        live = slot["live"]
        held = nothing
        if live is not None:
            held = (
                live.spec.type == "licensed" and live.status != "inactive",
                set(live.spec.phone.calling_plans) if live.spec.phone else set(),
                live.spec.contact_center.package if live.spec.contact_center else None,
                live.spec.phone is not None and live.status != "inactive",
            )
        if index in leaves:
            return nothing  # removed by its own entry, or a pending invitation revoked
        if untouched(slot, wanted):
            return held  # left alone
        spec = wanted_spec.get(index)
        if spec is None:
            return nothing  # a leaver: deactivated (licences dropped) or removed
        # A pending or invited user's steps wait for the invitation, but the plan checks
        # their claims now: the seats cover what they will hold once they accept.
        if live is not None and live.status == "pending":
            if spec.status == "inactive" or not eventual:
                return held  # waiting (a deactivation waits, and nothing else is planned)
        elif live is None:
            if spec.status == "inactive":
                return nothing  # not created
            if create_action == "create" and not eventual:
                return (spec.type == "licensed", set(), None, False)  # invited: the rest waits
        elif spec.status == "inactive" or (spec.status is None and live.status == "inactive"):
            return nothing
        licensed = (spec.type or (live.spec.type if live else "basic")) == "licensed"
        plans = {int(p) for p in spec.phone.calling_plans} if spec.phone else set()
        package = None
        if spec.contact_center is not None:
            package = spec.contact_center.package or held[2]
        return (licensed, plans, package, spec.phone is not None)

    ends = [
        at_end(i, s, w, eventual)
        for eventual in (False, True)
        for i, (s, w) in enumerate(zip(slots, wants, strict=True))
    ]
    half = len(slots)

    def most(count: Callable[[tuple[bool, set[int], str | None, bool]], int]) -> int:
        """The larger of the seats held after this plan and after the waiting steps."""
        return max(sum(map(count, ends[:half])), sum(map(count, ends[half:])))

    spare = st.sampled_from([0, 0, 1])
    declared = st.sampled_from([True, True, True, True, True, False])
    calling_plans = []
    for plan in PLANS:
        now = sum(
            1 for u in live_users if u.spec.phone is not None and plan in u.spec.phone.calling_plans
        )
        end = most(lambda e, plan=plan: plan in e[1])  # type: ignore[misc]
        subscribed = max(now, end) + draw(spare)
        calling_plans.append(CallingPlan(plan, f"Plan {plan}", subscribed, now, subscribed - now))
    # Licensed, Zoom Phone and Contact Center seats are the state's to declare; now and
    # then it does not, and the planner only warns.
    licensed_now = sum(
        1 for u in live_users if u.spec.type == "licensed" and u.status != "inactive"
    )
    licensed_seats = None
    if draw(declared):
        licensed_seats = max(licensed_now, most(lambda e: e[0])) + draw(spare)
    phone_now = sum(1 for u in live_users if u.spec.phone is not None and u.status != "inactive")
    phone_seats = None
    if draw(declared):
        phone_seats = max(phone_now, most(lambda e: e[3])) + draw(spare)
    cc_seats: dict[ContactCenterPackage, int] = {}
    for package in CC_PACKAGES:
        if draw(declared):
            cc_now = sum(
                1
                for u in live_users
                if u.spec.contact_center and u.spec.contact_center.package == package
            )
            cc_seats[package] = max(cc_now, most(lambda e, p=package: e[2] == p)) + draw(spare)  # type: ignore[misc]
    holders = {
        x: u.zoom_id for u in live_users if u.spec.phone is not None for x in u.spec.phone.numbers
    }
    protected = tuple(s["key"] for s in slots if s["scope"] == "protected")
    account = AccountPolicy(
        domains=("example.com",),
        on_missing_user=policy,
        transfer_to=draw(st.sampled_from(targets)),
        create_action=create_action,
        protected=protected,
        seats=SeatCounts(licensed=licensed_seats, phone=phone_seats, contact_center=cc_seats),
        safety=SafetyLimits(max_deletes=100, max_delete_percent=100),
        groups=GroupsPolicy(managed=MANAGED_GROUPS, create_missing=create_missing),
    )
    live = LiveState(
        users=tuple(sorted(live_users, key=lambda u: u.key)),
        sites=tuple(Site(f"site-{name}", name, code) for name, code in SITES.items()),
        calling_plans=tuple(calling_plans),
        numbers=tuple(
            PhoneNumber(
                f"num{i}",
                x,
                "assigned" if x in holders else "available",
                holders.get(x),
                "user" if x in holders else None,
            )
            for i, x in enumerate(NUMBERS)
        ),
        roles=tuple(
            Named(str(i), r) for i, r in enumerate(("Owner", "Admin", "Member", "Auditor"))
        ),
        contact_center_roles=tuple(Named(f"cc-{r}", r) for r in CC_ROLES),
        groups=tuple(Named(f"group-{g}", g) for g in sorted(live_groups)),
        call_queues=_live_queues(live_users),
        shared_line_groups=(),
        receptionists=(),
        desk_phones=(),
    )
    return Case(DesiredState(account=account, users=tuple(desired_users)), live, renames)


_REMOVING = ("deactivate", "disassociate", "delete")


def _live_queues(users: list[LiveUser]) -> tuple[PhoneGroup, ...]:
    """The call queues as the read maps them: every queue, with its phone users (no
    manager here: a leaver who manages one is refused, a scenario test)."""
    return tuple(
        PhoneGroup(
            f"q-{name}",
            name,
            tuple(
                PhoneMember(u.zoom_id or "", u.key)
                for u in users
                if u.spec.phone is not None and name in (u.spec.phone.call_queues or ())
            ),
        )
        for name in CALL_QUEUES
    )


def _bad_targets(case: Case) -> set[str]:
    """The transfer targets of the plan's deletions that cannot receive the data, read
    from docs/safety.md ("Leavers") rather than from the planner: not in the account,
    not active, not licensed, outside the domains, or taken away by this same state."""
    account = case.desired.account
    live = case.live.by_key()
    wanted = case.desired.by_key()
    used: set[str] = set()
    for key, user in live.items():
        reachable = account.in_scope(key) and not account.is_protected(key)
        if not reachable or user.status == "pending" or key in case.renames.values():
            continue
        spec = wanted.get(key)
        how = account.on_missing_user if spec is None else spec.remove
        if how == "delete":
            target = (spec.transfer_to if spec is not None else None) or account.transfer_to
            if target is not None:
                used.add(target)

    def cannot_receive(target: str) -> bool:
        user = live.get(target)
        if not account.in_scope(target) or user is None or target in case.renames.values():
            return True
        if user.status != "active" or user.spec.type != "licensed":
            return True
        spec = wanted.get(target)
        if spec is None:
            return account.on_missing_user in _REMOVING and not account.is_protected(target)
        return (
            spec.remove is not None or spec.status == "inactive" or spec.type in ("basic", "none")
        )

    return {t for t in used if cannot_receive(t)}


def _plan(case: Case) -> Plan:
    bad = _bad_targets(case)
    try:
        plan = make_plan(case.desired, case.live, PlanOptions(force=True))
    except UnsafePlan as exc:
        # The one refusal --force does not lift: a plan that removes every managed user.
        assert "every managed user" in str(exc)
        reject()
    except ValidationFailed as exc:
        named = {
            i.message.split()[2] for i in exc.issues if i.message.startswith("transfer target ")
        }
        # Refused for exactly the targets that cannot receive, and planned otherwise.
        assert named == bad, "\n".join(map(str, exc.issues))
        if named:
            event("refused: a transfer target that cannot receive")
            reject()
        trade = len(exc.issues) == 1 and "wait for each other's seats" in exc.issues[0].message
        if trade and not _seat_order_exists(case):
            # Users trading seats with none free (A's plan to B, B's to A): no order of
            # the steps works, and the planner rightly refuses (rule 4).
            event("refused: a seat trade with no seat free")
            reject()
        raise AssertionError("\n".join(map(str, exc.issues))) from None
    assert not bad, f"planned, though {sorted(bad)} cannot receive the data"
    return plan


def _seat_order_exists(case: Case) -> bool:
    """Whether some order of the plan's steps (apply's order rules kept) finds a free seat
    for every claim: the plan as made with seats unchecked, each step's seat changes
    measured on the model, then a search over the orders of the steps that take seats."""
    live = dataclasses.replace(
        case.live,
        calling_plans=tuple(
            dataclasses.replace(p, available=None) for p in case.live.calling_plans
        ),
    )
    account = case.desired.account.model_copy(update={"seats": SeatCounts()})
    ops = make_plan(
        DesiredState(account=account, users=case.desired.users), live, PlanOptions(force=True)
    ).operations
    model = _model(case)
    free: dict[str, int] = {f"plan {p}": n for p, n in model.plan_free.items()}
    free |= {
        pool: limit - count
        for pool, count in model.seats_used().items()
        if (limit := model.seat_limit(pool)) is not None
    }
    free |= {
        pool: limit
        for pool in ["licensed", "phone", *(f"cc:{p}" for p in CC_PACKAGES)]
        if pool not in free and (limit := model.seat_limit(pool)) is not None
    }
    freed: dict[str, dict[str, int]] = {}  # step -> pool -> seats it frees (< 0: takes)
    for op in ops:
        plans, used = dict(model.plan_free), model.seats_used()
        model.apply(op)
        change = {f"plan {p}": n - plans.get(p, 0) for p, n in model.plan_free.items()}
        change |= {k: used.get(k, 0) - n for k, n in model.seats_used().items()}
        change |= {k: n for k, n in used.items() if k not in model.seats_used()}
        freed[op.id] = {k: n for k, n in change.items() if n and k in free}
    waits = {op.id: set(op.depends_on) for op in ops}
    last: dict[str, str] = {}
    for op in ops:
        if op.user in last:
            waits[op.id].add(last[op.user])
        last[op.user] = op.id
    failed: set[frozenset[str]] = set()

    def search(done: frozenset[str], seats: dict[str, int]) -> bool:
        done_set, seats = set(done), dict(seats)
        progress = True
        while progress:  # steps that take no seat can only help: run them at once
            progress = False
            for op in ops:
                takes_none = all(n > 0 for n in freed[op.id].values())
                if op.id not in done_set and waits[op.id] <= done_set and takes_none:
                    done_set.add(op.id)
                    for k, n in freed[op.id].items():
                        seats[k] += n
                    progress = True
        if len(done_set) == len(ops):
            return True
        key = frozenset(done_set)
        if key in failed:
            return False
        for op in ops:
            if op.id in done_set or not waits[op.id] <= done_set:
                continue
            after = {k: seats[k] + freed[op.id].get(k, 0) for k in seats}
            if all(n >= 0 for n in after.values()) and search(key | {op.id}, after):
                return True
        failed.add(key)
        return False

    return search(frozenset(), free)


def _brief(plan: Plan) -> str:
    return "\n".join(
        f"{op.id} {dict(op.params)} <- {', '.join(op.depends_on)}" for op in plan.operations
    )


def _claimed_pool(op: Operation) -> str | None:
    """The seat pool a step takes a seat from, if any."""
    if op.kind in ("assign_calling_plan", "switch_calling_plan"):
        return "calling plan"
    if op.kind in ("enable_phone", "add_phone_user"):
        return "Zoom Phone"
    if (op.kind == "create_user" and op.params.get("type") == 2) or (
        op.kind == "update_user"
        and isinstance(op.after, dict)
        and op.after.get("type") == "licensed"
    ):
        return "licensed"
    if op.kind.endswith("contact_center_user") and op.params.get("package"):
        return "Contact Center"
    return None


def _seat_waits(plan: Plan) -> set[str]:
    """Pools where a claim waits for another user's step (only a seat release, for these
    steps): the plans where seat order matters."""
    users = {op.id: op.user for op in plan.operations}
    return {
        pool
        for op in plan.operations
        if (pool := _claimed_pool(op)) is not None
        and any(users.get(d, op.user) != op.user for d in op.depends_on)
    }


def _worst_pick(case: Case) -> Callable[[str, list[int]], int]:
    """Zoom's pick for a new phone user: an extension someone is about to claim, if any."""
    wanted = {
        u.phone.extension
        for u in case.desired.users
        if u.phone is not None and u.phone.extension is not None
    }

    def pick(_site: str, free: list[int]) -> int:
        contested = [e for e in free if e in wanted]
        return min(contested or free)

    return pick


def _model(case: Case) -> AccountModel:
    return AccountModel.from_live(
        case.live,
        default_site=DEFAULT_SITE,
        extension_range=EXTENSION_RANGE,
        allocate=_worst_pick(case),
        seats=case.desired.account.seats,
    )


def _seat_first(op: Operation) -> int:
    """Among ready steps: those that take a seat first, removals last (the order that
    finds a missing seat link at once)."""
    if any(a.kind == "seat" for a in op.claims()):
        return 0
    return 2 if op.removal else 1


def _other_order(
    ops: tuple[Operation, ...], rank: Callable[[Operation], int] = lambda op: 0
) -> list[Operation]:
    """Another order apply may run the plan in: each user's steps in plan order, across
    users only what `depends_on` demands, and among ready steps the lowest `rank`, then
    the LATEST first."""
    index = {op.id: i for i, op in enumerate(ops)}
    waits: dict[str, set[str]] = {op.id: set(op.depends_on) & set(index) for op in ops}
    last: dict[str, str] = {}
    for op in ops:
        if op.user in last:
            waits[op.id].add(last[op.user])
        last[op.user] = op.id
    dependents: dict[str, list[str]] = {op.id: [] for op in ops}
    for o, ds in waits.items():
        for d in ds:
            dependents[d].append(o)
    left = {o: len(ds) for o, ds in waits.items()}
    ready = [(rank(ops[index[o]]), -index[o], o) for o, k in left.items() if k == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        *_, o = heapq.heappop(ready)
        out.append(ops[index[o]])
        for nxt in dependents[o]:
            left[nxt] -= 1
            if left[nxt] == 0:
                heapq.heappush(ready, (rank(ops[index[nxt]]), -index[nxt], nxt))
    assert len(out) == len(ops), "depends_on has a cycle"
    return out


def _expected_problems(case: Case, plan: Plan, model: AccountModel) -> list[str]:
    """Where the replayed account differs from what the state asks."""
    account = case.desired.account
    before = _model(case).users
    wanted = case.desired.by_key()
    waiting = {w.user for w in plan.waiting}
    problems: list[str] = []
    for key in sorted(set(before) | set(wanted) | set(model.users)):
        got = model.users.get(key)
        old = before.get(key)
        if key in case.renames.values():
            # Renamed: judged under the new e-mail, and gone from the old one.
            if got is not None:
                problems.append(f"{key}: still under its old e-mail after the rename")
            continue
        if key in case.renames:
            renamed = [op for op in plan.operations if op.kind == "change_email" and op.user == key]
            if [op.before for op in renamed] != [case.renames[key]]:
                problems.append(f"{key}: no change_email from {case.renames[key]}")
            old = dataclasses.replace(before[case.renames[key]], key=key)
        if not account.in_scope(key) or account.is_protected(key) or key in waiting:
            if key not in waiting and got != old:
                problems.append(f"{key}: out of reach but changed: {old} -> {got}")
            continue
        spec = wanted.get(key)
        if spec is not None and spec.remove is not None:
            if old is None:
                if got is not None:
                    problems.append(f"{key}: created, though the state removes it")
                continue
            problems += _missing_problems(key, spec.remove, old, got)
            continue
        if spec is None:
            problems += _missing_problems(key, account.on_missing_user, old, got)
            continue
        if spec.status == "inactive" and old is None:
            if got is not None:
                problems.append(f"{key}: created, though inactive in the state")
            continue
        if got is None:
            problems.append(f"{key}: absent at the end")
            continue
        if old is not None and _unmanaged(got.groups) != _unmanaged(old.groups):
            problems.append(f"{key}: groups of an identity provider changed: {got.groups}")
        if spec.status is None and old is not None and old.status == "inactive":
            # Status left to Zoom, and an inactive user takes no change (a warning says so).
            if got != old:
                problems.append(f"{key}: inactive and unmanaged status, but changed")
            continue
        # An invited user stays pending until they accept: that is not a difference.
        invited = got.status == "pending" and (old is None or old.status == "pending")
        problems += [f"{key}: {p}" for p in _user_problems(spec, got, invited)]
    return problems


def _unmanaged(groups: set[str]) -> set[str]:
    return groups - set(MANAGED_GROUPS)


def _missing_problems(key: str, policy: str, old: MUser | None, got: MUser | None) -> list[str]:
    assert old is not None
    if policy in ("ignore", "report") or (policy == "deactivate" and old.status == "inactive"):
        return [] if got == old else [f"{key}: left alone by {policy}, but changed"]
    if policy == "deactivate" and old.status == "active":
        if got is None or got.status != "inactive" or got.phone or got.cc:
            return [f"{key}: not deactivated: {got}"]
        return []
    return [] if got is None else [f"{key}: not removed ({policy})"]


def _user_problems(spec: UserSpec, got: MUser, invited: bool) -> list[str]:
    out = []
    status = spec.status or "active"
    if got.status != status and not (invited and status == "active"):
        out.append(f"status {got.status}, not {status}")
    if status == "inactive":
        return out
    if spec.groups is not None and got.groups - _unmanaged(got.groups) != set(spec.groups):
        out.append(f"groups {sorted(got.groups)}, not {sorted(spec.groups)} (managed)")
    if spec.primary_group is not None and got.primary_group != spec.primary_group:
        out.append(f"primary group {got.primary_group}, not {spec.primary_group}")
    for name in ("first_name", "department", "type", "role"):
        if getattr(spec, name) is not None and getattr(got, name) != getattr(spec, name):
            out.append(f"{name} {getattr(got, name)!r}, not {getattr(spec, name)!r}")
    if (spec.phone is None) != (got.phone is None):
        out.append(f"phone {got.phone}, not {spec.phone}")
    elif spec.phone is not None and got.phone is not None:
        p, g = spec.phone, got.phone
        if p.site is not None and g.site != p.site:
            out.append(f"site {g.site}, not {p.site}")
        if p.extension is not None and g.extension != p.extension:
            out.append(f"extension {g.extension}, not {p.extension}")
        if g.plans != {int(x) for x in p.calling_plans}:
            out.append(f"plans {sorted(g.plans)}, not {sorted(p.calling_plans)}")  # type: ignore[type-var]
        if g.numbers != set(p.numbers):
            out.append(f"numbers {sorted(g.numbers)}, not {sorted(p.numbers)}")
        if p.call_queues is not None and g.call_queues != set(p.call_queues):
            out.append(f"call queues {sorted(g.call_queues)}, not {sorted(p.call_queues)}")
    if (spec.contact_center is None) != (got.cc is None):
        out.append(f"contact center {got.cc}, not {spec.contact_center}")
    elif spec.contact_center is not None and got.cc is not None:
        c, g2 = spec.contact_center, got.cc
        if (c.package is not None and g2.package != c.package) or (c.role, c.access) != (
            g2.role,
            g2.access,
        ):
            out.append(f"contact center {g2}, not {c}")
    return out


@SETTINGS
@given(cases())
def test_replaying_the_plan_reaches_the_state_without_conflicts(case: Case) -> None:
    plan = _plan(case)
    # What the examples exercised (shown by --hypothesis-show-statistics).
    for kind in sorted({op.kind for op in plan.operations}):
        event(kind)
    if any(op.id.endswith("/temp") for op in plan.operations):
        event("extension swap through a free one")
    if any(d.split("/")[0] != op.user for op in plan.operations for d in op.depends_on):
        event("a step waits for another user's step")
    if plan.waiting:
        event("waiting steps")
    leavers = {u.key for u in case.desired.users if u.remove is not None}
    if any(op.user in leavers for op in plan.operations):
        event("a user leaves by its own remove: entry")
    if any("transfer_email" in op.params for op in plan.operations):
        event("a deletion hands the data to another user")
    for pool in _seat_waits(plan):
        event(f"a {pool} seat claim waits for another user's release")
    model = _model(case)
    violations = model.replay(plan.operations)
    assert violations == [], "\n".join([*violations, "", _brief(plan)])
    problems = _expected_problems(case, plan, model)
    assert problems == [], "\n".join([*problems, "", _brief(plan)])
    # Apply runs users concurrently: any order that keeps `depends_on` must work too.
    for rank in (lambda op: 0, _seat_first):
        again = _model(case)
        violations = again.replay(_other_order(plan.operations, rank))
        assert violations == [], "\n".join([*violations, "", _brief(plan)])
    if any(op.kind == "move_group_member" for op in plan.operations):
        event("a user moves from one group to another")
    for order in (list(plan.operations), _other_order(plan.operations)):
        stranded = _without_a_group_between(case, order)
        assert stranded == [], "\n".join([*stranded, "", _brief(plan)])


def _without_a_group_between(case: Case, ops: list[Operation]) -> list[str]:
    """Users in a group before the plan and after it who are in none after some step."""
    model = _model(case)
    new_key = {old: new for new, old in case.renames.items()}

    def grouped() -> set[str]:
        return {new_key.get(k, k) for k, u in model.users.items() if u.groups}

    before = grouped()
    seen_without: dict[str, str] = {}
    for op in ops:
        model.apply(op)
        now = grouped()
        for key in before - now:
            seen_without.setdefault(key, op.id)
    after = grouped()
    return [
        f"{key}: in no group after {step}"
        for key, step in sorted(seen_without.items())
        if key in after
    ]


@settings(SETTINGS, max_examples=50)
@given(cases())
def test_the_plan_is_deterministic(case: Case) -> None:
    plan = _plan(case)
    assert make_plan(case.desired, case.live, PlanOptions(force=True)).to_json() == plan.to_json()


def _holdings(user: MUser | None, kept: set[str]) -> set[tuple[str, object]]:
    """What a user holds that a plan could take away; `kept` are the numbers someone
    else holds at the end (a number that moves is not lost)."""
    if user is None:
        return set()
    ranks = {"licensed": 2, "basic": 1, "none": 0}
    held: set[tuple[str, object]] = {("user", None)}
    if user.status != "inactive":
        held.add(("active", None))
    held |= {("type", r) for r in range(1, ranks.get(user.type or "basic", 1) + 1)}
    if user.cc is not None:
        held.add(("contact center", None))
    # A membership lost counts; one group for another (a move) loses nothing.
    held |= {("group", i) for i in range(len(user.groups))}
    if user.phone is not None:
        held.add(("phone", None))
        held |= {("calling plan", i) for i in range(len(user.phone.plans))}
        held |= {("number", n) for n in user.phone.numbers - kept}
        # A call queue left while keeping Zoom Phone counts (one lost with it: the phone).
        held |= {("call queue", q) for q in user.phone.call_queues}
    return held


def _users_losing(case: Case, plan: Plan) -> set[str]:
    """The users (under their planned e-mails) the replayed plan takes something from."""
    before = _model(case)
    after = _model(case)
    after.replay(plan.operations)
    new_key = {old: new for new, old in case.renames.items()}
    losing = set()
    for key, old in before.users.items():
        key = new_key.get(key, key)
        got = after.users.get(key)
        elsewhere = {
            n
            for u in after.users.values()
            if u.key != key and u.phone is not None
            for n in u.phone.numbers
        }
        if _holdings(old, elsewhere) - _holdings(got, set()):
            losing.add(key)
    return losing


@settings(SETTINGS, max_examples=150)
@given(cases())
def test_every_user_something_is_taken_from_counts_toward_safety(case: Case) -> None:
    plan = _plan(case)
    losing = _users_losing(case, plan)
    note(f"losing: {sorted(losing)}\n{_brief(plan)}")
    if losing:
        event("a plan takes something away")

    def limited(max_deletes: int) -> Plan:
        safety = SafetyLimits(max_deletes=max_deletes, max_delete_percent=100)
        account = case.desired.account.model_copy(update={"safety": safety})
        return make_plan(dataclasses.replace(case.desired, account=account), case.live)

    # At the count: planned as with --force (nothing over-counted).
    assert limited(len(losing)).operations == plan.operations
    if losing:
        # One below: refused, naming the count (nothing under-counted).
        try:
            limited(len(losing) - 1)
        except UnsafePlan as exc:
            assert f"from {len(losing)} of" in str(exc)
        else:
            raise AssertionError(f"not refused at max_deletes {len(losing) - 1}")


@SETTINGS
@given(cases())
def test_the_phone_groups_are_read_whenever_the_plan_takes_zoom_phone_away(case: Case) -> None:
    # needs_phone_groups decides on the users read, before any plan: it may say yes for
    # a plan that removes nobody, never no for one that does (the guard would not run).
    manage = tuple(a for a in case.desired.account.manage if a != "phone_queues")
    account = case.desired.account.model_copy(update={"manage": manage})
    desired = dataclasses.replace(case.desired, account=account)
    try:
        plan = make_plan(desired, case.live)
    except (ValidationFailed, UnsafePlan):
        reject()
    users = case.live.by_key()
    leaving = [
        op
        for op in plan.operations
        if op.kind in LEAVING and (u := users.get(op.user)) is not None and u.spec.phone
    ]
    if leaving:
        event("a phone user leaves")
        assert needs_phone_groups(desired)(case.live), [op.id for op in leaving]


def _zoom_picks_aside(case: Case, users: dict[str, MUser]) -> dict[str, MUser]:
    """The users with the extension Zoom picks for a new phone user whose state names
    none set to 0: which free one Zoom picks depends on what is free by then, which the
    order of the steps decides (the replay has checked that no two users hold one)."""
    live = case.live.by_key()
    picked = {
        u.key
        for u in case.desired.users
        if u.phone is not None
        and u.phone.extension is None
        and ((old := live.get(case.renames.get(u.key, u.key))) is None or old.spec.phone is None)
    }
    return {
        key: dataclasses.replace(user, phone=dataclasses.replace(user.phone, extension=0))
        if key in picked and user.phone is not None
        else user
        for key, user in users.items()
    }


@SETTINGS
@given(cases())
def test_batched_and_per_user_plans_reach_the_same_account(case: Case) -> None:
    # Batches change how steps are sent, never what the account ends up as: replayed in
    # the account model, the batched plan and the --no-batch plan of the same case leave
    # every user, seat and number the same (but for which free extension Zoom picks for
    # a new phone user whose state names none).
    batched = _plan(case)
    per_user = make_plan(case.desired, case.live, PlanOptions(force=True, batch=False))
    if any(op.batch or op.kind == "add_phone_user" for op in batched.operations):
        event("the plan has batched steps")
    one, other = _model(case), _model(case)
    assert one.replay(batched.operations) == [], _brief(batched)
    assert other.replay(per_user.operations) == [], _brief(per_user)
    assert _zoom_picks_aside(case, one.users) == _zoom_picks_aside(case, other.users)
    assert one.plan_free == other.plan_free
    assert {op.kind for op in per_user.operations}.isdisjoint({"add_phone_user"})
