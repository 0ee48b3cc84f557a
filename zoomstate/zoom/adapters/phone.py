"""Zoom Phone: phone users, numbers, calling plans, sites and setting templates, read and
mapped (numbers in E.164, extensions as integers, calling plans as type codes)."""

from __future__ import annotations

from collections.abc import Iterable

from zoomstate.live import CallingPlan, Named, PhoneNumber, Site
from zoomstate.model import PhoneSpec
from zoomstate.zoom.adapters.base import JsonObject, ListSpec, e164, text

LISTS = (
    ListSpec("phone_users", "/phone/users", "users"),
    ListSpec("numbers", "/phone/numbers", "phone_numbers", params={"type": "all"}),
    ListSpec("calling_plans", "/phone/calling_plans", "calling_plans"),
    ListSpec("sites", "/phone/sites", "sites"),
    ListSpec("templates", "/phone/setting_templates", "templates"),
)


def by_email(items: Iterable[JsonObject]) -> dict[str, JsonObject]:
    return {str(p["email"]).lower(): p for p in items if p.get("email")}


def map_phone(item: JsonObject) -> PhoneSpec:
    site = item.get("site")
    extension = item.get("extension_number")
    plans = sorted(
        {int(p["type"]) for p in item.get("calling_plans") or [] if p.get("type") is not None}
    )
    numbers = sorted(
        {e164(n["number"]) for n in item.get("phone_numbers") or [] if n.get("number")}
    )
    return PhoneSpec.model_construct(
        site=text(site.get("name")) if isinstance(site, dict) else None,
        extension=int(extension) if extension not in (None, "") else None,
        calling_plans=tuple(plans),
        numbers=tuple(numbers),
        template=None,
    )


def map_sites(items: Iterable[JsonObject]) -> tuple[Site, ...]:
    sites = (
        Site(
            id=str(s["id"]),
            name=str(s.get("name")),
            site_code=int(s["site_code"]) if s.get("site_code") is not None else None,
        )
        for s in items
        if s.get("id") is not None
    )
    return tuple(sorted(sites, key=lambda s: s.name))


def map_calling_plans(items: Iterable[JsonObject]) -> tuple[CallingPlan, ...]:
    plans = (
        CallingPlan(
            type=int(p["type"]),
            name=str(p.get("name")),
            subscribed=p.get("subscribed"),
            assigned=p.get("assigned"),
            available=p.get("available"),
        )
        for p in items
        if p.get("type") is not None
    )
    return tuple(sorted(plans, key=lambda p: p.type))


def map_numbers(items: Iterable[JsonObject]) -> tuple[PhoneNumber, ...]:
    numbers = (
        PhoneNumber(
            id=str(n.get("id")),
            number=e164(n["number"]),
            status=text(n.get("status")),
            assignee_id=text((n.get("assignee") or {}).get("id")),
            assignee_type=text((n.get("assignee") or {}).get("type")),
            site_id=text((n.get("site") or {}).get("id")),
        )
        for n in items
        if n.get("number")
    )
    return tuple(sorted(numbers, key=lambda n: n.number))


def map_templates(items: Iterable[JsonObject]) -> tuple[Named, ...]:
    templates = (Named(str(t["id"]), str(t.get("name"))) for t in items if t.get("id"))
    return tuple(sorted(templates, key=lambda t: t.name))
