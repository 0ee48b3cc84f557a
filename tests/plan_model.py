"""A pure model of a Zoom account, for replaying plans in tests.

Each operation kind changes the model as the sandbox changes its account, side effects
included (docs/sandbox.md, "Behaviour emulated"): removing or switching a calling plan
drops the numbers that no remaining plan covers; disabling Zoom Phone drops plans and
numbers and frees the extension; deactivation drops every licence; turning Zoom Phone on
lets Zoom pick an extension. Whatever the sandbox would refuse (an extension or number
held by someone else, a calling plan, licensed or Contact Center seat without a free one, a
step on a pending user) is recorded as a violation rather than raised, so a test can show
every one of them.

Seats, as the sandbox counts them: a calling plan seat per plan a phone user holds; a
licensed seat per user of type licensed who is not inactive (a pending invitation holds
one; deactivation turns licensed into basic); a Contact Center seat per user whose profile
names that package. The licensed and Contact Center limits are the ones the state declares
(`account.seats`), the only counts the planner knows; None means unlimited (not checked).

Zoom picks the extension of a new phone user (and of a site move that cannot keep the
short extension). The model lets the caller choose how: `allocate` sees the free
extensions of the site and returns one. A test that wants the worst case hands it the
extensions other users are about to claim first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoomstate.live import LiveState
from zoomstate.model import USER_TYPE_CODES, SeatCounts
from zoomstate.plan import Operation

_TYPE_NAMES = {code: name for name, code in USER_TYPE_CODES.items()}


def region_of_plan(plan_type: int) -> int:
    """Zoom's standard calling plan codes carry the region in their last two digits
    (x00 US/CA, x02 GB/IE), as the sandbox's `default_plan_countries` does."""
    return plan_type % 100


def region_of_number(number: str) -> int:
    return 2 if number.startswith(("+44", "+353")) else 0


@dataclass
class MPhone:
    site: str
    extension: int
    plans: set[int] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)


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


Allocate = Callable[[str, list[int]], int]


def lowest(_site: str, free: list[int]) -> int:
    return min(free)


@dataclass
class AccountModel:
    users: dict[str, MUser]
    plan_free: dict[int, int]
    numbers: set[str]
    site_codes: Mapping[str, int]
    default_site: str
    extension_range: Iterable[int] = range(1000, 1100)
    allocate: Allocate = lowest
    licensed_seats: int | None = None
    cc_seats: Mapping[str, int] = field(default_factory=dict)
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
    ) -> AccountModel:
        users: dict[str, MUser] = {}
        for u in live.users:
            s = u.spec
            phone = None
            if s.phone is not None:
                assert s.phone.site is not None and s.phone.extension is not None
                phone = MPhone(
                    s.phone.site,
                    s.phone.extension,
                    {int(p) for p in s.phone.calling_plans},
                    set(s.phone.numbers),
                )
            cc = None
            if s.contact_center is not None:
                c = s.contact_center
                cc = MContactCenter(c.package, c.role, c.access)
            users[u.key] = MUser(
                key=u.key,
                status=u.status,
                type=s.type,
                role=s.role,
                first_name=s.first_name,
                last_name=s.last_name,
                department=s.department,
                phone=phone,
                cc=cc,
            )
        return cls(
            users=users,
            plan_free={p.type: int(p.available or 0) for p in live.calling_plans},
            numbers={n.number for n in live.numbers},
            site_codes={s.name: int(s.site_code or 0) for s in live.sites},
            default_site=default_site,
            extension_range=extension_range,
            allocate=allocate,
            licensed_seats=seats.licensed if seats is not None else None,
            cc_seats={str(k): n for k, n in seats.contact_center.items()} if seats else {},
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
        """Licensed and Contact Center seats held, by pool ("licensed", "cc:<package>")."""
        used: dict[str, int] = {}
        for u in self.users.values():
            if u.type == "licensed" and u.status != "inactive":
                used["licensed"] = used.get("licensed", 0) + 1
            if u.cc is not None and u.cc.package is not None:
                pool = f"cc:{u.cc.package}"
                used[pool] = used.get(pool, 0) + 1
        return used

    def seat_limit(self, pool: str) -> int | None:
        if pool == "licensed":
            return self.licensed_seats
        return self.cc_seats.get(pool.removeprefix("cc:"))

    def free_extensions(self, site: str) -> list[int]:
        code = self.site_codes[site]
        return [
            e
            for e in self.extension_range
            if str(e).startswith(str(code)) and self.extension_holder(e) is None
        ]

    # -- helpers

    def _bad(self, op: Operation, message: str) -> None:
        self.violations.append(f"{op.id}: {message}")

    def _active(self, op: Operation) -> MUser | None:
        user = self.users.get(op.user)
        if user is None:
            self._bad(op, "no such user")
            return None
        if user.status != "active":
            self._bad(op, f"the user is {user.status}")
            return None
        return user

    def _phone(self, op: Operation) -> tuple[MUser, MPhone] | None:
        user = self._active(op)
        if user is None:
            return None
        if user.phone is None:
            self._bad(op, "the user has no Zoom Phone")
            return None
        return user, user.phone

    def _release_phone(self, user: MUser) -> None:
        if user.phone is not None:
            for plan in user.phone.plans:
                self.plan_free[plan] = self.plan_free.get(plan, 0) + 1
        user.phone = None

    def _drop_uncovered(self, phone: MPhone) -> None:
        covered = {region_of_plan(p) for p in phone.plans}
        phone.numbers = {n for n in phone.numbers if region_of_number(n) in covered}

    def _claim_plan(self, op: Operation, phone: MPhone, plan: int) -> None:
        if plan in phone.plans:
            return
        if self.plan_free.get(plan, 0) <= 0:
            self._bad(op, f"calling plan {plan} has no free seat")
        self.plan_free[plan] = self.plan_free.get(plan, 0) - 1
        phone.plans.add(plan)

    def _drop_plan(self, phone: MPhone, plan: int) -> None:
        phone.plans.discard(plan)
        self.plan_free[plan] = self.plan_free.get(plan, 0) + 1

    def _allocate(self, op: Operation, site: str) -> int:
        free = self.free_extensions(site)
        if not free:
            self._bad(op, f"no free extension at {site}")
            return -1
        return self.allocate(site, free)

    # -- one operation

    def apply(self, op: Operation) -> None:
        before = self.seats_used()
        HANDLERS[op.kind](self, op)
        # A step that takes a licensed or Contact Center seat when none is free is refused
        # (2034, 290010). Checked on the counts, so every way of taking one is covered.
        for pool, count in self.seats_used().items():
            limit = self.seat_limit(pool)
            if limit is not None and count > before.get(pool, 0) and count > limit:
                self._bad(op, f"no free {pool} seat ({count} of {limit} would be used)")

    def replay(self, ops: Iterable[Operation]) -> list[str]:
        for op in ops:
            self.apply(op)
        return self.violations

    def _op_create_user(self, op: Operation) -> None:
        if op.user in self.users:
            self._bad(op, "the e-mail is in use")
            return
        p: Mapping[str, Any] = op.params
        self.users[op.user] = MUser(
            key=op.user,
            status="pending" if p["action"] == "create" else "active",
            type=_TYPE_NAMES[int(p["type"])],
            role="Member",
            first_name=p.get("first_name"),
            last_name=p.get("last_name"),
            department=p.get("department"),
        )

    def _op_update_user(self, op: Operation) -> None:
        user = self._active(op)
        if user is None:
            return
        fields = op.params["fields"]
        assert isinstance(fields, dict)
        for name in ("first_name", "last_name", "department"):
            if name in fields:
                setattr(user, name, fields[name])
        if "type" in fields:
            user.type = _TYPE_NAMES[int(fields["type"])]  # type: ignore[arg-type]

    def _op_change_email(self, op: Operation) -> None:
        old = str(op.before)
        user = self.users.pop(old, None)
        if user is None:
            self._bad(op, f"no user {old}")
            return
        if op.user in self.users:
            self._bad(op, "the new e-mail is in use")
        user.key = op.user
        self.users[op.user] = user

    def _op_activate_user(self, op: Operation) -> None:
        user = self.users.get(op.user)
        if user is None or user.status != "inactive":
            self._bad(op, "only an inactive user can be activated")
            return
        user.status = "active"

    def _op_deactivate_user(self, op: Operation) -> None:
        user = self._active(op)
        if user is None:
            return
        if (user.role or "").lower() in ("owner", "admin"):
            self._bad(op, "Zoom refuses to deactivate an admin")
        self._release_phone(user)
        user.cc = None
        if user.type == "licensed":
            user.type = "basic"
        user.status = "inactive"

    def _op_delete_user(self, op: Operation) -> None:
        user = self.users.get(op.user)
        if user is None:
            self._bad(op, "no such user")
            return
        action = op.params.get("action")
        if user.status == "pending" and action is not None:
            self._bad(op, "a pending user takes a bare DELETE")
        if action == "disassociate" and (user.role or "").lower() in ("owner", "admin"):
            self._bad(op, "Zoom refuses to disassociate an admin")
        self._release_phone(user)
        del self.users[op.user]

    def _op_assign_role(self, op: Operation) -> None:
        user = self._active(op)
        if user is not None:
            user.role = str(op.params["role"])

    def _op_enable_phone(self, op: Operation) -> None:
        user = self._active(op)
        if user is None:
            return
        if user.phone is not None:
            self._bad(op, "already has Zoom Phone")
            return
        extension = self._allocate(op, self.default_site)
        user.phone = MPhone(self.default_site, extension)

    def _op_update_phone(self, op: Operation) -> None:
        found = self._phone(op)
        if found is None:
            return
        user, phone = found
        p = op.params
        site = str(p["site"]) if p.get("site") is not None else phone.site
        if p.get("extension") is not None:
            extension = int(p["extension"])  # type: ignore[arg-type]
            holder = self.extension_holder(extension)
            if holder not in (None, user.key):
                self._bad(op, f"extension {extension} is held by {holder}")
            if not str(extension).startswith(str(self.site_codes[site])):
                self._bad(op, f"extension {extension} does not start with {site}'s code")
            phone.extension = extension
        elif site != phone.site:
            # A site move keeps the short extension under the new site code when free.
            old_code, new_code = str(self.site_codes[phone.site]), str(self.site_codes[site])
            candidate = int(new_code + str(phone.extension)[len(old_code) :])
            holder = self.extension_holder(candidate)
            phone.extension = candidate if holder in (None, user.key) else self._allocate(op, site)
        phone.site = site

    def _op_assign_calling_plan(self, op: Operation) -> None:
        found = self._phone(op)
        if found is not None:
            self._claim_plan(op, found[1], int(op.params["type"]))  # type: ignore[arg-type]

    def _op_switch_calling_plan(self, op: Operation) -> None:
        found = self._phone(op)
        if found is None:
            return
        phone = found[1]
        source = int(op.params["source_type"])  # type: ignore[arg-type]
        target = int(op.params["target_type"])  # type: ignore[arg-type]
        if source not in phone.plans:
            self._bad(op, f"the user has no calling plan {source}")
            return
        self._claim_plan(op, phone, target)
        self._drop_plan(phone, source)
        self._drop_uncovered(phone)

    def _op_unassign_calling_plan(self, op: Operation) -> None:
        found = self._phone(op)
        if found is None:
            return
        phone = found[1]
        plan = int(op.params["type"])  # type: ignore[arg-type]
        if plan not in phone.plans:
            self._bad(op, f"the user has no calling plan {plan}")
            return
        self._drop_plan(phone, plan)
        self._drop_uncovered(phone)

    def _op_assign_number(self, op: Operation) -> None:
        found = self._phone(op)
        if found is None:
            return
        user, phone = found
        number = str(op.params["number"])
        if number not in self.numbers:
            self._bad(op, f"{number} is not in the account")
        holder = self.number_holder(number)
        if holder not in (None, user.key):
            self._bad(op, f"{number} is held by {holder}")
        if region_of_number(number) not in {region_of_plan(p) for p in phone.plans}:
            self._bad(op, f"no calling plan of the user covers {number}")
        phone.numbers.add(number)

    def _op_unassign_number(self, op: Operation) -> None:
        found = self._phone(op)
        if found is None:
            return
        number = str(op.params["number"])
        if number not in found[1].numbers:
            self._bad(op, f"the user does not hold {number}")
        found[1].numbers.discard(number)

    def _op_disable_phone(self, op: Operation) -> None:
        user = self._active(op)
        if user is not None:
            self._release_phone(user)

    def _op_create_contact_center_user(self, op: Operation) -> None:
        user = self._active(op)
        if user is None:
            return
        if user.cc is not None:
            self._bad(op, "already a Contact Center user")
        p = op.params
        role = str(op.after["role"]) if isinstance(op.after, dict) else ""
        user.cc = MContactCenter(
            str(p["package"]) if p.get("package") else None, role, str(p.get("access"))
        )

    def _op_update_contact_center_user(self, op: Operation) -> None:
        user = self._active(op)
        if user is None or user.cc is None:
            self._bad(op, "not a Contact Center user")
            return
        after = op.after if isinstance(op.after, dict) else {}
        if "package" in op.params:
            user.cc.package = str(op.params["package"])
        if "role_id" in op.params:
            user.cc.role = str(after["role"])
        if "access" in op.params:
            user.cc.access = str(op.params["access"])

    def _op_delete_contact_center_user(self, op: Operation) -> None:
        user = self._active(op)
        if user is None or user.cc is None:
            self._bad(op, "not a Contact Center user")
            return
        user.cc = None


# One model handler per operation kind, as apply has (tests/test_op_registry.py checks).
HANDLERS: Mapping[str, Callable[[AccountModel, Operation], None]] = {
    "create_user": AccountModel._op_create_user,
    "update_user": AccountModel._op_update_user,
    "change_email": AccountModel._op_change_email,
    "activate_user": AccountModel._op_activate_user,
    "deactivate_user": AccountModel._op_deactivate_user,
    "delete_user": AccountModel._op_delete_user,
    "assign_role": AccountModel._op_assign_role,
    "enable_phone": AccountModel._op_enable_phone,
    "update_phone": AccountModel._op_update_phone,
    "assign_calling_plan": AccountModel._op_assign_calling_plan,
    "switch_calling_plan": AccountModel._op_switch_calling_plan,
    "unassign_calling_plan": AccountModel._op_unassign_calling_plan,
    "assign_number": AccountModel._op_assign_number,
    "unassign_number": AccountModel._op_unassign_number,
    "disable_phone": AccountModel._op_disable_phone,
    "create_contact_center_user": AccountModel._op_create_contact_center_user,
    "update_contact_center_user": AccountModel._op_update_contact_center_user,
    "delete_contact_center_user": AccountModel._op_delete_contact_center_user,
}


__all__ = ["HANDLERS", "AccountModel", "MContactCenter", "MPhone", "MUser", "lowest"]
