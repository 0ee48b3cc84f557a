"""`apply --only-waiting`: of a fresh plan, only the steps that an earlier plan listed as
waiting (for users who had not accepted their invitations) and that are ready now.

Nothing else may run, whatever else the fresh plan holds (a change made in the portal
that the state would undo, a change merged and not applied yet): a scheduled job runs
this without anyone reviewing the fresh plan. So a fresh step runs only when

- the earlier plan listed a waiting step of the same user and kind that does exactly
  what it does (the same `after`: the same role, the same calling plan, the same fields);
- it neither removes anything nor loses data (a step that waited never does; a file
  that says otherwise is not trusted for it);
- every step it depends on runs too (a number taken from another user, a seat freed by
  someone else's change): otherwise it is left, with the reason, for a reviewed apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from zoomstate.core.ops import Operation, Waiting
from zoomstate.core.plan_format import Plan


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A step of the fresh plan that --only-waiting does not run, and why."""

    op_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReadySteps:
    plan: Plan  # the fresh plan cut down to the steps that run
    left_out: tuple[LeftOut, ...]  # steps that did wait but cannot run on their own
    others: int  # steps of the fresh plan that did not wait at all


def _same(op: Operation) -> str:
    return json.dumps([op.user, op.kind, op.after], sort_keys=True, default=str)


def ready_steps(fresh: Plan, waited: Iterable[Waiting]) -> ReadySteps:
    """The steps of `fresh` that `waited` (an earlier plan's waiting steps) announced."""
    listed = {json.dumps([w.user, w.kind, w.after], sort_keys=True, default=str) for w in waited}
    kept: dict[str, Operation] = {}
    left: list[LeftOut] = []
    others = 0
    for op in fresh.operations:
        if _same(op) not in listed:
            others += 1
        elif op.destroys_data or op.removal:
            left.append(LeftOut(op.id, "it removes something or loses data"))
        else:
            kept[op.id] = op
    # A step whose dependency does not run cannot run either; dropping one may strand
    # another, so until nothing changes.
    dropped = True
    while dropped:
        dropped = False
        for op in list(kept.values()):
            missing = next((d for d in op.depends_on if d not in kept), None)
            if missing is not None:
                del kept[op.id]
                left.append(LeftOut(op.id, f"it waits for {missing}, which did not wait"))
                dropped = True
    plan = replace(fresh, operations=tuple(op for op in fresh.operations if op.id in kept))
    return ReadySteps(plan, tuple(sorted(left, key=lambda x: x.op_id)), others)


__all__ = ["LeftOut", "ReadySteps", "ready_steps"]
