"""Links between users over numbers and extensions (ordering rule 3): a number or an
extension moving between users is released by its old holder before the new one claims
it; a swap of extensions goes through a free one; Zoom picks extensions after the claims
its pick could collide with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from zoomstate.core.builder import Builder
from zoomstate.core.ops import OpKind

RELEASES_ALL: tuple[OpKind, ...] = ("disable_phone", "deactivate_user", "delete_user")


def first_op(b: Builder, user: str, candidates: Iterable[str]) -> str | None:
    for op_id in candidates:
        if op_id in b.ops:
            return op_id
    return None


def _number_release(b: Builder, holder: str, number: str) -> str | None:
    plan_drops = sorted(o for o in b.ops if o.startswith(f"{holder}/unassign_calling_plan/"))
    return first_op(
        b,
        holder,
        [f"{holder}/unassign_number/{number}", *plan_drops]
        + [f"{holder}/{k}" for k in RELEASES_ALL],
    )


def link_numbers(b: Builder) -> None:
    holders: dict[str, str] = {}
    for user in b.live.users:
        if user.spec.phone is not None:
            for number in user.spec.phone.numbers:
                holders[number] = b.key_of(user.key)
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        if op.kind != "assign_number":
            continue
        number = str(op.params["number"])
        holder = holders.get(number)
        if holder == op.user:
            continue
        if holder is not None:
            release = _number_release(b, holder, number)
            if release is None:
                reach = _reach(b, holder)
                b.problem(op.user, "phone.numbers", f"number {number} belongs to {holder}, {reach}")
                continue
            b.depend(op.id, release)
            released = b.ops[release]
            if released.kind == "unassign_number":
                # The number goes to someone else in this plan: giving it up loses
                # nothing (docs/state-format.md, "Steps that lose data").
                b.ops[release] = replace(released, destroys_data=False, note=f"moves to {op.user}")
            continue
        if not b.live.phone_enabled:
            # No Zoom Phone to read: the site and plan checks already say so.
            continue
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


def link_extensions(b: Builder) -> None:
    holders: dict[int, str] = {}
    used: set[int] = set()
    for user in b.live.users:
        if user.spec.phone is not None and user.spec.phone.extension is not None:
            holders[user.spec.phone.extension] = b.key_of(user.key)
            used.add(user.spec.phone.extension)
    for spec in b.desired.users:
        if spec.phone is not None and spec.phone.extension is not None:
            used.add(spec.phone.extension)
    claims: dict[str, str] = {}  # update_phone op -> the update_phone op it waits for
    for op in sorted(b.ops.values(), key=lambda o: o.id):
        if op.kind != "update_phone" or "extension" not in op.params:
            continue
        extension = int(op.params["extension"])  # type: ignore[arg-type]
        holder = holders.get(extension)
        if holder is None or holder == op.user:
            continue
        release = first_op(
            b,
            holder,
            [f"{holder}/update_phone"] + [f"{holder}/{k}" for k in RELEASES_ALL],
        )
        released = release is not None and (
            b.ops[release].kind != "update_phone" or "extension" in b.ops[release].params
        )
        if not released or release is None:
            b.problem(
                op.user,
                "phone.extension",
                f"extension {extension} is used by {holder}, {_reach(b, holder)}",
            )
            continue
        b.depend(op.id, release)
        if b.ops[release].kind == "update_phone":
            claims[op.id] = release
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
    _link_extension_picks(b)


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
    """
    ops = sorted(b.ops.values(), key=lambda o: o.id)
    claims = [o for o in ops if o.kind == "update_phone" and "extension" in o.params]
    pickers = [
        o
        for o in ops
        if o.kind == "enable_phone"
        or (o.kind == "update_phone" and "site" in o.params and "extension" not in o.params)
    ]
    if not pickers or not claims:
        return
    own = {
        p.id: f"{p.user}/update_phone"
        for p in pickers
        if p.kind == "enable_phone"
        and f"{p.user}/update_phone" in b.ops
        and "extension" in b.ops[f"{p.user}/update_phone"].params
    }
    turns = [p for p in pickers if p.id in own]
    turn_users = {p.user for p in turns}
    settled = [c.id for c in claims if c.user not in turn_users]
    for i, picker in enumerate(turns):
        b.depend(picker.id, *(c for c in settled if b.ops[c].user != picker.user))
        b.depend(picker.id, *(own[p.id] for p in turns[:i]))
    for picker in pickers:
        if picker.id not in own:
            b.depend(picker.id, *(c.id for c in claims if c.user != picker.user))
