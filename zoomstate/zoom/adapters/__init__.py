"""One Zoom adapter per resource kind: its list reads and the mapping of Zoom's JSON to
the spec types, the write handlers of its operation kinds (`HANDLERS`) and the reads a
data-losing step journals first (`snapshot_reads`); `base.Adapter` is what each declares.

`ADAPTERS` is the registry the whole-account read and the executor iterate over; its
order is the order the lists are requested in, and the order of a snapshot's reads."""

from __future__ import annotations

from zoomstate.zoom.adapters import contact_center, groups, phone, phone_groups, roles, users
from zoomstate.zoom.adapters.base import Adapter, ListSpec

ADAPTERS: tuple[Adapter, ...] = (users, phone, roles, contact_center, groups, phone_groups)
LISTS: tuple[ListSpec, ...] = tuple(spec for adapter in ADAPTERS for spec in adapter.LISTS)

__all__ = ["ADAPTERS", "LISTS", "Adapter", "ListSpec"]
