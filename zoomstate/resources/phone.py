"""A user's Zoom Phone: the licence, site, extension, setting template, calling plans and
direct numbers (`phone:`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from zoomstate.core.address import Address
from zoomstate.core.aspect import AspectName, JsonValue, PlanResolver
from zoomstate.core.builder import Builder, choices, plan_label
from zoomstate.live import LiveUser
from zoomstate.model import PhoneSpec, UserSpec
from zoomstate.resources.phone_batch import BATCH_NAMES, batch_refusal, short_extension
from zoomstate.resources.phone_regions import uncovered
from zoomstate.resources.steps import UserSteps


def plan_phone(p: UserSteps, live_user: UserSpec | None, target: UserSpec) -> None:
    if "phone" not in p.manage:
        return
    b = p.b
    live = live_user.phone if live_user else None
    want = target.phone
    if want is None and live is None:
        return
    if want is None:
        assert live is not None
        p.step(
            "disable_phone",
            {},
            before=_phone_json(b, live),
            after=None,
            destroys_data=True,
            removal=True,
            reads=[str(Address.number(n)) for n in live.numbers],
            note="Zoom deletes voicemail, recordings and call history",
        )
        return
    if not b.live.phone_enabled:
        b.problem(p.key, "phone", "Zoom Phone is not enabled on this account")
        return
    # Every check runs, so one run reports all of a user's problems (the plan is refused
    # as a whole when there is any: steps planned next to a problem never run).
    codes = _calling_plan_codes(p, want)
    enable = None
    if live is None:
        # None without batches (--no-batch); "" when the batch can take the user.
        why_not = batch_refusal(b, want, codes) if b.options.batch else None
        if why_not == "":
            _plan_batch_add(p, want, codes)
            return
        enable = p.step(
            "enable_phone",
            {},
            before=None,
            after="Zoom Phone licence",
            note=f"not in a batch: {why_not}" if why_not else "",
        )
    _plan_update(p, live, want, enable)
    _plan_plans_and_numbers(p, live, want, codes, enable)


def _site_id(p: UserSteps, want: PhoneSpec) -> str | None:
    """The id of the state's site; a problem when the account has no such site."""
    b = p.b
    if want.site is None:
        return None
    site = b.sites.get(want.site.lower())
    if site is not None:
        return site.id
    b.problem(
        p.key, "phone.site", f"unknown site {want.site!r}" + choices(s.name for s in b.live.sites)
    )
    return None


def _template(p: UserSteps) -> tuple[str, str] | None:
    """The setting template of a new phone user (name, id); a problem when unknown."""
    original = p.b.wanted.get(p.key)
    template = original.phone.template if original and original.phone else None
    if template is None:
        return None
    found = p.b.templates.get(template.lower())
    if found is None:
        p.b.problem(p.key, "phone.template", f"unknown setting template {template!r}")
        return None
    return template, found.id


def _plan_batch_add(p: UserSteps, want: PhoneSpec, codes: list[int]) -> None:
    """A new phone user's whole phone block as one step, sent in a batch (the checks of
    the per-user way, then `add_phone_user`)."""
    b = p.b
    site_id = _site_id(p, want)
    template = _template(p)
    _extension_fits_site(p, None, want)
    if len(codes) == len(want.calling_plans):
        _numbers_covered(p, want, codes)
    assert want.extension is not None  # batch_refusal says so otherwise
    plans, numbers = sorted(codes), sorted(want.numbers)
    params: dict[str, JsonValue] = {}
    if want.site is not None:
        params.update(site_id=site_id, site=want.site)
    params.update(
        extension=want.extension,
        short_extension=short_extension(b, want),
        calling_plans=[*plans],
        plan_names=[BATCH_NAMES[c] for c in plans],
        numbers=[*numbers],
    )
    if template is not None:
        params["template"] = template[0]
    p.step(
        "add_phone_user",
        params,
        before=None,
        after={
            "site": want.site,
            "extension": want.extension,
            "calling_plans": [plan_label(b, c) for c in plans],
            "numbers": [*numbers],
        },
        reads=[str(Address.number(n)) for n in numbers],
    )


def _plan_update(p: UserSteps, live: PhoneSpec | None, want: PhoneSpec, enable: str | None) -> None:
    """Site, extension and setting template: one update_phone."""
    site_id = _site_id(p, want)
    found = _template(p) if live is None else None
    template, template_id = found if found else (None, None)
    update: dict[str, JsonValue] = {}
    before: dict[str, JsonValue] = {}
    if want.site is not None and (live is None or live.site != want.site):
        update["site_id"] = site_id
        update["site"] = want.site
        before["site"] = live.site if live else None
    if want.extension is not None and (live is None or live.extension != want.extension):
        _extension_fits_site(p, live, want)
        update["extension"] = want.extension
        before["extension"] = live.extension if live else None
    if template_id is not None:
        update["template_id"] = template_id
        update["template"] = template
    if update:
        op = p.step(
            "update_phone",
            update,
            before=before,
            after={k: v for k, v in update.items() if not k.endswith("_id")},
        )
        p.b.depend(op or "", enable)


def _extension_fits_site(p: UserSteps, live: PhoneSpec | None, want: PhoneSpec) -> None:
    """Zoom takes the full extension (site code + short extension) and refuses one that
    does not start with the code of the user's site ("Must start with site code 10"): say
    so at plan time, from the site codes the read already has. Unknown when the site or its
    code is (a new phone user without a site goes where Zoom puts it)."""
    site_name = want.site if want.site is not None else (live.site if live else None)
    site = p.b.sites.get(site_name.lower()) if site_name else None
    if site is None or site.site_code is None or want.extension is None:
        return
    prefix, extension = str(site.site_code), str(want.extension)
    if not extension.startswith(prefix):
        wrong = f"does not start with the code {prefix} of site {site.name!r}"
    elif len(extension) <= len(prefix):
        wrong = f"is only the code {prefix} of site {site.name!r}, with no short extension"
    else:
        return
    p.b.problem(
        p.key,
        "phone.extension",
        f"extension {extension} {wrong}: Zoom takes the full extension, site code first",
    )


def _calling_plan_codes(p: UserSteps, want: PhoneSpec) -> list[int]:
    """Calling plans: exact set. Unknown references are problems, not steps."""
    b = p.b
    codes: list[int] = []
    for index, ref in enumerate(want.calling_plans):
        if isinstance(ref, str):
            b.problem(
                p.key,
                f"phone.calling_plans[{index}]",
                f"unknown calling plan {ref!r}"
                + (
                    f" (the account has: {', '.join(sorted(b.plan_names.values()))})"
                    if b.plan_names
                    else ""
                ),
            )
            continue
        if b.plan_names and ref not in b.plan_names:
            b.problem(
                p.key,
                f"phone.calling_plans[{index}]",
                f"calling plan type {ref} is not subscribed in this account",
            )
            continue
        codes.append(ref)
    return codes


def _plan_plans_and_numbers(
    p: UserSteps, live: PhoneSpec | None, want: PhoneSpec, codes: list[int], enable: str | None
) -> None:
    b = p.b
    have_numbers = set(live.numbers) if live else set()
    want_numbers = set(want.numbers)
    if len(codes) == len(want.calling_plans):  # an unknown plan is a problem already
        _numbers_covered(p, want, codes)
    unassigns = _unassign_numbers(p, sorted(have_numbers - want_numbers))
    keeps = bool(have_numbers & want_numbers)
    switches, drops, assigns = _change_plans(p, live, codes, enable, unassigns, keeps)
    # Removing a plan drops the numbers: the ones the state keeps are assigned again.
    restore = have_numbers & want_numbers if drops else set()
    for number in sorted((want_numbers - have_numbers) | restore):
        op = p.step(
            "assign_number",
            {"number": number},
            suffix=number,
            before=None,
            after=number,
            reads=[str(Address.number(number))],
            note="again, after the calling plan removal" if number in restore else "",
        )
        b.depend(op or "", enable, *switches, *drops, *assigns)


def _numbers_covered(p: UserSteps, want: PhoneSpec, codes: list[int]) -> None:
    """Each number needs a calling plan of the user that covers its country: Zoom refuses
    a new one otherwise, and drops a kept one when its plan goes."""
    if not codes:
        return  # "direct numbers need a calling plan": the state's own rule says so
    for index, number in enumerate(want.numbers):
        regions = uncovered(number, codes)
        if regions is not None:
            names = ", ".join(plan_label(p.b, c) for c in sorted(codes))
            p.b.problem(
                p.key,
                f"phone.numbers[{index}]",
                f"number {number} is not covered by the user's calling plans ({names}: "
                f"{', '.join(regions)} only): add a calling plan for its country",
            )


def _change_plans(
    p: UserSteps,
    live: PhoneSpec | None,
    codes: list[int],
    enable: str | None,
    unassigns: list[str | None],
    keeps_numbers: bool,
) -> tuple[list[str | None], list[str | None], list[str | None]]:
    """The calling-plan steps: switches, removals, additions (each list of step ids)."""
    b = p.b
    have = set(live.calling_plans) if live else set()
    removed = sorted(int(c) for c in have - set(codes))
    added = sorted(set(codes) - have)
    # A one-for-one change of plan is a switch (PUT), which keeps the number; apply
    # checks and re-assigns it if Zoom dropped it.
    switches = []
    for source, dest in zip(removed, added, strict=False):
        op = p.step(
            "switch_calling_plan",
            {"source_type": source, "target_type": dest},
            suffix=f"{source}-{dest}",
            before=plan_label(b, source),
            after=plan_label(b, dest),
        )
        b.depend(op or "", enable, *unassigns)
        switches.append(op)
    drops = []
    for code in removed[len(added) :]:
        op = p.step(
            "unassign_calling_plan",
            {"type": code},
            suffix=str(code),
            before=plan_label(b, code),
            after=None,
            removal=True,
            destroys_data=keeps_numbers,
            note="Zoom unassigns the user's direct numbers with the plan",
        )
        b.depend(op or "", *unassigns)
        drops.append(op)
    assigns = []
    for code in added[len(removed) :]:
        op = p.step(
            "assign_calling_plan",
            {"type": code},
            suffix=str(code),
            before=None,
            after=plan_label(b, code),
        )
        b.depend(op or "", enable, *drops)
        assigns.append(op)
    return switches, drops, assigns


def _unassign_numbers(p: UserSteps, numbers: list[str]) -> list[str | None]:
    """Numbers leave before their plan (a number needs a plan)."""
    return [
        p.step(
            "unassign_number",
            {"number": number},
            suffix=number,
            before=number,
            after=None,
            reads=[str(Address.number(number))],
            destroys_data=True,
            note="calls to the number no longer reach the user; it returns to the account's "
            "unassigned numbers, and getting it back depends on nobody taking it",
        )
        for number in numbers
    ]


def _phone_json(b: Builder, phone: Any) -> dict[str, JsonValue]:
    return {
        "site": phone.site,
        "extension": phone.extension,
        "calling_plans": [plan_label(b, c) for c in phone.calling_plans],
        "numbers": list(phone.numbers),
    }


def _set_order(value: str | int) -> tuple[str, str | int]:
    # Plan codes (int) and unresolved plan names (str) sort apart, never compared.
    return (type(value).__name__, value)


class PhoneAspect:
    """`phone:` as diff and export see it: site and extension left out keep the live
    value; calling plans (resolved to codes) and numbers are sets."""

    name: Final[AspectName] = "phone"
    fields: Final[tuple[str, ...]] = ("phone",)
    block: Final[None] = None

    def effective(
        self, desired: UserSpec, live: UserSpec | None, plans: PlanResolver
    ) -> dict[str, Any]:
        mine = desired.phone
        if mine is None:
            return {"phone": None}
        theirs = live.phone if live else None
        codes = sorted({plans.code(p) for p in mine.calling_plans}, key=lambda c: (str(type(c)), c))
        return {
            "phone": PhoneSpec.model_construct(
                site=mine.site if mine.site is not None else (theirs.site if theirs else None),
                extension=mine.extension
                if mine.extension is not None
                else (theirs.extension if theirs else None),
                calling_plans=tuple(codes),
                numbers=tuple(sorted(set(mine.numbers))),
                template=None,
            )
        }

    def same(self, desired: UserSpec, live: UserSpec, plans: PlanResolver) -> bool:
        mine, theirs = desired.phone, live.phone
        if mine is None or theirs is None:
            return mine is None and theirs is None
        return (
            (mine.site is None or mine.site == theirs.site)
            and (mine.extension is None or mine.extension == theirs.extension)
            and {plans.code(p) for p in mine.calling_plans} == set(theirs.calling_plans)
            and set(mine.numbers) == set(theirs.numbers)
        )

    def comparable(self, spec: UserSpec) -> dict[str, JsonValue]:
        value = spec.phone
        if value is None:
            return {"phone": None}
        # Calling plans and numbers are sets: sorted, so equal sets compare equal.
        codes: list[str | int] = sorted(value.calling_plans, key=_set_order)
        numbers: list[JsonValue] = [*sorted(value.numbers)]
        return {
            "phone": {
                "site": value.site,
                "extension": value.extension,
                "calling_plans": [*codes],
                "numbers": numbers,
            }
        }

    def export(self, user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
        spec = user.spec.phone
        if spec is None:
            return {}
        phone: dict[str, Any] = {}
        if spec.site is not None:
            phone["site"] = spec.site
        if spec.extension is not None:
            phone["extension"] = spec.extension
        if spec.calling_plans:
            phone["calling_plans"] = [
                plan_names.get(c, c) if isinstance(c, int) else c for c in spec.calling_plans
            ]
        if spec.numbers:
            phone["numbers"] = list(spec.numbers)
        return {"phone": phone}


PHONE = PhoneAspect()
