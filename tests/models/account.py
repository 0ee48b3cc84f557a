"""The account every resource model acts on: its records, its queries, the shared checks.

The records are Zoom's, not zoomstate's: a user with a status, a type and a role, their Zoom
Phone profile (site, extension, calling plans, numbers), their Contact Center profile and
their user groups (with the primary one), and the account's groups and pools (free
calling-plan seats, the numbers it owns, the site codes and the extensions Zoom may pick
from). What each operation kind does lives in the resource modules
beside this one; `tests.models.AccountModel` adds the replay over their registry.

Seats, as the sandbox counts them: a calling plan seat per plan a phone user holds; a
licensed seat per user of type licensed who is not inactive (a pending invitation holds
one; deactivation turns licensed into basic); a Zoom Phone licence per phone user who is
not inactive; a Contact Center seat per user whose profile names that package. The
licensed, Zoom Phone and Contact Center limits are the ones the state declares
(`account.seats`), the only counts the planner knows; None means unlimited (not checked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Self

from zoomstate.live import LiveState, LiveUser
from zoomstate.model import SeatCounts
from zoomstate.plan import Operation


@dataclass
class MPhone:
    site: str
    extension: int
    plans: set[int] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    # Memberships go with the phone user (Zoom drops them with the extension).
    call_queues: set[str] = field(default_factory=set)
    shared_line_groups: set[str] = field(default_factory=set)


@dataclass
class MContactCenter:
    package: str | None
    role: str
    access: str


@dataclass
class MUser:
    key: str
    status: str  # active | inactive | pending
    type: str | None
    role: str | None
    first_name: str | None = None
    last_name: str | None = None
    department: str | None = None
    phone: MPhone | None = None
    cc: MContactCenter | None = None
    groups: set[str] = field(default_factory=set)
    primary_group: str | None = None


Allocate = Callable[[str, list[int]], int]


def lowest(_site: str, free: list[int]) -> int:
    return min(free)


def _user_of(u: LiveUser) -> MUser:
    s = u.spec
    phone = None
    if s.phone is not None:
        assert s.phone.site is not None and s.phone.extension is not None
        phone = MPhone(
            s.phone.site,
            s.phone.extension,
            {int(p) for p in s.phone.calling_plans},
            set(s.phone.numbers),
            set(s.phone.call_queues or ()),
            set(s.phone.shared_line_groups or ()),
        )
    cc = None
    if s.contact_center is not None:
        c = s.contact_center
        cc = MContactCenter(c.package, c.role, c.access)
    return MUser(
        key=u.key,
        status=u.status,
        type=s.type,
        role=s.role,
        first_name=s.first_name,
        last_name=s.last_name,
        department=s.department,
        phone=phone,
        cc=cc,
        groups=set(s.groups or ()),
        primary_group=s.primary_group,
    )


@dataclass
class Account:
    users: dict[str, MUser]
    plan_free: dict[int, int]
    numbers: set[str]
    site_codes: Mapping[str, int]
    default_site: str
    extension_range: Iterable[int] = range(1000, 1100)
    allocate: Allocate = lowest
    licensed_seats: int | None = None
    phone_seats: int | None = None
    cc_seats: Mapping[str, int] = field(default_factory=dict)
    groups: set[str] = field(default_factory=set)
    call_queues: set[str] = field(default_factory=set)
    shared_line_groups: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)

    # -- construction

    @classmethod
    def from_live(
        cls,
        live: LiveState,
        *,
        default_site: str,
        extension_range: Iterable[int],
        allocate: Allocate = lowest,
        seats: SeatCounts | None = None,
    ) -> Self:
        return cls(
            users={u.key: _user_of(u) for u in live.users},
            plan_free={p.type: int(p.available or 0) for p in live.calling_plans},
            numbers={n.number for n in live.numbers},
            site_codes={s.name: int(s.site_code or 0) for s in live.sites},
            default_site=default_site,
            extension_range=extension_range,
            allocate=allocate,
            licensed_seats=seats.licensed if seats is not None else None,
            phone_seats=seats.phone if seats is not None else None,
            cc_seats={str(k): n for k, n in seats.contact_center.items()} if seats else {},
            groups={g.name for g in live.groups},
            call_queues={g.name for g in live.call_queues or ()},
            shared_line_groups={g.name for g in live.shared_line_groups or ()},
        )

    # -- queries

    def extension_holder(self, extension: int) -> str | None:
        for u in self.users.values():
            if u.phone is not None and u.phone.extension == extension:
                return u.key
        return None

    def number_holder(self, number: str) -> str | None:
        for u in self.users.values():
            if u.phone is not None and number in u.phone.numbers:
                return u.key
        return None

    def seats_used(self) -> dict[str, int]:
        """Licensed, Zoom Phone and Contact Center seats held, by pool ("licensed",
        "phone", "cc:<package>")."""
        used: dict[str, int] = {}
        for u in self.users.values():
            if u.type == "licensed" and u.status != "inactive":
                used["licensed"] = used.get("licensed", 0) + 1
            if u.phone is not None and u.status != "inactive":
                used["phone"] = used.get("phone", 0) + 1
            if u.cc is not None and u.cc.package is not None:
                pool = f"cc:{u.cc.package}"
                used[pool] = used.get(pool, 0) + 1
        return used

    def seat_limit(self, pool: str) -> int | None:
        if pool == "licensed":
            return self.licensed_seats
        if pool == "phone":
            return self.phone_seats
        return self.cc_seats.get(pool.removeprefix("cc:"))

    def free_extensions(self, site: str) -> list[int]:
        code = self.site_codes[site]
        return [
            e
            for e in self.extension_range
            if str(e).startswith(str(code)) and self.extension_holder(e) is None
        ]

    # -- checks every resource shares: what Zoom refuses is recorded, not raised

    def bad(self, op: Operation, message: str) -> None:
        self.violations.append(f"{op.id}: {message}")

    def active(self, op: Operation) -> MUser | None:
        user = self.users.get(op.user)
        if user is None:
            self.bad(op, "no such user")
            return None
        if user.status != "active":
            self.bad(op, f"the user is {user.status}")
            return None
        return user

    def phone_of(self, op: Operation) -> tuple[MUser, MPhone] | None:
        user = self.active(op)
        if user is None:
            return None
        if user.phone is None:
            self.bad(op, "the user has no Zoom Phone")
            return None
        return user, user.phone

    def release_phone(self, user: MUser) -> None:
        # Shared because leaving Zoom Phone, deactivation and deletion all free its seats.
        if user.phone is not None:
            for plan in user.phone.plans:
                self.plan_free[plan] = self.plan_free.get(plan, 0) + 1
        user.phone = None


# What one operation kind does to the account (one per kind, in each resource module).
Handler = Callable[[Account, Operation], None]
