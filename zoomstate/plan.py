"""From user differences to an ordered, checked, fingerprinted plan of Zoom API steps.

Pure: the same desired and live states give a byte-identical plan (`Plan.to_dict`).

Steps are `Operation`s with explicit dependencies. `order_operations` is the only place
that decides order; every rule is written where it is applied, with why:

1. A user exists (and is active) before any role, Phone or Contact Center step for it
   (zoomstate/resources/user.py).
2. The Phone licence before site, extension and template; a calling plan before a number
   (zoomstate/resources/phone.py).
3. Releases before claims: a number or extension moving between users is released by the
   old owner first; a swap (or longer cycle) of extensions goes through a free one
   (zoomstate/core/links.py).
4. Seats: removals that free a seat run before the additions that need it; a plan that
   needs more seats than will be free fails here, with the counts (zoomstate/core/seats.py).
5. Destructive steps last, except one whose freed seat, number or extension a later step
   needs (zoomstate/core/order.py).
6. Pending users: steps that need an active user are listed under `waiting`, not planned
   (zoomstate/resources/steps.py).

This module is the planner's public face: everything lives in `zoomstate.core` and
`zoomstate.resources`, and is imported from here as before.
"""

from __future__ import annotations

from zoomstate.core.builder import Builder, PlanOptions
from zoomstate.core.ops import (
    OP_KINDS,
    OPS,
    SPECS,
    SYMBOLS,
    USER_SEQUENCE,
    Operation,
    OpKind,
    OpSpec,
    Waiting,
)
from zoomstate.core.order import order_operations
from zoomstate.core.plan_format import (
    FORMAT_VERSION,
    Plan,
    live_fingerprints,
    state_hash,
    user_fingerprint,
)
from zoomstate.core.planner import make_plan
from zoomstate.core.safety import check_safety, drop_removals, takes_away
from zoomstate.core.seats import _seat_order
from zoomstate.resources.user import ADMIN_ROLE_IDS, ADMIN_ROLES, UserPlanner

# The private names of the single module this was, for code written against it.
_Builder = Builder
_UserPlanner = UserPlanner
_USER_SEQUENCE = USER_SEQUENCE
_check_safety = check_safety
_drop_removals = drop_removals

__all__ = [
    "ADMIN_ROLES",
    "ADMIN_ROLE_IDS",
    "FORMAT_VERSION",
    "OPS",
    "OP_KINDS",
    "SPECS",
    "SYMBOLS",
    "OpKind",
    "OpSpec",
    "Operation",
    "Plan",
    "PlanOptions",
    "Waiting",
    "_seat_order",
    "live_fingerprints",
    "make_plan",
    "order_operations",
    "state_hash",
    "takes_away",
    "user_fingerprint",
]
