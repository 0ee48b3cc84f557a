"""Where the live account has moved away from the state, for a scheduled report.

Pure: the caller passes the time (`now`) used for invitation ages. Groups:
- changed: live differs from the state (outside git), field by field, both values;
- missing: in the state, not in Zoom (an expired invitation ends up here too);
- unmanaged: in Zoom and in scope, not in the state;
- waiting: pending invitations (not drift), with their age and the 30-day expiry;
- seats: use of each licence kind.
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
DriftKind = Literal["changed", "missing", "unmanaged", "waiting"]


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
        """Waiting invitations are not drift."""
        return all(i.kind == "waiting" for i in self.items)

    def to_dict(self) -> dict[str, JsonValue]:
        kinds: tuple[DriftKind, ...] = ("changed", "missing", "unmanaged", "waiting")
        return {
            "format_version": FORMAT_VERSION,
            "in_sync": self.in_sync,
            "summary": {k: len(self.of(k)) for k in kinds},
            **{k: [i.to_dict() for i in self.of(k)] for k in kinds},
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


def drift_report(desired: DesiredState, live: LiveState, now: datetime) -> DriftReport:
    diffs, _ = diff_users(desired, live)
    items: list[DriftItem] = []
    seen: set[str] = set()
    for d in diffs:
        seen.add(d.key)
        if d.kind == "create":
            items.append(DriftItem(d.key, "missing", (), "in the state, not in Zoom"))
        elif d.kind == "missing":
            assert d.live is not None
            if d.live.status == "pending":
                items.append(_waiting(d.live, now))
                continue
            items.append(
                DriftItem(d.key, "unmanaged", (), f"in Zoom ({d.live.status}), not in the state")
            )
        elif d.live is not None and d.live.status == "pending":
            items.append(_waiting(d.live, now))
        else:
            items.append(DriftItem(d.key, "changed", d.changes))
    wanted = desired.by_key()
    for user in live.users:
        if user.key in wanted and user.key not in seen and user.status == "pending":
            items.append(_waiting(user, now))
    order = {"changed": 0, "missing": 1, "unmanaged": 2, "waiting": 3}
    items.sort(key=lambda i: (order[i.kind], i.user))
    return DriftReport(tuple(items), tuple(seat_usage(desired, live)))


__all__ = ["DriftItem", "DriftReport", "SeatUsage", "drift_report", "seat_usage"]
