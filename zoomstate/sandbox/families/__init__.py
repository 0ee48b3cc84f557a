"""The sandbox's families, one per part of Zoom's API: each brings its routes, its
behaviour, and its part of seeds and of the sandbox file (see `base.Family`).

`FAMILIES` is the registry, an explicit tuple so that the order is fixed and mypy checks
it. Seeding, saving and loading run in this order, which is why users come last: a user's
record refers to the others' records (sites, plans, numbers, roles, Contact Center roles
and packages), so those must exist first, and the ids of a seed come out in the order they
always have. Groups come after users: a seeded user's groups are set once the user exists,
and a seed without groups draws no id, so its users keep theirs. Call queues and shared
line groups come last for the same reasons. Adding a family:
docs/sandbox.md, "Adding a family".
"""

from __future__ import annotations

from zoomstate.sandbox.families import contact_center, groups, phone, queues, roles, users
from zoomstate.sandbox.families.base import Family
from zoomstate.sandbox.routing import Route

__all__ = ["FAMILIES", "all_routes"]

FAMILIES: tuple[Family, ...] = (
    phone.FAMILY,
    roles.FAMILY,
    contact_center.FAMILY,
    users.FAMILY,
    groups.FAMILY,
    queues.FAMILY,
)


def all_routes() -> tuple[Route, ...]:
    """Every family's routes, in registry order. No path of one family matches another's
    (each has its own prefix: `/users`, `/roles`, `/phone/users` and the other phone paths,
    `/phone/call_queues` and `/phone/shared_line_groups`, `/contact_center`, `/groups`), so
    the order between families never decides a match; within a family its table's order
    does."""
    return tuple(r for family in FAMILIES for r in family.routes)
