"""Links over seats (ordering rule 4): when a pool (a calling plan, licensed users, Zoom
Phone licences, a Contact Center package) has fewer free seats than the plan claims, the
extra claims wait for releases in the same plan; if the releases are not enough, a
plan-time problem.

A pool is a `seat:` address; the steps that claim and free it, and the live users who
hold one, come from the operations' declarations (zoomstate/core/claims.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import get_args

from zoomstate.core.address import (
    LICENSED_SEAT,
    PHONE_SEAT,
    Address,
    contact_center_seat,
    plan_seat,
)
from zoomstate.core.builder import Builder
from zoomstate.core.claims import NOTHING
from zoomstate.core.links import Ledger
from zoomstate.model import ContactCenterPackage
from zoomstate.words import listed


def _pool(
    b: Builder,
    what: str,
    free: int | None,
    claims: list[str],
    releases: list[str],
    rank: Mapping[str, int],
    pending: tuple[list[str], list[str]] = ([], []),
) -> None:
    """Make enough claims wait for releases when the free seats do not cover them all:
    the claims last in `rank` each wait for a release earlier in it. `later` are the
    claims and releases of pending users, made by a run after they accept: their claims
    need seats too, once this plan's have theirs."""
    later, freed_later = pending
    if free is None or not (claims or later):
        return
    # `free` is not clamped at 0: a pool with more seats in use than it has (Zoom's count
    # after a subscription shrank, or `account.seats` declaring fewer than hold one)
    # needs releases for the overage before a claim fits, as Zoom refuses it until then.
    if len(claims) + len(later) - free > len(releases) + len(freed_later):
        first = b.ops[claims[0]] if claims else b.future[later[0]]
        needs = f"this plan needs {len(claims) + len(later)}"
        if later:
            users = sorted({b.future[o].user for o in later})
            needs += (
                f" ({len(later)} of them for {len(users)} pending "
                f"user{'s' if len(users) != 1 else ''}, once they accept: "
                f"{listed(users, 5)})"
            )
        b.problem(
            first.user,
            "",
            f"not enough {what} seats: {needs}, {_free_text(free)} and the plan frees "
            f"{len(releases)}",
        )
        return
    need = len(claims) - free
    if need <= 0:
        return
    waiting = sorted(claims, key=lambda o: (rank[o], o))[-need:]
    given = sorted(releases, key=lambda o: (rank[o], o))
    # The first releases of a pool over its seats only bring it back to none free: every
    # waiting claim waits for all of them, then for a release of its own.
    overage = max(-free, 0)
    for claim in waiting:
        for release in given[:overage]:
            b.depend(claim, release)
    for claim, release in zip(waiting, given[overage:], strict=False):
        b.depend(claim, release)


def _free_text(free: int) -> str:
    if free >= 0:
        return f"{free} are free"
    return f"none are free ({-free} more in use than there are)"


Pool = tuple[str, int | None, list[str], list[str]]  # what, free seats, claims, releases


def _seat_order(pools: Sequence[Pool]) -> dict[str, int]:
    """A rank for every seat step, in an order where each claim finds a free seat.

    Pairing each pool's claims with its releases by id alone closed cycles when steps
    take a seat in one pool as they free one in another (a calling-plan switch, a
    Contact Center package change): A 100->300 waiting for B 300->100 while B waited for
    A, though a free seat of plan 100 let B go first. So: steps that only free seats
    come first; then those that do both, each taking a free seat, preferring the one that
    frees a seat another such step needs; last the steps that only take one. Steps that
    find no free seat (users trading seats with none free) keep their id order at the
    end: their links then close a cycle and the plan is refused."""
    checked = [(free, claims, releases) for _, free, claims, releases in pools if free is not None]
    free = [n for n, _, _ in checked]
    takes: dict[str, tuple[int, ...]] = defaultdict(tuple)
    frees: dict[str, tuple[int, ...]] = defaultdict(tuple)
    for i, (_, claims, releases) in enumerate(checked):
        for o in claims:
            takes[o] += (i,)
        for o in releases:
            frees[o] += (i,)
    steps = sorted(set(takes) | set(frees))
    order = [o for o in steps if not takes[o]]
    for o in order:
        for i in frees[o]:
            free[i] += 1
    # Steps that take and free, grouped by what they take and free (few groups).
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[str]] = defaultdict(list)
    for o in reversed(steps):
        if takes[o] and frees[o]:
            groups[(takes[o], frees[o])].append(o)
    demand: Counter[int] = Counter()  # pool -> how many of those steps still take one
    for (took, _), group in groups.items():
        for i in took:
            demand[i] += len(group)
    while True:
        ready = [g for g, group in groups.items() if group and all(free[i] > 0 for i in g[0])]
        if not ready:
            break
        took, freed = min(ready, key=lambda g: (not any(demand[i] for i in g[1]), g))
        order.append(groups[(took, freed)].pop())
        for i in took:
            free[i] -= 1
            demand[i] -= 1
        for i in freed:
            free[i] += 1
    stuck = sorted(o for group in groups.values() for o in group)
    order += [o for o in steps if takes[o] and not frees[o]] + stuck
    return {o: n for n, o in enumerate(order)}


def _declared_free(b: Builder, field: str, owned: int, held: int, claimed: bool) -> int:
    """The free seats of a pool `account.seats` declares, with a warning when more users
    hold one than it says and the plan takes one (the count is out of date, or the
    account is over its licences: either way a claim waits for the overage to go)."""
    if held > owned and claimed:
        b.warnings.append(
            f"account.seats.{field} is {owned}, but {held} users hold one: a step that "
            f"takes one waits for {held - owned} more to be given up first; update it if "
            "the account has more"
        )
    return owned - held


def link_seats(b: Builder, ledger: Ledger) -> None:
    ops = sorted(b.ops.values(), key=lambda o: o.id)
    taken = {o.id: o.claims() for o in ops}
    freed_by = ledger.freed_by(b)

    def claims(seat: Address) -> list[str]:
        return [o.id for o in ops if seat in taken[o.id]]

    future = sorted(b.future.values(), key=lambda o: o.id)
    future_taken = {o.id: o.claims() for o in future}
    future_freed = {o.id: o.frees(ledger.held.get(o.user, NOTHING)) for o in future}
    later: dict[str, tuple[list[str], list[str]]] = {}

    def claims_later(seat: Address, what: str) -> None:
        later[what] = (
            [o.id for o in future if seat in future_taken[o.id]],
            [o.id for o in future if seat in future_freed[o.id]],
        )

    def releases(seat: Address) -> list[str]:
        return list(freed_by.get(seat, ()))

    pools: list[Pool] = []
    for plan in b.live.calling_plans:
        seat = plan_seat(plan.type)
        claims_later(seat, f"calling plan {plan.name!r}")
        pools.append((f"calling plan {plan.name!r}", plan.available, claims(seat), releases(seat)))
    seats = b.desired.account.seats
    for what, seat, field, owned, unchecked in (
        ("licensed", LICENSED_SEAT, "licensed", seats.licensed, "free licences"),
        ("Zoom Phone", PHONE_SEAT, "phone", seats.phone, "free Zoom Phone licences"),
    ):
        wanted = claims(seat)
        claims_later(seat, what)
        if wanted and seats.unstated(field):
            b.warnings.append(f"account.seats.{field} is not set: {unchecked} are not checked")
        if owned is not None:
            takes_one = bool(wanted or later[what][0])
            free = _declared_free(b, field, owned, ledger.count[seat], takes_one)
            pools.append((what, free, wanted, releases(seat)))
    for package in get_args(ContactCenterPackage):
        seat = contact_center_seat(package)
        wanted = claims(seat)
        claims_later(seat, f"Contact Center {package}")
        if not wanted and not later[f"Contact Center {package}"][0]:
            continue
        declared = seats.contact_center.get(package)
        if declared is None:
            if package in seats.contact_center:
                continue  # written as null: not checked, on purpose
            b.warnings.append(
                f"account.seats.contact_center.{package} is not set: free "
                "Contact Center seats are not checked"
            )
            continue
        free = _declared_free(b, f"contact_center.{package}", declared, ledger.count[seat], True)
        pools.append((f"Contact Center {package}", free, wanted, releases(seat)))
    rank = _seat_order(pools)
    for what, available, claimed, released in pools:
        _pool(b, what, available, claimed, released, rank, later.get(what, ([], [])))
