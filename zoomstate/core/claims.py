"""What each kind of operation claims and frees, as addresses (zoomstate/core/address.py).

The links between users (zoomstate/core/links.py, seats.py) are computed from these
declarations, never from kind names: a claim of `number:X` waits for a step of X's holder
that frees it. `claims(op)` depends on the step alone; `frees(op, held)` also on what its
owner holds in the live account (`holdings`): turning Zoom Phone off frees the user's
numbers, extension and calling-plan seats, whatever they are. The order of the addresses
a declaration returns carries no meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from zoomstate.core import params as P
from zoomstate.core.address import (
    ANY_EXTENSION,
    LICENSED_SEAT,
    PHONE_SEAT,
    Address,
    contact_center_seat,
    plan_seat,
)
from zoomstate.core.aspect import JsonValue
from zoomstate.live import LiveUser

if TYPE_CHECKING:
    from zoomstate.core.ops import Operation

Addresses = tuple[Address, ...]
Held = frozenset[Address]
Claims = Callable[["Operation"], Addresses]
Frees = Callable[["Operation", Held], Addresses]
R = TypeVar("R", bound=P.Params)
NOTHING: Held = frozenset()


def holdings(user: LiveUser) -> Held:
    """What a live user holds that one other step may want: numbers, extension, seats
    (its licences as `LiveUser.licences` counts them, and its calling plans')."""
    held = set(user.licences())
    phone = user.spec.phone
    if phone is not None:
        held.update(Address.number(n) for n in phone.numbers)
        if phone.extension is not None:
            held.add(Address.extension(phone.extension))
        held.update(plan_seat(t) for t in phone.calling_plans if isinstance(t, int))
    return frozenset(held)


def _args(op: Operation, record: type[R]) -> R:
    args = op.args
    if not isinstance(args, record):
        raise TypeError(f"{op.id}: params are {type(args).__name__}, not {record.__name__}")
    return args


def _get(value: JsonValue, key: str) -> JsonValue:
    return value.get(key) if isinstance(value, dict) else None


def _of(held: Held, kind: str, pools: tuple[str, ...] = ()) -> Addresses:
    return tuple(a for a in held if a.kind == kind and (not pools or a.key.startswith(pools)))


# -- the declarations, one or two per kind (zoomstate/core/ops.py names them)


def nothing(op: Operation) -> Addresses:
    return ()


def frees_nothing(op: Operation, held: Held) -> Addresses:
    return ()


def frees_everything(op: Operation, held: Held) -> Addresses:
    """Deactivating or removing a user: every licence, seat, number and extension."""
    return tuple(held)


def licence_of_new_user(op: Operation) -> Addresses:
    return (LICENSED_SEAT,) if _args(op, P.CreateUser).type == 2 else ()


def licence_taken(op: Operation) -> Addresses:
    return (LICENSED_SEAT,) if _get(op.after, "type") == "licensed" else ()


def licence_given_up(op: Operation, held: Held) -> Addresses:
    return (LICENSED_SEAT,) if op.removal and _get(op.before, "type") == "licensed" else ()


def phone_turned_on(op: Operation) -> Addresses:
    """Zoom Phone on: a Zoom Phone licence, and an extension Zoom picks."""
    return (PHONE_SEAT, ANY_EXTENSION)


def extension_claimed(op: Operation) -> Addresses:
    args = _args(op, P.UpdatePhone)
    if args.extension is not None:
        return (Address.extension(args.extension),)
    # A site move without an extension: Zoom picks one if the short one cannot stay.
    return (ANY_EXTENSION,) if args.site is not None else ()


def extension_left(op: Operation, held: Held) -> Addresses:
    return _of(held, "extension") if _args(op, P.UpdatePhone).extension is not None else ()


def phone_user_added(op: Operation) -> Addresses:
    """A batch-added phone user takes a Zoom Phone licence, its extension, a seat of each
    calling plan and its numbers in the one call; Zoom picks nothing."""
    args = _args(op, P.AddPhoneUser)
    return (
        PHONE_SEAT,
        Address.extension(args.extension),
        *(plan_seat(code) for code in args.calling_plans),
        *(Address.number(n) for n in args.numbers),
    )


def phone_given_up(op: Operation, held: Held) -> Addresses:
    """Zoom Phone off: its licence, numbers, extension and calling plans go; the user's
    Zoom licence stays."""
    licence = (PHONE_SEAT,) if PHONE_SEAT in held else ()
    return licence + _of(held, "number") + _of(held, "extension") + _of(held, "seat", ("plan/",))


def plan_claimed(op: Operation) -> Addresses:
    return (plan_seat(_args(op, P.CallingPlanType).type),)


def plan_switched_to(op: Operation) -> Addresses:
    return (plan_seat(_args(op, P.SwitchCallingPlan).target_type),)


def plan_switched_from(op: Operation, held: Held) -> Addresses:
    return (plan_seat(_args(op, P.SwitchCallingPlan).source_type),)


def plan_dropped(op: Operation, held: Held) -> Addresses:
    """Removing a calling plan frees its seat, and Zoom drops the user's numbers."""
    return (plan_seat(_args(op, P.CallingPlanType).type), *_of(held, "number"))


def number_claimed(op: Operation) -> Addresses:
    return (Address.number(_args(op, P.PhoneNumber).number),)


def number_freed(op: Operation, held: Held) -> Addresses:
    return (Address.number(_args(op, P.PhoneNumber).number),)


def package_claimed(op: Operation) -> Addresses:
    package = _args(op, P.CreateContactCenterUser).package
    return (contact_center_seat(package),) if package is not None else ()


def package_changed_to(op: Operation) -> Addresses:
    package = _args(op, P.UpdateContactCenterUser).package
    return (contact_center_seat(package),) if package is not None else ()


def package_changed_from(op: Operation, held: Held) -> Addresses:
    old = _get(op.before, "package")
    if _args(op, P.UpdateContactCenterUser).package is None or not isinstance(old, str):
        return ()
    return (contact_center_seat(old),)


def package_released(op: Operation, held: Held) -> Addresses:
    return (contact_center_seat(op.before),) if isinstance(op.before, str) else ()
