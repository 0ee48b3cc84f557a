"""A user's Contact Center seat: package, role and access (`contact_center:`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from zoomstate.core.aspect import AspectName, JsonValue, PlanResolver
from zoomstate.core.builder import choices
from zoomstate.live import LiveUser
from zoomstate.model import ContactCenterSpec, UserSpec
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


class ContactCenterAspect:
    """`contact_center:` as diff and export see it: a package left out keeps the live
    one; role and access are always the state's."""

    name: Final[AspectName] = "contact_center"
    fields: Final[tuple[str, ...]] = ("contact_center",)
    block: Final[None] = None

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        mine = desired.contact_center
        if mine is None:
            return {"contact_center": None}
        theirs = live.contact_center if live else None
        package = mine.package if mine.package is not None else (theirs.package if theirs else None)
        return {
            "contact_center": ContactCenterSpec.model_construct(
                package=package, role=mine.role, access=mine.access
            )
        }

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        mine, theirs = desired.contact_center, live.contact_center
        if mine is None or theirs is None:
            return mine is None and theirs is None
        return (
            (mine.package is None or mine.package == theirs.package)
            and mine.role == theirs.role
            and mine.access == theirs.access
        )

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        value = spec.contact_center
        if value is None:
            return {"contact_center": None}
        return {
            "contact_center": {
                "package": value.package,
                "role": value.role,
                "access": value.access,
            }
        }

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        spec = user.spec.contact_center
        if spec is None:
            return {}
        cc: dict[str, Any] = {}
        if spec.package is not None:
            cc["package"] = spec.package
        cc["role"] = spec.role
        cc["access"] = spec.access
        return {"contact_center": cc}


CONTACT_CENTER = ContactCenterAspect()
