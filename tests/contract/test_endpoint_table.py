"""The endpoint table (zoomstate.endpoints) against Zoom's specs, the sandbox and the client.

Every endpoint the client calls or the sandbox serves must have a row; every row's scope
must be one Zoom's spec lists for the operation; the sandbox's tokens grant every scope the
table names, and docs/getting-started.md tells the admin to grant each scope the client
uses. The scope the sandbox's tokens lacked (`phone:read:user_setting:admin`, for the
snapshot before a data-losing step) is what these checks were written to catch.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.apply.support import desired_state, make_client, no_sleep, sandbox_app
from tests.contract.openapi import load_spec
from tests.golden.cases import MIXED_CHANGES, MIXED_SEED, MIXED_USERS
from zoomstate.apply import Journal, apply_plan
from zoomstate.endpoints import ENDPOINTS, Endpoint, endpoint, match, page_sizes, scopes
from zoomstate.plan import make_plan
from zoomstate.sandbox import app as sandbox_app_module
from zoomstate.zoom.read import read_account

REPO = Path(__file__).resolve().parents[2]
# Not in the vendored specs (the Roles API belongs to the Accounts spec): the granular
# scopes Zoom's Roles API pages list.
ROLES_SCOPES = {
    ("GET", "/roles"): "role:read:list_roles:admin",
    ("GET", "/roles/{roleId}/members"): "role:read:list_members:admin",
    ("POST", "/roles/{roleId}/members"): "role:write:member:admin",
    ("DELETE", "/roles/{roleId}/members/{memberId}"): "role:delete:member:admin",
}


def _operation(ep: Endpoint) -> dict[str, Any]:
    spec = load_spec(ep.family)
    op: dict[str, Any] = spec["paths"][ep.template][ep.method.lower()]
    return op


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: f"{e.method} {e.template}")
def test_scope_is_one_the_spec_lists(ep: Endpoint) -> None:
    key = (ep.method, ep.template)
    if key in ROLES_SCOPES:
        assert ep.scope == ROLES_SCOPES[key]
        return
    listed = _operation(ep)["security"][0]["openapi_oauth"]
    assert ep.scope in listed, f"{ep.method} {ep.template}: {ep.scope} not in {listed}"
    # The granular admin scope, not a classic one (user:read:admin) that Zoom retires.
    assert ep.scope.count(":") == 3 and ep.scope.endswith(":admin")


@pytest.mark.parametrize(
    "ep", [e for e in ENDPOINTS if e.page], ids=lambda e: f"{e.method} {e.template}"
)
def test_page_size_is_at_most_what_the_spec_allows(ep: Endpoint) -> None:
    if (ep.method, ep.template) in ROLES_SCOPES:
        assert ep.page == 300  # Zoom's Roles API: "page_size ... Maximum: 300"
        return
    params = {p["name"]: p for p in _operation(ep).get("parameters", []) if "name" in p}
    if "page_size" not in params:
        # One answer in Zoom's spec (no page_size, no next_page_token): the size the client
        # sends is ignored, and one call reads it all.
        props = _operation(ep)["responses"]["200"]["content"]["application/json"]["schema"]
        assert "next_page_token" not in props["properties"]
        return
    schema = params["page_size"]["schema"]
    assert ep.page is not None and ep.page <= schema["maximum"]


def test_rows_are_unique_and_page_sizes_only_on_listings() -> None:
    keys = [(e.method, e.template) for e in ENDPOINTS]
    assert len(keys) == len(set(keys))
    assert all(e.method == "GET" for e in ENDPOINTS if e.page)
    assert page_sizes()["/users"] == 2000
    assert endpoint("get", "/phone/users/{userId}/settings").scope == (
        "phone:read:user_setting:admin"
    )


def test_every_sandbox_route_has_a_row() -> None:
    routes = [(r.method, r.template) for r in sandbox_app_module._ROUTES]
    assert routes, "the sandbox serves no routes?"
    missing = [
        f"{m} {t}" for m, t in routes if (m, t) not in {(e.method, e.template) for e in ENDPOINTS}
    ]
    assert missing == []


def test_the_sandbox_token_grants_every_scope_of_the_table() -> None:
    granted = set(sandbox_app_module.SCOPES.split())
    assert set(scopes()) <= granted


def _every_call_of_a_mixed_run(tmp_path: Path) -> dict[str, int]:
    app = sandbox_app(MIXED_USERS, MIXED_SEED)
    # With a journal, data-losing steps read their snapshot first (phone settings too).
    journal = Journal(tmp_path / "run.jsonl")

    async def go() -> None:
        async with make_client(httpx.ASGITransport(app=app)) as client:
            live = await read_account(client)
            plan = make_plan(desired_state(live, seed=MIXED_SEED, changes=MIXED_CHANGES), live)
            report = await apply_plan(plan, client, live, journal=journal, sleep=no_sleep)
            assert report.count("failed") == 0, report

    asyncio.run(go())
    journal.close()
    calls: dict[str, int] = app.runtime.log.snapshot()["by_endpoint"]
    return calls


def test_every_call_the_client_makes_has_a_row_and_a_documented_scope(tmp_path: Path) -> None:
    calls = _every_call_of_a_mixed_run(tmp_path)
    guides = {
        name: (REPO / "docs" / name).read_text(encoding="utf-8")
        for name in ("getting-started.md", "zoom-client.md")
    }
    used: list[Endpoint] = []
    for key in calls:
        method, template = key.split(" ", 1)
        if template == "/oauth/token":
            continue
        assert template != "(unknown)", f"the client called something the sandbox lacks: {key}"
        found = match(method, template)
        assert found is not None, f"{key}: not in zoomstate.endpoints"
        used.append(endpoint(method, found.template))
    # The run reached every family, the data-losing snapshot included.
    assert {"users", "phone", "contact_center"} <= {ep.family for ep in used}
    assert ("GET", "/phone/users/{userId}/settings") in {(e.method, e.template) for e in used}
    for name, guide in guides.items():
        undocumented = sorted({ep.scope for ep in used if f"`{ep.scope}`" not in guide})
        assert undocumented == [], f"docs/{name} does not list these scopes"
