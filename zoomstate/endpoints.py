"""Every Zoom endpoint zoomstate knows: its rate-limit bucket, its OAuth scope, its page size.

One table shared by the client (pacing, page sizes, the scopes docs/getting-started.md
lists), the sandbox (metering, the scopes its tokens grant, routing) and the tests (every
endpoint the client calls or the sandbox serves must be here: tests/contract/
test_endpoint_table.py). Facts about Zoom, not code of either side.

Zoom meters requests per account in buckets keyed by API family (Users/Meetings, Phone,
Contact Center each have their own table) and by the endpoint's "Rate Limit Label"
(Light, Medium, Heavy). The label is printed in every operation's description in Zoom's
OpenAPI specs, and the granular scopes in each operation's `security`; this table copies
both from the vendored specs (`tests/specs/`, checked by `tests/test_ratelimits.py` and
`tests/contract/test_endpoint_table.py`) and, for the Roles API that the specs do not
contain, from Zoom's published operation descriptions of `GET /roles` (Medium),
`GET /roles/{roleId}/members` (Medium), `POST /roles/{roleId}/members` (Medium) and
`DELETE /roles/{roleId}/members/{memberId}` (Light), as reproduced in clients generated
from Zoom's spec (e.g. oxidecomputer/third-party-api-clients@0a4bbcf:zoom/src/roles.rs).
Roles belong to the Accounts API, which Zoom meters with the main (Users/Meetings) table.

Paths are Zoom path templates relative to the `/v2` base URL. `match()` also accepts a
concrete path with the `/v2` prefix and/or a query string, so the sandbox app and the
zoomstate client can both call it with what they have at hand.

The module is pure (no I/O, standard library only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

__all__ = [
    "API_PREFIX",
    "ENDPOINTS",
    "Endpoint",
    "Family",
    "Label",
    "Match",
    "endpoint",
    "match",
    "page_sizes",
    "scopes",
]

Family = Literal["users", "phone", "contact_center"]
Label = Literal["light", "medium", "heavy"]

API_PREFIX = "/v2"


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    template: str
    family: Family
    label: Label
    # The granular OAuth scope an admin-level server-to-server app needs for it.
    scope: str
    # For a listing the client pages through: the largest page_size Zoom documents.
    page: int | None = None
    # The largest page Zoom really serves, where it is less than `page`: "up to 300" for
    # GET /users in Zoom's pagination guide, although the spec allows 2000. The sandbox
    # serves this many.
    served_cap: int | None = None

    @property
    def served(self) -> int | None:
        return self.served_cap if self.served_cap is not None else self.page


class Match(NamedTuple):
    template: str
    family: Family
    label: Label


def _ep(
    method: str,
    template: str,
    family: Family,
    label: Label,
    scope: str,
    *,
    page: int | None = None,
    served: int | None = None,
) -> Endpoint:
    return Endpoint(method, template, family, label, scope, page, served)


# Every endpoint of the sandbox (issue 3), plus the neighbours REFERENCE.md §5 lists that a
# client is likely to call next; an endpoint missing here is simply not metered.
ENDPOINTS: tuple[Endpoint, ...] = (
    # Users API (U); the Roles API (Accounts) is metered with it and is not in the
    # vendored specs: its labels and scopes are from Zoom's Roles API pages (see above)
    _ep("GET", "/users", "users", "medium", "user:read:list_users:admin", page=2000, served=300),
    _ep("POST", "/users", "users", "light", "user:write:user:admin"),
    _ep("GET", "/users/email", "users", "light", "user:read:email:admin"),
    _ep("GET", "/users/summary", "users", "medium", "user:read:summary:admin"),
    _ep("POST", "/users/features", "users", "medium", "user:write:feature:admin"),
    _ep("GET", "/users/{userId}", "users", "light", "user:read:user:admin"),
    _ep("PATCH", "/users/{userId}", "users", "light", "user:update:user:admin"),
    _ep("DELETE", "/users/{userId}", "users", "light", "user:delete:user:admin"),
    _ep("PUT", "/users/{userId}/status", "users", "light", "user:update:status:admin"),
    _ep("GET", "/users/{userId}/settings", "users", "medium", "user:read:settings:admin"),
    _ep("PATCH", "/users/{userId}/settings", "users", "medium", "user:update:settings:admin"),
    _ep("PUT", "/users/{userId}/email", "users", "light", "user:update:email:admin"),
    _ep("PUT", "/users/{userId}/password", "users", "medium", "user:update:password:admin"),
    _ep("GET", "/roles", "users", "medium", "role:read:list_roles:admin", page=300),
    _ep(
        "GET",
        "/roles/{roleId}/members",
        "users",
        "medium",
        "role:read:list_members:admin",
        page=300,
    ),
    _ep("POST", "/roles/{roleId}/members", "users", "medium", "role:write:member:admin"),
    _ep(
        "DELETE", "/roles/{roleId}/members/{memberId}", "users", "light", "role:delete:member:admin"
    ),
    # User groups (U)
    _ep("GET", "/groups", "users", "medium", "group:read:list_groups:admin", page=300),
    _ep("POST", "/groups", "users", "light", "group:write:group:admin"),
    _ep(
        "GET",
        "/groups/{groupId}/members",
        "users",
        "medium",
        "group:read:list_members:admin",
        page=2000,
    ),
    _ep("POST", "/groups/{groupId}/members", "users", "medium", "group:write:member:admin"),
    _ep(
        "PATCH",
        "/groups/{groupId}/members/{memberId}",
        "users",
        "medium",
        "group:update:member:admin",
    ),
    _ep(
        "DELETE",
        "/groups/{groupId}/members/{memberId}",
        "users",
        "light",
        "group:delete:member:admin",
    ),
    # Phone API (P)
    _ep("GET", "/phone/users", "phone", "medium", "phone:read:list_users:admin", page=100),
    _ep("POST", "/phone/users/batch", "phone", "medium", "phone:write:batch_users:admin"),
    _ep("PUT", "/phone/users/batch", "phone", "light", "phone:update:batch_users:admin"),
    _ep("GET", "/phone/users/{userId}", "phone", "light", "phone:read:user:admin"),
    _ep("PATCH", "/phone/users/{userId}", "phone", "light", "phone:update:user:admin"),
    _ep("GET", "/phone/users/{userId}/settings", "phone", "light", "phone:read:user_setting:admin"),
    _ep(
        "POST",
        "/phone/users/{userId}/calling_plans",
        "phone",
        "light",
        "phone:write:calling_plan:admin",
    ),
    _ep(
        "PUT",
        "/phone/users/{userId}/calling_plans",
        "phone",
        "light",
        "phone:update:calling_plan:admin",
    ),
    _ep(
        "DELETE",
        "/phone/users/{userId}/calling_plans/{planType}",
        "phone",
        "light",
        "phone:delete:users_calling_plan:admin",
    ),
    _ep(
        "POST",
        "/phone/users/{userId}/phone_numbers",
        "phone",
        "light",
        "phone:write:user_number:admin",
    ),
    _ep(
        "DELETE",
        "/phone/users/{userId}/phone_numbers/{phoneNumberId}",
        "phone",
        "light",
        "phone:delete:user_number:admin",
    ),
    _ep("GET", "/phone/numbers", "phone", "medium", "phone:read:list_numbers:admin", page=100),
    _ep("DELETE", "/phone/numbers", "phone", "medium", "phone:delete:number:admin"),
    _ep("GET", "/phone/numbers/{phoneNumberId}", "phone", "light", "phone:read:numbers:admin"),
    _ep("PATCH", "/phone/numbers/{phoneNumberId}", "phone", "light", "phone:update:number:admin"),
    _ep(
        "GET",
        "/phone/calling_plans",
        "phone",
        "medium",
        "phone:read:list_calling_plans:admin",
        page=300,
    ),
    _ep("GET", "/phone/plans", "phone", "medium", "phone:read:list_calling_plans:admin"),
    _ep("GET", "/phone/sites", "phone", "medium", "phone:read:list_sites:admin", page=300),
    _ep(
        "GET",
        "/phone/setting_templates",
        "phone",
        "light",
        "phone:read:list_setting_templates:admin",
        page=300,
    ),
    # Call queues, shared line groups, auto receptionists, desk phones (P; issue 17)
    _ep(
        "GET",
        "/phone/call_queues",
        "phone",
        "medium",
        "phone:read:list_call_queues:admin",
        page=100,
    ),
    _ep("POST", "/phone/call_queues", "phone", "light", "phone:write:call_queue:admin"),
    _ep("GET", "/phone/call_queues/{callQueueId}", "phone", "light", "phone:read:call_queue:admin"),
    _ep(
        "POST",
        "/phone/call_queues/{callQueueId}/members",
        "phone",
        "light",
        "phone:write:call_queue_member:admin",
    ),
    _ep(
        "DELETE",
        "/phone/call_queues/{callQueueId}/members/{memberId}",
        "phone",
        "light",
        "phone:delete:call_queue_member:admin",
    ),
    _ep(
        "GET",
        "/phone/shared_line_groups",
        "phone",
        "medium",
        "phone:read:list_shared_line_groups:admin",
        page=300,
    ),
    _ep(
        "POST", "/phone/shared_line_groups", "phone", "light", "phone:write:shared_line_group:admin"
    ),
    _ep(
        "GET",
        "/phone/shared_line_groups/{sharedLineGroupId}",
        "phone",
        "light",
        "phone:read:shared_line_group:admin",
    ),
    _ep(
        "POST",
        "/phone/shared_line_groups/{slgId}/members",
        "phone",
        "light",
        "phone:write:shared_line_member:admin",
    ),
    _ep(
        "DELETE",
        "/phone/shared_line_groups/{slgId}/members/{memberId}",
        "phone",
        "light",
        "phone:delete:shared_line_member:admin",
    ),
    _ep(
        "GET",
        "/phone/auto_receptionists",
        "phone",
        "medium",
        "phone:read:list_auto_receptionists:admin",
        page=100,
    ),
    _ep(
        "GET",
        "/phone/extension/{extensionId}/call_handling/settings",
        "phone",
        "light",
        "phone:read:list_call_handling_settings:admin",
    ),
    _ep("GET", "/phone/devices", "phone", "medium", "phone:read:list_devices:admin", page=300),
    # Contact Center API (C)
    _ep(
        "GET",
        "/contact_center/users",
        "contact_center",
        "medium",
        "contact_center:read:list_users:admin",
        page=300,
    ),
    _ep(
        "POST",
        "/contact_center/users",
        "contact_center",
        "light",
        "contact_center:write:user:admin",
    ),
    _ep(
        "PATCH",
        "/contact_center/users",
        "contact_center",
        "medium",
        "contact_center:update:batch_users:admin",
    ),
    _ep(
        "DELETE",
        "/contact_center/users",
        "contact_center",
        "medium",
        "contact_center:delete:batch_users:admin",
    ),
    _ep(
        "POST",
        "/contact_center/users/batch",
        "contact_center",
        "medium",
        "contact_center:write:batch_users:admin",
    ),
    _ep(
        "GET",
        "/contact_center/users/{userId}",
        "contact_center",
        "light",
        "contact_center:read:user:admin",
    ),
    _ep(
        "PATCH",
        "/contact_center/users/{userId}",
        "contact_center",
        "light",
        "contact_center:update:user:admin",
    ),
    _ep(
        "DELETE",
        "/contact_center/users/{userId}",
        "contact_center",
        "light",
        "contact_center:delete:user:admin",
    ),
    _ep(
        "GET",
        "/contact_center/roles",
        "contact_center",
        "medium",
        "contact_center:read:list_roles:admin",
        page=300,
    ),
    _ep(
        "GET",
        "/contact_center/roles/{roleId}/users",
        "contact_center",
        "medium",
        "contact_center:read:list_role_users:admin",
    ),
    _ep(
        "POST",
        "/contact_center/roles/{roleId}/users",
        "contact_center",
        "medium",
        "contact_center:write:role_user:admin",
    ),
    _ep(
        "DELETE",
        "/contact_center/roles/{roleId}/users/{userId}",
        "contact_center",
        "light",
        "contact_center:delete:role_user:admin",
    ),
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


_BY_KEY = {(ep.method, ep.template): ep for ep in ENDPOINTS}


def endpoint(method: str, template: str) -> Endpoint:
    """The table's row for a method and path template (KeyError when it has none)."""
    return _BY_KEY[(method.upper(), template)]


def page_sizes() -> dict[str, int]:
    """The page size to ask for, by listing path: the largest each endpoint documents."""
    return {ep.template: ep.page for ep in ENDPOINTS if ep.page is not None}


def scopes() -> tuple[str, ...]:
    """Every scope the table names, sorted: what an app needs to use all of it."""
    return tuple(sorted({ep.scope for ep in ENDPOINTS}))
