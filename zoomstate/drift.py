"""Where the live account has moved away from the state, for a scheduled report.

Pure: the caller passes the time (`now`) used for invitation ages. Groups:
- changed: live differs from the state (outside git), field by field, both values;
- missing: in the state, not in Zoom (an expired invitation ends up here too);
- unmanaged: in Zoom and in scope, not in the state;
- not_applied: steps the state has not reached yet, not changes made outside git: an
  active user (not pinned by Zoom id in the state, so added after the account was
  adopted) who holds none of what the state gives them in the fields zoomstate sets only
  once an invited user has accepted (`JOINED_WITH`): a hire who accepted since the last
  apply. Out of sync (apply has work to do), but not drift;
- waiting: pending invitations (not drift), with their age and the 30-day expiry;
- ignored: differences the state's own policy leaves alone (not drift), each with why;
- seats: use of each licence kind.

Drift is what `plan` would act on, judged the same way: the same scope (`Reach`: domains,
protected), the same managed aspects (`account.manage`), the same `on_missing_user`.
A difference for which plan would plan nothing because of that policy is `ignored`, not
drift: a live user not in the state when `users` is not managed or `on_missing_user` is
`ignore`; an inactive live user not in the state when the policy is `deactivate`; a state
user absent from Zoom when `users` is not managed, or when the state wants it inactive;
an inactive user whose other fields differ (Zoom gives an inactive user nothing).
A leaver (`remove:`) still in Zoom is changed; one already gone is not drift.
Fields of an aspect left out of `account.manage` are never compared (see diff.effective).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from zoomstate.diff import FieldChange, JsonValue, UserDiff, diff_users
from zoomstate.live import LiveState, LiveUser
from zoomstate.model import DesiredState

FORMAT_VERSION = 1
# Zoom drops an invitation that is not accepted within 30 days.
INVITATION_TTL = timedelta(days=30)
DriftKind = Literal["changed", "missing", "unmanaged", "not_applied", "waiting", "ignored"]
# Every group, in report order; `in_sync` ignores the last two.
KINDS: tuple[DriftKind, ...] = (
    "changed",
    "missing",
    "unmanaged",
    "not_applied",
    "waiting",
    "ignored",
)
NOT_DRIFT: frozenset[DriftKind] = frozenset({"waiting", "ignored"})
# Out of sync, but not moved away from git: the headline does not call these drift.
NOT_CHANGED_OUTSIDE_GIT: frozenset[DriftKind] = NOT_DRIFT | {"not_applied"}
# What Zoom gives a user who has just accepted an invitation, in the fields zoomstate sets
# only once they are active (while the user is pending, those steps wait): a user the
# state gives more holds none of it yet. Names, licence type and e-mail are sent with the
# invitation, so a difference there is a change.
JOINED_WITH: Mapping[str, JsonValue] = {
    "department": None,
    "role": "Member",
    "phone": None,
    "contact_center": None,
}
# What plan does with a live user in scope that the state does not list (plan_missing).
_REMOVING_POLICIES = frozenset({"deactivate", "disassociate", "delete"})


@dataclass(frozen=True, slots=True)
class DriftItem:
    user: str
    kind: DriftKind
    changes: tuple[FieldChange, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "user": self.user,
            "kind": self.kind,
            "changes": [
                {"field": c.path, "state": c.after, "live": c.before} for c in self.changes
            ],
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class SeatUsage:
    licence: str
    used: int
    total: int | None

    def to_dict(self) -> dict[str, JsonValue]:
        return {"licence": self.licence, "used": self.used, "total": self.total}


@dataclass(frozen=True, slots=True)
class DriftReport:
    items: tuple[DriftItem, ...]
    seats: tuple[SeatUsage, ...]

    def of(self, kind: DriftKind) -> list[DriftItem]:
        return [i for i in self.items if i.kind == kind]

    @property
    def in_sync(self) -> bool:
        """Waiting invitations and what the policy leaves alone are not drift."""
        return all(i.kind in NOT_DRIFT for i in self.items)

    @property
    def drifted(self) -> bool:
        """Something changed outside git (steps not applied yet are not that)."""
        return any(i.kind not in NOT_CHANGED_OUTSIDE_GIT for i in self.items)

    def to_dict(self) -> dict[str, JsonValue]:
        # format_version 1; `ignored` and `not_applied` (list and summary count) were added
        # later, as new keys: a reader of the older form finds every key it knew, with the
        # same meaning.
        return {
            "format_version": FORMAT_VERSION,
            "in_sync": self.in_sync,
            "summary": {k: len(self.of(k)) for k in KINDS},
            **{k: [i.to_dict() for i in self.of(k)] for k in KINDS},
            "seats": [s.to_dict() for s in self.seats],
        }


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _waiting(user: LiveUser, now: datetime) -> DriftItem:
    created = _parse_time(user.created_at)
    if created is None:
        detail = "invitation pending, sent: unknown (Zoom did not say); expires 30 days after"
    else:
        age = now - created
        expires = created + INVITATION_TTL
        detail = (
            f"invitation pending for {age.days} day(s), sent {created.date().isoformat()}, "
            f"expires {expires.date().isoformat()}"
        )
    return DriftItem(user.key, "waiting", (), detail)


def seat_usage(desired: DesiredState, live: LiveState) -> list[SeatUsage]:
    seats = desired.account.seats
    used = live.seats_in_use()
    usage = [SeatUsage("licensed", used["licensed"], seats.licensed)]
    # Zoom Phone licences: no API gives the account's total, so it is the state's
    # (account.seats.phone) when written.
    if used["phone"] or live.calling_plans or seats.phone is not None:
        usage.append(SeatUsage("zoom phone", used["phone"], seats.phone))
    for plan in live.calling_plans:
        if plan.assigned is None and plan.subscribed is None:
            continue
        usage.append(SeatUsage(f"calling plan {plan.name}", plan.assigned or 0, plan.subscribed))
    for package in ("essentials", "premium", "elite"):
        total = seats.contact_center.get(package)
        if used[package] or total is not None:
            usage.append(SeatUsage(f"contact center {package}", used[package], total))
    return usage


def _unlisted(user: LiveUser, desired: DesiredState, now: datetime) -> DriftItem:
    """A live user in scope that the state does not list: drift exactly when plan would
    act on it (plan_missing), or when the policy is `report` (plan warns)."""
    account = desired.account
    policy = account.on_missing_user
    where = f"in Zoom ({user.status}), not in the state"
    if "users" not in account.manage:
        return DriftItem(
            user.key, "ignored", (), f"{where}; not drift: users is not in account.manage"
        )
    if policy == "ignore":
        return DriftItem(
            user.key, "ignored", (), f"{where}; not drift: account.on_missing_user is ignore"
        )
    if user.status == "pending":
        if policy in _REMOVING_POLICIES:
            return DriftItem(
                user.key,
                "unmanaged",
                (),
                f"{where}; plan revokes the invitation (account.on_missing_user: {policy})",
            )
        return _waiting(user, now)
    if user.status == "inactive" and policy == "deactivate":
        return DriftItem(
            user.key,
            "ignored",
            (),
            f"{where}; not drift: already inactive, as account.on_missing_user: deactivate wants",
        )
    return DriftItem(user.key, "unmanaged", (), where)


def _joined_with(value: JsonValue, path: str) -> bool:
    joined = JOINED_WITH[path]
    if isinstance(joined, str) and isinstance(value, str):
        return joined.lower() == value.lower()
    return value == joined


def _not_applied_yet(d: UserDiff, pinned: bool) -> bool:
    """A user who joined and has not been given the rest of what the state says yet
    (see JOINED_WITH): every difference is a field zoomstate sets after an invitation is
    accepted, and Zoom holds nothing there. A user the state pins by Zoom id was in Zoom
    when the state was written (adopted): Zoom holding nothing of it is a change."""
    return (
        d.live is not None
        and d.live.status == "active"
        and not pinned
        and bool(d.changes)
        and all(c.path in JOINED_WITH and _joined_with(c.before, c.path) for c in d.changes)
    )


def _named(change: FieldChange, names: Mapping[int, str]) -> FieldChange:
    """Calling plans by the names a state uses, not Zoom's type codes."""

    def plans(value: JsonValue) -> JsonValue:
        if isinstance(value, list):
            return [names.get(v, v) if isinstance(v, int) else v for v in value]
        return value

    def named(value: JsonValue) -> JsonValue:
        if change.path == "phone.calling_plans":
            return plans(value)
        if change.path == "phone" and isinstance(value, dict) and "calling_plans" in value:
            return {**value, "calling_plans": plans(value["calling_plans"])}
        return value

    return replace(change, before=named(change.before), after=named(change.after))


def _updated(d: UserDiff, names: Mapping[int, str], pinned: bool) -> DriftItem:
    """A user in the state and in Zoom whose managed fields differ; `pinned`: the state
    names the user's Zoom id."""
    changes = tuple(_named(c, names) for c in d.changes)
    if _not_applied_yet(d, pinned):
        detail = (
            "not applied yet: Zoom holds none of this, as for a user who has just accepted "
            "an invitation (the steps that waited for it); apply sets it"
        )
        return DriftItem(d.key, "not_applied", changes, detail)
    return DriftItem(d.key, "changed", changes)


def drift_report(desired: DesiredState, live: LiveState, now: datetime) -> DriftReport:
    account = desired.account
    users_managed = "users" in account.manage
    diffs, _ = diff_users(desired, live)
    names = {p.type: p.name for p in live.calling_plans}
    wanted = desired.by_key()
    items: list[DriftItem] = []
    seen: set[str] = set()
    for d in diffs:
        seen.add(d.key)
        if d.kind == "create":
            assert d.desired is not None
            if not users_managed:
                items.append(
                    DriftItem(
                        d.key,
                        "ignored",
                        (),
                        "in the state, not in Zoom; not drift: users is not in "
                        "account.manage, so zoomstate waits for it to appear",
                    )
                )
            elif d.desired.status == "inactive":
                items.append(
                    DriftItem(
                        d.key,
                        "ignored",
                        (),
                        "inactive in the state, not in Zoom; not drift: zoomstate does not "
                        "create an inactive user",
                    )
                )
            else:
                items.append(DriftItem(d.key, "missing", (), "in the state, not in Zoom"))
        elif d.kind == "missing":
            assert d.live is not None
            items.append(_unlisted(d.live, desired, now))
        elif d.kind == "remove":
            # A leaver still in Zoom: plan removes them (a leaver already gone is no diff).
            assert d.desired is not None
            detail = f"in Zoom, and the state removes this user (remove: {d.desired.remove})"
            items.append(DriftItem(d.key, "changed", d.changes, detail))
        elif d.live is not None and d.live.status == "pending":
            items.append(_waiting(d.live, now))
        elif (
            d.live is not None
            and d.desired is not None
            and d.live.spec.status == "inactive"
            and d.desired.status == "inactive"
            and not any(c.path == "email" for c in d.changes)
        ):
            # plan_update plans nothing for a user inactive on both sides: Zoom refuses an
            # inactive user licences, and the state (or SCIM, when users is not managed)
            # keeps them inactive.
            items.append(
                DriftItem(
                    d.key,
                    "ignored",
                    tuple(_named(c, names) for c in d.changes),
                    "inactive in Zoom; not drift: zoomstate changes nothing on an inactive "
                    "user (set status: active in the state to reactivate them)",
                )
            )
        else:
            state_user = wanted.get(d.key)
            items.append(_updated(d, names, state_user is not None and state_user.id is not None))
    for user in live.users:
        if user.key in wanted and user.key not in seen and user.status == "pending":
            items.append(_waiting(user, now))
    order = {k: n for n, k in enumerate(KINDS)}
    items.sort(key=lambda i: (order[i.kind], i.user))
    return DriftReport(tuple(items), tuple(seat_usage(desired, live)))


__all__ = [
    "JOINED_WITH",
    "KINDS",
    "NOT_CHANGED_OUTSIDE_GIT",
    "NOT_DRIFT",
    "DriftItem",
    "DriftKind",
    "DriftReport",
    "SeatUsage",
    "drift_report",
    "seat_usage",
]
