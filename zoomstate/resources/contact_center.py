"""A user's Contact Center seat: package, role and access (`contact_center:`)."""

from __future__ import annotations

from zoomstate.core.builder import choices
from zoomstate.diff import JsonValue
from zoomstate.model import UserSpec
from zoomstate.resources.steps import UserSteps


def plan_contact_center(p: UserSteps, live_user: UserSpec | None, target: UserSpec) -> None:
    if "contact_center" not in p.manage:
        return
    b = p.b
    live = live_user.contact_center if live_user else None
    want = target.contact_center
    if want is None and live is None:
        return
    if want is None:
        assert live is not None
        p.step(
            "delete_contact_center_user",
            {},
            before=live.package,
            after=None,
            removal=True,
            note="releases the Contact Center seat",
        )
        return
    if not b.live.contact_center_enabled:
        b.problem(p.key, "contact_center", "Contact Center is not enabled on this account")
        return
    role = b.cc_roles.get(want.role.lower())
    if role is None:
        b.problem(
            p.key,
            "contact_center.role",
            f"unknown Contact Center role {want.role!r}"
            + choices(r.name for r in b.live.contact_center_roles),
        )
        return
    after: dict[str, JsonValue] = {
        "package": want.package,
        "role": want.role,
        "access": want.access,
    }
    if live is None:
        p.step(
            "create_contact_center_user",
            {"package": want.package, "role_id": role.id, "access": want.access},
            before=None,
            after=after,
        )
        return
    changes: dict[str, JsonValue] = {}
    if live.package != want.package and want.package is not None:
        changes["package"] = want.package
    if live.role.lower() != want.role.lower():
        changes["role_id"] = role.id
    if live.access != want.access:
        changes["access"] = want.access
    if changes:
        p.step(
            "update_contact_center_user",
            changes,
            before={"package": live.package, "role": live.role, "access": live.access},
            after=after,
        )
