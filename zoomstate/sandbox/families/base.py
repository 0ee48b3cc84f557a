"""What every family is made of, and what the families' behaviour shares.

A `Family` declares its routes (a table of `Route`s), how it builds its part of an account
from a seed, and how it saves and loads its part of the sandbox file. Behaviour is a mixin
over `ServiceBase`; `service.Service` combines every family's mixin into the one object the
handlers, the admin API and tests call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.errors import (
    FieldError,
    SeedError,
    ZoomError,
    not_found_user,
    validation_failed,
)
from zoomstate.sandbox.records import User
from zoomstate.sandbox.routing import Route
from zoomstate.sandbox.store import Account

__all__ = [
    "DAY",
    "Family",
    "SeedContext",
    "ServiceBase",
    "ServiceConfig",
    "every_item",
    "lookup",
    "user_seq",
]

DAY = 86400.0

_Item = TypeVar("_Item")
_Checked = TypeVar("_Checked")


@dataclass(slots=True)
class ServiceConfig:
    # The phone user shows up this long after `feature.zoom_phone` is turned on
    # (REFERENCE §7.4; 0 in tests, a few seconds makes clients exercise their polling).
    phone_user_delay: float = 0.0
    invitation_ttl: float = 30 * DAY
    email_changes_per_day: int = 3


class ServiceBase:
    """The account, clock and configuration every family's behaviour works on, and the
    user lookup they all share.

    Every public method of a family takes the account lock for its whole
    read-check-write, so concurrent requests never interleave inside one operation (no
    lost update, no number owned twice, no extension handed out twice). Methods return
    JSON-ready values or raise `ZoomError`; HTTP, pagination and validation of the wire
    format are the route handlers'. Each rule names its source in REFERENCE.md; where Zoom
    documents no error code the choice is listed in docs/sandbox.md.
    """

    def __init__(self, account: Account, clock: Clock, config: ServiceConfig | None = None) -> None:
        self.account = account
        self.clock = clock
        self.config = config or ServiceConfig()

    def _expired(self, user: User, now: float) -> bool:
        return (
            user.status == "pending"
            and user.invited_at is not None
            and now - user.invited_at > self.config.invitation_ttl
        )

    def _user(self, user_id: str, *, allow_pending: bool = True) -> User:
        user = self.account.find_user(user_id)
        if user is None:
            raise not_found_user(user_id)
        if user.status == "pending":
            if self._expired(user, self.clock.now()):
                raise ZoomError(
                    400,
                    1120,
                    "A valid invitation to join the Zoom account was not found for this user.",
                )
            if not allow_pending:
                raise not_found_user(user_id)
        return user


@dataclass(slots=True)
class SeedContext:
    """One seed being built into an account. Families run in registry order; each leaves
    its records in `tables` by what a later family looks them up by (`"site"`, `"calling
    plan"`, `"role"`, ...: lower-case name, or id)."""

    account: Account
    seed: dict[str, Any]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every family's per-user step, in registry order: the users family calls them for
    # each seeded user, after making the user and before adding it.
    user_steps: tuple[UserSeedStep, ...] = ()

    def lookup(self, table: str, key: Any, what: str | None = None) -> Any:
        return lookup(self.tables[table], key, what or table)


UserSeedStep = Callable[[SeedContext, int, dict[str, Any], User], None]


def lookup(table: dict[str, Any], key: Any, what: str) -> Any:
    found = table.get(str(key).lower()) or table.get(str(key))
    if found is None:
        raise SeedError(f"unknown {what} {key!r}")
    return found


def user_seq(user: User) -> int:
    """The key of the user listings: `Account.ordered_users()` is sorted by it."""
    return user.seq


def every_item(items: list[_Item], at: str, check: Callable[[_Item], _Checked]) -> list[_Checked]:
    """Each item of a batch through `check` (the single route's checks), in order. A batch
    is one answer: any refused item refuses the whole call with 400 / 300, one `errors[]`
    entry per refused item (`users[2]`) carrying the single route's reason, before anything
    changes; the caller applies the results only once every item passed."""
    checked: list[_Checked] = []
    errors: list[FieldError] = []
    for i, item in enumerate(items):
        try:
            checked.append(check(item))
        except ZoomError as refused:
            errors.append(FieldError(f"{at}[{i}]", refused.message))
    if errors:
        raise validation_failed(errors)
    return checked


def _no_seed(ctx: SeedContext) -> None:
    return None


def _no_dump(account: Account) -> dict[str, Any]:
    return {}


def _no_load(account: Account, data: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Family:
    """One family of Zoom endpoints and the part of the account they own."""

    name: str
    routes: tuple[Route, ...]
    # Its account-level records from the seed (sites, roles, ...), into `ctx.tables`.
    seed: Callable[[SeedContext], None] = _no_seed
    # Its part of one seeded user (the phone profile, the Contact Center seat).
    seed_user: UserSeedStep | None = None
    # Checks once every user is seeded (a plan assigned more often than subscribed).
    seed_check: Callable[[SeedContext], None] | None = None
    # Its sections of the sandbox file, in the order they are written.
    dump: Callable[[Account], dict[str, Any]] = _no_dump
    # Reads its sections back; earlier families' records are already in the account.
    load: Callable[[Account, dict[str, Any]], None] = _no_load
    # The top-level keys of the sandbox file that `dump` writes (for the round-trip test).
    sections: tuple[str, ...] = ()
