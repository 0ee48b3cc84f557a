"""Zoom's behaviour over the account: what each endpoint does, refuses, and returns.

Every public method takes the account lock for its whole read-check-write, so concurrent
requests never interleave inside one operation (no lost update, no number owned twice, no
extension handed out twice). Methods return JSON-ready values or raise `ZoomError`; HTTP,
pagination and validation of the wire format are `app.py`'s job. Each rule names its source
in REFERENCE.md; where Zoom documents no error code the choice is listed in docs/sandbox.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zoomstate.sandbox.account import (
    ADMIN_ROLE_ID,
    MEMBER_ROLE_ID,
    OWNER_ROLE_ID,
    Account,
    CallingPlan,
    CCProfile,
    PhoneNumber,
    PhoneProfile,
    Site,
    User,
    number_country,
    region_of,
)
from zoomstate.sandbox.clock import Clock, iso
from zoomstate.sandbox.errors import FieldError, ZoomError, not_found_user, validation_failed
from zoomstate.sandbox.faults import request_faults
from zoomstate.sandbox.validation import is_email

__all__ = ["CC_STATUS_NAMES", "Service", "ServiceConfig"]

DAY = 86400.0

CC_STATUS_NAMES = {"0": "Offline", "1": "Ready", "2": "Not Ready", "3": "Occupied"}


@dataclass(slots=True)
class ServiceConfig:
    # The phone user shows up this long after `feature.zoom_phone` is turned on
    # (REFERENCE §7.4; 0 in tests, a few seconds makes clients exercise their polling).
    phone_user_delay: float = 0.0
    invitation_ttl: float = 30 * DAY
    email_changes_per_day: int = 3


def _digits(number: str) -> str:
    return number.lstrip("+")


class Service:
    def __init__(self, account: Account, clock: Clock, config: ServiceConfig | None = None) -> None:
        self.account = account
        self.clock = clock
        self.config = config or ServiceConfig()

    # ===================================================================== helpers ==

    def _expired(self, user: User, now: float) -> bool:
        return (
            user.status == "pending"
            and user.invited_at is not None
            and now - user.invited_at > self.config.invitation_ttl
        )

    def _user(self, user_id: str, *, allow_pending: bool = True) -> User:
        user = self.account.find_user(user_id)
        if user is None:
            raise not_found_user(user_id)
        if user.status == "pending":
            if self._expired(user, self.clock.now()):
                raise ZoomError(
                    400,
                    1120,
                    "A valid invitation to join the Zoom account was not found for this user.",
                )
            if not allow_pending:
                raise not_found_user(user_id)
        return user

    def _phone_user(self, user_id: str) -> tuple[User, PhoneProfile]:
        """A phone user that Zoom already shows; 404/1001 before it appears (REFERENCE
        §2.2: also for Zoom users without Phone)."""
        user = self.account.find_user(user_id)
        if user is None or user.phone is None or user.phone.appears_at > self.clock.now():
            raise ZoomError(404, 1001, f"User does not exist: {user_id}.")
        return user, user.phone

    def _site(self, site_id: str | None) -> Site:
        sites = self.account.sites
        if site_id is not None:
            site = sites.get(site_id)
            if site is None:
                raise ZoomError(404, 404, "Site does not exist.")
            return site
        default = self.account.info.default_site_id
        if default is not None and default in sites:
            return sites[default]
        if not sites:
            raise ZoomError(400, 300, "The account has no Zoom Phone site.")
        return next(iter(sites.values()))

    def _role_name(self, role_id: str) -> str:
        role = self.account.roles.get(role_id)
        return role.name if role is not None else ""

    def _is_admin(self, user: User) -> bool:
        return user.role_id in (OWNER_ROLE_ID, ADMIN_ROLE_ID)

    def _domain(self, email: str) -> str:
        return email.rsplit("@", 1)[-1].lower()

    def _check_seat(self, type_: int, converting: bool) -> None:
        seats, acc = self.account.seats, self.account
        if type_ == 2 and seats.licensed is not None and acc.licensed_used >= seats.licensed:
            verb = "convert this user's plan type to" if converting else "add a new"
            raise ZoomError(
                400,
                2034,
                f'Your request to {verb} "Licensed" user could not be approved at this time '
                f"because your account has reached the permitted maximum number of "
                f'"{seats.licensed}" users.',
            )
        if type_ == 1 and seats.basic is not None and acc.basic_used >= seats.basic:
            raise ZoomError(
                400,
                2033,
                "Your request to add a basic user wasn't approved because you've already "
                "reached the maximum basic user limit allowed in your account.",
            )

    def _alloc_extension(self, site: Site) -> int:
        short = max(site.next_short, site.extension_start)
        owners = self.account.ext_owner
        while True:
            full = int(f"{site.site_code}{short}")
            if full not in owners:
                site.next_short = short + 1
                return full
            short += 1

    def _enable_phone(self, user: User, now: float) -> None:
        """`feature.zoom_phone=true`: take a Zoom Phone licence and auto-assign an extension
        at the default site (REFERENCE §2)."""
        if user.phone is not None:
            return
        seats = self.account.seats
        if seats.zoom_phone is not None and self.account.phone_used >= seats.zoom_phone:
            raise ZoomError(
                404,
                1102,
                "You cannot enable the Zoom Phone feature because you do not have any "
                "available licenses.",
            )
        site = self._site(None)
        ids = self.account.ids
        profile = PhoneProfile(
            phone_user_id=ids.zoom_id(),
            extension_id=ids.zoom_id(),
            extension_number=self._alloc_extension(site),
            site_id=site.id,
            appears_at=now + self.config.phone_user_delay,
        )
        self.account.set_phone(user, profile)

    def _disable_phone(self, user: User) -> None:
        """`feature.zoom_phone=false`: "All numbers and phones assigned to the users will
        become unassigned" [U PATCH body.feature]; plans and extension go with the licence."""
        self.account.set_phone(user, None)

    def _drop_uncovered_numbers(self, user: User) -> None:
        """Zoom support: "Deleting a calling package also deletes the assigned direct
        number" (REFERENCE §2.5). A number stays only while a remaining plan covers its
        region."""
        phone = user.phone
        assert phone is not None
        covered = self._covered_regions(phone)
        for nid in list(phone.numbers):
            number = self.account.numbers[nid]
            if region_of(number_country(number.number)) not in covered:
                self.account.unassign_number(user, number)

    def _covered_regions(self, phone: PhoneProfile) -> set[str]:
        regions: set[str] = set()
        for t in phone.calling_plans:
            plan = self.account.plans.get(t)
            if plan is not None:
                regions.update(region_of(c) for c in plan.countries)
        return regions

    def _apply_feature(self, user: User, feature: Any, now: float) -> None:
        if not isinstance(feature, dict) or "zoom_phone" not in feature:
            return
        if feature["zoom_phone"]:
            self._enable_phone(user, now)
        else:
            self._disable_phone(user)

    # ======================================================================= users ==

    def user_list_item(self, user: User) -> dict[str, Any]:
        item: dict[str, Any] = {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.full_name(),
            "type": user.type,
            "status": user.status,
            "role_id": user.role_id,
            "pmi": user.pmi,
            "timezone": user.timezone,
            "verified": 0 if user.status == "pending" else 1,
            "dept": user.dept,
            "created_at": iso(user.created_at),
            "user_created_at": iso(user.created_at),
            "language": user.language,
            "group_ids": [],
        }
        # "not returned for users with the pending status" [U GET /users resp200.users[].id]
        if user.status != "pending":
            item = {"id": user.id, **item}
        return item

    def users_filter(self, status: str, role_id: str | None) -> Callable[[User], bool]:
        now = self.clock.now()

        def keep(user: User) -> bool:
            if user.status != status or (role_id is not None and user.role_id != role_id):
                return False
            return not self._expired(user, now)

        return keep

    def get_user(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            user = self._user(user_id)
            now = self.clock.now()
            out: dict[str, Any] = {
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "display_name": user.full_name(),
                "email": user.email,
                "type": user.type,
                "role_name": self._role_name(user.role_id),
                "role_id": user.role_id,
                "pmi": user.pmi,
                "use_pmi": False,
                "personal_meeting_url": f"https://zoom.us/j/{user.pmi}",
                "timezone": user.timezone,
                "verified": 0 if user.status == "pending" else 1,
                "dept": user.dept,
                # For pending users Zoom reports the time of the call [U GET desc].
                "created_at": iso(now if user.status == "pending" else user.created_at),
                "user_created_at": iso(user.created_at),
                "language": user.language,
                "status": user.status,
                "job_title": user.job_title,
                "cost_center": user.cost_center,
                "location": user.location,
                "company": user.company,
                "account_id": self.account.info.account_id,
                "account_number": self.account.info.account_number,
                "cluster": "us01",
                "group_ids": [],
                "im_group_ids": [],
                "phone_numbers": [],
            }
            if user.manager and is_email(user.manager):
                out["manager"] = user.manager
            return out

    def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        action: str = body["action"]
        info: dict[str, Any] = body["user_info"]
        email: str = info["email"].strip()
        type_: int = info["type"]
        if type_ == 99:
            raise validation_failed([FieldError("user_info.type")])
        with self.account.lock:
            now = self.clock.now()
            existing = self.account.user_by_email(email)
            if existing is not None:
                if self._expired(existing, now):
                    # An expired invitation no longer holds the address.
                    self.account.remove_user(existing)
                else:
                    raise ZoomError(409, 1005, f'Email "{email}" has already been used.')
            self._check_seat(type_, converting=False)
            pending = action == "create" or (
                action == "ssoCreate"
                and email.lower() in {e.lower() for e in self.account.info.personal_account_emails}
            )
            want_phone = bool((info.get("feature") or {}).get("zoom_phone"))
            if want_phone and not pending:
                seats = self.account.seats
                if seats.zoom_phone is not None and self.account.phone_used >= seats.zoom_phone:
                    raise ZoomError(
                        404,
                        1102,
                        "You cannot enable the Zoom Phone feature because you do not have "
                        "any available licenses.",
                    )
            user = User(
                id=self.account.ids.zoom_id(),
                email=email,
                first_name=info.get("first_name", ""),
                last_name=info.get("last_name", ""),
                display_name=info.get("display_name", ""),
                type=type_,
                status="pending" if pending else "active",
                created_at=now,
                seq=self.account.new_seq(),
                pmi=self.account.ids.digits(10),
                create_action=action,
                invited_at=now if pending else None,
                phone_on_activation=want_phone and pending,
            )
            self.account.add_user(user)
            if want_phone and not pending:
                self._enable_phone(user, now)
            return {
                "id": user.id,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "type": user.type,
            }

    def update_user(self, user_id: str, body: dict[str, Any]) -> None:
        retype = [k for k in ("type", "plan_united_type", "zoom_one_type") if k in body]
        if len(retype) > 1:
            raise ZoomError(
                400,
                300,
                'You can\'t change the "type" or "plan_united_type" or "zoom_one_type" at '
                "the same time.",
            )
        with self.account.lock:
            user = self._user(user_id)
            if user.status == "pending":
                # Zoom accepts updates to pending users but does not apply them (SailPoint's
                # connector notes, REFERENCE §7.1).
                return
            now = self.clock.now()
            new_type = body.get("type")
            if new_type == 99:
                raise validation_failed([FieldError("type")])
            if new_type is not None and new_type != user.type:
                if user.status == "active":
                    self._check_seat(new_type, converting=True)
                self.account.set_type_status(user, type_=new_type)
            for key, attr in (
                ("first_name", "first_name"),
                ("last_name", "last_name"),
                ("display_name", "display_name"),
                ("dept", "dept"),
                ("job_title", "job_title"),
                ("cost_center", "cost_center"),
                ("location", "location"),
                ("manager", "manager"),
                ("company", "company"),
                ("timezone", "timezone"),
                ("language", "language"),
            ):
                if key in body and body[key] is not None:
                    setattr(user, attr, body[key])
            self.account.version += 1
            if "feature" in body:
                self._apply_feature(user, body["feature"], now)

    def delete_user(self, user_id: str, query: dict[str, str]) -> None:
        with self.account.lock:
            user = self.account.find_user(user_id)
            if user is None:
                raise not_found_user(user_id)
            if user.status == "pending":
                # PSZoom #109: with any action/transfer query Zoom answers 404 for pending
                # users; a bare DELETE removes them (REFERENCE §7.2).
                if any(k == "action" or k.startswith("transfer_") for k in query):
                    raise not_found_user(user_id)
                self._user(user_id)  # 1120 once the invitation has expired
                self.account.remove_user(user)
                return
            action = query.get("action", "disassociate")
            if action not in ("disassociate", "delete"):
                raise validation_failed([FieldError("action")])
            transfer = query.get("transfer_email")
            if transfer and transfer.lower() == user.email.lower():
                raise ZoomError(
                    400,
                    300,
                    "The transfer-to email address cannot be the same as the unlinked or "
                    "deleted user's email address.",
                )
            if user.role_id == OWNER_ROLE_ID:
                raise ZoomError(400, 200, "Cannot delete the account owner.")
            if action == "disassociate":
                if user.role_id == ADMIN_ROLE_ID:
                    raise ZoomError(400, 1117, "You can not disassociate an Admin user.")
                if self._domain(user.email) in self._managed_domains():
                    raise ZoomError(
                        400, 1107, "You can not disassociate a user with managed domain."
                    )
            self.account.remove_user(user)

    def _managed_domains(self) -> set[str]:
        return {d.lower() for d in self.account.info.managed_domains}

    def set_status(self, user_id: str, action: str) -> None:
        with self.account.lock:
            user = self._user(user_id)
            if action in ("activate", "deactivate") and self._is_admin(user):
                raise ZoomError(
                    400,
                    200,
                    "Zoom Room and Admin users' status cannot be activated or deactivated.",
                )
            if user.status == "pending":
                raise ZoomError(
                    400, 300, "The user has not accepted the invitation to the account yet."
                )
            if action == "deactivate" and user.status == "active":
                # "Deactivating a user removes all licenses associated with a user" [U desc].
                self._disable_phone(user)
                self.account.set_cc(user, None)
                self.account.set_type_status(user, type_=1 if user.type == 2 else user.type)
                self.account.set_type_status(user, status="inactive")
            elif action == "activate" and user.status == "inactive":
                self._check_seat(user.type, converting=False)
                self.account.set_type_status(user, status="active")

    def activate_pending(self, user_id: str) -> dict[str, Any]:
        """Admin API: the invitee clicked the link. Not part of Zoom's API."""
        with self.account.lock:
            user = self._user(user_id)
            if user.status != "pending":
                raise ZoomError(400, 300, f"User {user.email} is not pending.")
            self.account.set_type_status(user, status="active")
            user.invited_at = None
            if user.phone_on_activation:
                user.phone_on_activation = False
                # No licence left: the user ends up active without phone.
                with contextlib.suppress(ZoomError):
                    self._enable_phone(user, self.clock.now())
            return {"id": user.id, "email": user.email, "status": user.status}

    def get_settings(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            user = self._settings_user(user_id)
            return {
                "feature": {
                    "meeting_capacity": 300 if user.type == 2 else 100,
                    "large_meeting": False,
                    "webinar": False,
                    "zoom_events": False,
                    "zoom_phone": user.zoom_phone,
                    "concurrent_meeting": "None",
                    "zoom_whiteboard": user.type == 2,
                    "zoom_docs": user.type == 2,
                },
            }

    def _settings_user(self, user_id: str) -> User:
        user = self._user(user_id)
        if user.status == "pending":
            # moodle-mod_zoom #131 (REFERENCE §6 table).
            raise ZoomError(
                400, 1000, "You can not access settings of users that are still in pending state."
            )
        return user

    def update_settings(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user = self._settings_user(user_id)
            self._apply_feature(user, body.get("feature"), self.clock.now())

    def change_email(self, user_id: str, new_email: str) -> None:
        with self.account.lock:
            user = self._user(user_id, allow_pending=False)
            if self._is_admin(user):
                raise ZoomError(400, 1000, "Admin can not change other admins email.")
            other = self.account.user_by_email(new_email)
            if other is not None and other is not user:
                raise ZoomError(409, 1005, f'Email "{new_email}" has already been used.')
            now = self.clock.now()
            recent = [t for t in user.email_changes if now - t < DAY]
            if len(recent) >= self.config.email_changes_per_day:
                raise ZoomError(
                    429,
                    429,
                    "You can only change a user's email 3 times in 24 hours.",
                )
            user.email_changes = [*recent, now]
            self.account.change_email(user, new_email)

    # ======================================================================= roles ==

    def list_roles(self) -> dict[str, Any]:
        with self.account.lock:
            counts: dict[str, int] = {}
            for user in self.account.users.values():
                counts[user.role_id] = counts.get(user.role_id, 0) + 1
            roles = [
                {
                    "id": r.id,
                    "name": r.name,
                    "description": r.description,
                    "total_members": counts.get(r.id, 0),
                    "type": r.type,
                }
                for r in self.account.roles.values()
            ]
            return {"total_records": len(roles), "roles": roles}

    def _role(self, role_id: str) -> None:
        if role_id not in self.account.roles:
            raise ZoomError(404, 1001, f"Role does not exist: {role_id}.")

    def role_filter(self, role_id: str) -> Callable[[User], bool]:
        with self.account.lock:
            self._role(role_id)
        return lambda u: u.role_id == role_id and u.status != "pending"

    def role_member_item(self, user: User) -> dict[str, Any]:
        return {
            "id": user.id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "type": user.type,
            "department": user.dept,
        }

    def assign_role(self, role_id: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        with self.account.lock:
            self._role(role_id)
            if role_id == OWNER_ROLE_ID:
                raise ZoomError(400, 300, "The Owner role cannot be assigned.")
            users: list[User] = []
            for m in members:
                key = m.get("id") or m.get("email")
                if not key:
                    raise validation_failed([FieldError("members")])
                user = self._user(str(key), allow_pending=False)
                if user.role_id == OWNER_ROLE_ID:
                    raise ZoomError(400, 300, "The account owner's role cannot be changed.")
                users.append(user)
            for user in users:
                user.role_id = role_id
            self.account.version += 1
            return {"ids": ",".join(u.id for u in users), "add_at": iso(self.clock.now())}

    def unassign_role(self, role_id: str, member_id: str) -> None:
        with self.account.lock:
            self._role(role_id)
            user = self._user(member_id, allow_pending=False)
            if user.role_id != role_id:
                raise not_found_user(member_id)
            if role_id in (OWNER_ROLE_ID, MEMBER_ROLE_ID):
                raise ZoomError(400, 300, f"Members cannot be removed from role {role_id}.")
            # Unassigning a role puts the user back on the default Member role.
            user.role_id = MEMBER_ROLE_ID
            self.account.version += 1

    # ======================================================================= phone ==

    def _plan_item(self, plan_type: int) -> dict[str, Any]:
        plan = self.account.plans.get(plan_type)
        return {"type": plan_type, "name": plan.name if plan else str(plan_type)}

    def _numbers_item(self, phone: PhoneProfile) -> list[dict[str, str]]:
        # The phone-user endpoints show numbers without "+" (P /phone/users examples).
        out = []
        for nid in phone.numbers:
            n = self.account.numbers[nid]
            out.append({"id": n.id, "number": _digits(n.number)})
        return out

    def phone_user_item(self, user: User) -> dict[str, Any]:
        phone = user.phone
        assert phone is not None
        site = self.account.sites.get(phone.site_id)
        return {
            "id": user.id,
            "phone_user_id": phone.phone_user_id,
            "name": user.full_name(),
            "email": user.email,
            "extension_id": phone.extension_id,
            "extension_number": phone.extension_number,
            "calling_plans": [self._plan_item(t) for t in phone.calling_plans],
            "phone_numbers": self._numbers_item(phone),
            "site": {"id": phone.site_id, "name": site.name if site else ""},
            "status": "activate",
            "department": user.dept,
            "cost_center": user.cost_center,
        }

    def phone_users_filter(
        self,
        site_id: str | None,
        calling_type: int | None,
        status: str | None,
        department: str | None,
        keyword: str | None,
    ) -> Callable[[User], bool]:
        now = self.clock.now()
        kw = keyword.lower() if keyword else None

        def keep(user: User) -> bool:
            phone = user.phone
            if phone is None or phone.appears_at > now:
                return False
            if status is not None and status != "activate":
                return False
            if site_id is not None and phone.site_id != site_id:
                return False
            if calling_type is not None and calling_type not in phone.calling_plans:
                return False
            if department is not None and user.dept != department:
                return False
            if kw is not None:
                hay = [user.email.lower(), user.full_name().lower(), str(phone.extension_number)]
                hay += [_digits(self.account.numbers[n].number) for n in phone.numbers]
                if not any(kw.lstrip("+") in h for h in hay):
                    return False
            return True

        return keep

    def get_phone_user(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            return {
                "id": user.id,
                "phone_user_id": phone.phone_user_id,
                "email": user.email,
                "extension_id": phone.extension_id,
                "extension_number": phone.extension_number,
                "calling_plans": [self._plan_item(t) for t in phone.calling_plans],
                "phone_numbers": self._numbers_item(phone),
                "site_id": phone.site_id,
                "site_admin": False,
                "status": "activate",
                "department": user.dept,
                "cost_center": user.cost_center,
            }

    def get_phone_user_settings(self, user_id: str) -> dict[str, Any]:
        """The part of a phone user's profile settings the sandbox models: extension,
        status and the site's country (Zoom returns much more: call handling, voicemail
        access, desk phones; docs/sandbox.md, "Not emulated")."""
        with self.account.lock:
            _, phone = self._phone_user(user_id)
            site = self.account.sites.get(phone.site_id) if phone.site_id else None
            settings: dict[str, Any] = {
                "extension_number": phone.extension_number,
                "status": "Active",
            }
            if site is not None:
                settings["country"] = {"code": site.country_code, "name": site.country_name}
            return settings

    def _parse_full_extension(self, raw: str, site: Site) -> int:
        prefix = str(site.site_code)
        if not raw.isdigit() or not raw.startswith(prefix) or len(raw) <= len(prefix):
            # PATCH wants the complete extension: site code + short extension [P body].
            raise validation_failed(
                [FieldError("extension_number", f"Must start with site code {prefix}.")]
            )
        return int(raw)

    def _claim_extension(self, user: User, extension: int) -> None:
        owner = self.account.ext_owner.get(extension)
        if owner is not None and owner != user.id:
            # Documented for call queues and shared line groups, not users (REFERENCE §2.2).
            raise ZoomError(400, 400, f"Extension number {extension} is already used.")

    def update_phone_user(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            site = self._site(body["site_id"]) if body.get("site_id") else None
            template_id = body.get("template_id")
            if template_id and template_id not in self.account.templates:
                raise ZoomError(404, 404, "Template does not exist.")
            target_site = site or self.account.sites[phone.site_id]
            new_ext: int | None = None
            if body.get("extension_number"):
                new_ext = self._parse_full_extension(body["extension_number"], target_site)
                self._claim_extension(user, new_ext)
            elif site is not None and site.id != phone.site_id:
                # Moving site keeps the short extension under the new site code when free.
                old_site = self.account.sites[phone.site_id]
                short = str(phone.extension_number)[len(str(old_site.site_code)) :]
                candidate = int(f"{site.site_code}{short}")
                owner = self.account.ext_owner.get(candidate)
                new_ext = candidate if owner in (None, user.id) else self._alloc_extension(site)
            if site is not None:
                phone.site_id = site.id
            if new_ext is not None and new_ext != phone.extension_number:
                self.account.set_extension(user, new_ext)
            if template_id:
                phone.template_id = template_id
            self.account.version += 1

    def _plan_by_type(self, plan_type: int, field: str) -> CallingPlan:
        plan = self.account.plans.get(plan_type)
        if plan is None:
            raise validation_failed([FieldError(field, f"Calling plan {plan_type} not found.")])
        return plan

    def _check_plan_seat(self, plan: CallingPlan, needed: int = 1) -> None:
        if plan.available < needed:
            raise ZoomError(400, 300, f"No available licenses for the calling plan {plan.name}.")

    def add_calling_plans(self, user_id: str, plans: list[dict[str, Any]]) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            wanted: list[CallingPlan] = []
            for i, item in enumerate(plans):
                plan = self._plan_by_type(item["type"], f"calling_plans[{i}].type")
                if plan.type not in phone.calling_plans and plan not in wanted:
                    wanted.append(plan)
            for plan in wanted:
                self._check_plan_seat(plan)
            for plan in wanted:
                self.account.add_plan(user, plan.type)

    def switch_calling_plan(self, user_id: str, source: int, target: int) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            if source not in phone.calling_plans:
                raise ZoomError(400, 404, "User did not subscribe to the source plan.")
            plan = self._plan_by_type(target, "target_type")
            if target == source:
                return
            if target not in phone.calling_plans:
                self._check_plan_seat(plan)
                self.account.add_plan(user, target)
            self.account.remove_plan(user, source)
            # Undocumented for a switch (REFERENCE §8); the sandbox keeps the numbers the new
            # plan still covers and drops the rest, as a removal does.
            self._drop_uncovered_numbers(user)
            if request_faults().switch_drops_numbers:
                # The fault `switch-drops-numbers`: the switch takes every number with it.
                for nid in list(phone.numbers):
                    self.account.unassign_number(user, self.account.numbers[nid])

    def remove_calling_plan(self, user_id: str, plan_type: str) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            if not plan_type.isdigit() or int(plan_type) not in phone.calling_plans:
                raise ZoomError(400, 400, "Invalid field.")
            self.account.remove_plan(user, int(plan_type))
            self._drop_uncovered_numbers(user)

    def _number_for(self, item: dict[str, Any], i: int) -> PhoneNumber:
        key = item.get("id") or item.get("number")
        number = self.account.find_number(str(key)) if key else None
        if number is None:
            raise validation_failed(
                [FieldError(f"phone_numbers[{i}]", "Phone number does not exist.")]
            )
        return number

    def assign_numbers(self, user_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            wanted: list[PhoneNumber] = []
            for i, item in enumerate(items):
                number = self._number_for(item, i)
                if number.assignee not in (None, user.id):
                    raise ZoomError(400, 300, f"Phone number {number.number} is already assigned.")
                if number.assignee is None and number not in wanted:
                    wanted.append(number)
            covered = self._covered_regions(phone)
            for number in wanted:
                if region_of(number_country(number.number)) not in covered:
                    raise ZoomError(
                        400,
                        300,
                        f"Assign a calling plan that covers {number.number} before the number.",
                    )
            if len(phone.numbers) + len(wanted) > 10:
                raise validation_failed([FieldError("phone_numbers", "At most 10 numbers.")])
            for number in wanted:
                self.account.assign_number(user, number)
            return {
                "phone_numbers": [
                    {"id": n.id, "number": n.number}
                    for n in (self._number_for(it, i) for i, it in enumerate(items))
                ]
            }

    def unassign_number(self, user_id: str, id_or_number: str) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            number = self.account.find_number(id_or_number)
            if number is None or number.id not in phone.numbers:
                raise ZoomError(404, 400, 'Invalid query parameter "phone_number".')
            self.account.unassign_number(user, number)

    def batch_add(self, users: list[dict[str, Any]]) -> list[dict[str, str]]:
        if len(users) > 10:
            raise ZoomError(400, 400, "User size must be less than 10.")
        with self.account.lock:
            now = self.clock.now()
            plans_by_name = {p.name.lower(): p for p in self.account.plans.values()}
            tpl_by_name = {t.name.lower(): t for t in self.account.templates.values()}
            planned: list[tuple[User, Site, int, list[CallingPlan], list[PhoneNumber], str | None]]
            planned = []
            errors: list[FieldError] = []
            claimed_ext: set[int] = set()
            claimed_num: set[str] = set()
            plan_need: dict[int, int] = {}
            for i, item in enumerate(users):
                at = f"users[{i}]"
                user = self.account.find_user(item["email"])
                if user is None or user.status != "active":
                    # "The users must be active in your Zoom account" [P desc].
                    errors.append(FieldError(f"{at}.email", "User must be an active user."))
                    continue
                if user.phone is not None:
                    errors.append(FieldError(f"{at}.email", "User is already a phone user."))
                    continue
                site = self._batch_site(item)
                if site is None:
                    errors.append(FieldError(f"{at}.site_code"))
                    continue
                short = item["extension_number"]
                if not short.isdigit():
                    errors.append(FieldError(f"{at}.extension_number"))
                    continue
                # Batch takes the short extension, without the site code [P batch body].
                ext = int(f"{site.site_code}{short}")
                if ext in self.account.ext_owner or ext in claimed_ext:
                    errors.append(
                        FieldError(f"{at}.extension_number", f"Extension {ext} is already used.")
                    )
                    continue
                plans: list[CallingPlan] = []
                for j, name in enumerate(item["calling_plans"]):
                    plan = plans_by_name.get(name.split(":", 1)[0].strip().lower())
                    if plan is None:
                        errors.append(FieldError(f"{at}.calling_plans[{j}]"))
                    elif plan not in plans:
                        plans.append(plan)
                        plan_need[plan.type] = plan_need.get(plan.type, 0) + 1
                numbers: list[PhoneNumber] = []
                for j, raw in enumerate(item.get("phone_numbers") or []):
                    number = self.account.find_number(raw)
                    if number is None or number.assignee is not None or number.id in claimed_num:
                        errors.append(FieldError(f"{at}.phone_numbers[{j}]"))
                    else:
                        numbers.append(number)
                        claimed_num.add(number.id)
                template_id: str | None = None
                if item.get("template_name"):
                    tpl = tpl_by_name.get(item["template_name"].lower())
                    if tpl is None:
                        raise ZoomError(404, 404, "Template is invalid")
                    template_id = tpl.id
                claimed_ext.add(ext)
                planned.append((user, site, ext, plans, numbers, template_id))
            if errors:
                raise validation_failed(errors)
            for plan_type, need in plan_need.items():
                self._check_plan_seat(self.account.plans[plan_type], need)
            seats = self.account.seats
            if (
                seats.zoom_phone is not None
                and self.account.phone_used + len(planned) > seats.zoom_phone
            ):
                raise ZoomError(
                    404,
                    1102,
                    "You cannot enable the Zoom Phone feature because you do not have any "
                    "available licenses.",
                )
            out = []
            for user, site, ext, plans, numbers, template_id in planned:
                profile = PhoneProfile(
                    phone_user_id=self.account.ids.zoom_id(),
                    extension_id=self.account.ids.zoom_id(),
                    extension_number=ext,
                    site_id=site.id,
                    calling_plans=[p.type for p in plans],
                    template_id=template_id,
                    appears_at=now,
                )
                self.account.set_phone(user, profile)
                covered = self._covered_regions(profile)
                for number in numbers:
                    if region_of(number_country(number.number)) in covered:
                        self.account.assign_number(user, number)
                out.append({"email": user.email, "id": user.id})
            return out

    def _batch_site(self, item: dict[str, Any]) -> Site | None:
        code, name = item.get("site_code"), item.get("site_name")
        for site in self.account.sites.values():
            if (code and str(site.site_code) == str(code)) or (
                name and site.name.lower() == str(name).lower()
            ):
                return site
        if code or name:
            return None
        return self._site(None)

    def number_item(self, number: PhoneNumber) -> dict[str, Any]:
        site = self.account.sites.get(number.site_id or "")
        item: dict[str, Any] = {
            "id": number.id,
            "number": number.number,  # E.164 with "+" here [P /phone/numbers resp200]
            "status": "available",
            "number_type": number.number_type,
            "capability": ["incoming", "outgoing"],
            "location": number.location,
            "source": "internal",
        }
        if number.display_name:
            item["display_name"] = number.display_name
        if site is not None:
            item["site"] = {"id": site.id, "name": site.name}
        if number.assignee is not None:
            owner = self.account.users[number.assignee]
            item["assignee"] = {
                "id": owner.id,
                "name": owner.full_name(),
                "extension_number": owner.phone.extension_number if owner.phone else 0,
                "type": "user",
            }
        return item

    def numbers_filter(
        self, type_: str, extension_type: str | None, site_id: str | None, number_type: str | None
    ) -> Callable[[PhoneNumber], bool]:
        def keep(n: PhoneNumber) -> bool:
            if type_ == "assigned" and n.assignee is None:
                return False
            if type_ == "unassigned" and n.assignee is not None:
                return False
            if type_ == "byoc":
                return False  # the sandbox has no BYOC numbers
            if extension_type is not None and extension_type != "user":
                return False
            if site_id is not None and n.site_id != site_id:
                return False
            return number_type is None or n.number_type == number_type

        return keep

    def calling_plans(self) -> dict[str, Any]:
        with self.account.lock:
            return {
                "calling_plans": [
                    {
                        "type": p.type,
                        "name": p.name,
                        "subscribed": p.subscribed,
                        "assigned": p.assigned,
                        "available": p.available,
                    }
                    for p in self.account.plans.values()
                ]
            }

    def site_item(self, site: Site) -> dict[str, Any]:
        first = next(iter(self.account.sites))
        return {
            "id": site.id,
            "name": site.name,
            "site_code": site.site_code,
            "country": {"code": site.country_code, "name": site.country_name},
            # Live Zoom also returns `level` (folio-sec patchSpec.js, REFERENCE §2.7).
            "level": "main" if site.id == first else "sub",
        }

    def template_item(self, tpl: Any) -> dict[str, Any]:
        return {"id": tpl.id, "name": tpl.name, "type": tpl.type, "description": tpl.description}

    # ============================================================== contact center ==

    def cc_item(self, user: User) -> dict[str, Any]:
        cc = user.cc
        assert cc is not None
        role = self.account.cc_roles.get(cc.role_id)
        item: dict[str, Any] = {
            "user_id": user.id,
            "display_name": user.full_name(),
            "user_email": user.email,
            "role_id": cc.role_id,
            "role_name": role.name if role else "",
            "status_id": cc.status_id,
            "status_name": CC_STATUS_NAMES.get(cc.status_id, "Offline"),
            "user_access": cc.user_access,
            "region_id": cc.region_id,
            "region_name": self.account.info.cc_region_name,
            "country_iso_code": cc.country_iso_code,
            "client_integration": cc.client_integration,
            "channel_settings": {
                "multi_channel_engagements": {"enable": False, "max_agent_load": 100},
                "concurrent_message_capacity": 4,
                "concurrent_email_capacity": 1,
            },
            "add_ons_plan": list(cc.add_ons_plan),
            "modified_by": "",
            "last_modified_time": iso(cc.modified_at),
        }
        if cc.package_name:
            item["package_name"] = cc.package_name
        return item

    def cc_filter(
        self, search_key: str | None, user_access: str | None, region_id: str | None
    ) -> Callable[[User], bool]:
        key = search_key.lower() if search_key else None

        def keep(user: User) -> bool:
            cc = user.cc
            if cc is None:
                return False
            if user_access is not None and cc.user_access != user_access:
                return False
            if region_id is not None and cc.region_id != region_id:
                return False
            return key is None or key in user.email.lower() or key in user.full_name().lower()

        return keep

    def _cc_user(self, user_id: str) -> User:
        user = self.account.find_user(user_id)
        if user is None or user.cc is None:
            raise ZoomError(404, 1001, f"User does not exist: {user_id}.")
        return user

    def get_cc_user(self, user_id: str) -> dict[str, Any]:
        with self.account.lock:
            return self.cc_item(self._cc_user(user_id))

    def _check_cc_role(self, role_id: str) -> None:
        if role_id not in self.account.cc_roles:
            raise ZoomError(404, 2201, f"Role does not exist: {role_id}.")

    def _check_package(self, name: str) -> None:
        pkg = self.account.cc_packages.get(name)
        if pkg is None:
            raise ZoomError(400, 1701, f"The account package does not exist:{name}.")
        if pkg.assigned >= pkg.seats:
            raise ZoomError(400, 290010, "The selected package or add-ons is not enough.")

    def create_cc_user(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.account.lock:
            # On create `user_email` wins over `user_id` [C POST body].
            key = body.get("user_email") or body.get("user_id")
            if not key:
                raise ZoomError(
                    400, 1009, "User ID or user email cannot be empty at the same time."
                )
            user = self.account.find_user(key)
            if user is None or user.status != "active":
                raise ZoomError(400, 1004, f"Invalid user ID or user email: {key}.")
            if user.cc is not None:
                raise ZoomError(400, 1007, f"User already exists: {user.email}.")
            role_id = body.get("role_id")
            if not role_id and not body.get("template_id"):
                raise validation_failed(
                    [FieldError("role_id", "role_id and template_id cannot both be empty.")]
                )
            if body.get("template_id") and not role_id:
                raise ZoomError(400, 8003, f"User template not found: {body['template_id']}")
            assert role_id is not None
            self._check_cc_role(role_id)
            package = body.get("package_name")
            if package:
                self._check_package(package)
            if body.get("region_id") and body["region_id"] != self.account.info.cc_region_id:
                raise ZoomError(404, 1017, "Region does not exist.")
            self.account.set_cc(
                user,
                CCProfile(
                    role_id=role_id,
                    package_name=package or None,
                    user_access=body.get("user_access", "active"),
                    add_ons_plan=list(body.get("add_ons_plan") or []),
                    region_id=self.account.info.cc_region_id,
                    country_iso_code=body.get("country_iso_code", ""),
                    client_integration=body.get("client_integration", "Default"),
                    modified_at=self.clock.now(),
                ),
            )
            return self.cc_item(user)

    def update_cc_user(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user = self._cc_user(user_id)
            cc = user.cc
            assert cc is not None
            if body.get("role_id"):
                self._check_cc_role(body["role_id"])
            if body.get("status_id") is not None and body["status_id"] not in CC_STATUS_NAMES:
                raise ZoomError(404, 1101, f"Status does not exist: {body['status_id']}.")
            if body.get("region_id") and body["region_id"] != self.account.info.cc_region_id:
                raise ZoomError(404, 1017, "Region does not exist.")
            package = body.get("package_name")
            if package and package != cc.package_name:
                self._check_package(package)
            if body.get("role_id"):
                cc.role_id = body["role_id"]
            if body.get("status_id") is not None:
                cc.status_id = body["status_id"]
            for key in ("user_access", "country_iso_code", "client_integration"):
                if body.get(key):
                    setattr(cc, key, body[key])
            if body.get("add_ons_plan"):
                cc.add_ons_plan = list(body["add_ons_plan"])
            if package is not None and package != cc.package_name:
                self.account.set_cc_package(user, package or None)
            cc.modified_at = self.clock.now()
            self.account.version += 1

    def delete_cc_user(self, user_id: str) -> None:
        with self.account.lock:
            self.account.set_cc(self._cc_user(user_id), None)

    def cc_roles(self) -> list[dict[str, Any]]:
        with self.account.lock:
            counts: dict[str, int] = {}
            for user in self.account.users.values():
                if user.cc is not None:
                    counts[user.cc.role_id] = counts.get(user.cc.role_id, 0) + 1
            return [
                {
                    "role_id": r.id,
                    "role_name": r.name,
                    "role_description": r.description,
                    "total_users": counts.get(r.id, 0),
                }
                for r in self.account.cc_roles.values()
            ]
