"""`make_plan`: differences, then each user's steps, links between users, safety and order."""

from __future__ import annotations

from zoomstate.core.batches import batch_steps
from zoomstate.core.builder import Builder, PlanOptions
from zoomstate.core.links import Ledger, link_extensions, link_numbers
from zoomstate.core.ops import USER_SEQUENCE
from zoomstate.core.order import order_operations
from zoomstate.core.plan_format import AccountRef, Plan, live_fingerprints, state_hash
from zoomstate.core.safety import check_safety, drop_removals
from zoomstate.core.seats import link_seats
from zoomstate.diff import diff_users
from zoomstate.errors import ConfigError, CycleError, Issue, ValidationFailed
from zoomstate.live import LiveState
from zoomstate.model import DesiredState
from zoomstate.resources.planners import AFTER_LINKS, OWNER_PLANNERS
from zoomstate.resources.user import UserPlanner
from zoomstate.words import listed


def _check_targets(desired: DesiredState, live: LiveState, options: PlanOptions) -> None:
    """A `--target` that names nobody (a typo) would plan nothing and say "No changes",
    which reads as "that user is in sync": refuse it instead."""
    if options.targets is None:
        return
    known = set(desired.by_key()) | {u.key for u in live.users}
    unknown = sorted(options.targets - known)
    if unknown:
        raise ConfigError(
            f"--target {', '.join(unknown)}: neither in the state nor in the account "
            "(check the spelling of the e-mail)"
        )


def make_plan(desired: DesiredState, live: LiveState, options: PlanOptions | None = None) -> Plan:
    """The plan that turns `live` into `desired`, checked against the live account and
    the state's safety limits. Raises ValidationFailed (plan-time problems, located in
    the state) or UnsafePlan."""
    options = options or PlanOptions()
    _check_targets(desired, live, options)
    diffs, _ = diff_users(desired, live, only=options.targets)
    b = Builder(desired, live, options)
    b.renamed = {d.live.key: d.key for d in diffs if d.live is not None and d.live.key != d.key}
    for d in diffs:
        UserPlanner(b, d).plan()
    for plan_owners in OWNER_PLANNERS:
        plan_owners(b)
    # Who holds what in the live account: the same for every link between users.
    ledger = Ledger.of(b)
    link_numbers(b, ledger)
    link_extensions(b, ledger)
    link_seats(b, ledger)
    for finish in AFTER_LINKS:
        finish(b)
    if b.issues:
        raise ValidationFailed(b.issues)
    if options.skip_removals:
        drop_removals(b)
    check_safety(b)
    try:
        ordered = order_operations(b.ops, b.deps)
    except CycleError as exc:
        # Only seat links can close a cycle (two users trading calling plans with no
        # seat free): a plan-time problem with the steps named, not a traceback.
        raise ValidationFailed(
            [
                Issue(
                    "(live account)",
                    0,
                    0,
                    "",
                    f"{exc}: these steps wait for each other's seats; free one seat of "
                    "the plans involved, or make the change in two runs",
                )
            ]
        ) from None
    if options.batch:
        ordered = batch_steps(ordered)
    reads = sorted({r for op in ordered for r in op.reads})
    unlisted = tuple(sorted(b.unlisted))
    if unlisted:
        b.warnings.append(_unlisted_warning(unlisted))
    return Plan(
        operations=tuple(ordered),
        waiting=tuple(sorted(b.waiting, key=lambda w: (w.user, USER_SEQUENCE[w.kind]))),
        warnings=tuple(sorted(set(b.warnings))),
        state_hash=state_hash(desired),
        fingerprints=live_fingerprints(live, reads),
        diffs=tuple(diffs),
        account=AccountRef.of(live),
        unlisted=unlisted,
    )


def _unlisted_warning(users: tuple[str, ...], shown: int = 3) -> str:
    policy = "(account.on_missing_user: report)"
    if len(users) == 1:
        return f"{users[0]} is in Zoom but not in the state {policy}"
    names = listed(users, shown)
    return f"{len(users)} users are in Zoom but not in the state {policy}: {names} (-v lists them)"
