"""Zoom's published rate limits: which bucket each endpoint draws from, and the budgets.

Shared by the client (which paces itself) and the sandbox (which enforces them): facts
about Zoom, not code of either side.

Zoom meters requests per account in buckets keyed by API family (Users/Meetings, Phone,
Contact Center each have their own table) and by the endpoint's "Rate Limit Label"
(Light, Medium, Heavy). The label is printed in every operation's description in Zoom's
OpenAPI specs; this table copies it from the vendored specs (`tests/specs/`, checked by
`tests/test_ratelimits.py`) and, for the Roles API that the specs do not contain, from
Zoom's published operation descriptions of `GET /roles` (Medium), `GET /roles/{roleId}/members`
(Medium), `POST /roles/{roleId}/members` (Medium) and `DELETE /roles/{roleId}/members/{memberId}`
(Light), as reproduced in clients generated from Zoom's spec (e.g.
oxidecomputer/third-party-api-clients@0a4bbcf:zoom/src/roles.rs). Roles belong to the
Accounts API, which Zoom meters with the main (Users/Meetings) table.

Paths are Zoom path templates relative to the `/v2` base URL. `match()` also accepts a
concrete path with the `/v2` prefix and/or a query string, so the sandbox app and the
zoomstate client can both call it with what they have at hand.

The module is pure (no I/O, standard library only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "ENDPOINTS",
    "HEAVY_DAILY_CAPS",
    "QPS_LIMITS",
    "USER_CREATE_DAILY_CAPS",
    "Endpoint",
    "Family",
    "Label",
    "Match",
    "Tier",
    "match",
]

Family = Literal["users", "phone", "contact_center"]
Label = Literal["light", "medium", "heavy"]
Tier = Literal["pro", "business"]

API_PREFIX = "/v2"


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    template: str
    family: Family
    label: Label


class Match(NamedTuple):
    template: str
    family: Family
    label: Label


def _ep(method: str, template: str, family: Family, label: Label) -> Endpoint:
    return Endpoint(method, template, family, label)


# Every endpoint of the sandbox (issue 3), plus the neighbours REFERENCE.md §5 lists that a
# client is likely to call next; an endpoint missing here is simply not metered.
ENDPOINTS: tuple[Endpoint, ...] = (
    # Users API (U)
    _ep("GET", "/users", "users", "medium"),
    _ep("POST", "/users", "users", "light"),
    _ep("GET", "/users/email", "users", "light"),
    _ep("GET", "/users/summary", "users", "medium"),
    _ep("POST", "/users/features", "users", "medium"),
    _ep("GET", "/users/{userId}", "users", "light"),
    _ep("PATCH", "/users/{userId}", "users", "light"),
    _ep("DELETE", "/users/{userId}", "users", "light"),
    _ep("PUT", "/users/{userId}/status", "users", "light"),
    _ep("GET", "/users/{userId}/settings", "users", "medium"),
    _ep("PATCH", "/users/{userId}/settings", "users", "medium"),
    _ep("PUT", "/users/{userId}/email", "users", "light"),
    _ep("PUT", "/users/{userId}/password", "users", "medium"),
    # Roles API (Accounts; not in the vendored specs, see the module docstring)
    _ep("GET", "/roles", "users", "medium"),
    _ep("GET", "/roles/{roleId}/members", "users", "medium"),
    _ep("POST", "/roles/{roleId}/members", "users", "medium"),
    _ep("DELETE", "/roles/{roleId}/members/{memberId}", "users", "light"),
    # Phone API (P)
    _ep("GET", "/phone/users", "phone", "medium"),
    _ep("POST", "/phone/users/batch", "phone", "medium"),
    _ep("PUT", "/phone/users/batch", "phone", "light"),
    _ep("GET", "/phone/users/{userId}", "phone", "light"),
    _ep("PATCH", "/phone/users/{userId}", "phone", "light"),
    _ep("GET", "/phone/users/{userId}/settings", "phone", "light"),
    _ep("POST", "/phone/users/{userId}/calling_plans", "phone", "light"),
    _ep("PUT", "/phone/users/{userId}/calling_plans", "phone", "light"),
    _ep("DELETE", "/phone/users/{userId}/calling_plans/{planType}", "phone", "light"),
    _ep("POST", "/phone/users/{userId}/phone_numbers", "phone", "light"),
    _ep("DELETE", "/phone/users/{userId}/phone_numbers/{phoneNumberId}", "phone", "light"),
    _ep("GET", "/phone/numbers", "phone", "medium"),
    _ep("DELETE", "/phone/numbers", "phone", "medium"),
    _ep("GET", "/phone/numbers/{phoneNumberId}", "phone", "light"),
    _ep("PATCH", "/phone/numbers/{phoneNumberId}", "phone", "light"),
    _ep("GET", "/phone/calling_plans", "phone", "medium"),
    _ep("GET", "/phone/plans", "phone", "medium"),
    _ep("GET", "/phone/sites", "phone", "medium"),
    _ep("GET", "/phone/setting_templates", "phone", "light"),
    # Contact Center API (C)
    _ep("GET", "/contact_center/users", "contact_center", "medium"),
    _ep("POST", "/contact_center/users", "contact_center", "light"),
    _ep("PATCH", "/contact_center/users", "contact_center", "medium"),
    _ep("DELETE", "/contact_center/users", "contact_center", "medium"),
    _ep("POST", "/contact_center/users/batch", "contact_center", "medium"),
    _ep("GET", "/contact_center/users/{userId}", "contact_center", "light"),
    _ep("PATCH", "/contact_center/users/{userId}", "contact_center", "light"),
    _ep("DELETE", "/contact_center/users/{userId}", "contact_center", "light"),
    _ep("GET", "/contact_center/roles", "contact_center", "medium"),
    _ep("GET", "/contact_center/roles/{roleId}/users", "contact_center", "medium"),
    _ep("POST", "/contact_center/roles/{roleId}/users", "contact_center", "medium"),
    _ep("DELETE", "/contact_center/roles/{roleId}/users/{userId}", "contact_center", "light"),
)


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


# Per method, templates ordered most specific first: at the first position where two
# templates differ, a literal segment beats a parameter. That is how `/phone/users/batch`
# wins over `/phone/users/{userId}` and `/users/email` over `/users/{userId}`, whatever the
# order of ENDPOINTS.
def _build_index() -> dict[str, list[tuple[tuple[str, ...], Endpoint]]]:
    index: dict[str, list[tuple[tuple[str, ...], Endpoint]]] = {}
    for ep in ENDPOINTS:
        index.setdefault(ep.method, []).append((_segments(ep.template), ep))
    for entries in index.values():
        entries.sort(key=lambda item: tuple(_is_param(s) for s in item[0]))
    return index


_INDEX = _build_index()


def match(method: str, path: str) -> Match | None:
    """The endpoint a concrete request hits, or None when it is not an emulated endpoint.

    `path` may carry the `/v2` prefix and a query string. Parameters match exactly one
    non-empty segment, so an e-mail address (`/users/a@b.com/settings`), percent-encoded or
    not, is one `{userId}`; a trailing slash makes a different path, as it does at Zoom.
    """
    path = path.split("?", 1)[0].split("#", 1)[0]
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        path = path[len(API_PREFIX) :]
    if not path.startswith("/"):
        return None
    concrete = tuple(path[1:].split("/"))
    for segments, ep in _INDEX.get(method.upper(), ()):
        if len(segments) != len(concrete):
            continue
        if all(
            (_is_param(want) and got != "") or want == got
            for want, got in zip(segments, concrete, strict=True)
        ):
            return Match(ep.template, ep.family, ep.label)
    return None


# Requests per second. Users/Meetings table, "Zoom Phone APIs" table and "Zoom Contact
# Center APIs" table of docs/rate-limits.md; "business" is Zoom's Business+ column.
QPS_LIMITS: Mapping[Family, Mapping[Label, Mapping[Tier, int]]] = {
    "users": {
        "light": {"pro": 30, "business": 80},
        "medium": {"pro": 20, "business": 60},
        "heavy": {"pro": 10, "business": 40},
    },
    "phone": {
        "light": {"pro": 20, "business": 40},
        "medium": {"pro": 10, "business": 20},
        "heavy": {"pro": 5, "business": 10},
    },
    "contact_center": {
        "light": {"pro": 20, "business": 40},
        "medium": {"pro": 10, "business": 20},
        "heavy": {"pro": 5, "business": 10},
    },
}

HEAVY_DAILY_CAPS: Mapping[Family, Mapping[Tier, int]] = {
    "users": {"pro": 30_000, "business": 60_000},
    "phone": {"pro": 15_000, "business": 30_000},
    "contact_center": {"pro": 15_000, "business": 30_000},
}

USER_CREATE_DAILY_CAPS: Mapping[Tier, int] = {"pro": 1_500, "business": 10_000}
