"""The in-memory Zoom account: the indices that keep lookups O(1) and the licence
counters over the records of `records.py`, all guarded by one lock, with a version that
every mutation bumps (the persistence debouncer watches it).

Invariants kept here (and checked by `Account.check_invariants`, which tests call after
concurrent writes): an e-mail belongs to one user; an extension belongs to one phone user;
a phone number has at most one assignee, and that assignee lists it; seat counters equal
what a full recount gives; a user's groups exist, each once, its primary group among them;
call queue and shared line group members are users, each once, a queue's manager among its
members; no line shares an extension with a user or another line; a desk phone's assignee
is a phone user.
Zoom semantics (who may do what, which error) live in the families (`families/`); this
module only stores and indexes.
"""

from __future__ import annotations

import bisect
import threading
from typing import Any

from zoomstate.sandbox.ids import IdFactory
from zoomstate.sandbox.records import (
    AccountInfo,
    AutoReceptionist,
    CallingPlan,
    CallQueue,
    CCPackage,
    CCProfile,
    CCRole,
    DeskPhone,
    Group,
    PhoneNumber,
    PhoneProfile,
    Role,
    Seats,
    SettingTemplate,
    SharedLineGroup,
    Site,
    User,
)

__all__ = ["Account"]


class Account:
    """Storage and indices. Callers hold `lock` around every read-modify-write."""

    def __init__(self, seed: int = 0, info: AccountInfo | None = None) -> None:
        self.lock = threading.RLock()
        self.ids = IdFactory(seed)
        self.info = info or AccountInfo()
        self.seats = Seats()
        self.sites: dict[str, Site] = {}
        self.plans: dict[int, CallingPlan] = {}
        self.numbers: dict[str, PhoneNumber] = {}
        self.templates: dict[str, SettingTemplate] = {}
        self.roles: dict[str, Role] = {}
        self.cc_roles: dict[str, CCRole] = {}
        self.cc_packages: dict[str, CCPackage] = {}
        self.groups: dict[str, Group] = {}  # by id, in creation order
        self.call_queues: dict[str, CallQueue] = {}  # by id, in creation order
        self.shared_line_groups: dict[str, SharedLineGroup] = {}
        self.auto_receptionists: dict[str, AutoReceptionist] = {}
        self.desk_phones: dict[str, DeskPhone] = {}
        self.users: dict[str, User] = {}
        self._by_email: dict[str, str] = {}
        self._order: list[User] = []  # sorted by seq: the listing order
        self._numbers_sorted: list[PhoneNumber] = []
        self._number_by_e164: dict[str, str] = {}
        self.ext_owner: dict[int, str] = {}
        self.next_seq = 1
        self.licensed_used = 0
        self.basic_used = 0
        self.phone_used = 0
        self.version = 0  # bumped on every mutation; the persistence debouncer watches it

    # -- users --------------------------------------------------------------------------

    def user_by_email(self, email: str) -> User | None:
        uid = self._by_email.get(email.lower())
        return self.users.get(uid) if uid is not None else None

    def find_user(self, id_or_email: str) -> User | None:
        user = self.users.get(id_or_email)
        if user is None and "@" in id_or_email:
            user = self.user_by_email(id_or_email)
        return user

    def add_user(self, user: User) -> None:
        if user.seq >= self.next_seq:
            self.next_seq = user.seq + 1
        self.users[user.id] = user
        self._by_email[user.email.lower()] = user.id
        if self._order and self._order[-1].seq > user.seq:
            bisect.insort(self._order, user, key=lambda u: u.seq)
        else:
            self._order.append(user)
        self._count_type(user, +1)
        if user.phone is not None:
            self._index_phone(user, user.phone, +1)
        if user.cc is not None and user.cc.package_name in self.cc_packages:
            self.cc_packages[user.cc.package_name].assigned += 1
        self.version += 1

    def remove_user(self, user: User) -> None:
        self.set_phone(user, None)
        self.set_cc(user, None)
        self._count_type(user, -1)
        del self.users[user.id]
        self._by_email.pop(user.email.lower(), None)
        i = bisect.bisect_left(self._order, user.seq, key=lambda u: u.seq)
        if i < len(self._order) and self._order[i] is user:
            del self._order[i]
        self.version += 1

    def change_email(self, user: User, new_email: str) -> None:
        self._by_email.pop(user.email.lower(), None)
        user.email = new_email
        self._by_email[new_email.lower()] = user.id
        self.version += 1

    def ordered_users(self) -> list[User]:
        return self._order

    def new_seq(self) -> int:
        seq = self.next_seq
        self.next_seq += 1
        return seq

    def _counts_toward(self, user: User) -> str | None:
        # Pending users hold a seat (Zoom's seat errors tell admins to clear the Pending
        # list); deactivated users hold none.
        if user.status == "inactive":
            return None
        if user.type == 2:
            return "licensed"
        if user.type == 1:
            return "basic"
        return None

    def _count_type(self, user: User, delta: int) -> None:
        pool = self._counts_toward(user)
        if pool == "licensed":
            self.licensed_used += delta
        elif pool == "basic":
            self.basic_used += delta

    def set_type_status(
        self, user: User, type_: int | None = None, status: str | None = None
    ) -> None:
        self._count_type(user, -1)
        if type_ is not None:
            user.type = type_
        if status is not None:
            user.status = status
        self._count_type(user, +1)
        self.version += 1

    # -- phone --------------------------------------------------------------------------

    def _index_phone(self, user: User, phone: PhoneProfile, delta: int) -> None:
        self.phone_used += delta
        if delta > 0:
            self.ext_owner[phone.extension_number] = user.id
            for t in phone.calling_plans:
                if t in self.plans:
                    self.plans[t].assigned += 1
            for nid in phone.numbers:
                self.numbers[nid].assignee = user.id
        else:
            if self.ext_owner.get(phone.extension_number) == user.id:
                del self.ext_owner[phone.extension_number]
            for t in phone.calling_plans:
                if t in self.plans:
                    self.plans[t].assigned -= 1
            for nid in phone.numbers:
                self.numbers[nid].assignee = None

    def set_phone(self, user: User, phone: PhoneProfile | None) -> None:
        """Attach or detach the phone profile, releasing its extension, plans, numbers and
        desk phones ("All numbers and phones assigned to the users will become unassigned"
        [U PATCH /users/{userId} body.feature.zoom_phone])."""
        if user.phone is not None:
            self._index_phone(user, user.phone, -1)
        if phone is None:
            for device in self.desk_phones.values():
                if device.assignee_id == user.id:
                    device.assignee_id = ""
        user.phone = phone
        user.zoom_phone = phone is not None
        if phone is not None:
            self._index_phone(user, phone, +1)
        self.version += 1

    def set_extension(self, user: User, extension: int) -> None:
        assert user.phone is not None
        if self.ext_owner.get(user.phone.extension_number) == user.id:
            del self.ext_owner[user.phone.extension_number]
        user.phone.extension_number = extension
        self.ext_owner[extension] = user.id
        self.version += 1

    def add_plan(self, user: User, plan_type: int) -> None:
        assert user.phone is not None
        user.phone.calling_plans.append(plan_type)
        self.plans[plan_type].assigned += 1
        self.version += 1

    def remove_plan(self, user: User, plan_type: int) -> None:
        assert user.phone is not None
        user.phone.calling_plans.remove(plan_type)
        self.plans[plan_type].assigned -= 1
        self.version += 1

    def assign_number(self, user: User, number: PhoneNumber) -> None:
        assert user.phone is not None and number.assignee is None
        number.assignee = user.id
        user.phone.numbers.append(number.id)
        self.version += 1

    def unassign_number(self, user: User, number: PhoneNumber) -> None:
        assert user.phone is not None
        user.phone.numbers.remove(number.id)
        number.assignee = None
        self.version += 1

    # -- numbers ------------------------------------------------------------------------

    def add_number(self, number: PhoneNumber) -> None:
        self.numbers[number.id] = number
        self._number_by_e164[number.number] = number.id
        bisect.insort(self._numbers_sorted, number, key=lambda n: n.number)
        self.version += 1

    def find_number(self, id_or_number: str) -> PhoneNumber | None:
        found = self.numbers.get(id_or_number)
        if found is not None:
            return found
        digits = id_or_number.strip().lstrip("+")
        if digits.isdigit():
            nid = self._number_by_e164.get("+" + digits)
            if nid is not None:
                return self.numbers[nid]
        return None

    def ordered_numbers(self) -> list[PhoneNumber]:
        return self._numbers_sorted

    # -- contact center -----------------------------------------------------------------

    def set_cc(self, user: User, cc: CCProfile | None) -> None:
        if user.cc is not None and user.cc.package_name in self.cc_packages:
            self.cc_packages[user.cc.package_name].assigned -= 1
        user.cc = cc
        if cc is not None and cc.package_name in self.cc_packages:
            self.cc_packages[cc.package_name].assigned += 1
        self.version += 1

    def set_cc_package(self, user: User, package: str | None) -> None:
        assert user.cc is not None
        cc = user.cc
        self.set_cc(user, None)
        cc.package_name = package
        self.set_cc(user, cc)

    # -- user groups --------------------------------------------------------------------

    def add_group(self, group: Group) -> None:
        self.groups[group.id] = group
        self.version += 1

    def join_group(self, user: User, group_id: str) -> None:
        if group_id not in user.group_ids:
            user.group_ids.append(group_id)
        if not user.primary_group_id:
            user.primary_group_id = group_id
        self.version += 1

    def leave_group(self, user: User, group_id: str) -> None:
        user.group_ids.remove(group_id)
        if user.primary_group_id == group_id:
            # The primary group goes to the group joined first of those left.
            user.primary_group_id = user.group_ids[0] if user.group_ids else ""
        self.version += 1

    # -- call queues and shared line groups ---------------------------------------------

    def line_extensions(self) -> set[int]:
        """The extensions call queues, shared line groups and auto receptionists hold
        (users' are `ext_owner`)."""
        held = {q.extension_number for q in self.call_queues.values()}
        held |= {a.extension_number for a in self.auto_receptionists.values()}
        return held | {g.extension_number for g in self.shared_line_groups.values()}

    def extension_taken(self, extension: int, by: str | None = None) -> bool:
        """Whether a user other than `by` (a user id), a call queue, a shared line group or
        an auto receptionist holds `extension`: the account has each extension once."""
        owner = self.ext_owner.get(extension)
        return (owner is not None and owner != by) or extension in self.line_extensions()

    def line_roles(self, user: User) -> list[str]:
        """What the user manages or operates: "call queue NAME", "auto receptionist NAME"."""
        roles = [
            f"call queue {q.name}" for q in self.call_queues.values() if q.manager_id == user.id
        ]
        roles += [
            f"auto receptionist {a.name}"
            for a in self.auto_receptionists.values()
            if a.operator_id == user.id
        ]
        return roles

    def leave_lines(self, user: User) -> None:
        """The user out of every call queue (its manager role with it) and shared line
        group, and no longer any auto receptionist's operator."""
        for queue in self.call_queues.values():
            if user.id in queue.member_ids:
                queue.member_ids.remove(user.id)
            if queue.manager_id == user.id:
                queue.manager_id = ""
        for slg in self.shared_line_groups.values():
            if user.id in slg.member_ids:
                slg.member_ids.remove(user.id)
        for ar in self.auto_receptionists.values():
            if ar.operator_id == user.id:
                ar.operator_id = ""
        self.version += 1

    # -- checks -------------------------------------------------------------------------

    def check_invariants(self) -> list[str]:
        """Every broken invariant, as text; empty when the account is consistent."""
        problems: list[str] = []
        emails: set[str] = set()
        exts: dict[int, str] = {}
        owners: dict[str, str] = {}
        licensed = basic = phone = 0
        plan_counts: dict[int, int] = dict.fromkeys(self.plans, 0)
        pkg_counts: dict[str, int] = dict.fromkeys(self.cc_packages, 0)
        for user in self.users.values():
            key = user.email.lower()
            if key in emails:
                problems.append(f"e-mail {key} used twice")
            emails.add(key)
            pool = self._counts_toward(user)
            licensed += pool == "licensed"
            basic += pool == "basic"
            if user.phone is not None:
                phone += 1
                ext = user.phone.extension_number
                if ext in exts:
                    problems.append(f"extension {ext} used by {exts[ext]} and {user.id}")
                exts[ext] = user.id
                for t in user.phone.calling_plans:
                    plan_counts[t] = plan_counts.get(t, 0) + 1
                for nid in user.phone.numbers:
                    if nid in owners:
                        problems.append(f"number {nid} owned by {owners[nid]} and {user.id}")
                    owners[nid] = user.id
                    if self.numbers[nid].assignee != user.id:
                        problems.append(f"number {nid} does not point back to {user.id}")
            if user.cc is not None and user.cc.package_name is not None:
                pkg_counts[user.cc.package_name] = pkg_counts.get(user.cc.package_name, 0) + 1
            problems += self._group_problems(user)
        for number in self.numbers.values():
            if number.assignee is not None and owners.get(number.id) != number.assignee:
                problems.append(f"number {number.id} points to {number.assignee}, not listed")
            if number.assignee is not None and number.holder_type is not None:
                problems.append(f"number {number.id} held by a user and a {number.holder_type}")
        if exts != self.ext_owner:
            problems.append("extension index out of step")
        for name, got, want in (
            ("licensed", self.licensed_used, licensed),
            ("basic", self.basic_used, basic),
            ("zoom_phone", self.phone_used, phone),
        ):
            if got != want:
                problems.append(f"{name} counter {got} != recount {want}")
        for t, plan in self.plans.items():
            if plan.assigned != plan_counts.get(t, 0):
                problems.append(f"plan {t} counter {plan.assigned} != {plan_counts.get(t, 0)}")
            if plan.assigned > plan.subscribed:
                problems.append(f"plan {t} over-assigned")
        for name, pkg in self.cc_packages.items():
            if pkg.assigned != pkg_counts.get(name, 0):
                problems.append(f"package {name} counter {pkg.assigned} != recount")
        return problems + self._line_problems()

    def _line_problems(self) -> list[str]:
        problems = []
        lines: list[CallQueue | SharedLineGroup] = [
            *self.call_queues.values(),
            *self.shared_line_groups.values(),
        ]
        for line in lines:
            if len(set(line.member_ids)) != len(line.member_ids):
                problems.append(f"line {line.id} lists a member twice")
            problems += [
                f"line {line.id} lists {uid}, no user"
                for uid in line.member_ids
                if uid not in self.users
            ]
            if isinstance(line, CallQueue) and line.manager_id not in ("", *line.member_ids):
                problems.append(f"call queue {line.id}: manager {line.manager_id} not a member")
        exts = [line.extension_number for line in lines]
        exts += [a.extension_number for a in self.auto_receptionists.values()]
        if len(set(exts)) != len(exts) or set(exts) & set(self.ext_owner):
            problems.append("a line extension is held twice")
        for device in self.desk_phones.values():
            owner = self.users.get(device.assignee_id) if device.assignee_id else None
            if device.assignee_id and (owner is None or owner.phone is None):
                problems.append(
                    f"desk phone {device.id} assigned to {device.assignee_id}, no phone user"
                )
        return problems

    def _group_problems(self, user: User) -> list[str]:
        problems = []
        if len(set(user.group_ids)) != len(user.group_ids):
            problems.append(f"user {user.id} is in a group twice")
        problems += [
            f"user {user.id} is in group {g}, which does not exist"
            for g in user.group_ids
            if g not in self.groups
        ]
        primary_ok = (
            user.primary_group_id in user.group_ids if user.group_ids else not user.primary_group_id
        )
        if not primary_ok:
            problems.append(f"user {user.id}: primary group {user.primary_group_id!r} off")
        return problems

    def summary(self) -> dict[str, Any]:
        return {
            "users": len(self.users),
            "licensed_used": self.licensed_used,
            "basic_used": self.basic_used,
            "zoom_phone_used": self.phone_used,
            "numbers": len(self.numbers),
            "numbers_assigned": sum(
                1 for n in self.numbers.values() if n.assignee or n.holder_type
            ),
        }
