"""Addresses: what an operation belongs to, and the shared things it claims and frees.

An address is a kind and a key, written `kind:key` as plan files write them (`reads`,
`fingerprints`): `user:<email>` owns steps; `number:<E.164>`, `extension:<n>` and
`seat:<pool>` (`seat:plan/200`, `seat:licensed`, `seat:contact_center/premium`) are held
by one owner at a time. `group:` (a user group), `queue:` (a call queue), `line_group:`
(a shared line group) own their membership steps; `receptionist:` (an auto receptionist)
is only read; `room:` is for owners to come.
"""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

AddressKind = Literal[
    "user", "number", "extension", "seat", "group", "queue", "line_group", "receptionist", "room"
]
ADDRESS_KINDS: tuple[AddressKind, ...] = get_args(AddressKind)


class Address(NamedTuple):
    """A tuple, so that creating, hashing and sorting millions of them stays cheap."""

    kind: AddressKind
    key: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"

    @classmethod
    def parse(cls, text: str) -> Address:
        kind, sep, key = text.partition(":")
        for known in ADDRESS_KINDS:
            if kind == known and sep and key:
                return cls(known, key)
        raise ValueError(f"not an address: {text!r} (kind:key, kind one of {ADDRESS_KINDS})")

    @classmethod
    def user(cls, email: str) -> Address:
        return cls("user", email)

    @classmethod
    def number(cls, e164: str) -> Address:
        return cls("number", e164)

    @classmethod
    def extension(cls, extension: int) -> Address:
        return cls("extension", str(extension))

    @classmethod
    def seat(cls, pool: str) -> Address:
        return cls("seat", pool)

    @property
    def is_pick(self) -> bool:
        """Whether this stands for whichever one Zoom picks (`extension:*`)."""
        return self.key == "*"


# Zoom picks an extension itself when it turns Zoom Phone on for a user (and when a site
# move cannot keep the short extension): a claim of any free one.
ANY_EXTENSION = Address("extension", "*")
LICENSED_SEAT = Address.seat("licensed")
# A Zoom Phone licence: taken when Zoom Phone is turned on for a user, given back when it
# is turned off or the user is deactivated or deleted.
PHONE_SEAT = Address.seat("phone")


def plan_seat(plan_type: int) -> Address:
    return Address.seat(f"plan/{plan_type}")


_CONTACT_CENTER_POOL = "contact_center/"


def contact_center_seat(package: str) -> Address:
    return Address.seat(_CONTACT_CENTER_POOL + package)


def seat_name(seat: Address) -> str:
    """A seat's pool as `account.seats` names it: `licensed`, `phone`, `plan/<type>`, or
    a Contact Center package by itself (`premium`)."""
    return seat.key.removeprefix(_CONTACT_CENTER_POOL)
