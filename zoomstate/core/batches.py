"""Batches: steps of one kind that Zoom takes several at a time in one call (`POST
/phone/users/batch`, the Contact Center batch routes), put together after the plan is
ordered.

A batch holds steps of one kind that wait for the same steps of other owners, so its
members are ready at the same point: new users waiting only for their own creation go
together; a user whose number is released by someone else goes with the others waiting
for that release. At most the kind's limit a batch, in plan order; ids `batch/<name>/<n>`,
numbered in plan order of each batch's first member, so the same state and account give
the same batches. A lone step stays a step of its own (a batch of one is no batch).

Every step keeps its own id, line and outcome: a batch is how apply sends them
(zoomstate/apply/batch_run.py), not what the plan changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from graphlib import CycleError, TopologicalSorter

from zoomstate.core.ops import Operation


def batch_steps(ordered: Sequence[Operation]) -> list[Operation]:
    """`ordered` with its batchable steps put in batches; unchanged when batches would
    wait for each other (then each step goes on its own, as without batches)."""
    position = {op.id: index for index, op in enumerate(ordered)}
    owners = {op.id: op.owner for op in ordered}
    groups: dict[tuple[str, tuple[str, ...]], list[Operation]] = {}
    for op in ordered:
        if op.spec.batch is None:
            continue
        outside = tuple(sorted(d for d in op.depends_on if d in owners and owners[d] != op.owner))
        groups.setdefault((op.kind, outside), []).append(op)
    chunks: list[list[Operation]] = []
    for members in groups.values():
        spec = members[0].spec.batch
        assert spec is not None
        for start in range(0, len(members), spec.limit):
            chunk = members[start : start + spec.limit]
            if len(chunk) > 1:
                chunks.append(chunk)
    chunks.sort(key=lambda chunk: position[chunk[0].id])
    assigned: dict[str, str] = {}
    numbered: Counter[str] = Counter()
    for chunk in chunks:
        spec = chunk[0].spec.batch
        assert spec is not None
        numbered[spec.name] += 1
        for op in chunk:
            assigned[op.id] = f"batch/{spec.name}/{numbered[spec.name]}"
    out = [replace(op, batch=assigned[op.id]) if op.id in assigned else op for op in ordered]
    return list(ordered) if batch_cycle(out) else out


def batch_cycle(ops: Sequence[Operation]) -> list[str]:
    """A cycle among the plan's batches and steps as apply runs them (each batch one unit
    that starts when all its members could, each owner's steps in plan order), or [].
    Apply refuses a plan with one before any call: it would wait forever."""
    graph: dict[str, set[str]] = {}
    unit = {op.id: op.batch or op.id for op in ops}
    last: dict[object, str] = {}
    for op in ops:
        node = unit[op.id]
        waits = graph.setdefault(node, set())
        waits.update(unit[d] for d in op.depends_on if d in unit)
        previous = last.get(op.owner)
        if previous is not None:
            waits.add(unit[previous])
        last[op.owner] = op.id
        waits.discard(node)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return [str(n) for n in exc.args[1]]
    return []


__all__ = ["batch_cycle", "batch_steps"]
