"""The phone family's phone users: how Zoom shows them (`/phone/users`), their extension,
site and template (`PATCH /phone/users/{userId}`), the batch that makes several at once
(`POST /phone/users/batch`) and the one that moves several to a site (`PUT
/phone/users/batch`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from zoomstate.calling_plans import BATCH_NAMES
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.base import every_item
from zoomstate.sandbox.families.phone_core import PhoneCore, digits
from zoomstate.sandbox.records import (
    CallingPlan,
    PhoneNumber,
    PhoneProfile,
    SettingTemplate,
    Site,
    User,
    number_country,
    region_of,
)

__all__ = ["PhoneUsersBehaviour"]


@dataclass(slots=True)
class _BatchRow:
    user: User
    site: Site
    ext: int
    plans: list[CallingPlan]
    numbers: list[PhoneNumber]
    template_id: str | None


@dataclass(slots=True)
class _Batch:
    """What a batch's items claim between them, and the errors found so far."""

    plans_by_name: dict[str, CallingPlan]
    tpl_by_name: dict[str, SettingTemplate]
    errors: list[FieldError] = field(default_factory=list)
    claimed_ext: set[int] = field(default_factory=set)
    claimed_num: set[str] = field(default_factory=set)
    plan_need: dict[int, int] = field(default_factory=dict)


class PhoneUsersBehaviour(PhoneCore):
    def _plan_item(self, plan_type: int) -> dict[str, Any]:
        plan = self.account.plans.get(plan_type)
        return {"type": plan_type, "name": plan.name if plan else str(plan_type)}

    def _numbers_item(self, phone: PhoneProfile) -> list[dict[str, str]]:
        # The phone-user endpoints show numbers without "+" (P /phone/users examples).
        out = []
        for nid in phone.numbers:
            n = self.account.numbers[nid]
            out.append({"id": n.id, "number": digits(n.number)})
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
                hay += [digits(self.account.numbers[n].number) for n in phone.numbers]
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
        if self.account.extension_taken(extension, by=user.id):
            # Documented for call queues and shared line groups, not users (REFERENCE §2.2).
            raise ZoomError(400, 400, f"Extension number {extension} is already used.")

    def update_phone_user(self, user_id: str, body: dict[str, Any]) -> None:
        with self.account.lock:
            user, phone = self._phone_user(user_id)
            site = self._site(body["site_id"]) if body.get("site_id") else None
            template_id = body.get("template_id")
            if template_id and template_id not in self.account.templates:
                raise ZoomError(404, 404, "Template does not exist.")
            if body.get("extension_number"):
                target_site = site or self.account.sites[phone.site_id]
                new_ext = self._parse_full_extension(body["extension_number"], target_site)
                self._claim_extension(user, new_ext)
                if site is not None:
                    phone.site_id = site.id
                if new_ext != phone.extension_number:
                    self.account.set_extension(user, new_ext)
            elif site is not None:
                self._move_to_site(user, phone, site)
            if template_id:
                phone.template_id = template_id
            self.account.version += 1

    def _move_to_site(self, user: User, phone: PhoneProfile, site: Site) -> None:
        """A phone user moved to `site` without a new extension (`PATCH` with `site_id`,
        `PUT /phone/users/batch` `move_site`): it keeps its short extension under the new
        site code when nobody (a user, queue, shared line group or receptionist) holds it,
        else gets the site's next free extension. It cannot fail, so a batch can check
        every user first and then move them one by one."""
        if site.id == phone.site_id:
            return
        old_site = self.account.sites[phone.site_id]
        short = str(phone.extension_number)[len(str(old_site.site_code)) :]
        candidate = int(f"{site.site_code}{short}")
        taken = self.account.extension_taken(candidate, user.id)
        new_ext = self._alloc_extension(site) if taken else candidate
        phone.site_id = site.id
        if new_ext != phone.extension_number:
            self.account.set_extension(user, new_ext)

    def batch_update_phone_users(self, body: dict[str, Any]) -> None:
        """`PUT /phone/users/batch` [P]: `move_site` moves every user of `user_ids` (at most
        10, the schema's limit) to `site_id`; any user who is no phone user refuses the
        whole call before anyone moves. `assign_pending_user` (the Zoom One licence's Phone
        feature) is not emulated and gets the operation's documented 400 / 400."""
        if body["batch_type"] != "move_site":
            raise ZoomError(
                400, 400, f"Current batch type does not support, batch type:{body['batch_type']}."
            )
        ids, site_id = body.get("user_ids") or [], body.get("site_id")
        missing = [name for name, v in (("user_ids", ids), ("site_id", site_id)) if not v]
        if missing:
            # "You must enter `move_site`: `user_ids` and `site_id`" [P body.batch_type].
            raise validation_failed([FieldError(name) for name in missing])
        with self.account.lock:
            site = self._site(site_id)
            users = every_item(ids, "user_ids", self._phone_user)
            for user, phone in users:
                self._move_to_site(user, phone, site)

    def batch_add(self, users: list[dict[str, Any]]) -> list[dict[str, str]]:
        if len(users) > 10:
            raise ZoomError(400, 400, "User size must be less than 10.")
        with self.account.lock:
            now = self.clock.now()
            batch = _Batch(
                # The batch takes the names of its own table, not the listed ones.
                plans_by_name={
                    BATCH_NAMES[p.type].lower(): p
                    for p in self.account.plans.values()
                    if p.type in BATCH_NAMES
                },
                tpl_by_name={t.name.lower(): t for t in self.account.templates.values()},
            )
            planned = [
                row
                for i, item in enumerate(users)
                if (row := self._batch_row(batch, f"users[{i}]", item)) is not None
            ]
            if batch.errors:
                raise validation_failed(batch.errors)
            for plan_type, need in batch.plan_need.items():
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
            return [self._batch_commit(row, now) for row in planned]

    def _batch_row(self, batch: _Batch, at: str, item: dict[str, Any]) -> _BatchRow | None:
        """One item of a batch checked against the account and the items before it: its
        row, or None with the reason in `batch.errors`."""
        user = self.account.find_user(item["email"])
        if user is None or user.status != "active":
            # "The users must be active in your Zoom account" [P desc].
            batch.errors.append(FieldError(f"{at}.email", "User must be an active user."))
            return None
        if user.phone is not None:
            batch.errors.append(FieldError(f"{at}.email", "User is already a phone user."))
            return None
        site = self._batch_site(item)
        if site is None:
            batch.errors.append(FieldError(f"{at}.site_code"))
            return None
        short = item["extension_number"]
        if not short.isdigit():
            batch.errors.append(FieldError(f"{at}.extension_number"))
            return None
        # Batch takes the short extension, without the site code [P batch body].
        ext = int(f"{site.site_code}{short}")
        if self.account.extension_taken(ext) or ext in batch.claimed_ext:
            batch.errors.append(
                FieldError(f"{at}.extension_number", f"Extension {ext} is already used.")
            )
            return None
        plans: list[CallingPlan] = []
        for j, name in enumerate(item["calling_plans"]):
            plan = batch.plans_by_name.get(name.split(":", 1)[0].strip().lower())
            if plan is None:
                batch.errors.append(FieldError(f"{at}.calling_plans[{j}]"))
            elif plan not in plans:
                plans.append(plan)
                batch.plan_need[plan.type] = batch.plan_need.get(plan.type, 0) + 1
        numbers: list[PhoneNumber] = []
        for j, raw in enumerate(item.get("phone_numbers") or []):
            number = self.account.find_number(raw)
            if number is None or number.held or number.id in batch.claimed_num:
                batch.errors.append(FieldError(f"{at}.phone_numbers[{j}]"))
            else:
                numbers.append(number)
                batch.claimed_num.add(number.id)
        template_id: str | None = None
        if item.get("template_name"):
            tpl = batch.tpl_by_name.get(item["template_name"].lower())
            if tpl is None:
                raise ZoomError(404, 404, "Template is invalid")
            template_id = tpl.id
        batch.claimed_ext.add(ext)
        return _BatchRow(user, site, ext, plans, numbers, template_id)

    def _batch_commit(self, row: _BatchRow, now: float) -> dict[str, str]:
        profile = PhoneProfile(
            phone_user_id=self.account.ids.zoom_id(),
            extension_id=self.account.ids.zoom_id(),
            extension_number=row.ext,
            site_id=row.site.id,
            calling_plans=[p.type for p in row.plans],
            template_id=row.template_id,
            appears_at=now,
        )
        self.account.set_phone(row.user, profile)
        covered = self._covered_regions(profile)
        for number in row.numbers:
            if region_of(number_country(number.number)) in covered:
                self.account.assign_number(row.user, number)
        return {"email": row.user.email, "id": row.user.id}

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
