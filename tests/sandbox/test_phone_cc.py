from __future__ import annotations

from starlette.testclient import TestClient

from tests.sandbox.conftest import advance, all_pages, frozen_clock, make_client
from zoomstate.sandbox.account import CCRole
from zoomstate.sandbox.app import SandboxApp, create_app
from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.seeding import demo_seed


def test_phone_user_shapes(api: TestClient) -> None:
    one = api.get("/v2/phone/users/owner@example.com").json()
    assert one["extension_number"] == 101000
    assert one["phone_numbers"][0]["number"] == "14155550100"  # no "+" on phone users
    assert one["calling_plans"][0]["type"] == 200
    rows = all_pages(api, "/v2/phone/users", "users", page_size=7)
    assert len(rows) == 24 and len({r["extension_number"] for r in rows}) == 24
    numbers = api.get("/v2/phone/numbers", params={"page_size": 500}).json()
    assert numbers["page_size"] == 100 and numbers["total_records"] == 200
    assigned = api.get("/v2/phone/numbers", params={"type": "assigned"}).json()["phone_numbers"]
    owner = next(n for n in assigned if n["number"] == "+14155550100")
    assert owner["assignee"]["extension_number"] == 101000
    sites = api.get("/v2/phone/sites").json()["sites"]
    assert {(s["name"], s["site_code"]) for s in sites} == {("San Francisco", 10), ("London", 20)}
    plans = {p["name"]: p for p in api.get("/v2/phone/calling_plans").json()["calling_plans"]}
    assert plans["US/CA Unlimited"]["assigned"] == 12
    assert plans["US/CA Unlimited"]["available"] == 8
    names = {t["name"] for t in api.get("/v2/phone/setting_templates").json()["templates"]}
    assert names == {"Sales default", "Support default", "Standard user"}


def test_phone_token_expiry_uses_code_400(api: TestClient) -> None:
    first = api.get("/v2/phone/users", params={"page_size": 5}).json()
    advance(api, 901)
    resp = api.get(
        "/v2/phone/users", params={"page_size": 5, "next_page_token": first["next_page_token"]}
    )
    assert resp.status_code == 400 and resp.json()["code"] == 400


def test_enable_phone_then_plan_number_and_removal(api: TestClient) -> None:
    assert (
        api.patch(
            "/v2/users/julia.rossi@example.com", json={"feature": {"zoom_phone": True}}
        ).status_code
        == 204
    )
    user = api.get("/v2/phone/users/julia.rossi@example.com").json()
    assert str(user["extension_number"]).startswith("10")
    # A number needs a plan that covers it.
    early = api.post(
        "/v2/phone/users/julia.rossi@example.com/phone_numbers",
        json={"phone_numbers": [{"number": "+14155550130"}]},
    )
    assert early.status_code == 400
    plan = api.post(
        "/v2/phone/users/julia.rossi@example.com/calling_plans",
        json={"calling_plans": [{"type": 200}]},
    )
    assert plan.status_code == 200
    num = api.post(
        "/v2/phone/users/julia.rossi@example.com/phone_numbers",
        json={"phone_numbers": [{"number": "+14155550130"}]},
    )
    assert num.status_code == 201
    assert num.json()["phone_numbers"][0]["number"] == "+14155550130"
    taken = api.post(
        "/v2/phone/users/gus.larsen@example.com/phone_numbers",
        json={"phone_numbers": [{"number": "+14155550130"}]},
    )
    assert taken.status_code == 400
    # Removing the plan drops the number it covered.
    assert (
        api.delete("/v2/phone/users/julia.rossi@example.com/calling_plans/200").status_code == 204
    )
    after = api.get("/v2/phone/users/julia.rossi@example.com").json()
    assert after["phone_numbers"] == [] and after["calling_plans"] == []
    # Turning phone off removes the phone user and frees everything.
    api.patch("/v2/users/owner@example.com/settings", json={"feature": {"zoom_phone": False}})
    assert api.get("/v2/phone/users/owner@example.com").status_code == 404
    free = api.get("/v2/phone/numbers", params={"type": "unassigned", "page_size": 100}).json()
    assert "+14155550100" in {n["number"] for n in free["phone_numbers"]}
    assert api.get("/_sandbox/state").json()["problems"] == []


def test_phone_user_appears_after_a_delay() -> None:
    app = create_app(seed="demo", clock=Clock(source=lambda: 1767225600.0), phone_user_delay=60)
    api = make_client(app)
    api.patch("/v2/users/julia.rossi@example.com", json={"feature": {"zoom_phone": True}})
    missing = api.get("/v2/phone/users/julia.rossi@example.com")
    assert missing.status_code == 404 and missing.json()["code"] == 1001
    advance(api, 61)
    assert api.get("/v2/phone/users/julia.rossi@example.com").status_code == 200


def test_extensions_full_on_patch_short_on_batch(api: TestClient) -> None:
    dup = api.patch("/v2/phone/users/alice.ng@example.com", json={"extension_number": "101102"})
    assert dup.status_code == 200 or dup.status_code == 204  # 101102 is free in the demo
    clash = api.patch("/v2/phone/users/gus.larsen@example.com", json={"extension_number": "101102"})
    assert clash.status_code == 400
    short = api.patch("/v2/phone/users/gus.larsen@example.com", json={"extension_number": "1107"})
    assert short.status_code == 400 and short.json()["code"] == 300
    batch = api.post(
        "/v2/phone/users/batch",
        json={
            "users": [
                {
                    "email": "julia.rossi@example.com",
                    "calling_plans": ["US/CA Unlimited"],
                    "site_name": "San Francisco",
                    "extension_number": "1109",
                    "phone_numbers": ["+14155550119"],
                    "template_name": "Sales default",
                }
            ]
        },
    )
    assert batch.status_code == 201, batch.text
    got = api.get("/v2/phone/users/julia.rossi@example.com").json()
    assert got["extension_number"] == 101109
    assert got["phone_numbers"][0]["number"] == "14155550119"
    too_many = api.post(
        "/v2/phone/users/batch",
        json={
            "users": [
                {"email": f"u{i}@x.com", "calling_plans": [], "extension_number": "1"}
                for i in range(11)
            ]
        },
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == 400


def test_calling_plan_seats_and_switch(api: TestClient) -> None:
    # GB/IE Metered has 5 seats, none used.
    users = ["lena.fischer", "marco.bianchi", "nadia.haddad", "oscar.nilsson", "priya.nair"]
    for name in users:
        resp = api.post(
            f"/v2/phone/users/{name}@example.com/calling_plans",
            json={"calling_plans": [{"type": 102}]},
        )
        assert resp.status_code == 200
    full = api.post(
        "/v2/phone/users/rosa.alvarez@example.com/calling_plans",
        json={"calling_plans": [{"type": 102}]},
    )
    assert full.status_code == 400
    wrong = api.put(
        "/v2/phone/users/rosa.alvarez@example.com/calling_plans",
        json={"source_type": 100, "target_type": 202},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == 404


def test_contact_center(api: TestClient) -> None:
    roles = {r["role_name"]: r for r in api.get("/v2/contact_center/roles").json()["roles"]}
    assert set(roles) == {"Agent", "Supervisor", "Admin"}
    created = api.post(
        "/v2/contact_center/users",
        json={
            "user_email": "nadia.haddad@example.com",
            "role_id": roles["Agent"]["role_id"],
            "package_name": "premium",
        },
    )
    assert created.status_code == 201 and created.json()["package_name"] == "premium"
    again = api.post(
        "/v2/contact_center/users",
        json={"user_email": "nadia.haddad@example.com", "role_id": roles["Agent"]["role_id"]},
    )
    assert again.json()["code"] == 1007
    no_role = api.post(
        "/v2/contact_center/users",
        json={"user_email": "julia.rossi@example.com", "role_id": "nope"},
    )
    assert no_role.status_code == 404 and no_role.json()["code"] == 2201
    # premium: 10 seats, 8 used now.
    for email in ("julia.rossi@example.com", "gus.larsen@example.com"):
        ok = api.post(
            "/v2/contact_center/users",
            json={
                "user_email": email,
                "role_id": roles["Agent"]["role_id"],
                "package_name": "premium",
            },
        )
        assert ok.status_code == 201
    out = api.post(
        "/v2/contact_center/users",
        json={
            "user_email": "hana.sato@example.com",
            "role_id": roles["Agent"]["role_id"],
            "package_name": "premium",
        },
    )
    assert out.status_code == 400 and out.json()["code"] == 290010
    uid = created.json()["user_id"]
    assert (
        api.patch(
            f"/v2/contact_center/users/{uid}",
            json={"package_name": "essentials", "user_access": "inactive"},
        ).status_code
        == 204
    )
    got = api.get(f"/v2/contact_center/users/{uid}").json()
    assert got["package_name"] == "essentials" and got["user_access"] == "inactive"
    listed = all_pages(api, "/v2/contact_center/users", "users", page_size=3)
    assert len(listed) == 10
    assert api.delete(f"/v2/contact_center/users/{uid}").status_code == 204
    assert api.get(f"/v2/contact_center/users/{uid}").status_code == 404


def test_seeded_ids_are_deterministic(app: SandboxApp) -> None:
    other = create_app(seed="demo", clock=Clock(source=lambda: 1767225600.0))
    a, b = make_client(app), make_client(other)
    assert (
        a.get("/v2/users/owner@example.com").json()["id"]
        == b.get("/v2/users/owner@example.com").json()["id"]
    )
    body = {"action": "autoCreate", "user_info": {"email": "same@example.com", "type": 1}}
    assert (
        a.post("/v2/users", json=body).json()["id"] == b.post("/v2/users", json=body).json()["id"]
    )


def test_contact_center_roles_page_through() -> None:
    """More roles than a page holds: every one is reachable through next_page_token (the
    listing used to stop at the first page, with no token)."""
    app = create_app(seed="demo", clock=Clock(source=lambda: 1767225600.0))
    account = app.runtime.account
    for i in range(40):
        role = CCRole(id=account.ids.zoom_id(), name=f"Extra role {i:02d}")
        account.cc_roles[role.id] = role
    with make_client(app) as api:
        first = api.get("/v2/contact_center/roles").json()
        assert first["page_size"] == 30 and len(first["roles"]) == 30 and first["next_page_token"]
        rows = all_pages(api, "/v2/contact_center/roles", "roles", page_size=7)
    names = [r["role_name"] for r in rows]
    assert len(names) == len(set(names)) == len(account.cc_roles)


def _held_by_a_queue_app() -> SandboxApp:
    """The demo account with one more number, held by a call queue (a seed `holder`)."""
    seed = demo_seed()
    seed["phone_numbers"] = [
        *seed["phone_numbers"],
        {
            "number": "+14155559999",
            "site": "San Francisco",
            "holder": {"type": "callQueue", "name": "Main line"},
        },
    ]
    return create_app(seed=seed, clock=frozen_clock())


def test_numbers_list_by_assignment_and_kind_of_assignee() -> None:
    """GET /phone/numbers `type` (assigned, unassigned, all) and `extension_type` (only
    with type=assigned) [P GET /phone/numbers params]; a number held by a call queue is
    assigned, of its kind, and cannot be given to a user."""
    with make_client(_held_by_a_queue_app()) as api:

        def listed(**params: str) -> set[str]:
            return {
                n["number"] for n in all_pages(api, "/v2/phone/numbers", "phone_numbers", **params)
            }

        every = listed(type="all")
        assigned, free = listed(type="assigned"), listed(type="unassigned")
        assert assigned | free == every and not assigned & free and "+14155559999" in assigned
        users = listed(type="assigned", extension_type="user")
        queues = listed(type="assigned", extension_type="callQueue")
        assert queues == {"+14155559999"} and users == assigned - queues
        assert listed(type="assigned", extension_type="commonArea") == set()
        held = next(
            n
            for n in all_pages(api, "/v2/phone/numbers", "phone_numbers", type="assigned")
            if n["number"] == "+14155559999"
        )
        assert held["assignee"]["type"] == "callQueue" and held["assignee"]["name"] == "Main line"
        for params in (
            {"extension_type": "user"},  # type defaults to all
            {"type": "unassigned", "extension_type": "user"},
            {"type": "assigned", "extension_type": "robot"},
        ):
            resp = api.get("/v2/phone/numbers", params=params)
            assert (resp.status_code, resp.json()["code"]) == (400, 300), params
        resp = api.post(
            "/v2/phone/users/owner@example.com/phone_numbers",
            json={"phone_numbers": [{"number": "+14155559999"}]},
        )
        assert (resp.status_code, resp.json()["code"]) == (400, 300)
        assert "already assigned" in resp.json()["message"]
