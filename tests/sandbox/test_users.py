from __future__ import annotations

from starlette.testclient import TestClient

from tests.sandbox.conftest import advance, all_pages, make_client
from zoomstate.sandbox.app import SandboxApp


def create(
    api: TestClient, email: str, action: str = "create", **info: object
) -> dict[str, object]:
    resp = api.post(
        "/v2/users",
        json={"action": action, "user_info": {"email": email, "type": 1, **info}},
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_demo_users_page_through_with_expiring_tokens(api: TestClient) -> None:
    rows = all_pages(api, "/v2/users", "users", page_size=5)
    emails = [r["email"] for r in rows]
    assert len(emails) == len(set(emails)) == 31  # zoe.clark is inactive
    assert "ivan.petrov@example.com" not in emails
    assert {"former.employee@example.com", "partner@agency.example"} <= set(emails)
    first = api.get("/v2/users", params={"page_size": 5}).json()
    assert first["total_records"] == 31 and first["page_size"] == 5
    assert first["next_page_token"]
    advance(api, 15 * 60 + 1)
    stale = api.get(
        "/v2/users", params={"page_size": 5, "next_page_token": first["next_page_token"]}
    )
    assert stale.status_code == 400 and stale.json()["code"] == 300
    inactive = api.get("/v2/users", params={"status": "inactive"}).json()
    assert [u["email"] for u in inactive["users"]] == ["zoe.clark@example.com"]
    assert inactive["next_page_token"] == ""


def test_page_size_is_clamped_to_the_cap(api: TestClient) -> None:
    body = api.get("/v2/users", params={"page_size": 5000}).json()
    assert body["page_size"] == 300


def test_create_pending_then_activate(api: TestClient) -> None:
    create(api, "new.hire@example.com", first_name="New", feature={"zoom_phone": True})
    assert (
        api.post(
            "/v2/users",
            json={"action": "create", "user_info": {"email": "NEW.hire@example.com", "type": 1}},
        ).json()["code"]
        == 1005
    )
    pending = api.get("/v2/users", params={"status": "pending"}).json()["users"]
    assert [u["email"] for u in pending] == ["new.hire@example.com"]
    assert "id" not in pending[0]
    got = api.get("/v2/users/new.hire@example.com").json()
    assert got["status"] == "pending"
    settings = api.get("/v2/users/new.hire@example.com/settings")
    assert settings.status_code == 400 and settings.json()["code"] == 1000
    assert api.get("/v2/phone/users/new.hire@example.com").status_code == 404
    act = api.post("/_sandbox/users/new.hire@example.com/activate")
    assert act.status_code == 200
    assert api.get("/v2/users/new.hire@example.com").json()["status"] == "active"
    # The phone asked for at creation arrives with activation.
    phone = api.get("/v2/phone/users/new.hire@example.com")
    assert phone.status_code == 200
    assert str(phone.json()["extension_number"]).startswith("10")


def test_invitation_expires_after_30_days(api: TestClient) -> None:
    create(api, "late@example.com")
    advance(api, 30 * 86400 + 1)
    resp = api.get("/v2/users/late@example.com")
    assert resp.status_code == 400 and resp.json()["code"] == 1120
    assert api.get("/v2/users", params={"status": "pending"}).json()["users"] == []
    # The address is free again.
    create(api, "late@example.com")


def test_other_actions_make_active_users(api: TestClient) -> None:
    for action in ("autoCreate", "custCreate", "ssoCreate"):
        body = create(api, f"{action.lower()}@example.com", action)
        assert api.get(f"/v2/users/{body['id']}").json()["status"] == "active"


def test_sso_create_stays_pending_for_personal_accounts(api: TestClient) -> None:
    seed = api.post("/_sandbox/reset", json={}).json()
    assert seed["users"] == 32
    api.post(
        "/_sandbox/seed",
        json={
            "seed": {
                "account": {"personal_account_emails": ["has.personal@example.com"]},
                "users": [],
            }
        },
    )
    create(api, "has.personal@example.com", "ssoCreate")
    assert api.get("/v2/users/has.personal@example.com").json()["status"] == "pending"


def test_pending_delete_needs_bare_delete(api: TestClient) -> None:
    create(api, "gone@example.com")
    resp = api.delete("/v2/users/gone@example.com", params={"action": "disassociate"})
    assert resp.status_code == 404 and resp.json()["code"] == 1001
    assert api.delete("/v2/users/gone@example.com").status_code == 204
    assert api.get("/v2/users/gone@example.com").status_code == 404


def test_delete_refusals(api: TestClient) -> None:
    resp = api.delete("/v2/users/alice.ng@example.com")  # default action: disassociate
    assert resp.status_code == 400 and resp.json()["code"] == 1107
    resp = api.delete("/v2/users/dana.kim@example.com", params={"action": "disassociate"})
    assert resp.status_code == 400 and resp.json()["code"] == 1117
    # Outside the managed domain, disassociation is allowed.
    assert api.delete("/v2/users/partner@agency.example").status_code == 204
    assert (
        api.delete("/v2/users/alice.ng@example.com", params={"action": "delete"}).status_code == 204
    )
    numbers = api.get("/v2/phone/numbers", params={"type": "unassigned", "page_size": 100}).json()
    assert "+14155550111" in {n["number"] for n in numbers["phone_numbers"]}


def test_deactivation_drops_licences(api: TestClient) -> None:
    refused = api.put("/v2/users/it-admin@example.com/status", json={"action": "deactivate"})
    assert refused.status_code == 400 and refused.json()["code"] == 200
    resp = api.put("/v2/users/kofi.mensah@example.com/status", json={"action": "deactivate"})
    assert resp.status_code == 200
    user = api.get("/v2/users/kofi.mensah@example.com").json()
    assert user["status"] == "inactive" and user["type"] == 1
    assert api.get("/v2/phone/users/kofi.mensah@example.com").status_code == 404
    assert api.get("/v2/contact_center/users/kofi.mensah@example.com").status_code == 404
    number = api.get("/v2/phone/numbers", params={"type": "assigned", "page_size": 100}).json()
    assert "+442079460001" not in {n["number"] for n in number["phone_numbers"]}
    assert (
        api.put("/v2/users/kofi.mensah@example.com/status", json={"action": "activate"}).status_code
        == 200
    )
    assert api.get("/v2/users/kofi.mensah@example.com").json()["status"] == "active"


def test_licensed_seats_are_finite(api: TestClient) -> None:
    state = api.get("/_sandbox/state").json()["summary"]
    free = 30 - state["licensed_used"]
    for i in range(free):
        create(api, f"lic{i}@example.com", "autoCreate", type=2)
    resp = api.post(
        "/v2/users",
        json={"action": "autoCreate", "user_info": {"email": "x@example.com", "type": 2}},
    )
    assert resp.status_code == 400 and resp.json()["code"] == 2034
    retype = api.patch("/v2/users/tara.singh@example.com", json={"type": 2})
    assert retype.status_code == 400 and retype.json()["code"] == 2034
    both = api.patch("/v2/users/tara.singh@example.com", json={"type": 1, "zoom_one_type": 0})
    assert both.status_code == 400 and both.json()["code"] == 300


def test_update_profile_and_settings(api: TestClient, app: SandboxApp) -> None:
    assert (
        api.patch(
            "/v2/users/chen.wei@example.com", json={"dept": "Sales", "job_title": "AE"}
        ).status_code
        == 204
    )
    user = api.get("/v2/users/chen.wei@example.com").json()
    assert user["dept"] == "Sales" and user["job_title"] == "AE"
    # The spec's settings response is a oneOf whose third branch is an empty object, so no
    # body can match exactly one branch: this read is checked here, not by the contract hook.
    raw = make_client(app, contract=False)
    settings = raw.get("/v2/users/julia.rossi@example.com/settings").json()
    assert settings["feature"]["zoom_phone"] is False


def test_email_change(api: TestClient) -> None:
    resp = api.put("/v2/users/gus.larsen@example.com/email", json={"email": "gus@example.com"})
    assert resp.status_code == 204
    assert api.get("/v2/users/gus@example.com").status_code == 200
    assert api.get("/v2/users/gus.larsen@example.com").status_code == 404
    taken = api.put("/v2/users/gus@example.com/email", json={"email": "hana.sato@example.com"})
    assert taken.status_code == 409 and taken.json()["code"] == 1005
    admin = api.put("/v2/users/it-admin@example.com/email", json={"email": "it@example.com"})
    assert admin.status_code == 400 and admin.json()["code"] == 1000
    assert (
        api.put("/v2/users/gus@example.com/email", json={"email": "g1@example.com"}).status_code
        == 204
    )
    assert (
        api.put("/v2/users/g1@example.com/email", json={"email": "g2@example.com"}).status_code
        == 204
    )
    fourth = api.put("/v2/users/g2@example.com/email", json={"email": "g3@example.com"})
    assert fourth.status_code == 429


def test_roles(api: TestClient) -> None:
    roles = api.get("/v2/roles").json()
    by_name = {r["name"]: r for r in roles["roles"]}
    assert by_name["Owner"]["id"] == "0" and by_name["Owner"]["total_members"] == 1
    assert by_name["Admin"]["total_members"] == 2
    members = api.get("/v2/roles/1/members").json()["members"]
    assert {m["email"] for m in members} == {"it-admin@example.com", "dana.kim@example.com"}
    added = api.post("/v2/roles/1/members", json={"members": [{"email": "alice.ng@example.com"}]})
    assert added.status_code == 201
    alice = api.get("/v2/users/alice.ng@example.com").json()
    assert alice["role_id"] == "1" and alice["role_name"] == "Admin"
    assert api.delete(f"/v2/roles/1/members/{alice['id']}").status_code == 204
    assert api.get("/v2/users/alice.ng@example.com").json()["role_id"] == "2"
    assert api.get("/v2/roles/99/members").status_code == 404
    owner = api.post("/v2/roles/0/members", json={"members": [{"email": "alice.ng@example.com"}]})
    assert owner.status_code == 400


def test_each_page_token_lives_15_minutes_from_its_own_page(api: TestClient) -> None:
    """Zoom says of each next_page_token that it expires in 15 minutes: a listing whose
    pages come 10 minutes apart goes on however long it takes in all."""
    body = api.get("/v2/users", params={"page_size": 5}).json()
    seen = [u["email"] for u in body["users"]]
    while body["next_page_token"]:
        advance(api, 10 * 60)
        resp = api.get(
            "/v2/users", params={"page_size": 5, "next_page_token": body["next_page_token"]}
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen += [u["email"] for u in body["users"]]
    assert len(seen) == len(set(seen)) == 31  # 7 pages: 60 minutes, far past 15
