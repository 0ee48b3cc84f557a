"""Safety: `--skip-removals`, and the limits of `account.safety` (a plan that would remove
every managed user is refused even with --force)."""

from __future__ import annotations

from collections import Counter

from zoomstate.core.builder import Builder
from zoomstate.core.ops import Operation
from zoomstate.core.reach import Reach
from zoomstate.errors import UnsafePlan


def drop_removals(b: Builder) -> None:
    """--skip-removals: no step that removes or loses anything, nor what waits on one."""
    dropped = {o for o, op in b.ops.items() if takes_away(op)}
    changed = True
    while changed:
        changed = False
        for op_id in list(b.ops):
            if op_id not in dropped and b.deps.get(op_id, set()) & dropped:
                dropped.add(op_id)
                changed = True
    for op_id in sorted(dropped):
        b.warnings.append(f"--skip-removals: not planned: {op_id}")
        del b.ops[op_id]
        b.deps.pop(op_id, None)
    for deps in b.deps.values():
        deps -= dropped


def takes_away(op: Operation) -> bool:
    """Whether a step counts toward account.safety: it removes a user, a licence or a seat
    (`removal`), or it loses data (`destroys_data`: an unassigned number that no one else
    in the plan gets, which an unattended apply with --allow-data-loss would otherwise
    run without limit). A number that moves to another user loses nothing and does not
    count."""
    return op.removal or op.destroys_data


def check_safety(b: Builder) -> None:
    account = b.desired.account
    reachable = Reach(account)
    managed = [u for u in b.live.users if reachable(u.key)]
    removed_users = {
        op.user for op in b.ops.values() if op.kind in ("deactivate_user", "delete_user")
    }
    gone = {u.key for u in managed if u.status != "pending"}
    # Active users counted alone too: with on_missing_user deactivate, an inactive user
    # is never "removed" again, so one inactive user would hide an empty state that
    # deactivates everyone else.
    active = {u.key for u in managed if u.status == "active"}
    if (gone and gone <= removed_users) or (active and active <= removed_users):
        raise UnsafePlan(
            f"this plan would remove every managed user ({len(gone)}): is the state "
            "directory empty or truncated? Refused, even with --force"
        )
    counted = [op for op in b.ops.values() if takes_away(op)]
    touched = {op.user for op in counted}
    if b.options.force or not touched:
        return
    limits = account.safety
    share = 100.0 * len(touched) / max(1, len(managed))
    if len(touched) > limits.max_deletes or share > limits.max_delete_percent:
        steps = ", ".join(
            f"{n} {kind}" for kind, n in sorted(Counter(o.kind for o in counted).items())
        )
        raise UnsafePlan(
            f"this plan takes users, licences or numbers away from {len(touched)} of "
            f"{len(managed)} managed users ({share:.1f}%; steps: {steps}), over "
            f"account.safety (max_deletes {limits.max_deletes}, max_delete_percent "
            f"{limits.max_delete_percent:g}): review it, then use --force to go ahead, or "
            "raise account.safety in the state: "
            + ", ".join(sorted(touched)[:10])
            + ("..." if len(touched) > 10 else "")
        )
