"""The phone family's calling plans and numbers: plans added, switched and removed on a
phone user, numbers assigned and unassigned, and how the account's plans, numbers, sites
and setting templates are listed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed
from zoomstate.sandbox.families.phone_core import PhoneCore
from zoomstate.sandbox.faults import request_faults
from zoomstate.sandbox.records import CallingPlan, PhoneNumber, Site, number_country, region_of

__all__ = ["PhoneNumbersBehaviour"]


class PhoneNumbersBehaviour(PhoneCore):
    def _plan_by_type(self, plan_type: int, field: str) -> CallingPlan:
        plan = self.account.plans.get(plan_type)
        if plan is None:
            raise validation_failed([FieldError(field, f"Calling plan {plan_type} not found.")])
        return plan

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
                if number.assignee not in (None, user.id) or number.holder_type is not None:
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
        elif number.holder_type is not None:
            item["assignee"] = {
                "id": number.holder_id,
                "name": number.holder_name,
                "type": number.holder_type,
            }
        return item

    def numbers_filter(
        self, type_: str, extension_type: str | None, site_id: str | None, number_type: str | None
    ) -> Callable[[PhoneNumber], bool]:
        def keep(n: PhoneNumber) -> bool:
            if type_ == "assigned" and not n.held:
                return False
            if type_ == "unassigned" and n.held:
                return False
            if type_ == "byoc":
                return False  # the sandbox has no BYOC numbers
            kind = "user" if n.assignee is not None else n.holder_type
            if extension_type is not None and extension_type != kind:
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
