"""The endpoint -> (family, rate-limit label) table, checked against Zoom's own specs."""

from __future__ import annotations

import re

import pytest

from tests.contract.openapi import SPEC_FILES, load_spec
from zoomstate.ratelimits import ENDPOINTS, Match, match

# Every endpoint issue 3 asks the sandbox to emulate.
ISSUE_ENDPOINTS = [
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{userId}"),
    ("PATCH", "/users/{userId}"),
    ("DELETE", "/users/{userId}"),
    ("PUT", "/users/{userId}/status"),
    ("GET", "/users/{userId}/settings"),
    ("PATCH", "/users/{userId}/settings"),
    ("PUT", "/users/{userId}/email"),
    ("GET", "/roles"),
    ("GET", "/roles/{roleId}/members"),
    ("POST", "/roles/{roleId}/members"),
    ("DELETE", "/roles/{roleId}/members/{memberId}"),
    ("GET", "/phone/users"),
    ("GET", "/phone/users/{userId}"),
    ("PATCH", "/phone/users/{userId}"),
    ("GET", "/phone/users/{userId}/settings"),
    ("POST", "/phone/users/batch"),
    ("POST", "/phone/users/{userId}/calling_plans"),
    ("PUT", "/phone/users/{userId}/calling_plans"),
    ("DELETE", "/phone/users/{userId}/calling_plans/{planType}"),
    ("POST", "/phone/users/{userId}/phone_numbers"),
    ("DELETE", "/phone/users/{userId}/phone_numbers/{phoneNumberId}"),
    ("GET", "/phone/numbers"),
    ("GET", "/phone/calling_plans"),
    ("GET", "/phone/sites"),
    ("GET", "/phone/setting_templates"),
    ("GET", "/contact_center/users"),
    ("POST", "/contact_center/users"),
    ("GET", "/contact_center/users/{userId}"),
    ("PATCH", "/contact_center/users/{userId}"),
    ("DELETE", "/contact_center/users/{userId}"),
    ("GET", "/contact_center/roles"),
]

# Not in the vendored specs; labels from Zoom's Roles API pages (see the module docstring).
ROLES = {
    ("GET", "/roles"): "medium",
    ("GET", "/roles/{roleId}/members"): "medium",
    ("POST", "/roles/{roleId}/members"): "medium",
    ("DELETE", "/roles/{roleId}/members/{memberId}"): "light",
}

_LABEL = re.compile(r"Rate Limit Label\]\([^)]*\):\*\*\s*`([A-Za-z-]+)`")


def _spec_for(template: str) -> str:
    if template.startswith("/phone/"):
        return "phone"
    if template.startswith("/contact_center/"):
        return "contact_center"
    return "users"


def test_table_has_no_duplicates_and_covers_the_issue() -> None:
    keys = [(e.method, e.template) for e in ENDPOINTS]
    assert len(keys) == len(set(keys))
    assert set(ISSUE_ENDPOINTS) <= set(keys)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.template}")
def test_label_and_family_match_zoom(endpoint: object) -> None:
    from zoomstate.ratelimits import Endpoint

    assert isinstance(endpoint, Endpoint)
    key = (endpoint.method, endpoint.template)
    if key in ROLES:
        assert (endpoint.family, endpoint.label) == ("users", ROLES[key])
        return
    family = _spec_for(endpoint.template)
    assert endpoint.family == family
    assert family in SPEC_FILES
    operation = load_spec(family)["paths"][endpoint.template][endpoint.method.lower()]
    labels = _LABEL.findall(operation["description"])
    assert [label.lower() for label in labels] == [endpoint.label]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/users", ("/users", "users", "medium")),
        ("POST", "/v2/users", ("/users", "users", "light")),
        ("get", "/users/abc@x.com/settings", ("/users/{userId}/settings", "users", "medium")),
        ("GET", "/v2/users/abc%40x.com?login_type=100", ("/users/{userId}", "users", "light")),
        ("GET", "/users/email?email=a@b.c", ("/users/email", "users", "light")),
        ("POST", "/phone/users/batch", ("/phone/users/batch", "phone", "medium")),
        ("PUT", "/phone/users/batch", ("/phone/users/batch", "phone", "light")),
        ("PATCH", "/phone/users/batch", ("/phone/users/{userId}", "phone", "light")),
        (
            "DELETE",
            "/phone/users/u1/phone_numbers/+12015550100",
            ("/phone/users/{userId}/phone_numbers/{phoneNumberId}", "phone", "light"),
        ),
        (
            "DELETE",
            "/contact_center/roles/r1/users/u1",
            ("/contact_center/roles/{roleId}/users/{userId}", "contact_center", "light"),
        ),
        ("DELETE", "/roles/2/members/u1", ("/roles/{roleId}/members/{memberId}", "users", "light")),
    ],
)
def test_match_concrete_paths(method: str, path: str, expected: tuple[str, str, str]) -> None:
    found = match(method, path)
    assert found == Match(*expected)  # type: ignore[arg-type]
    assert found is not None and found.template == expected[0]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing"),
        ("PUT", "/users"),  # known path, method not emulated
        ("GET", "/users/"),  # trailing slash: a different path
        ("GET", "/users//settings"),  # an empty userId
        ("GET", "/users/a/b/c/d"),
        ("GET", "users"),
        ("GET", "/v2x/users"),
        ("GET", "/_sandbox/requests"),
        ("POST", "/oauth/token"),
    ],
)
def test_match_refuses_what_is_not_an_emulated_endpoint(method: str, path: str) -> None:
    assert match(method, path) is None
