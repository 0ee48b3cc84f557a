"""Links between users over numbers and extensions (ordering rule 3): a number or an
extension moving between users is released by its old holder before the new one claims
it; a swap of extensions goes through a free one; Zoom picks extensions after the claims
its pick could collide with.

Who holds what, and which step claims or frees it, come from the operations' declared
addresses (zoomstate/core/claims.py), not from their kinds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from zoomstate.core.address import Address
from zoomstate.core.builder import Builder
from zoomstate.core.claims import NOTHING, Held, holdings
from zoomstate.core.ops import Operation


@dataclass
class Ledger:
    """Who holds each address in the live account (under the key its steps are planned
    under) and how many live users hold it. The same for every linker of one plan."""

    held: dict[str, Held] = field(default_factory=dict)
    holder: dict[Address, str] = field(default_factory=dict)
    count: Counter[Address] = field(default_factory=Counter)

    @classmethod
    def of(cls, b: Builder) -> Ledger:
        ledger = cls()
        for user in b.live.users:
            key = b.key_of(user.key)
            held = holdings(user)
            if not held:
                continue
            ledger.held[key] = ledger.held[key] | held if key in ledger.held else held
            for address in held:
                ledger.holder[address] = key
                ledger.count[address] += 1
        return ledger

    def freed_by(self, b: Builder) -> dict[Address, list[str]]:
        """The steps of the plan, as it stands, that free each address (in id order)."""
        index: dict[Address, list[str]] = defaultdict(list)
        for op in sorted(b.ops.values(), key=lambda o: o.id):
            for address in op.frees(self.held.get(op.user, NOTHING)):
                index[address].append(op.id)
        return index


def _release(
    b: Builder, freed_by: dict[Address, list[str]], holder: str, address: Address
) -> str | None:
    """The holder's step that frees `address`, the earliest in its own sequence (a
    number's own unassign before a calling-plan drop before Zoom Phone going)."""
    steps = [o for o in freed_by.get(address, ()) if b.ops[o].user == holder]
    return min(steps, key=lambda o: (b.ops[o].spec.sequence, o), default=None)


def _concrete(op_claims: tuple[Address, ...], kind: str) -> list[Address]:
    return [a for a in op_claims if a.kind == kind and not a.is_pick]


def link_numbers(b: Builder, ledger: Ledger) -> None:
    freed_by = ledger.freed_by(b)
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        for address in _concrete(op.claims(), "number"):
            _link_number(b, ledger, freed_by, op, address)
    # A pending user's numbers are checked the same way, without links: its steps are
    # planned by a later run, when the holder's release has already happened.
    for op in sorted(b.future.values(), key=lambda o: o.id):
        for address in _concrete(op.claims(), "number"):
            _link_number(b, ledger, freed_by, op, address, link=False)


def _link_number(
    b: Builder,
    ledger: Ledger,
    freed_by: dict[Address, list[str]],
    op: Operation,
    address: Address,
    *,
    link: bool = True,
) -> None:
    number = address.key
    holder = ledger.holder.get(address)
    if holder == op.user:
        return
    if holder is not None:
        release = _release(b, freed_by, holder, address)
        if release is None:
            reach = _reach(b, holder)
            b.problem(op.user, "phone.numbers", f"number {number} belongs to {holder}, {reach}")
            return
        if not link:
            return
        b.depend(op.id, release)
        released = b.ops[release]
        if released.spec.hand_over:
            # The number goes to someone else in this plan: giving it up loses
            # nothing (docs/state-format.md, "Steps that lose data").
            b.ops[release] = replace(released, destroys_data=False, note=f"moves to {op.user}")
        return
    if not b.live.phone_enabled:
        # No Zoom Phone to read: the site and plan checks already say so.
        return
    info = b.numbers.get(number)
    if info is None:
        b.problem(op.user, "phone.numbers", f"number {number} is not in this Zoom account")
    elif info.assignee_type not in (None, "user"):
        b.problem(
            op.user,
            "phone.numbers",
            f"number {number} is assigned to a {info.assignee_type} in Zoom, "
            "outside the state's reach",
        )


def _reach(b: Builder, holder: str) -> str:
    account = b.desired.account
    if not account.in_scope(holder):
        return "outside account.domains, which zoomstate never changes"
    if account.is_protected(holder):
        return "a protected user"
    if b.options.targets is not None and holder not in b.options.targets:
        return "whom --target leaves out (add --target " + holder + ")"
    return "who keeps it in this plan"


def _free_extension(start: int, used: set[int]) -> int:
    candidate = start + 1
    while candidate in used:
        candidate += 1
    used.add(candidate)
    return candidate


def link_extensions(b: Builder, ledger: Ledger) -> None:
    freed_by = ledger.freed_by(b)
    used: set[int] = set()
    for user in b.live.users:
        if user.spec.phone is not None and user.spec.phone.extension is not None:
            used.add(user.spec.phone.extension)
    for spec in b.desired.users:
        if spec.phone is not None and spec.phone.extension is not None:
            used.add(spec.phone.extension)
    claims: dict[str, str] = {}  # a claim -> the holder's move it waits for
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        for address in _concrete(op.claims(), "extension"):
            holder = ledger.holder.get(address)
            if holder is None or holder == op.user:
                continue
            release = _release(b, freed_by, holder, address)
            if release is None:
                b.problem(
                    op.user,
                    "phone.extension",
                    f"extension {address.key} is used by {holder}, {_reach(b, holder)}",
                )
                continue
            b.depend(op.id, release)
            if _concrete(b.ops[release].claims(), "extension"):
                # The holder moves to another extension: a swap when that one waits too.
                claims[op.id] = release
    _break_swaps(b, claims, used)
    _link_extension_picks(b)
    for op in sorted(b.future.values(), key=lambda o: o.id):
        for address in _concrete(op.claims(), "extension"):
            holder = ledger.holder.get(address)
            if (
                holder is not None
                and holder != op.user
                and _release(b, freed_by, holder, address) is None
            ):
                b.problem(
                    op.user,
                    "phone.extension",
                    f"extension {address.key} is used by {holder}, {_reach(b, holder)}",
                )


def _break_swaps(b: Builder, claims: dict[str, str], used: set[int]) -> None:
    # A swap (or a longer cycle) of extensions: one member moves to a free extension
    # first, so every claim finds its extension free.
    done: set[str] = set()
    for start in sorted(claims):
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in done and node not in path:
            path.append(node)
            node = claims.get(node)
        done.update(path)
        if node is None or node not in path:
            continue
        cycle = path[path.index(node) :]
        mover = min(cycle)
        mover_user = b.ops[mover].user
        live_ext = next(u for u in b.live.users if b.key_of(u.key) == mover_user).spec.phone
        assert live_ext is not None and live_ext.extension is not None
        temp = _free_extension(live_ext.extension, used)
        temp_id = b.add(
            "update_phone",
            mover_user,
            {"extension": temp},
            suffix="temp",
            before={"extension": live_ext.extension},
            after={"extension": temp},
            note="a free extension for a moment: the extensions swap",
        )
        b.depend(mover, temp_id)
        for dependent, released_by in claims.items():
            if released_by == mover:
                b.deps[dependent].discard(mover)
                b.depend(dependent, temp_id)


def _link_extension_picks(b: Builder) -> None:
    """Zoom picks an extension itself when it turns Zoom Phone on for a user (and when a
    site move cannot keep the short extension), and it may pick any free one: possibly
    the one another step of this plan is about to claim. So Zoom picks only after the
    claims it could collide with:

    - claims by users who already have Zoom Phone run before every pick;
    - new phone users who name their extension take turns: Zoom picks for one, that user
      moves to its own extension, then Zoom picks for the next (whatever Zoom picked for
      an earlier user has been given back by then);
    - picks that stay (no extension in the state) come last, after every claim.

    The turns are a chain, not all pairs: each pick waits for the claim of the turn
    before it alone, and that claim waits for its own pick, so the first turn carries
    the wait for the settled claims and the last one the wait for every turn. Waiting
    for each earlier claim directly gave n^2 / 2 edges: 8 million for 4,000 new phone
    users (issue 15). A step skipped or failed still holds up every later turn, as
    before: the chain passes through it."""
    ops = sorted(b.ops.values(), key=lambda o: o.id)
    declared = {o.id: o.claims() for o in ops}
    claims = [o for o in ops if _concrete(declared[o.id], "extension")]
    pickers = [o for o in ops if any(a.kind == "extension" and a.is_pick for a in declared[o.id])]
    if not pickers or not claims:
        return
    by_owner: dict[Address, list[str]] = defaultdict(list)
    for c in claims:
        by_owner[c.owner].append(c.id)
    # A picker whose owner then claims an extension of its own (a new phone user).
    own = {p.id: by_owner[p.owner][0] for p in pickers if p.owner in by_owner}
    turns = [p for p in pickers if p.id in own]
    turn_owners = {p.owner for p in turns}
    settled = [c.id for c in claims if c.owner not in turn_owners]
    # Claims of a turn's owner beyond the one its turn hands on (none today).
    extra = [c for owner in sorted(turn_owners) for c in by_owner[owner][1:]]
    last: str | None = None
    for picker in turns:
        if last is None:
            b.depend(picker.id, *settled)
        else:
            b.depend(picker.id, last)
        last = own[picker.id]
    for picker in pickers:
        if picker.id in own:
            continue
        if last is None:
            b.depend(picker.id, *(c for c in settled if b.ops[c].owner != picker.owner))
        else:
            b.depend(picker.id, last, *(c for c in extra if b.ops[c].owner != picker.owner))
