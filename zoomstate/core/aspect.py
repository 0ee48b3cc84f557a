"""What every aspect of a user (a name in `account.manage`) tells the generic diff and
export: which UserSpec fields it owns, what the state wants once completed with live
values, whether desired and live already agree, and how it is written out.

Pure. The aspects themselves live with their resource (`zoomstate/resources/`), listed
once in `zoomstate.resources.aspects.ASPECTS`; `diff.py` and `export.py` only loop over
that list, so a new aspect touches neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias

from zoomstate.live import CallingPlan, LiveUser
from zoomstate.model import Aspect as AspectName
from zoomstate.model import UserSpec

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None


class PlanResolver:
    """What the state's names mean in the account, for the aspects' comparisons: calling
    plan names and codes, resolved against the account's plans; the user groups whose
    memberships the state owns (`account.groups.managed`)."""

    def __init__(self, plans: Iterable[CallingPlan], managed_groups: Iterable[str] = ()) -> None:
        self.by_name = {p.name.lower(): p.type for p in plans}
        self.codes = {p.type for p in plans}
        self.managed_groups = frozenset(managed_groups)

    def code(self, ref: str | int) -> int | str:
        """The type code of a plan reference; an unknown name stays a name (reported at
        plan time as unknown)."""
        if isinstance(ref, int):
            return ref
        if ref.strip().isdigit():
            return int(ref)
        return self.by_name.get(ref.strip().lower(), ref)


class Aspect(Protocol):
    """One managed part of a user. Read-only members (properties) so frozen dataclasses
    and plain classes both satisfy it."""

    @property
    def name(self) -> AspectName:
        """Its name in `account.manage`."""
        ...

    @property
    def fields(self) -> tuple[str, ...]:
        """The UserSpec fields it owns, as compared (`job_title` and the phone
        `template` are written but never read back, so no aspect compares them); inside
        `block` when it has one."""
        ...

    @property
    def block(self) -> str | None:
        """The UserSpec block its fields sit in (`phone` for the call queues of
        `phone.call_queues`), owned by the aspect before it; None: top-level fields."""
        ...

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        """Its fields of the desired user as they compare with `live` (None: a new
        user, which gets Zoom's defaults)."""
        ...

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        """True when `effective` would equal `live` on its fields, decided without
        building anything: the hot path of a large, mostly unchanged account."""
        ...

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        """Its fields of a spec as plain JSON values (sets sorted, so equal sets are
        equal)."""
        ...

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        """Its state-file keys for a live user: every value Zoom gave, nothing else."""
        ...


@dataclass(frozen=True, slots=True)
class ScalarFields:
    """An aspect of plain fields (names, licence type, role): a field the state leaves
    out keeps the live value, or on a new user Zoom's default."""

    name: AspectName
    fields: tuple[str, ...]
    # What Zoom gives a new user for a field the state leaves out.
    defaults: Mapping[str, object] = field(default_factory=dict)
    block: None = None

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.fields:
            mine = getattr(desired, name)
            if mine is not None:
                values[name] = mine
            elif live is not None:
                values[name] = getattr(live, name)
            else:
                values[name] = self.defaults.get(name)
        return values

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        for name in self.fields:
            mine = getattr(desired, name)
            if mine is not None and mine != getattr(live, name):
                return False
        return True

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        return {name: getattr(spec, name) for name in self.fields}

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        values = ((name, getattr(user.spec, name)) for name in self.fields)
        return {name: value for name, value in values if value is not None}


def nest(values: dict[str, Any], block: str | None, own: Mapping[str, Any]) -> None:
    """Put an aspect's values where its fields sit: at the top, or inside `block` (a
    model or, in comparable and exported forms, a dict). A block that is None (a user
    without Zoom Phone) holds none of them."""
    if block is None:
        values.update(own)
        return
    container = values.get(block)
    if container is None or not own:
        return
    if isinstance(container, dict):
        values[block] = {**container, **own}
    else:
        values[block] = container.model_copy(update=dict(own))


def block_value(spec: UserSpec | None, block: str | None, name: str) -> Any:
    """A field of an aspect as a spec has it (None inside a block the spec lacks)."""
    if spec is None:
        return None
    holder = getattr(spec, block) if block is not None else spec
    return getattr(holder, name) if holder is not None else None


__all__ = [
    "Aspect",
    "AspectName",
    "JsonValue",
    "PlanResolver",
    "ScalarFields",
    "block_value",
    "nest",
]
