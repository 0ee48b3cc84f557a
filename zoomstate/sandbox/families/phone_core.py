"""What the phone family's behaviour shares, and what the users family needs from it: the
phone user lookup, the default site, extension allocation, the Zoom Phone licence that
`feature.zoom_phone` takes and gives back, and which regions a user's plans cover."""

from __future__ import annotations

from typing import Any

from zoomstate.sandbox.errors import ZoomError
from zoomstate.sandbox.families.base import ServiceBase
from zoomstate.sandbox.faults import request_faults
from zoomstate.sandbox.records import (
    CallingPlan,
    PhoneProfile,
    Site,
    User,
    number_country,
    region_of,
)

__all__ = ["PhoneCore", "digits"]


def digits(number: str) -> str:
    return number.lstrip("+")


class PhoneCore(ServiceBase):
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

    def _alloc_extension(self, site: Site) -> int:
        short = max(site.next_short, site.extension_start)
        owners = self.account.ext_owner
        lines = self.account.line_extensions()
        while True:
            full = int(f"{site.site_code}{short}")
            if full not in owners and full not in lines:
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
        become unassigned" [U PATCH body.feature]; plans and extension go with the licence,
        and with the extension the user's place in call queues and shared line groups (the
        fault `phone-off-keeps-memberships` keeps it)."""
        self.account.set_phone(user, None)
        if not request_faults().phone_off_keeps_memberships:
            self.account.leave_lines(user)

    def _check_no_line_role(self, user: User) -> None:
        """A call-queue manager or auto-receptionist operator cannot be deleted: 400/1000
        [U DELETE /users/{userId} r400]."""
        if self.account.line_roles(user):
            raise ZoomError(
                400,
                1000,
                "The user cannot be changed because they are a Call-queue manager or "
                "Auto-receptionist operator.",
            )

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

    def _check_plan_seat(self, plan: CallingPlan, needed: int = 1) -> None:
        if plan.available < needed:
            raise ZoomError(400, 300, f"No available licenses for the calling plan {plan.name}.")
