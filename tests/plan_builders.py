"""Hand-built desired and live states for pure tests of `make_plan` (no CLI, no
sandbox, no HTTP), and small readers of the plan they give.

The account is the plan scenarios' (tests/scenarios/cases.py): San Francisco (site code
10) and London (20), US/CA Unlimited (200) and Metered (100), the numbers SF_NUMBERS, the
Auditor role, the Agent and Supervisor Contact Center roles, the "Sales default" setting
template, and BASE_ACCOUNT's policy. Live users look as `zoomstate.zoom.read` maps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from tests.scenarios.cases import BASE_ACCOUNT, SF_NUMBERS
from zoomstate.errors import ValidationFailed
from zoomstate.live import (
    CallingPlan,
    LiveState,
    LiveStatus,
    LiveUser,
    Named,
    PhoneNumber,
    Site,
)
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    PhoneSpec,
    UserSpec,
    UserType,
)
from zoomstate.plan import Plan, make_plan

SF, LONDON = "San Francisco", "London"
PLAN_NAMES = {100: "US/CA Metered", 200: "US/CA Unlimited"}
N0, N1, N5, N6 = SF_NUMBERS[0], SF_NUMBERS[1], SF_NUMBERS[5], SF_NUMBERS[6]


def email(name: str) -> str:
    return f"{name}@example.com"


def live_user(
    name: str,
    ext: int | None = None,
    *,
    plans: Sequence[int] = (200,),
    numbers: Sequence[str] = (),
    site: str = SF,
    status: LiveStatus = "active",
    type: UserType = "licensed",
    role: str = "Member",
    cc: ContactCenterSpec | None = None,
    groups: Sequence[str] | None = None,
    primary: str | None = None,
) -> LiveUser:
    """A live user as `zoomstate.zoom.read` maps one (a phone when `ext` is given)."""
    phone = None
    if ext is not None:
        phone = PhoneSpec.model_construct(
            site=site,
            extension=ext,
            calling_plans=tuple(sorted(plans)),
            numbers=tuple(sorted(numbers)),
            template=None,
        )
    spec = UserSpec.model_construct(
        email=email(name),
        id=f"id-{name}",
        first_name=name.capitalize(),
        last_name="Test",
        department=None,
        job_title=None,
        type=type,
        role=role,
        status="inactive" if status == "inactive" else "active",
        groups=tuple(sorted(groups)) if groups is not None else None,
        primary_group=primary,
        phone=phone,
        contact_center=cc,
        profile=None,
    )
    return LiveUser(spec=spec, status=status, zoom_id=spec.id, role_id=None)


def live_state(
    *users: LiveUser, available: Mapping[int, int] | None = None, groups: Sequence[str] = ()
) -> LiveState:
    """The account around `users`: every SF number, held as the users hold them; each
    calling plan with `available` free seats (10 unless told); the user groups named
    (ids `group-<name>`)."""
    free = {100: 10, 200: 10, **(available or {})}
    holders = {n: u.zoom_id for u in users if u.spec.phone for n in u.spec.phone.numbers}
    return LiveState(
        users=tuple(sorted(users, key=lambda u: u.key)),
        sites=(Site("site-ldn", LONDON, 20), Site("site-sf", SF, 10)),
        calling_plans=tuple(
            CallingPlan(code, name, 10, 10 - free[code], free[code])
            for code, name in sorted(PLAN_NAMES.items())
        ),
        numbers=tuple(
            PhoneNumber(
                f"num-{i}",
                n,
                "assigned" if n in holders else "available",
                holders.get(n),
                "user" if n in holders else None,
                "site-sf",
            )
            for i, n in enumerate(SF_NUMBERS)
        ),
        templates=(Named("tpl-1", "Sales default"),),
        roles=(
            Named("0", "Owner"),
            Named("1", "Admin"),
            Named("2", "Member"),
            Named("3", "Auditor"),
        ),
        contact_center_roles=(Named("cc-agent", "Agent"), Named("cc-lead", "Supervisor")),
        groups=tuple(Named(f"group-{g}", g) for g in sorted(groups)),
    )


def want(
    name: str,
    ext: int | None = None,
    *,
    phone: bool = True,
    plans: Sequence[int | str] = (200,),
    numbers: Sequence[str] = (),
    site: str | None = SF,
    **fields: Any,
) -> UserSpec:
    """A state user (licensed); with Zoom Phone unless `phone=False`."""
    spec = PhoneSpec(site=site, extension=ext, calling_plans=tuple(plans), numbers=tuple(numbers))
    return UserSpec(email=email(name), type="licensed", phone=spec if phone else None, **fields)


def state(*users: UserSpec, **account: Any) -> DesiredState:
    return DesiredState(
        account=AccountPolicy.model_validate({**BASE_ACCOUNT, **account}), users=users
    )


def ids(plan: Plan) -> list[str]:
    return [op.id for op in plan.operations]


def deps(plan: Plan) -> dict[str, set[str]]:
    return {op.id: set(op.depends_on) for op in plan.operations}


def waits_for(plan: Plan) -> dict[str, set[str]]:
    """Every step each step waits for, directly or through others (the transitive
    closure of `depends_on`): what apply really holds a step back for."""
    direct = deps(plan)
    closure: dict[str, set[str]] = {}
    for op in plan.operations:  # in plan order: every dependency is closed already
        closure[op.id] = set(direct[op.id]).union(*(closure[d] for d in direct[op.id]))
    return closure


def problems(desired: DesiredState, live: LiveState) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        make_plan(desired, live)
    return [issue.message for issue in caught.value.issues]


ALICE = live_user("alice", 101001, numbers=(N0,))
KEEP_ALICE = want("alice", 101001, numbers=(N0,))

__all__ = [
    "ALICE",
    "KEEP_ALICE",
    "LONDON",
    "N0",
    "N1",
    "N5",
    "N6",
    "SF",
    "deps",
    "email",
    "ids",
    "live_state",
    "live_user",
    "problems",
    "state",
    "waits_for",
    "want",
]
