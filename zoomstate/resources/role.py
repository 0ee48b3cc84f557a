"""A user's account role (`role:`)."""

from __future__ import annotations

from zoomstate.core.aspect import ScalarFields
from zoomstate.model import UserSpec
from zoomstate.resources.steps import UserSteps


def plan_role(p: UserSteps, live: UserSpec | None, target: UserSpec) -> None:
    if "role" not in p.manage or target.role is None:
        return
    current = live.role if live else "Member"
    if (current or "").lower() == target.role.lower():
        return
    role = p.b.roles.get(target.role.lower())
    if role is None:
        if p.b.live.roles:
            p.b.problem(
                p.key,
                "role",
                f"unknown role {target.role!r} "
                f"(the account has: {', '.join(sorted(r.name for r in p.b.live.roles))})",
            )
        else:
            p.b.warnings.append(f"{p.key}: roles could not be read; role not checked")
        return
    if target.role.lower() == "owner":
        p.b.problem(p.key, "role", "the Owner role cannot be assigned through the API")
        return
    p.step("assign_role", {"role_id": role.id, "role": role.name}, before=current, after=role.name)


ROLE = ScalarFields("role", ("role",))
