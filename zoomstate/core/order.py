"""The one place that decides the order of a plan's steps."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import replace

from zoomstate.core.ops import USER_SEQUENCE, Operation
from zoomstate.errors import CycleError


def order_operations(ops: Mapping[str, Operation], deps: Mapping[str, set[str]]) -> list[Operation]:
    """Topological order with one tie-break: destructive steps that nothing waits for go
    last (rule 5); otherwise by owner and each owner's natural sequence (rules 1 and 2).
    Raises CycleError, naming the steps, when they wait for each other."""
    needed = {d for ds in deps.values() for d in ds}

    def rank(op: Operation) -> tuple[int, str, str, int, str]:
        late = (op.removal or op.destroys_data) and op.id not in needed
        owner = op.owner
        return (1 if late else 0, owner.kind, owner.key, USER_SEQUENCE[op.kind], op.id)

    waits = {o: {d for d in deps.get(o, set()) if d in ops} for o in ops}
    left = {o: len(ds) for o, ds in waits.items()}
    dependents: dict[str, list[str]] = defaultdict(list)
    for o, ds in waits.items():
        for d in ds:
            dependents[d].append(o)
    ready = [(rank(ops[o]), o) for o, n in left.items() if n == 0]
    heapq.heapify(ready)
    out: list[Operation] = []
    while ready:
        _, o = heapq.heappop(ready)
        out.append(replace(ops[o], depends_on=tuple(sorted(waits[o]))))
        for nxt in dependents[o]:
            left[nxt] -= 1
            if left[nxt] == 0:
                heapq.heappush(ready, (rank(ops[nxt]), nxt))
    if len(out) != len(ops):
        stuck = sorted(set(ops) - {op.id for op in out})
        raise CycleError(stuck)
    return out
