"""A pure model of a Zoom account, for replaying plans in tests, one module per resource.

Each operation kind changes the model as the sandbox changes its account, side effects
included (docs/sandbox.md, "Behaviour emulated"). Whatever the sandbox would refuse (an
extension or number held by someone else, a calling plan, licensed or Contact Center seat
without a free one, a step on a pending user) is recorded as a violation rather than raised,
so a test can show every one of them.

The model is an independent oracle: it is written from Zoom's behaviour, not from
zoomstate's executor, so it imports neither `zoomstate.apply` nor `zoomstate.zoom`
(tests/test_layers.py checks). It borrows only zoomstate's data types (the live state it
starts from, the operations it replays).

Layout: `account` holds the records and the checks every resource shares; `users`, `roles`,
`groups`, `phone` and `contact_center` each register the kinds they model in a `HANDLERS` table;
`HANDLERS` here is their union, in that order (tests/test_op_registry.py checks it covers
every operation kind). A new resource adds its module and one line to `_RESOURCES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType

from tests.models import contact_center, groups, phone, phone_groups, roles, users
from tests.models.account import Account, Allocate, Handler, MContactCenter, MPhone, MUser, lowest
from zoomstate.plan import Operation

_RESOURCES: tuple[ModuleType, ...] = (users, roles, groups, phone, phone_groups, contact_center)


def _union(modules: Iterable[ModuleType]) -> dict[str, Handler]:
    merged: dict[str, Handler] = {}
    for module in modules:
        table: Mapping[str, Handler] = module.HANDLERS
        # Two resources modelling one kind would let the later one win unseen.
        twice = sorted(set(merged) & set(table))
        assert not twice, f"{module.__name__} models kinds already registered: {twice}"
        merged.update(table)
    return merged


# One model handler per operation kind, as apply has (tests/test_op_registry.py checks).
HANDLERS: Mapping[str, Handler] = _union(_RESOURCES)


class AccountModel(Account):
    """The account, replaying operations through the resources' handlers."""

    def apply(self, op: Operation) -> None:
        before = self.seats_used()
        HANDLERS[op.kind](self, op)
        # A step that takes a licensed, Zoom Phone or Contact Center seat when none is free
        # is refused (2034, 1102, 290010). Checked on the counts, so every way of taking
        # one is covered.
        for pool, count in self.seats_used().items():
            limit = self.seat_limit(pool)
            if limit is not None and count > before.get(pool, 0) and count > limit:
                self.bad(op, f"no free {pool} seat ({count} of {limit} would be used)")

    def replay(self, ops: Iterable[Operation]) -> list[str]:
        for op in ops:
            self.apply(op)
        return self.violations


__all__ = [
    "HANDLERS",
    "Account",
    "AccountModel",
    "Allocate",
    "Handler",
    "MContactCenter",
    "MPhone",
    "MUser",
    "lowest",
]
