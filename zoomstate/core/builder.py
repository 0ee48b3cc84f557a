"""What planning works on: the operations and dependencies found so far, the waiting
steps, warnings and plan-time problems, and lookups into the live account."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zoomstate.core.address import Address
from zoomstate.core.aspect import JsonValue, PlanResolver
from zoomstate.core.ops import SPECS, Operation, OpKind, Waiting, check_params
from zoomstate.errors import Issue
from zoomstate.live import LiveState
from zoomstate.model import DesiredState


@dataclass(frozen=True, slots=True)
class PlanOptions:
    targets: frozenset[str] | None = None
    skip_removals: bool = False
    force: bool = False
    # Steps Zoom takes several at a time go in batches (zoomstate/core/batches.py);
    # `--no-batch` sends each on its own, as before batches.
    batch: bool = True


@dataclass
class Builder:
    desired: DesiredState
    live: LiveState
    options: PlanOptions
    ops: dict[str, Operation] = field(default_factory=dict)
    deps: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    waiting: list[Waiting] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # Steps of pending users, as they will be planned once the user is active: not in the
    # plan, but their claims (numbers, extensions, seats) are checked now, so a plan that
    # cannot finish says so at review time, not after the invitations are accepted.
    future: dict[str, Operation] = field(default_factory=dict)
    # Users in Zoom but not in the state, with account.on_missing_user: report: one
    # warning for all of them (an adopted account can have hundreds).
    unlisted: list[str] = field(default_factory=list)
    # Live key -> the key its steps are planned under. They differ for a user whose
    # e-mail changes (matched by Zoom id): its steps carry the new e-mail, so looking up
    # a holder's releases by the live e-mail would miss them (make_plan fills this).
    renamed: dict[str, str] = field(default_factory=dict)
    # What a resource gathers while the users are planned, for the steps it adds once
    # they all are (`resources/planners.py` OWNER_PLANNERS): the members each group gains.
    gathered: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # DesiredState.by_key() builds a new dict per call: once here, not once per user.
        self.wanted = self.desired.by_key()
        self.plans = PlanResolver(
            self.live.calling_plans, managed_groups=self.desired.account.groups.managed
        )
        self.plan_names = {p.type: p.name for p in self.live.calling_plans}
        self.sites = {s.name.lower(): s for s in self.live.sites}
        self.templates = {t.name.lower(): t for t in self.live.templates}
        self.roles = {r.name.lower(): r for r in self.live.roles}
        self.cc_roles = {r.name.lower(): r for r in self.live.contact_center_roles}
        self.numbers = {n.number: n for n in self.live.numbers}
        self.live_by_id = {u.zoom_id: u for u in self.live.users if u.zoom_id}

    # -- problems, located in the state

    def key_of(self, live_key: str) -> str:
        return self.renamed.get(live_key, live_key)

    def member_key(self, zoom_id: str, email: str | None) -> str | None:
        """The state's key of a member Zoom lists in a queue or group: by its e-mail where
        Zoom gives one (not empty), else by its Zoom id; None for an id of no user read."""
        if not email:
            user = self.live_by_id.get(zoom_id)
            if user is None:
                return None
            email = user.key
        return self.key_of(email)

    def account_problem(self, path: str, message: str) -> None:
        """A problem with a field of the account block (`transfer_to`), once however many
        users run into it."""
        origin = self.desired.account_origin
        if origin is None:
            issue = Issue("(state)", 0, 0, f"account.{path}", message)
        else:
            issue = Issue(origin.file, origin.line, origin.col, f"account.{path}", message)
        if issue not in self.issues:
            self.issues.append(issue)

    def problem(self, user: str, path: str, message: str) -> None:
        origin = self.desired.origins.get(user)
        if origin is None:
            self.issues.append(Issue("(live account)", 0, 0, user, message))
            return
        where = f"{origin.path}.{path}" if path else origin.path
        self.issues.append(Issue(origin.file, origin.line, origin.col, where, message))

    # -- operations

    def add(
        self,
        kind: OpKind,
        user: str,
        params: Mapping[str, JsonValue],
        *,
        suffix: str = "",
        before: JsonValue = None,
        after: JsonValue = None,
        destroys_data: bool = False,
        removal: bool = False,
        reads: Sequence[str] = (),
        note: str = "",
        future: bool = False,
    ) -> str:
        op_id = f"{user}/{kind}" + (f"/{suffix}" if suffix else "")
        (self.future if future else self.ops)[op_id] = Operation(
            id=op_id,
            kind=kind,
            user=user,
            params=check_params(kind, params),
            before=before,
            after=after,
            destroys_data=destroys_data,
            removal=removal,
            reads=(str(Address(SPECS[kind].owner, user)), *reads),
            note=note,
        )
        return op_id

    def depend(self, op_id: str, *on: str | None) -> None:
        for other in on:
            if other and other != op_id:
                self.deps[op_id].add(other)

    def wait(self, user: str, kind: OpKind, reason: str, after: JsonValue = None) -> None:
        self.waiting.append(Waiting(user, kind, reason, after))


def choices(names: Iterable[str]) -> str:
    listed = sorted(names)
    return f" (the account has: {', '.join(listed)})" if listed else ""


def plan_label(builder: Builder, code: int | str) -> str:
    return builder.plan_names.get(code, str(code)) if isinstance(code, int) else code
