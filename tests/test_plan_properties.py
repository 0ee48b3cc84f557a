"""Property tests of the planner on random desired/live pairs.

Small accounts (up to 8 users, 2 sites, 3 calling plans with tight seats, 6 numbers,
extensions from a small range) so that moves, swaps, seat shortages, pending users,
leavers, out-of-scope and protected users all come up. Each plan is replayed on
`tests.plan_model.AccountModel`, which applies Zoom's side effects and records every
step Zoom would refuse. Checked:

(a) after the replay, every in-scope, non-protected, non-waiting user is as the state
    says, and every other user is as it was;
(b) no step claims an extension or number another user holds, nor a calling-plan seat
    that is not free, in the plan's order AND in another order that apply could run it in
    (apply runs users concurrently, bound only by `depends_on`);
(c) the same inputs give a byte-identical plan.

Zoom picks the extension of a new phone user; the model picks the worst one it can (an
extension someone else is about to claim), since Zoom promises nothing.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, given, reject, settings

from tests.plan_model import AccountModel, MUser
from zoomstate.errors import UnsafePlan, ValidationFailed
from zoomstate.live import CallingPlan, LiveState, LiveUser, Named, PhoneNumber, Site
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    PhoneSpec,
    SafetyLimits,
    UserSpec,
)
from zoomstate.plan import Operation, Plan, PlanOptions, make_plan

# Derandomized so CI sees the same examples every run; ZOOMSTATE_PROPERTY_EXAMPLES=5000
# explores fresh random examples locally.
_EXPLORE = int(os.environ.get("ZOOMSTATE_PROPERTY_EXAMPLES", "0"))
SETTINGS = settings(
    max_examples=_EXPLORE or 150,
    deadline=None,
    derandomize=not _EXPLORE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

SITES = {"SF": 1, "LDN": 2}
DEFAULT_SITE = "SF"
EXTENSIONS = [1001, 1002, 1003, 1004, 2001, 2002, 2003]
# Room for Zoom's own picks beyond the ones states use.
EXTENSION_RANGE = [*range(1001, 1013), *range(2001, 2013)]
PLANS = (100, 200, 300)  # all US/CA: any of them covers the US numbers below
NUMBERS = [f"+1415555010{i}" for i in range(6)]
ROLES = ("Member", "Admin", "Auditor")
CC_ROLES = ("Agent", "Supervisor")


class Case:
    def __init__(self, desired: DesiredState, live: LiveState) -> None:
        self.desired = desired
        self.live = live

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        lines = [f"account: {self.desired.account.model_dump(exclude_defaults=True)}"]
        lines += [
            f"  live {u.status}: {u.spec.model_dump(exclude_none=True)}" for u in self.live.users
        ]
        lines += [f"  want: {u.model_dump(exclude_none=True)}" for u in self.desired.users]
        lines += [f"  plan {p.type}: available {p.available}" for p in self.live.calling_plans]
        return "\n".join(lines)


def _site_of(extension: int) -> str:
    return "SF" if str(extension).startswith("1") else "LDN"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(1, 8))
    policy = draw(st.sampled_from(["ignore", "report", "deactivate", "disassociate", "delete"]))
    create_action = draw(st.sampled_from(["create", "autoCreate"]))
    free_exts = list(EXTENSIONS)
    free_nums = list(NUMBERS)
    live_users: list[LiveUser] = []
    slots: list[dict[str, Any]] = []
    # Live side first: extensions and numbers held by at most one user each.
    for i in range(n):
        scope = draw(st.sampled_from(["in", "in", "in", "in", "out", "protected"]))
        key = f"u{i}@partner.test" if scope == "out" else f"u{i}@example.com"
        slot: dict[str, Any] = {"key": key, "scope": scope, "live": None}
        slots.append(slot)
        if scope == "in" and draw(st.integers(0, 3)) == 0:
            continue
        status = draw(st.sampled_from(["active", "active", "active", "inactive", "pending"]))
        phone = None
        if status == "active" and free_exts and draw(st.integers(0, 3)) > 0:
            ext = draw(st.sampled_from(free_exts))
            free_exts.remove(ext)
            plans = draw(st.sets(st.sampled_from(PLANS), max_size=2))
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
            )
        cc = None
        if status == "active" and draw(st.integers(0, 3)) == 0:
            cc = ContactCenterSpec.model_construct(
                package=draw(st.sampled_from(["essentials", "premium"])),
                role=draw(st.sampled_from(CC_ROLES)),
                access="active",
            )
        # A leaver is never an admin here (refusing admin leavers is a scenario test).
        role = draw(st.sampled_from(ROLES)) if status == "active" else "Member"
        spec = UserSpec.model_construct(
            email=key,
            id=None if status == "pending" else f"id{i}",
            first_name=draw(st.sampled_from(["Ann", "Bob"])),
            last_name="X",
            department=draw(st.sampled_from(["Sales", "Support"])),
            job_title=None,
            type=draw(st.sampled_from(["licensed", "basic"])) if status == "active" else "basic",
            role=role,
            status="inactive" if status == "inactive" else "active",
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
        slot["scope"] == "in" and (slot["live"] is None or draw(st.integers(0, 3)) > 0)
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
    claimable_exts = [e for e in EXTENSIONS if e not in held_exts]
    # Sometimes two users swap (or three rotate) their extensions.
    movers = [
        i
        for i, (slot, wanted) in enumerate(zip(slots, wants, strict=True))
        if wanted
        and slot["live"] is not None
        and slot["live"].status == "active"
        and slot["live"].spec.phone is not None
        and slot["live"].spec.role != "Admin"
    ]
    rotation: dict[int, int] = {}
    if len(movers) >= 2 and draw(st.booleans()):
        ring = draw(st.permutations(movers))[: draw(st.integers(2, min(3, len(movers))))]
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            ext = slots[b]["live"].spec.phone.extension
            rotation[a] = ext
            claimable_exts.remove(ext)
    claimable_nums = [x for x in NUMBERS if x not in held_nums]

    desired_users: list[UserSpec] = []
    # Extensions kept without being named (absent = leave as Zoom has it) are claimed
    # first, so no one else is given them.
    for index, (slot, wanted) in enumerate(zip(slots, wants, strict=True)):
        if not wanted or slot["scope"] == "out":
            continue
        live = slot["live"]
        status = draw(st.sampled_from(["active", "active", "active", "active", "inactive", None]))
        if index in rotation:
            status = "active"
        fields: dict[str, Any] = {"email": slot["key"]}
        if status is not None:
            fields["status"] = status
        if draw(st.booleans()):
            fields["first_name"] = draw(st.sampled_from(["Ann", "Bob"]))
        if draw(st.booleans()):
            fields["department"] = draw(st.sampled_from(["Sales", "Support"]))
        if draw(st.booleans()):
            fields["type"] = draw(st.sampled_from(["licensed", "basic"]))
        if draw(st.booleans()):
            fields["role"] = draw(st.sampled_from(ROLES))
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
            if "phone" not in fields:
                plans = draw(st.sets(st.sampled_from(PLANS), max_size=2))
                phone["calling_plans"] = sorted(plans)
                if plans and claimable_nums:
                    nums = draw(st.lists(st.sampled_from(claimable_nums), max_size=2, unique=True))
                    for x in nums:
                        claimable_nums.remove(x)
                    phone["numbers"] = nums
                fields["phone"] = phone
        if status != "inactive" and draw(st.integers(0, 2)) == 0:
            fields["contact_center"] = {
                "package": draw(st.sampled_from(["essentials", "premium", None])),
                "role": draw(st.sampled_from(CC_ROLES)),
                "access": draw(st.sampled_from(["active", "inactive"])),
            }
        desired_users.append(UserSpec.model_validate(fields))

    # Calling plan seats: exactly what the end state needs, sometimes one spare, so that
    # claims must often wait for releases.
    def plans_at_end(slot: dict[str, Any], wanted: bool) -> set[int]:
        live = slot["live"]
        if untouched(slot, wanted) or (live is not None and live.status == "pending"):
            return set(live.spec.phone.calling_plans) if live and live.spec.phone else set()
        spec = next((u for u in desired_users if u.key == slot["key"]), None)
        if spec is None or spec.phone is None or spec.status == "inactive":
            return set()
        if live is None and create_action == "create":
            return set()
        return {int(p) for p in spec.phone.calling_plans}

    calling_plans = []
    for plan in PLANS:
        now = sum(
            1 for u in live_users if u.spec.phone is not None and plan in u.spec.phone.calling_plans
        )
        end = sum(1 for s, w in zip(slots, wants, strict=True) if plan in plans_at_end(s, w))
        subscribed = max(now, end) + draw(st.integers(0, 1))
        calling_plans.append(CallingPlan(plan, f"Plan {plan}", subscribed, now, subscribed - now))
    holders = {
        x: u.zoom_id for u in live_users if u.spec.phone is not None for x in u.spec.phone.numbers
    }
    protected = tuple(s["key"] for s in slots if s["scope"] == "protected")
    account = AccountPolicy(
        domains=("example.com",),
        on_missing_user=policy,
        create_action=create_action,
        protected=protected,
        safety=SafetyLimits(max_deletes=100, max_delete_percent=100),
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
    )
    return Case(DesiredState(account=account, users=tuple(desired_users)), live)


def _plan(case: Case) -> Plan:
    try:
        return make_plan(case.desired, case.live, PlanOptions(force=True))
    except UnsafePlan as exc:
        # The one refusal --force does not lift: a plan that removes every managed user.
        assert "every managed user" in str(exc)
        reject()
    except ValidationFailed as exc:
        raise AssertionError("\n".join(map(str, exc.issues))) from None


def _brief(plan: Plan) -> str:
    return "\n".join(
        f"{op.id} {dict(op.params)} <- {', '.join(op.depends_on)}" for op in plan.operations
    )


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
    )


def _other_order(ops: tuple[Operation, ...]) -> list[Operation]:
    """Another order apply may run the plan in: each user's steps in plan order, across
    users only what `depends_on` demands, and among ready steps the LATEST first."""
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
    ready = [(-index[o], o) for o, k in left.items() if k == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, o = heapq.heappop(ready)
        out.append(ops[index[o]])
        for nxt in dependents[o]:
            left[nxt] -= 1
            if left[nxt] == 0:
                heapq.heappush(ready, (-index[nxt], nxt))
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
        if not account.in_scope(key) or account.is_protected(key) or key in waiting:
            if key not in waiting and got != old:
                problems.append(f"{key}: out of reach but changed: {old} -> {got}")
            continue
        spec = wanted.get(key)
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
        if spec.status is None and old is not None and old.status == "inactive":
            # Status left to Zoom, and an inactive user takes no change (a warning says so).
            if got != old:
                problems.append(f"{key}: inactive and unmanaged status, but changed")
            continue
        # An invited user stays pending until they accept: that is not a difference.
        invited = got.status == "pending" and (old is None or old.status == "pending")
        problems += [f"{key}: {p}" for p in _user_problems(spec, got, invited)]
    return problems


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
    model = _model(case)
    violations = model.replay(plan.operations)
    assert violations == [], "\n".join([*violations, "", _brief(plan)])
    problems = _expected_problems(case, plan, model)
    assert problems == [], "\n".join([*problems, "", _brief(plan)])
    # Apply runs users concurrently: any order that keeps `depends_on` must work too.
    again = _model(case)
    violations = again.replay(_other_order(plan.operations))
    assert violations == [], "\n".join([*violations, "", _brief(plan)])


@settings(SETTINGS, max_examples=50)
@given(cases())
def test_the_plan_is_deterministic(case: Case) -> None:
    plan = _plan(case)
    assert make_plan(case.desired, case.live, PlanOptions(force=True)).to_json() == plan.to_json()
