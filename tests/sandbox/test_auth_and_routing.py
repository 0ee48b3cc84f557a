from __future__ import annotations

import base64

from starlette.testclient import TestClient

from tests.sandbox.conftest import advance, make_client
from zoomstate.sandbox.app import SandboxApp


def test_token_from_query_and_from_form(app: SandboxApp) -> None:
    client = TestClient(app)
    q = client.post(
        "/oauth/token?grant_type=account_credentials&account_id=sandbox-account",
        auth=("sandbox-client", "sandbox-secret"),
    )
    basic = base64.b64encode(b"sandbox-client:sandbox-secret").decode()
    f = client.post(
        "/oauth/token",
        data={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        headers={"Authorization": f"Basic {basic}"},
    )
    for resp in (q, f):
        assert resp.status_code == 200
        body = resp.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3599
        assert "user:read:list_users:admin" in body["scope"].split()
    assert q.json()["access_token"] != f.json()["access_token"]


def test_wrong_credentials_rejected(app: SandboxApp) -> None:
    client = TestClient(app)
    params = {"grant_type": "account_credentials", "account_id": "sandbox-account"}
    assert client.post("/oauth/token", params=params, auth=("x", "y")).status_code == 401
    bad_grant = {**params, "grant_type": "client_credentials"}
    resp = client.post("/oauth/token", params=bad_grant, auth=("sandbox-client", "sandbox-secret"))
    assert resp.status_code == 400
    bad_account = {**params, "account_id": "other"}
    resp = client.post(
        "/oauth/token", params=bad_account, auth=("sandbox-client", "sandbox-secret")
    )
    assert resp.status_code == 400


def test_missing_and_expired_token(app: SandboxApp) -> None:
    client = TestClient(app)
    resp = client.get("/v2/users")
    assert resp.status_code == 401 and resp.json()["code"] == 124
    api = make_client(app)
    assert api.get("/v2/users").status_code == 200
    advance(api, 3600, refresh=False)
    resp = api.get("/v2/users")
    assert resp.status_code == 401 and resp.json()["code"] == 124


def test_expired_token_as_400_when_configured(app: SandboxApp) -> None:
    api = make_client(app)
    assert api.put("/_sandbox/faults", json={"spec": "expired=400"}).status_code == 200
    assert api.post("/_sandbox/tokens/expire").status_code == 200
    resp = api.get("/v2/users")
    assert resp.status_code == 400 and resp.json()["code"] == 124


def test_unknown_paths_get_zoom_404(api: TestClient) -> None:
    for method, path in (("GET", "/v2/nope"), ("DELETE", "/v2/phone/sites"), ("GET", "/x")):
        resp = api.request(method, path)
        assert resp.status_code == 404
        assert resp.json() == {"code": 2300, "message": "This API endpoint is not recognized."}


def test_request_log_counts_by_template_and_status(api: TestClient) -> None:
    api.delete("/_sandbox/requests")
    api.get("/v2/users/owner@example.com")
    api.get("/v2/users/alice.ng@example.com")
    api.get("/v2/users/nobody@example.com")
    log = api.get("/_sandbox/requests").json()
    assert log["by_endpoint"]["GET /users/{userId}"] == 3
    assert log["by_endpoint_status"]["GET /users/{userId} 200"] == 2
    assert log["by_endpoint_status"]["GET /users/{userId} 404"] == 1
    assert log["by_status"]["404"] == 1


def test_unknown_fields_ignored_and_validation_errors(api: TestClient) -> None:
    ok = api.patch("/v2/users/alice.ng@example.com", json={"dept": "Sales", "zzz": 1})
    assert ok.status_code == 204
    bad = api.post(
        "/v2/users",
        json={"action": "nope", "user_info": {"email": "x" * 130 + "@example.com", "type": 7}},
    )
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == 300
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"action", "user_info.email", "user_info.type"}
    missing = api.post("/v2/users", json={"action": "create", "user_info": {"type": 1}})
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"field": "user_info.email", "message": "Invalid field."}]
    not_json = api.post("/v2/users", content=b"{oops", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["code"] == 300


def test_a_path_value_is_decoded_once_and_stays_one_segment(api: TestClient) -> None:
    # Issue 12: %40 is @, but %2540 is the text %40, and an encoded / or # is part of the
    # value, never a way to reach another user or endpoint.
    found = api.get("/v2/users/partner%40agency.example")
    assert found.status_code == 200, found.text
    user_id = found.json()["id"]
    assert api.get("/v2/users/partner%2540agency.example").status_code == 404
    assert api.get(f"/v2/users/{user_id}%2Fsettings").status_code == 404
    assert api.get(f"/v2/users/{user_id}%23").status_code == 404
    assert api.get(f"/v2/users/{user_id}/settings").status_code == 200
