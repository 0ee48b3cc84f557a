"""Every emulated endpoint of the sandbox, in process, held to Zoom's published contract.

Each response goes through the contract hooks (`tests/contract/plugin.py`), so a body that
breaks the spec fails the request that produced it. The spec-derived rejection cases check
that requests Zoom's spec refuses get Zoom's 400 / code 300 validation error.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.contract.openapi import RequestCase, find_operation, spec_request_cases
from tests.contract.plugin import async_contract_hooks
from tests.test_ratelimits import ISSUE_ENDPOINTS
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, create_app

Flow = Callable[[httpx.AsyncClient, Counter[tuple[str, str]]], Awaitable[None]]


def _run(flow: Flow, **app_options: Any) -> Counter[tuple[str, str]]:
    """Run `flow` against a fresh demo sandbox with a bearer token; returns the endpoints hit."""
    seen: Counter[tuple[str, str]] = Counter()

    async def record(response: httpx.Response) -> None:
        op = find_operation(response.request.method, response.request.url.path)
        if op is not None:
            seen[(op.method, op.template)] += 1

    hooks = async_contract_hooks()
    hooks["response"].append(record)

    async def main() -> None:
        transport = httpx.ASGITransport(app=create_app(**app_options))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", event_hooks=hooks
        ) as client:
            creds = DEFAULT_CREDENTIALS
            token = await client.post(
                "/oauth/token",
                params={"grant_type": "account_credentials", "account_id": creds.account_id},
                auth=(creds.client_id, creds.client_secret),
            )
            assert token.status_code == 200
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            await flow(client, seen)

    asyncio.run(main())
    return seen


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    assert response.status_code in statuses, (response.request.url, response.text)
    return response


async def _every_endpoint(c: httpx.AsyncClient, seen: Counter[tuple[str, str]]) -> None:
    # Users: list, create, read (by id and by e-mail), update, settings, status, e-mail.
    _ok(await c.get("/v2/users", params={"page_size": 5}), 200)
    _ok(await c.get("/v2/users", params={"status": "pending"}), 200)
    created = _ok(
        await c.post(
            "/v2/users",
            json={
                "action": "custCreate",
                "user_info": {
                    "email": "contract.flow@example.com",
                    "type": 2,
                    "first_name": "Contract",
                    "last_name": "Flow",
                },
            },
        ),
        201,
    ).json()
    uid = created["id"]
    _ok(await c.get(f"/v2/users/{uid}"), 200)
    _ok(await c.get("/v2/users/contract.flow@example.com"), 200)
    _ok(await c.patch(f"/v2/users/{uid}", json={"job_title": "Contract tester"}), 204)
    _ok(await c.get(f"/v2/users/{uid}/settings"), 200)
    _ok(await c.patch(f"/v2/users/{uid}/settings", json={"feature": {"zoom_phone": True}}), 204)
    _ok(await c.put(f"/v2/users/{uid}/email", json={"email": "contract.moved@example.com"}), 204)

    # Roles API.
    roles = _ok(await c.get("/v2/roles"), 200).json()["roles"]
    member_role = next(r["id"] for r in roles if r["name"] == "Member")
    admin_role = next(r["id"] for r in roles if r["name"] == "Admin")
    _ok(await c.post(f"/v2/roles/{admin_role}/members", json={"members": [{"id": uid}]}), 201)
    _ok(await c.get(f"/v2/roles/{admin_role}/members"), 200)
    _ok(await c.delete(f"/v2/roles/{admin_role}/members/{uid}"), 204)
    assert member_role

    # User groups (issue 16): list, create, members (add, list, move, primary, remove).
    await _groups_flow(c, uid)
    # Call queues, shared line groups, auto receptionists, desk phones (issue 17).
    await _lines_flow(c)

    # Phone: inventory, the new phone user, plan, number, extension, batch.
    _ok(await c.get("/v2/phone/sites"), 200)
    _ok(await c.get("/v2/phone/setting_templates"), 200)
    plans = _ok(await c.get("/v2/phone/calling_plans"), 200).json()["calling_plans"]
    plan = next(p["type"] for p in plans if p.get("available", 0) > 0)
    other = next(p["type"] for p in plans if p.get("available", 0) > 0 and p["type"] != plan)
    _ok(await c.get("/v2/phone/users", params={"page_size": 100}), 200)
    phone_user = _ok(await c.get(f"/v2/phone/users/{uid}"), 200).json()
    settings = _ok(await c.get(f"/v2/phone/users/{uid}/settings"), 200).json()
    assert settings["extension_number"] == phone_user["extension_number"]
    _ok(
        await c.post(
            f"/v2/phone/users/{uid}/calling_plans", json={"calling_plans": [{"type": plan}]}
        ),
        200,
        201,
    )
    _ok(
        await c.put(
            f"/v2/phone/users/{uid}/calling_plans", json={"source_type": plan, "target_type": other}
        ),
        204,
    )
    free = _ok(
        await c.get("/v2/phone/numbers", params={"type": "unassigned", "page_size": 100}), 200
    )
    number = free.json()["phone_numbers"][0]
    _ok(
        await c.post(
            f"/v2/phone/users/{uid}/phone_numbers", json={"phone_numbers": [{"id": number["id"]}]}
        ),
        201,
    )
    _ok(await c.delete(f"/v2/phone/users/{uid}/phone_numbers/{number['id']}"), 204)
    _ok(await c.delete(f"/v2/phone/users/{uid}/calling_plans/{other}"), 204)
    extension = str(phone_user["extension_number"])
    _ok(await c.patch(f"/v2/phone/users/{uid}", json={"extension_number": extension}), 204)
    batch = await c.post(
        "/v2/phone/users/batch",
        json={
            "users": [
                {
                    "email": "nobody@example.com",
                    "calling_plans": ["US/CA Unlimited"],
                    "extension_number": "1999",
                }
            ]
        },
    )
    assert batch.status_code in (201, 400, 404), batch.text  # an unknown user: Zoom refuses

    # Contact Center.
    _ok(await c.get("/v2/contact_center/users"), 200)
    cc_roles = _ok(await c.get("/v2/contact_center/roles"), 200).json()["roles"]
    cc = _ok(
        await c.post(
            "/v2/contact_center/users",
            json={
                "user_email": "contract.moved@example.com",
                "role_id": cc_roles[0]["role_id"],
                "package_name": "essentials",
            },
        ),
        201,
    ).json()
    _ok(await c.get(f"/v2/contact_center/users/{cc['user_id']}"), 200)
    _ok(
        await c.patch(
            f"/v2/contact_center/users/{cc['user_id']}", json={"user_access": "inactive"}
        ),
        204,
    )
    _ok(await c.delete(f"/v2/contact_center/users/{cc['user_id']}"), 204)

    # The batch routes (issue 15).
    await _batch_flow(c, uid, cc_roles[0]["role_id"])

    # Status and deletion last: deactivating drops every licence.
    _ok(await c.put(f"/v2/users/{uid}/status", json={"action": "deactivate"}), 200, 204)
    _ok(await c.put(f"/v2/users/{uid}/status", json={"action": "activate"}), 200, 204)
    _ok(await c.delete(f"/v2/users/{uid}", params={"action": "delete"}), 204)
    _ok(await c.get(f"/v2/users/{uid}"), 404)
    _ok(await c.get("/v2/no/such/endpoint"), 404)


async def _groups_flow(c: httpx.AsyncClient, uid: str) -> None:
    groups = _ok(await c.get("/v2/groups", params={"page_size": 2}), 200).json()["groups"]
    made = _ok(await c.post("/v2/groups", json={"name": "Contract Flow"}), 201).json()
    gid, other = made["id"], groups[0]["id"]
    added = await c.post(f"/v2/groups/{gid}/members", json={"members": [{"id": uid}]})
    _ok(added, 201)
    _ok(await c.get(f"/v2/groups/{gid}/members", params={"page_size": 2000}), 200)
    primary = {"action": "set_primary", "target_group_id": gid}
    _ok(await c.patch(f"/v2/groups/{gid}/members/{uid}", json=primary), 204)
    move = {"action": "move", "target_group_id": other}
    _ok(await c.patch(f"/v2/groups/{gid}/members/{uid}", json=move), 204)
    _ok(await c.delete(f"/v2/groups/{other}/members/{uid}"), 204)
    # Zoom's errors for groups, in Zoom's shape.
    _ok(await c.post("/v2/groups", json={"name": "contract flow"}), 409)
    _ok(await c.get("/v2/groups/no-such-group/members"), 404)
    _ok(await c.delete(f"/v2/groups/{other}/members/{uid}"), 404)
    many = {"members": [{"email": f"m{n}@example.com"} for n in range(31)]}
    _ok(await c.post(f"/v2/groups/{gid}/members", json=many), 400)


async def _batch_flow(c: httpx.AsyncClient, uid: str, cc_role: str) -> None:
    emails = ["julia.rossi@example.com", "gus.larsen@example.com"]
    items = [{"user_email": e, "role_id": cc_role, "package_name": "essentials"} for e in emails]
    made = _ok(await c.post("/v2/contact_center/users/batch", json={"users": items}), 201)
    ids = [u["user_id"] for u in made.json()["users"]]
    update = [{"user_id": i, "user_access": "inactive", "package_name": "Premium"} for i in ids]
    _ok(await c.patch("/v2/contact_center/users", json={"users": update}), 204)
    _ok(await c.patch("/v2/contact_center/users", json={"users": [{"user_id": "no"}]}), 400)
    _ok(await c.delete("/v2/contact_center/users", params={"user_ids": "no-such-user"}), 404)
    _ok(await c.delete("/v2/contact_center/users", params={"user_ids": ",".join(ids)}), 204)
    sites = _ok(await c.get("/v2/phone/sites"), 200).json()["sites"]
    for site in sites:
        move = {"batch_type": "move_site", "user_ids": [uid], "site_id": site["id"]}
        _ok(await c.put("/v2/phone/users/batch", json=move), 204)
    pending = {"batch_type": "assign_pending_user", "user_ids": [uid]}
    _ok(await c.put("/v2/phone/users/batch", json=pending), 400)


BATCH_ENDPOINTS = [
    ("POST", "/contact_center/users/batch"),
    ("PATCH", "/contact_center/users"),
    ("DELETE", "/contact_center/users"),
    ("PUT", "/phone/users/batch"),
]


async def _lines_flow(c: httpx.AsyncClient) -> None:
    queues = _ok(await c.get("/v2/phone/call_queues", params={"page_size": 1}), 200).json()
    site = _ok(await c.get("/v2/phone/sites"), 200).json()["sites"][0]["id"]
    made = _ok(await c.post("/v2/phone/call_queues", json={"name": "CQ", "site_id": site}), 201)
    qid = made.json()["id"]
    alice = {"members": {"users": [{"email": "alice.ng@example.com"}]}}
    _ok(await c.post(f"/v2/phone/call_queues/{qid}/members", json=alice), 201)
    users = _ok(await c.get(f"/v2/phone/call_queues/{qid}"), 200).json()["members"]["users"]
    _ok(await c.delete(f"/v2/phone/call_queues/{qid}/members/{users[0]['id']}"), 204)
    sales = queues["call_queues"][0]["id"]
    manager = _ok(await c.get(f"/v2/phone/call_queues/{sales}"), 200).json()["members"]
    _ok(await c.delete(f"/v2/phone/call_queues/{sales}/members/{manager['users'][0]['id']}"), 400)
    _ok(await c.get("/v2/phone/call_queues/nope"), 404)
    _ok(await c.get("/v2/phone/shared_line_groups"), 200)
    slg = _ok(await c.post("/v2/phone/shared_line_groups", json={"display_name": "SL"}), 201)
    sid = slg.json()["id"]
    _ok(await c.post(f"/v2/phone/shared_line_groups/{sid}/members", json=alice), 201)
    got = _ok(await c.get(f"/v2/phone/shared_line_groups/{sid}"), 200).json()
    member = got["members"]["users"][0]["id"]
    _ok(await c.delete(f"/v2/phone/shared_line_groups/{sid}/members/{member}"), 204)
    ars = _ok(await c.get("/v2/phone/auto_receptionists"), 200).json()["auto_receptionists"]
    ext = ars[0]["extension_id"]
    _ok(await c.get(f"/v2/phone/extension/{ext}/call_handling/settings"), 200)
    _ok(await c.get("/v2/phone/devices", params={"type": "assigned"}), 200)
    _ok(await c.get("/v2/phone/devices", params={"type": "unassigned"}), 200)


LINE_ENDPOINTS = [
    ("GET", "/phone/call_queues"),
    ("POST", "/phone/call_queues"),
    ("GET", "/phone/call_queues/{callQueueId}"),
    ("POST", "/phone/call_queues/{callQueueId}/members"),
    ("DELETE", "/phone/call_queues/{callQueueId}/members/{memberId}"),
    ("GET", "/phone/shared_line_groups"),
    ("POST", "/phone/shared_line_groups"),
    ("GET", "/phone/shared_line_groups/{sharedLineGroupId}"),
    ("POST", "/phone/shared_line_groups/{slgId}/members"),
    ("DELETE", "/phone/shared_line_groups/{slgId}/members/{memberId}"),
    ("GET", "/phone/auto_receptionists"),
    ("GET", "/phone/extension/{extensionId}/call_handling/settings"),
    ("GET", "/phone/devices"),
]

GROUP_ENDPOINTS = [
    ("GET", "/groups"),
    ("POST", "/groups"),
    ("GET", "/groups/{groupId}/members"),
    ("POST", "/groups/{groupId}/members"),
    ("PATCH", "/groups/{groupId}/members/{memberId}"),
    ("DELETE", "/groups/{groupId}/members/{memberId}"),
]


def test_every_emulated_endpoint_answers_within_the_contract() -> None:
    seen = _run(_every_endpoint)
    wanted = [*ISSUE_ENDPOINTS, *GROUP_ENDPOINTS, *BATCH_ENDPOINTS, *LINE_ENDPOINTS]
    missing = [ep for ep in wanted if not seen[ep]]
    assert missing == []


async def _errors(c: httpx.AsyncClient, seen: Counter[tuple[str, str]]) -> None:
    _ok(await c.get("/v2/users/nobody-here@example.com"), 404)
    _ok(await c.get("/v2/phone/users/nobody-here@example.com"), 404)
    _ok(
        await c.post(
            "/v2/users",
            json={"action": "create", "user_info": {"email": "owner@example.com", "type": 1}},
        ),
        409,
    )
    _ok(await c.get("/v2/users", params={"next_page_token": "bogus"}), 400)
    del c.headers["Authorization"]
    _ok(await c.get("/v2/users"), 401)


def test_error_responses_have_zoom_shape() -> None:
    _run(_errors)


async def _faulted(c: httpx.AsyncClient, seen: Counter[tuple[str, str]]) -> None:
    statuses = Counter()
    for _ in range(60):
        statuses[(await c.get("/v2/users", params={"page_size": 1})).status_code] += 1
    assert {500, 502, 503, 429} & set(statuses), statuses


def test_injected_faults_have_zoom_shape() -> None:
    _run(_faulted, faults="5xx=0.3,429=0.2,429-noheaders=0.2,seed=3")


def test_rate_limited_responses_have_zoom_shape() -> None:
    async def flood(c: httpx.AsyncClient, seen: Counter[tuple[str, str]]) -> None:
        statuses = Counter([(await c.get("/v2/phone/users")).status_code for _ in range(30)])
        assert statuses[429] > 0 and statuses[200] > 0, statuses

    _run(flood, rate_limits=True, tier="pro")


# -- requests the spec rejects -----------------------------------------------------------------


def _fill(template: str, ids: dict[str, str]) -> str:
    return "/v2" + template.format(**ids)


@pytest.mark.parametrize("case", spec_request_cases(), ids=lambda c: c.id)
def test_spec_rejected_requests_get_zoom_validation_error(case: RequestCase) -> None:
    async def flow(c: httpx.AsyncClient, seen: Counter[tuple[str, str]]) -> None:
        users = _ok(await c.get("/v2/phone/users", params={"page_size": 1}), 200).json()["users"]
        roles = _ok(await c.get("/v2/roles"), 200).json()["roles"]
        groups = _ok(await c.get("/v2/groups"), 200).json()["groups"]
        ids = {
            "userId": users[0]["id"],
            "roleId": roles[-1]["id"],
            "groupId": groups[0]["id"],
            "memberId": users[0]["id"],
        }
        response = await c.request(case.method, _fill(case.template, ids), json=case.body)
        body = response.json()
        assert (response.status_code, body["code"]) == case.expected, body
        fields = [e["field"] for e in body.get("errors", [])]
        assert case.field in fields or not fields, (case.field, fields)

    _run(flow)
