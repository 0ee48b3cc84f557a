"""Zoom Phone: the profile (site, extension), calling plans and phone numbers.

Removing or switching a calling plan drops the numbers no remaining plan covers; disabling
Zoom Phone drops plans and numbers and frees the extension. An extension or number held by
someone else, or a calling plan without a free seat, is refused.

Zoom picks the extension of a new phone user (and of a site move that cannot keep the
short extension). The model lets the caller choose how: `Account.allocate` sees the free
extensions of the site and returns one. A test that wants the worst case hands it the
extensions other users are about to claim first.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.models.account import Account, Handler, MPhone, MUser
from zoomstate.plan import Operation


def region_of_plan(plan_type: int) -> int:
    """Zoom's standard calling plan codes carry the region in their last two digits
    (x00 US/CA, x02 GB/IE), as the sandbox's `default_plan_countries` does."""
    return plan_type % 100


def region_of_number(number: str) -> int:
    return 2 if number.startswith(("+44", "+353")) else 0


def _drop_uncovered(phone: MPhone) -> None:
    covered = {region_of_plan(p) for p in phone.plans}
    phone.numbers = {n for n in phone.numbers if region_of_number(n) in covered}


def _claim_plan(model: Account, op: Operation, phone: MPhone, plan: int) -> None:
    if plan in phone.plans:
        return
    if model.plan_free.get(plan, 0) <= 0:
        model.bad(op, f"calling plan {plan} has no free seat")
    model.plan_free[plan] = model.plan_free.get(plan, 0) - 1
    phone.plans.add(plan)


def _drop_plan(model: Account, phone: MPhone, plan: int) -> None:
    phone.plans.discard(plan)
    model.plan_free[plan] = model.plan_free.get(plan, 0) + 1


def _allocate(model: Account, op: Operation, site: str) -> int:
    free = model.free_extensions(site)
    if not free:
        model.bad(op, f"no free extension at {site}")
        return -1
    return model.allocate(site, free)


def _new_phone_user(model: Account, op: Operation) -> MUser | None:
    """The step's user, active and not yet a phone user; None (the step refused) else."""
    user = model.active(op)
    if user is not None and user.phone is not None:
        model.bad(op, "already has Zoom Phone")
        return None
    return user


def _check_extension_free(model: Account, op: Operation, user: MUser, extension: int) -> None:
    holder = model.extension_holder(extension)
    if holder not in (None, user.key):
        model.bad(op, f"extension {extension} is held by {holder}")


def enable_phone(model: Account, op: Operation) -> None:
    user = _new_phone_user(model, op)
    if user is None:
        return
    extension = _allocate(model, op, model.default_site)
    user.phone = MPhone(model.default_site, extension)


def add_phone_user(model: Account, op: Operation) -> None:
    """POST /phone/users/batch for one user: Zoom Phone with its site, extension, plans
    and numbers at once (the batch refuses a held extension or number)."""
    user = _new_phone_user(model, op)
    if user is None:
        return
    p = op.params
    site = str(p["site"]) if p.get("site") is not None else model.default_site
    extension = int(p["extension"])  # type: ignore[arg-type]
    _check_extension_free(model, op, user, extension)
    if str(site_code := model.site_codes[site]) + str(p["short_extension"]) != str(extension):
        model.bad(
            op, f"short extension {p['short_extension']} under {site_code} is not {extension}"
        )
    phone = MPhone(site, extension)
    user.phone = phone
    for plan in p["calling_plans"]:  # type: ignore[union-attr]
        _claim_plan(model, op, phone, int(plan))  # type: ignore[arg-type]
    for number in p["numbers"]:  # type: ignore[union-attr]
        _take_number(model, op, user.key, phone, str(number))


def update_phone(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is None:
        return
    user, phone = found
    p = op.params
    site = str(p["site"]) if p.get("site") is not None else phone.site
    if p.get("extension") is not None:
        extension = int(p["extension"])  # type: ignore[arg-type]
        _check_extension_free(model, op, user, extension)
        if not str(extension).startswith(str(model.site_codes[site])):
            model.bad(op, f"extension {extension} does not start with {site}'s code")
        phone.extension = extension
    elif site != phone.site:
        # A site move keeps the short extension under the new site code when free.
        old_code, new_code = str(model.site_codes[phone.site]), str(model.site_codes[site])
        candidate = int(new_code + str(phone.extension)[len(old_code) :])
        holder = model.extension_holder(candidate)
        phone.extension = candidate if holder in (None, user.key) else _allocate(model, op, site)
    phone.site = site


def assign_calling_plan(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is not None:
        _claim_plan(model, op, found[1], int(op.params["type"]))  # type: ignore[arg-type]


def switch_calling_plan(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is None:
        return
    phone = found[1]
    source = int(op.params["source_type"])  # type: ignore[arg-type]
    target = int(op.params["target_type"])  # type: ignore[arg-type]
    if source not in phone.plans:
        model.bad(op, f"the user has no calling plan {source}")
        return
    _claim_plan(model, op, phone, target)
    _drop_plan(model, phone, source)
    _drop_uncovered(phone)


def unassign_calling_plan(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is None:
        return
    phone = found[1]
    plan = int(op.params["type"])  # type: ignore[arg-type]
    if plan not in phone.plans:
        model.bad(op, f"the user has no calling plan {plan}")
        return
    _drop_plan(model, phone, plan)
    _drop_uncovered(phone)


def assign_number(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is None:
        return
    user, phone = found
    _take_number(model, op, user.key, phone, str(op.params["number"]))


def _take_number(model: Account, op: Operation, key: str, phone: MPhone, number: str) -> None:
    """A number given to a user: one of the account's, held by nobody else, covered by a
    calling plan of the user (Zoom refuses it otherwise)."""
    if number not in model.numbers:
        model.bad(op, f"{number} is not in the account")
    holder = model.number_holder(number)
    if holder not in (None, key):
        model.bad(op, f"{number} is held by {holder}")
    if region_of_number(number) not in {region_of_plan(p) for p in phone.plans}:
        model.bad(op, f"no calling plan of the user covers {number}")
    phone.numbers.add(number)


def unassign_number(model: Account, op: Operation) -> None:
    found = model.phone_of(op)
    if found is None:
        return
    number = str(op.params["number"])
    if number not in found[1].numbers:
        model.bad(op, f"the user does not hold {number}")
    found[1].numbers.discard(number)


def disable_phone(model: Account, op: Operation) -> None:
    user = model.active(op)
    if user is not None:
        model.release_phone(user)


HANDLERS: Mapping[str, Handler] = {
    "enable_phone": enable_phone,
    "add_phone_user": add_phone_user,
    "update_phone": update_phone,
    "assign_calling_plan": assign_calling_plan,
    "switch_calling_plan": switch_calling_plan,
    "unassign_calling_plan": unassign_calling_plan,
    "assign_number": assign_number,
    "unassign_number": unassign_number,
    "disable_phone": disable_phone,
}
