"""Contact Center users and roles: the list reads and their mapping."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast, get_args

from zoomstate.live import Named
from zoomstate.model import ContactCenterPackage, ContactCenterSpec
from zoomstate.zoom.adapters.base import JsonObject, ListSpec, text

LISTS = (
    ListSpec("cc_users", "/contact_center/users", "users"),
    ListSpec("cc_roles", "/contact_center/roles", "roles"),
)
_PACKAGES = frozenset(get_args(ContactCenterPackage))


def by_email(items: Iterable[JsonObject]) -> dict[str, JsonObject]:
    return {str(c["user_email"]).lower(): c for c in items if c.get("user_email")}


def map_contact_center(item: JsonObject) -> ContactCenterSpec:
    # Zoom's batch endpoints capitalise package names ("Premium"): compare lower-cased.
    package = (text(item.get("package_name")) or "").lower()
    access = (text(item.get("user_access")) or "active").lower()
    return ContactCenterSpec.model_construct(
        package=cast(ContactCenterPackage, package) if package in _PACKAGES else None,
        role=text(item.get("role_name")) or "",
        access="inactive" if access == "inactive" else "active",
    )


def map_cc_roles(items: Iterable[JsonObject]) -> tuple[Named, ...]:
    roles = (Named(str(r["role_id"]), str(r.get("role_name"))) for r in items if r.get("role_id"))
    return tuple(sorted(roles, key=lambda r: r.name))
