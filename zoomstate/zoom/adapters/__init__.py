"""One Zoom adapter per resource kind: its list reads and the mapping of Zoom's JSON to
the spec types (and, as kinds move here, its write handlers and snapshot reads).

`ADAPTERS` is the registry the whole-account read iterates over; its order is the order
the lists are requested in."""

from __future__ import annotations

from zoomstate.zoom.adapters import contact_center, phone, roles, users
from zoomstate.zoom.adapters.base import ListSpec

ADAPTERS = (users, phone, roles, contact_center)
LISTS: tuple[ListSpec, ...] = tuple(spec for adapter in ADAPTERS for spec in adapter.LISTS)

__all__ = ["ADAPTERS", "LISTS", "ListSpec"]
