"""The contract harness itself: it must pass Zoom-shaped responses and fail everything else."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from tests.contract import openapi
from tests.contract.openapi import (
    BASE_REQUESTS,
    SPEC_DIR,
    ContractError,
    assert_response_matches,
    find_operation,
    request_schema,
    schema_errors,
    spec_request_cases,
)
from tests.contract.plugin import CHECKED, async_contract_hooks, contract_hooks
from zoomstate import ratelimits as labels

USER = {"id": "KDcuGIm1QgePTO8WbOqwIQ", "email": "jchill@example.com", "type": 1}
USERS_PAGE = {"next_page_token": "", "page_size": 30, "total_records": 1, "users": [USER]}


def test_specs_are_the_vendored_copies_with_the_recorded_checksums() -> None:
    assert SPEC_DIR.parent.name == "tests"
    sources = (SPEC_DIR / "SOURCES.md").read_text(encoding="utf-8")
    recorded = dict(
        re.findall(r"^\| `([\w.-]+\.json)` \| [\d,]+ \| `([0-9a-f]{64})`", sources, re.M)
    )
    assert set(recorded) == set(openapi.SPEC_FILES.values())
    for name, digest in recorded.items():
        assert hashlib.sha256((SPEC_DIR / name).read_bytes()).hexdigest() == digest, name


def test_operation_lookup_strips_prefix_and_query_and_prefers_literals() -> None:
    op = find_operation("GET", "/v2/users/jchill@example.com/settings?login_type=100")
    assert op is not None and (op.source, op.template) == ("users", "/users/{userId}/settings")
    assert find_operation("get", "/users/email").template == "/users/email"  # type: ignore[union-attr]
    batch = find_operation("POST", "/phone/users/batch")
    assert batch is not None and batch.template == "/phone/users/batch"
    roles = find_operation("DELETE", "/roles/2/members/abc")
    assert roles is not None and roles.source == "supplement"
    assert find_operation("GET", "/no/such/thing") is None
    assert find_operation("GET", "/users/") is None


def test_a_valid_list_passes_and_a_wrong_type_fails() -> None:
    assert_response_matches("GET", "/v2/users?status=active", 200, USERS_PAGE)
    broken = {**USERS_PAGE, "users": [{**USER, "type": "1"}]}
    with pytest.raises(ContractError, match=r"users\[0\]\.type"):
        assert_response_matches("GET", "/v2/users", 200, broken)


def test_required_fields_formats_and_nulls_are_enforced() -> None:
    with pytest.raises(ContractError, match="'email' is a required property"):
        assert_response_matches("GET", "/users", 200, {"users": [{"id": "x", "type": 1}]})
    with pytest.raises(ContractError, match="date-time"):
        assert_response_matches("GET", "/users/x", 200, {**USER, "created_at": "yesterday"})
    with pytest.raises(ContractError, match="None is not of type"):
        assert_response_matches("GET", "/users/x", 200, {**USER, "first_name": None})


def test_status_must_be_documented_and_bodies_must_match_its_presence() -> None:
    with pytest.raises(ContractError, match="status not documented"):
        assert_response_matches("GET", "/users", 201, USERS_PAGE)
    with pytest.raises(ContractError, match="documents no body"):
        assert_response_matches("PATCH", "/users/x", 204, {"id": "x"})
    with pytest.raises(ContractError, match="the response has none"):
        assert_response_matches("GET", "/users/x", 200, None)
    assert_response_matches("PATCH", "/users/x", 204, None)


def test_success_on_an_unknown_path_fails_and_admin_paths_have_no_contract() -> None:
    with pytest.raises(ContractError, match="no such operation"):
        assert_response_matches("GET", "/v2/nothing/here", 200, {})
    assert_response_matches("GET", "/v2/nothing/here", 404, {"code": 404, "message": "Not found"})
    with pytest.raises(ContractError, match="admin API"):
        assert_response_matches("GET", "/_sandbox/log", 200, {})


@pytest.mark.parametrize(
    "body",
    [
        {"error": "nope"},
        {"code": "1001", "message": "User does not exist"},
        {"code": 300, "message": "Validation Failed.", "errors": [{"field": "email"}]},
        {"code": 300, "message": ""},
        "Internal Server Error",
        None,
    ],
)
def test_error_bodies_must_have_zoom_shape(body: Any) -> None:
    with pytest.raises(ContractError, match="not a Zoom error body"):
        assert_response_matches("GET", "/users/x", 404, body)


def test_zoom_error_bodies_pass_on_any_status() -> None:
    validation = {
        "code": 300,
        "message": "Validation Failed.",
        "errors": [{"field": "user_info.email", "message": "Invalid field."}],
    }
    assert_response_matches("POST", "/users", 400, validation)
    assert_response_matches("GET", "/users", 401, {"code": 124, "message": "Invalid access token."})
    assert_response_matches("GET", "/phone/users", 503, {"code": 503, "message": "Unavailable"})


def test_live_differences_are_accepted_and_nothing_else() -> None:
    numbers = {"phone_numbers": [{"id": "n1", "number": "+12015550100"}]}
    assert_response_matches("POST", "/phone/users/u/phone_numbers", 201, numbers)
    assert_response_matches("POST", "/phone/users/u/phone_numbers", 200, numbers)
    with pytest.raises(ContractError, match="status not documented"):
        assert_response_matches("POST", "/phone/users/u/phone_numbers", 202, numbers)
    with pytest.raises(ContractError, match="phone_numbers"):
        assert_response_matches("POST", "/phone/users/u/phone_numbers", 201, {"phone_numbers": 1})
    assert_response_matches("PUT", "/users/u/status", 204, None)
    assert_response_matches("PUT", "/users/u/status", 200, None)
    assert_response_matches("PATCH", "/users/u/settings", 200, None)
    for method, template in openapi.LIVE_DIFFERENCES:
        op = find_operation(method, template)
        assert op is not None and op.template == template, template
        for documented in openapi.LIVE_DIFFERENCES[(method, template)].values():
            assert documented in op.responses, (template, documented)


def test_token_endpoint_contract() -> None:
    token = {"access_token": "t", "token_type": "bearer", "expires_in": 3599, "scope": "user:read"}
    assert_response_matches("POST", "/oauth/token?grant_type=account_credentials", 200, token)
    with pytest.raises(ContractError, match="scope"):
        assert_response_matches("POST", "/oauth/token", 200, {**token, "scope": None})
    bad_client = {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    assert_response_matches("POST", "/oauth/token", 401, bad_client)
    with pytest.raises(ContractError):
        assert_response_matches("POST", "/oauth/token", 400, {"message": "no"})


def test_roles_supplement_validates() -> None:
    assert_response_matches(
        "GET", "/roles", 200, {"total_records": 1, "roles": [{"id": "2", "name": "Admin"}]}
    )
    with pytest.raises(ContractError, match="total_members"):
        assert_response_matches("GET", "/roles", 200, {"roles": [{"total_members": "3"}]})
    assert_response_matches("DELETE", "/roles/2/members/u", 204, None)


# -- spec-derived request cases ------------------------------------------------------------


def test_base_requests_are_valid_and_name_emulated_endpoints() -> None:
    for method, template, body in BASE_REQUESTS:
        schema = request_schema(method, template)
        assert schema is not None, template
        assert schema_errors(schema, body) == [], template
        found = labels.match(method, template)
        assert found is not None and found.template == template


def test_every_case_breaks_its_spec_and_every_rule_kind_occurs() -> None:
    cases = spec_request_cases()
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        schema = request_schema(case.method, case.template)
        assert schema is not None
        assert schema_errors(schema, case.body), case.id
    rules = {c.rule for c in cases}
    assert {"required", "type", "enum", "maxLength", "maxItems", "format"} <= rules
    covered = {(c.method, c.template) for c in cases}
    assert covered == {(m, t) for m, t, _ in BASE_REQUESTS}


def test_cases_name_fields_as_zoom_does() -> None:
    by_id = {c.id: c for c in spec_request_cases()}
    missing_email = by_id["POST /users user_info.email required"]
    assert "email" not in missing_email.body["user_info"]
    too_many = by_id["POST /phone/users/batch users maxItems"]
    assert len(too_many.body["users"]) == 11
    nested = by_id["POST /phone/users/batch users[0].extension_number required"]
    assert "extension_number" not in nested.body["users"][0]
    long_email = by_id["POST /users user_info.email maxLength"]
    assert len(long_email.body["user_info"]["email"]) == 129
    assert long_email.body["user_info"]["email"].endswith("@example.com")


# -- the httpx hooks -------------------------------------------------------------------------


def _transport(status: int, body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, content=body))


def test_sync_hook_fails_a_bad_response_and_counts_good_ones() -> None:
    good = b'{"id": "u1", "email": "a@example.com", "type": 1}'
    with httpx.Client(transport=_transport(200, good), event_hooks=contract_hooks()) as client:
        before = CHECKED[("GET", "/users/{userId}", 200)]
        client.get("http://sandbox/v2/users/u1")
        assert CHECKED[("GET", "/users/{userId}", 200)] == before + 1
    bad = b'{"id": "u1", "email": "a@example.com", "type": "basic"}'
    with httpx.Client(transport=_transport(200, bad), event_hooks=contract_hooks()) as client:
        with pytest.raises(ContractError, match="type"):
            client.get("http://sandbox/v2/users/u1")
        client.get("http://sandbox/_sandbox/requests")  # admin API: not checked


async def _async_get(status: int, body: bytes, url: str) -> None:
    async with httpx.AsyncClient(
        transport=_transport(status, body), event_hooks=async_contract_hooks()
    ) as client:
        await client.get(url)


def test_async_hook_fails_a_non_json_error() -> None:
    import asyncio

    asyncio.run(
        _async_get(
            404, b'{"code": 1001, "message": "User does not exist: x."}', "http://s/v2/users/x"
        )
    )
    with pytest.raises(ContractError, match="not a Zoom error body"):
        asyncio.run(_async_get(500, b"<html>oops</html>", "http://s/v2/users/x"))


def test_settings_views_are_checked_against_the_view_that_declares_them() -> None:
    feature = {"zoom_phone": True, "meeting_capacity": 300, "large_meeting": False}
    assert_response_matches("GET", "/users/u/settings", 200, {"feature": feature})
    with pytest.raises(ContractError, match="zoom_phone"):
        assert_response_matches("GET", "/users/u/settings", 200, {"feature": {"zoom_phone": "on"}})
    with pytest.raises(ContractError, match="no view"):
        assert_response_matches("GET", "/users/u/settings", 200, {"no_such_section": {}})


def test_documented_rejections_name_real_cases() -> None:
    cases = {(c.method, c.template, c.field, c.rule): c for c in spec_request_cases()}
    for key, expected in openapi.DOCUMENTED_REJECTIONS.items():
        assert key in cases and cases[key].expected == expected
    assert all(
        c.expected == (400, 300) for k, c in cases.items() if k not in openapi.DOCUMENTED_REJECTIONS
    )


def test_the_asgi_checker_records_what_breaks_the_contract() -> None:
    import asyncio

    from tests.contract.plugin import checked_call

    async def app(scope: Any, receive: Any, send: Any) -> None:
        # A user list whose total_records is text: Zoom's schema says integer.
        body = b'{"page_size": 30, "total_records": "many", "users": []}'
        if scope["path"] == "/v2/phone/users":
            body = b'{"page_size": 30, "total_records": 0, "next_page_token": "", "users": []}'
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    problems: list[str] = []
    checked: list[bool] = []

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        checked.append(await checked_call(app, scope, receive, send, problems))

    async def calls() -> None:
        transport = httpx.ASGITransport(app=wrapped)
        async with httpx.AsyncClient(transport=transport, base_url="http://sb") as client:
            await client.get("/v2/users")
            await client.get("/v2/phone/users")
            await client.get("/_sandbox/requests")

    asyncio.run(calls())
    assert checked == [True, True, False]  # the admin API has no Zoom contract
    assert len(problems) == 1 and "total_records" in problems[0]
