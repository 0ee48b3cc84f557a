"""Desired against live, user by user: which users differ, and in which fields.

Pure. The comparison runs on *effective* desired specs: what the state says, completed
with the live values of everything the state leaves alone (fields it does not write,
aspects it does not manage) and with calling plans resolved from names to Zoom type
codes. Two users are first compared with a cheap equality; only the pairs that differ go
through deepdiff for field-level differences (deepdiff stays inside this module).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from deepdiff import DeepDiff

from zoomstate.core.aspect import JsonValue, PlanResolver, block_value, nest
from zoomstate.core.reach import Reach
from zoomstate.live import LiveState, LiveUser
from zoomstate.model import Aspect, DesiredState, UserSpec
from zoomstate.resources.aspects import ASPECTS

# The fields of each aspect, as compared (each aspect says which it owns).
ASPECT_FIELDS: Mapping[Aspect, tuple[str, ...]] = {a.name: a.fields for a in ASPECTS}


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: a dotted path such as `phone.extension`."""

    path: str
    before: JsonValue
    after: JsonValue


@dataclass(frozen=True, slots=True)
class UserDiff:
    """One user whose live state is not the desired one.

    kind: `create` (in state, not live), `update` (both, different), `missing` (live in
    scope, not in state), `remove` (in state with `remove:`, still live: a leaver).
    """

    key: str
    kind: Literal["create", "update", "missing", "remove"]
    desired: UserSpec | None
    live: LiveUser | None
    changes: tuple[FieldChange, ...] = ()


def effective(
    desired: UserSpec, live: UserSpec | None, manage: Sequence[Aspect], plans: PlanResolver
) -> UserSpec:
    """The desired user as it can be compared with `live`: fields the state leaves out and
    aspects it does not manage take the live value; a new user gets Zoom's defaults."""
    values: dict[str, Any] = {
        "email": desired.email.lower(),
        "id": live.id if live else desired.id,
        "profile": None,
        "job_title": None,
    }
    for aspect in ASPECTS:
        if aspect.name in manage:
            own = aspect.effective(desired, live, plans)
        else:
            own = {name: block_value(live, aspect.block, name) for name in aspect.fields}
        nest(values, aspect.block, own)
    return UserSpec.model_construct(**values)


def comparable(spec: UserSpec) -> dict[str, JsonValue]:
    """The compared fields of a spec as plain JSON values."""
    out: dict[str, JsonValue] = {}
    for aspect in ASPECTS:
        nest(out, aspect.block, aspect.comparable(spec))
    return out


def _lookup(data: Mapping[str, JsonValue], path: Sequence[str]) -> JsonValue:
    value: JsonValue = dict(data)
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def field_changes(before: UserSpec | None, after: UserSpec | None) -> tuple[FieldChange, ...]:
    """Field-level differences, at the granularity the plan shows (`phone.numbers`, not
    `phone.numbers[1]`).

    Top-level fields are compared with `==`; deepdiff runs only on a block (`phone`,
    `contact_center`) that differs on both sides: on 100,000 users a deepdiff of every
    whole pair would cost seconds for what one comparison of each field settles.
    """
    old = comparable(before) if before else {}
    new = comparable(after) if after else {}
    paths: set[tuple[str, ...]] = set()
    for name in set(old) | set(new):
        mine, theirs = old.get(name), new.get(name)
        if mine == theirs:
            continue
        if (
            before is None
            or after is None
            or not (isinstance(mine, dict) and isinstance(theirs, dict))
        ):
            # A whole block added or removed (phone: None -> {...}) is one change.
            paths.add((name,))
            continue
        # Lists in `comparable` are sorted, so order never differs: no ignore_order
        # (whose hashing is the expensive part of deepdiff).
        report = DeepDiff(mine, theirs, verbose_level=0)
        for tree in report.tree.values():
            for level in tree:
                parts = level.path(output_format="list")
                paths.add((name, str(parts[0])) if parts else (name,))
    return tuple(FieldChange(".".join(p), _lookup(old, p), _lookup(new, p)) for p in sorted(paths))


def unchanged(
    desired: UserSpec, live: UserSpec, manage: Sequence[Aspect], plans: PlanResolver
) -> bool:
    """The cheap equality: True when `effective(desired, live, ...)` would equal `live`,
    decided aspect by aspect without building anything (most users of a large account)."""
    # A plain loop, not all() over a generator: this runs once per live user.
    for aspect in ASPECTS:
        if aspect.name in manage and not aspect.same(desired, live, plans):
            return False
    return True


def _still_there(leaver: UserSpec, live: LiveUser | None) -> bool:
    """Whether a leaver's `remove:` is still to be done: the user is in Zoom, and not
    already as it asks (deactivated, for `remove: deactivate`)."""
    if live is None:
        return False
    return not (leaver.remove == "deactivate" and live.status == "inactive")


def _plain(spec: UserSpec) -> UserSpec:
    """A live spec with the fields that are never compared cleared."""
    if spec.job_title is None and spec.profile is None:
        return spec
    return spec.model_copy(update={"job_title": None, "profile": None})


def diff_users(
    desired: DesiredState, live: LiveState, *, only: frozenset[str] | None = None
) -> tuple[list[UserDiff], Mapping[str, UserSpec]]:
    """Every in-scope user that differs, sorted by key, and the effective desired specs
    of the state's users that differ (a user found equal by the cheap comparison gets
    none: on large accounts building 100,000 specs to learn nothing costs seconds).

    Live users outside `account.domains` and protected users are not compared at all:
    they are never touched. `only` restricts the comparison to some keys (--target).
    """
    account = desired.account
    reachable = Reach(account)
    plans = PlanResolver(live.calling_plans, managed_groups=account.groups.managed)
    live_by_key = dict(live.by_key())
    wanted = desired.by_key()
    # A state user with Zoom's `id` whose e-mail is not live, while the live user of that
    # id is not in the state, is the same person with a new e-mail: an e-mail change,
    # not a delete and a create.
    live_by_id = {u.zoom_id: u for u in live.users if u.zoom_id}
    for key, spec in wanted.items():
        # A leaver's entry is matched by e-mail only: its id is part of the record.
        if spec.id and key not in live_by_key and spec.remove is None:
            renamed = live_by_id.get(spec.id)
            if renamed is not None and renamed.key not in wanted:
                del live_by_key[renamed.key]
                live_by_key[key] = renamed
    diffs: list[UserDiff] = []
    targets: dict[str, UserSpec] = {}
    for key in sorted(set(wanted) | set(live_by_key)):
        if only is not None and key not in only:
            continue
        if not reachable(key):
            continue
        mine = wanted.get(key)
        theirs = live_by_key.get(key)
        if theirs is not None and theirs.key != key and not reachable(theirs.key):
            theirs = None
        if mine is None:
            assert theirs is not None
            diffs.append(UserDiff(key, "missing", None, theirs))
            continue
        if mine.remove is not None:
            if _still_there(mine, theirs):
                assert theirs is not None
                change = FieldChange("remove", theirs.status, mine.remove)
                diffs.append(UserDiff(key, "remove", mine, theirs, (change,)))
            continue
        if (
            theirs is not None
            and theirs.key == key
            and unchanged(mine, theirs.spec, account.manage, plans)
        ):
            continue
        target = effective(mine, theirs.spec if theirs else None, account.manage, plans)
        targets[key] = target
        if theirs is None:
            diffs.append(UserDiff(key, "create", target, None, field_changes(None, target)))
            continue
        changes = field_changes(theirs.spec, target) if target != _plain(theirs.spec) else ()
        if theirs.key != key:
            changes = (FieldChange("email", theirs.key, key), *changes)
        if changes:
            diffs.append(UserDiff(key, "update", target, theirs, changes))
    return diffs, targets


__all__ = [
    "ASPECT_FIELDS",
    "FieldChange",
    "JsonValue",
    "PlanResolver",
    "UserDiff",
    "comparable",
    "diff_users",
    "effective",
    "field_changes",
    "unchanged",
]
