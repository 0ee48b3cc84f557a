"""Links over seats (ordering rule 4): when a pool (a calling plan, licensed users, a
Contact Center package) has fewer free seats than the plan claims, the extra claims wait
for releases in the same plan; if the releases are not enough, a plan-time problem."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from zoomstate.core.builder import Builder
from zoomstate.core.links import RELEASES_ALL
from zoomstate.core.ops import Operation, OpKind
from zoomstate.diff import JsonValue
from zoomstate.live import LiveUser


def _pool(
    b: Builder,
    what: str,
    available: int | None,
    claims: list[str],
    releases: list[str],
    rank: Mapping[str, int],
) -> None:
    """Make enough claims wait for releases when the free seats do not cover them all:
    the claims last in `rank` each wait for a release earlier in it."""
    if available is None or not claims:
        return
    need = len(claims) - max(available, 0)
    if need <= 0:
        return
    if len(releases) < need:
        first = b.ops[claims[0]]
        b.problem(
            first.user,
            "",
            f"not enough {what} seats: this plan needs {len(claims)}, "
            f"{max(available, 0)} are free and the plan frees {len(releases)}",
        )
        return
    waiting = sorted(claims, key=lambda o: (rank[o], o))[-need:]
    given = sorted(releases, key=lambda o: (rank[o], o))
    for claim, release in zip(waiting, given, strict=False):
        b.depend(claim, release)


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
    checked = [
        (max(free, 0), claims, releases) for _, free, claims, releases in pools if free is not None
    ]
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
        ready = [g for g, group in groups.items() if group and all(free[i] for i in g[0])]
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


def _get(value: JsonValue, key: str) -> JsonValue:
    return value.get(key) if isinstance(value, dict) else None


# Turning Zoom Phone off frees calling plan seats, not the user's licence nor their
# Contact Center seat: only deactivating or removing the user frees those.
_USER_RELEASES: tuple[OpKind, ...] = ("deactivate_user", "delete_user")


def _holders_release(b: Builder, user: str, kinds: Iterable[OpKind] = RELEASES_ALL) -> list[str]:
    return [f"{user}/{k}" for k in kinds if f"{user}/{k}" in b.ops]


def link_seats(b: Builder) -> None:
    live = b.live.by_key()
    ops = sorted(b.ops.values(), key=lambda o: o.id)
    pools = _calling_plan_pools(b, ops, live)
    pools += _licensed_pool(b, ops, live)
    pools += _contact_center_pools(b, ops, live)
    rank = _seat_order(pools)
    for what, available, claims, releases in pools:
        _pool(b, what, available, claims, releases, rank)


def _calling_plan_pools(
    b: Builder, ops: Sequence[Operation], live: Mapping[str, LiveUser]
) -> list[Pool]:
    pools: list[Pool] = []
    for plan in b.live.calling_plans:
        claims = [
            o.id
            for o in ops
            if (o.kind == "assign_calling_plan" and o.params["type"] == plan.type)
            or (o.kind == "switch_calling_plan" and o.params["target_type"] == plan.type)
        ]
        releases = [
            o.id
            for o in ops
            if (o.kind == "unassign_calling_plan" and o.params["type"] == plan.type)
            or (o.kind == "switch_calling_plan" and o.params["source_type"] == plan.type)
        ]
        for user in live.values():
            if user.spec.phone is not None and plan.type in user.spec.phone.calling_plans:
                releases += _holders_release(b, b.key_of(user.key))
        pools.append((f"calling plan {plan.name!r}", plan.available, claims, releases))
    return pools


def _licensed_pool(
    b: Builder, ops: Sequence[Operation], live: Mapping[str, LiveUser]
) -> list[Pool]:
    seats = b.desired.account.seats
    licensed = [u for u in live.values() if u.spec.type == "licensed" and u.status != "inactive"]
    claims = [
        o.id
        for o in ops
        if (o.kind == "create_user" and o.params.get("type") == 2)
        or (o.kind == "update_user" and _get(o.after, "type") == "licensed")
    ]
    if claims and seats.licensed is None:
        b.warnings.append("account.seats.licensed is not set: free licences are not checked")
    if seats.licensed is None:
        return []
    releases = [
        o.id
        for o in ops
        if o.kind == "update_user" and o.removal and _get(o.before, "type") == "licensed"
    ]
    for user in licensed:
        releases += _holders_release(b, b.key_of(user.key), _USER_RELEASES)
    return [("licensed", seats.licensed - len(licensed), claims, releases)]


def _contact_center_pools(
    b: Builder, ops: Sequence[Operation], live: Mapping[str, LiveUser]
) -> list[Pool]:
    seats = b.desired.account.seats
    pools: list[Pool] = []
    for package in ("essentials", "premium", "elite"):
        holders = [
            u
            for u in live.values()
            if u.spec.contact_center is not None and u.spec.contact_center.package == package
        ]
        claims = [
            o.id
            for o in ops
            if o.kind in ("create_contact_center_user", "update_contact_center_user")
            and o.params.get("package") == package
        ]
        if not claims:
            continue
        declared = seats.contact_center.get(package)
        if declared is None:
            b.warnings.append(
                f"account.seats.contact_center.{package} is not set: free "
                "Contact Center seats are not checked"
            )
            continue
        releases = [
            o.id for o in ops if o.kind == "delete_contact_center_user" and o.before == package
        ]
        releases += [
            o.id
            for o in ops
            if o.kind == "update_contact_center_user"
            and _get(o.before, "package") == package
            and "package" in o.params
        ]
        for user in holders:
            releases += _holders_release(b, b.key_of(user.key), _USER_RELEASES)
        pools.append((f"Contact Center {package}", declared - len(holders), claims, releases))
    return pools
