"""A saved plan file (`plan --out`) is a claim, not an instruction.

`apply --plan FILE` reads the file strictly, before any API call (`load_plan_file`), then
plans again from the same state and the live account and applies only when the fresh plan
equals the file (`check_claim`): the same state hash, the same steps in the same order
with every field equal, the same fingerprints. Plans are deterministic, so an honest file
always matches; a file edited by hand (a step appended, a flag flipped, the fingerprints
stripped) never does. What runs is the fresh plan: whether a step loses data or removes
something, the scope, protection and the safety limits come from the planner, never from
the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from zoomstate.errors import InvalidPlan, StalePlan
from zoomstate.plan import FORMAT_VERSION, OpKind, Plan
from zoomstate.words import listed

# How many step ids a refusal names before "and N more".
_SHOWN = 10
_OPTIONS_HINT = (
    "a plan made with --target, --skip-removals, --force or --no-batch is applied with the same "
    "options"
)


class _Strict(BaseModel):
    # Exactly what `Plan.to_dict` writes: every key present, no other key, no coercion
    # (a `0` is not `false`).
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class _OperationFile(_Strict):
    id: str
    kind: OpKind
    user: str
    params: dict[str, JsonValue]
    before: JsonValue
    after: JsonValue
    depends_on: list[str]
    destroys_data: bool
    removal: bool
    reads: list[str]
    note: str
    # Only in a batched step (zoomstate/core/batches.py).
    batch: str = ""


class _WaitingFile(_Strict):
    user: str
    kind: OpKind
    reason: str
    after: JsonValue


class _BatchFile(_Strict):
    id: str
    kind: OpKind
    members: list[str]


class _AccountFile(_Strict):
    id: str | None
    owner: str | None


class _PlanFile(_Strict):
    format_version: int
    zoomstate_version: str
    state_hash: str
    summary: dict[str, JsonValue]
    operations: list[_OperationFile]
    waiting: list[_WaitingFile]
    warnings: list[str]
    fingerprints: dict[str, str]
    # Plans saved before the account was named have none.
    account: _AccountFile | None = None
    # Only in a plan with batches.
    batches: list[_BatchFile] | None = None


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan file that is well formed: its plan, and its steps exactly as written."""

    path: Path
    plan: Plan
    operations: tuple[Mapping[str, Any], ...]


def check_dependencies(steps: Iterable[tuple[str, Sequence[str]]], *, known: bool = True) -> None:
    """Raise InvalidPlan for a step id given twice, a dependency on a step that is not in
    the plan (when `known`), or a dependency cycle (which would leave apply waiting
    forever)."""
    deps: dict[str, Sequence[str]] = {}
    for op_id, depends_on in steps:
        if op_id in deps:
            raise InvalidPlan(f"{op_id}: the step is listed twice")
        deps[op_id] = depends_on
    if known:
        for op_id, depends_on in deps.items():
            missing = [d for d in depends_on if d not in deps]
            if missing:
                raise InvalidPlan(f"{op_id}: depends on {missing[0]}, which is not in the plan")
    cycle = _find_cycle(deps)
    if cycle:
        raise InvalidPlan(f"{cycle[0]}: dependency cycle: {' -> '.join(cycle)}")


def _find_cycle(deps: Mapping[str, Sequence[str]]) -> list[str]:
    """One cycle as a path that ends where it starts, or [] (iterative: plans are large)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in deps:
        if root in state:
            continue
        path: list[str] = [root]
        stack = [iter(deps[root])]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif nxt in deps and state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt in deps and nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(deps[nxt]))
    return []


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """`operations[3] (alice@example.com/delete_user).kind` for an error's location."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            op_id = node.get("id") if isinstance(node, dict) else None
            if isinstance(op_id, str):
                out += f" ({op_id})"
        else:
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _problem(data: Any, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    kind = first["type"]
    if kind == "missing":
        text = f"{_where(data, loc[:-1]) or 'the plan'}: missing field {loc[-1]!r}"
    elif kind == "extra_forbidden":
        text = f"{_where(data, loc[:-1]) or 'the plan'}: unknown field {loc[-1]!r}"
    elif kind == "literal_error" and loc[-1] == "kind":
        text = f"{_where(data, loc)}: unknown kind {first['input']!r}"
    else:
        text = f"{_where(data, loc)}: {first['msg'].lower()}"
    more = len(errors) - 1
    return text + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def parse_plan_file(path: Path, text: str) -> SavedPlan:
    """The plan in `text`, checked for shape; InvalidPlan (one line naming the file and
    the step) otherwise."""

    def refuse(message: str) -> InvalidPlan:
        return InvalidPlan(f"{path}: not a zoomstate plan file: {message}")

    try:
        data = json.loads(text)
    except ValueError as exc:
        raise refuse(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise refuse(f"a plan is a JSON object, not {json.dumps(data)[:40]}")
    version = data.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise refuse(f"format_version {version!r} is not {FORMAT_VERSION}")
    try:
        checked = _PlanFile.model_validate(data)
    except ValidationError as exc:
        raise refuse(_problem(data, exc)) from None
    try:
        check_dependencies((op.id, op.depends_on) for op in checked.operations)
    except InvalidPlan as exc:
        raise refuse(str(exc)) from None
    try:
        # The shape is right; the registry (zoomstate.core.ops) checks each step's params
        # against its kind's record.
        plan = Plan.from_dict(data)
    except InvalidPlan as exc:
        raise refuse(str(exc)) from None
    return SavedPlan(path, plan, tuple(data["operations"]))


def load_plan_file(path: Path) -> SavedPlan:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidPlan(f"{path}: no such plan file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidPlan(f"{path}: cannot read the plan file ({exc})") from None
    return parse_plan_file(path, text)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _listed(ids: Sequence[str]) -> str:
    return listed(ids, _SHOWN)


def _step_differences(saved: SavedPlan, fresh: Plan) -> list[str]:
    mine = {str(op["id"]): op for op in saved.operations}
    theirs = {op.id: op.to_dict() for op in fresh.operations}
    only_file = [i for i in mine if i not in theirs]
    only_fresh = [i for i in theirs if i not in mine]
    changed = []
    for op_id, op in mine.items():
        if op_id in theirs:
            # Both sides' fields: `to_dict` leaves out empty ones (an unbatched step has
            # no `batch`), so a field only the file has is a difference too.
            fresh_op = theirs[op_id]
            fields = sorted(
                k
                for k in set(fresh_op) | set(op)
                if _canonical(op.get(k)) != _canonical(fresh_op.get(k))
            )
            if fields:
                changed.append(f"{op_id} ({', '.join(fields)})")
    parts = []
    if only_file:
        parts.append(f"steps only in the file: {_listed(only_file)}")
    if only_fresh:
        parts.append(f"steps only in a fresh plan: {_listed(only_fresh)}")
    if changed:
        parts.append(f"steps that differ: {_listed(changed)}")
    if not parts and list(mine) != list(theirs):
        parts.append("the same steps in another order")
    return parts


def _fingerprint_differences(saved: SavedPlan, fresh: Plan) -> list[str]:
    mine, theirs = saved.plan.fingerprints, fresh.fingerprints
    missing = sorted(k for k in theirs if k not in mine)
    extra = sorted(k for k in mine if k not in theirs)
    wrong = sorted(k for k in mine if k in theirs and mine[k] != theirs[k])
    parts = []
    if missing:
        parts.append(f"fingerprints missing from the file: {_listed(missing)}")
    if extra:
        parts.append(f"fingerprints of objects no step reads: {_listed(extra)}")
    if wrong:
        parts.append(f"fingerprints that differ: {_listed(wrong)}")
    return parts


def check_claim(saved: SavedPlan, fresh: Plan) -> None:
    """Refuse, naming what differs, unless `fresh` (made now from the same state and the
    live account) is exactly the plan in the file."""
    if saved.plan.state_hash != fresh.state_hash:
        raise StalePlan(
            "the state changed since this plan was made (state hash "
            f"{saved.plan.state_hash[:19]} -> {fresh.state_hash[:19]}): run plan again"
        )
    mine, theirs = saved.plan.account, fresh.account
    if mine is not None and theirs is not None and mine.id != theirs.id:
        raise StalePlan(
            f"{saved.path}: the plan was made for {mine.describe()}, and these credentials "
            f"reach {theirs.describe()}: nothing was applied"
        )
    parts = _step_differences(saved, fresh) + _fingerprint_differences(saved, fresh)
    if parts:
        raise StalePlan(
            f"{saved.path}: the plan file is not what zoomstate plans from the same state "
            f"and account ({'; '.join(parts)}): nothing was applied: run plan again "
            f"({_OPTIONS_HINT})"
        )


__all__ = [
    "SavedPlan",
    "check_claim",
    "check_dependencies",
    "load_plan_file",
    "parse_plan_file",
]
