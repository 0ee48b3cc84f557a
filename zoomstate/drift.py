"""Where the live account has moved away from the state, for a scheduled report.

Pure: the caller passes the time (`now`) used for invitation ages. Groups:
- changed: live differs from the state (outside git), field by field, both values;
- missing: in the state, not in Zoom (an expired invitation ends up here too);
- unmanaged: in Zoom and in scope, not in the state;
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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from zoomstate.diff import FieldChange, JsonValue, diff_users
from zoomstate.live import LiveState, LiveUser
from zoomstate.model import DesiredState

FORMAT_VERSION = 1
# Zoom drops an invitation that is not accepted within 30 days.
INVITATION_TTL = timedelta(days=30)
DriftKind = Literal["changed", "missing", "unmanaged", "waiting", "ignored"]
# Every group, in report order; `in_sync` ignores the last two.
KINDS: tuple[DriftKind, ...] = ("changed", "missing", "unmanaged", "waiting", "ignored")
NOT_DRIFT: frozenset[DriftKind] = frozenset({"waiting", "ignored"})
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

    def to_dict(self) -> dict[str, JsonValue]:
        # format_version 1; `ignored` (list and summary count) was added later, as a new
        # key: a reader of the older form finds every key it knew, with the same meaning.
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
    holding = [u for u in live.users if u.status != "inactive"]
    usage = [
        SeatUsage(
            "licensed",
            sum(1 for u in holding if u.spec.type == "licensed"),
            seats.licensed,
        )
    ]
    # Zoom Phone licences: no API gives the account's total (a plan's seats are counted
    # below), so only the use is shown.
    phone_users = sum(1 for u in holding if u.spec.phone is not None)
    if phone_users or live.calling_plans:
        usage.append(SeatUsage("zoom phone", phone_users, None))
    for plan in live.calling_plans:
        if plan.assigned is None and plan.subscribed is None:
            continue
        usage.append(SeatUsage(f"calling plan {plan.name}", plan.assigned or 0, plan.subscribed))
    for package in ("essentials", "premium", "elite"):
        used = sum(
            1
            for u in holding
            if u.spec.contact_center is not None and u.spec.contact_center.package == package
        )
        total = seats.contact_center.get(package)
        if used or total is not None:
            usage.append(SeatUsage(f"contact center {package}", used, total))
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


def drift_report(desired: DesiredState, live: LiveState, now: datetime) -> DriftReport:
    account = desired.account
    users_managed = "users" in account.manage
    diffs, _ = diff_users(desired, live)
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
                    d.changes,
                    "inactive in Zoom; not drift: zoomstate changes nothing on an inactive "
                    "user (set status: active in the state to reactivate them)",
                )
            )
        else:
            items.append(DriftItem(d.key, "changed", d.changes))
    wanted = desired.by_key()
    for user in live.users:
        if user.key in wanted and user.key not in seen and user.status == "pending":
            items.append(_waiting(user, now))
    order = {k: n for n, k in enumerate(KINDS)}
    items.sort(key=lambda i: (order[i.kind], i.user))
    return DriftReport(tuple(items), tuple(seat_usage(desired, live)))


__all__ = [
    "KINDS",
    "NOT_DRIFT",
    "DriftItem",
    "DriftKind",
    "DriftReport",
    "SeatUsage",
    "drift_report",
    "seat_usage",
]
