"""Zoom account roles: the list read and its mapping."""

from __future__ import annotations

from collections.abc import Iterable

from zoomstate.live import Named
from zoomstate.zoom.adapters.base import JsonObject, ListSpec

LISTS = (ListSpec("roles", "/roles", "roles"),)


def role_names(items: Iterable[JsonObject]) -> dict[str, str]:
    """Role id -> name (a user's `role_id` is read back as the role's name)."""
    return {str(r.get("id")): str(r.get("name")) for r in items if r.get("id") is not None}


def map_roles(names: dict[str, str]) -> tuple[Named, ...]:
    return tuple(sorted((Named(k, v) for k, v in names.items()), key=lambda r: r.id))
