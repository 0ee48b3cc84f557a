"""The batch routes of the Contact Center (create, update, delete) and of phone users: the
single route's checks per item, Zoom's limits, one bad item refusing the whole call with
nothing changed, and each route under its own name in the request log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.sandbox.conftest import frozen_clock, make_client
from zoomstate.sandbox.app import SandboxApp, create_app

FREE = ["nadia.haddad@example.com", "julia.rossi@example.com", "gus.larsen@example.com"]


@pytest.fixture
def api(app: SandboxApp) -> Iterator[TestClient]:
    with make_client(app) as client:
        yield client


def _role(api: TestClient, name: str = "Agent") -> str:
    roles = api.get("/v2/contact_center/roles").json()["roles"]
    return str(next(r["role_id"] for r in roles if r["role_name"] == name))


def _agents(api: TestClient) -> dict[str, dict[str, Any]]:
    rows = api.get("/v2/contact_center/users", params={"page_size": 300}).json()["users"]
    return {r["user_email"]: r for r in rows}


def _logged(api: TestClient, endpoint: str) -> dict[str, int]:
    log = api.get("/_sandbox/requests").json()["by_endpoint_status"]
    return {k.rsplit(" ", 1)[1]: v for k, v in log.items() if k.rsplit(" ", 1)[0] == endpoint}


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


# -- POST /contact_center/users/batch ---------------------------------------------------------


def test_cc_batch_create_makes_every_agent(api: TestClient) -> None:
    role = _role(api)
    made = api.post(
        "/v2/contact_center/users/batch",
        json={
            "users": [
                {"user_email": FREE[0], "role_id": role, "package_name": "elite"},
                {"user_email": FREE[1], "role_id": role, "package_name": "Elite"},
            ]
        },
    )
    assert made.status_code == 201, made.text
    assert [u["user_email"] for u in made.json()["users"]] == FREE[:2]
    agents = _agents(api)
    assert agents[FREE[0]]["package_name"] == agents[FREE[1]]["package_name"] == "elite"
    assert _logged(api, "POST /contact_center/users/batch") == {"201": 1}


def test_cc_batch_create_refuses_the_whole_call_for_one_bad_item(api: TestClient) -> None:
    role = _role(api)
    before = _agents(api)
    # elite has 2 seats: the third item would take a seat the first two already took.
    items = [{"user_email": e, "role_id": role, "package_name": "elite"} for e in FREE]
    out = api.post("/v2/contact_center/users/batch", json={"users": items})
    assert (out.status_code, out.json()["code"]) == (400, 300)
    assert _fields(out) == ["users[2]"]
    assert "not enough" in out.json()["errors"][0]["message"]
    twice = [{"user_email": FREE[0], "role_id": role}, {"user_email": FREE[0], "role_id": role}]
    again = api.post("/v2/contact_center/users/batch", json={"users": twice})
    assert _fields(again) == ["users[1]"]
    no_role = [{"user_email": FREE[0], "role_id": role}, {"user_email": FREE[1], "role_id": "x"}]
    assert _fields(api.post("/v2/contact_center/users/batch", json={"users": no_role})) == [
        "users[1]"
    ]
    assert _agents(api) == before
    assert _logged(api, "POST /contact_center/users/batch") == {"400": 3}


def test_cc_batch_create_takes_at_most_twenty(api: TestClient) -> None:
    role = _role(api)
    items = [{"user_email": f"u{n}@example.com", "role_id": role} for n in range(21)]
    out = api.post("/v2/contact_center/users/batch", json={"users": items})
    assert (out.status_code, out.json()["code"], _fields(out)) == (400, 300, ["users"])


# -- PATCH /contact_center/users --------------------------------------------------------------


def test_cc_batch_update_changes_every_agent(api: TestClient) -> None:
    agents = list(_agents(api).values())[:2]
    first, second = agents
    body = {
        "users": [
            {"user_id": first["user_id"], "user_access": "inactive", "package_name": "Elite"},
            {"user_email": second["user_email"], "role_id": _role(api, "Supervisor")},
        ]
    }
    out = api.patch("/v2/contact_center/users", json=body)
    assert out.status_code == 204, out.text
    now = _agents(api)
    assert now[first["user_email"]]["user_access"] == "inactive"
    assert now[first["user_email"]]["package_name"] == "elite"
    assert now[second["user_email"]]["role_name"] == "Supervisor"
    assert _logged(api, "PATCH /contact_center/users") == {"204": 1}


def test_cc_batch_update_refuses_the_whole_call_for_one_bad_item(api: TestClient) -> None:
    before = _agents(api)
    ids = [a["user_id"] for a in before.values()][:3]
    # elite's 2 seats: the third move onto it is refused, and so the two before it.
    body = {"users": [{"user_id": i, "package_name": "elite"} for i in ids]}
    out = api.patch("/v2/contact_center/users", json=body)
    assert (out.status_code, out.json()["code"], _fields(out)) == (400, 300, ["users[2]"])
    unknown = {"users": [{"user_id": ids[0], "user_access": "inactive"}, {"user_id": "nope"}]}
    assert _fields(api.patch("/v2/contact_center/users", json=unknown)) == ["users[1]"]
    assert _agents(api) == before
    many = {"users": [{"user_id": ids[0]}] * 21}
    assert _fields(api.patch("/v2/contact_center/users", json=many)) == ["users"]
    assert _logged(api, "PATCH /contact_center/users") == {"400": 3}


# -- DELETE /contact_center/users -------------------------------------------------------------


def test_cc_batch_delete_by_ids_or_emails(api: TestClient) -> None:
    agents = list(_agents(api).values())
    ids = ",".join(a["user_id"] for a in agents[:2])
    assert api.delete("/v2/contact_center/users", params={"user_ids": ids}).status_code == 204
    emails = agents[2]["user_email"]
    gone = api.delete("/v2/contact_center/users", params={"user_emails": emails})
    assert gone.status_code == 204
    assert set(_agents(api)) == {a["user_email"] for a in agents[3:]}
    # "If both ... are provided, only `user_ids` will be used" [C DELETE desc].
    both = {"user_ids": agents[3]["user_id"], "user_emails": agents[4]["user_email"]}
    assert api.delete("/v2/contact_center/users", params=both).status_code == 204
    assert set(_agents(api)) == {a["user_email"] for a in agents[4:]}
    assert _logged(api, "DELETE /contact_center/users") == {"204": 3}


def test_cc_batch_delete_refuses_the_whole_call(api: TestClient) -> None:
    before = _agents(api)
    first = next(iter(before.values()))["user_id"]
    unknown = api.delete("/v2/contact_center/users", params={"user_ids": f"{first},nope"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, 1012)
    # Not an agent: a user of the account without a Contact Center profile.
    not_agent = api.delete("/v2/contact_center/users", params={"user_emails": FREE[0]})
    assert (not_agent.status_code, not_agent.json()["code"]) == (404, 1012)
    many = ",".join([first] * 21)
    limit = api.delete("/v2/contact_center/users", params={"user_ids": many})
    assert (limit.status_code, limit.json()["code"], _fields(limit)) == (400, 300, ["user_ids"])
    neither = api.delete("/v2/contact_center/users")
    assert (neither.status_code, neither.json()["code"]) == (400, 300)
    assert _agents(api) == before
    assert _logged(api, "DELETE /contact_center/users") == {"404": 2, "400": 2}


# -- PUT /phone/users/batch -------------------------------------------------------------------


def _phone_users(api: TestClient) -> dict[str, dict[str, Any]]:
    rows = api.get("/v2/phone/users", params={"page_size": 100}).json()["users"]
    return {r["id"]: r for r in rows}


def _sites(api: TestClient) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in api.get("/v2/phone/sites").json()["sites"]}


def test_phone_batch_move_site_moves_every_user(api: TestClient) -> None:
    sites = _sites(api)
    london, sf = sites["London"], sites["San Francisco"]
    movers = [u for u in _phone_users(api).values() if u["site"]["id"] == sf["id"]][:2]
    body = {
        "batch_type": "move_site",
        "user_ids": [u["id"] for u in movers],
        "site_id": london["id"],
    }
    out = api.put("/v2/phone/users/batch", json=body)
    assert out.status_code == 204, out.text
    now = _phone_users(api)
    for user in movers:
        moved = now[user["id"]]
        assert moved["site"]["id"] == london["id"]
        # The short extension under the London site code when free (it is, in the demo
        # seed), as on PATCH.
        short = str(user["extension_number"])[len(str(sf["site_code"])) :]
        assert moved["extension_number"] == int(f"{london['site_code']}{short}")
    extensions = [u["extension_number"] for u in now.values()]
    assert len(extensions) == len(set(extensions))
    assert _logged(api, "PUT /phone/users/batch") == {"204": 1}


def test_phone_batch_move_site_leaves_an_extension_a_call_queue_holds(api: TestClient) -> None:
    """The short extension under the new site code is taken only when nobody holds it: a
    call queue's extension is the account's once, as a user's is."""
    sites = _sites(api)
    london, sf = sites["London"], sites["San Francisco"]
    mover = next(u for u in _phone_users(api).values() if u["site"]["id"] == sf["id"])
    short = int(str(mover["extension_number"])[len(str(sf["site_code"])) :])
    queue = {"name": "Night desk", "site_id": london["id"], "extension_number": short}
    assert api.post("/v2/phone/call_queues", json=queue).status_code == 201
    body = {"batch_type": "move_site", "user_ids": [mover["id"]], "site_id": london["id"]}
    assert api.put("/v2/phone/users/batch", json=body).status_code == 204
    moved = _phone_users(api)[mover["id"]]
    assert moved["site"]["id"] == london["id"]
    held = int(f"{london['site_code']}{short}")
    assert moved["extension_number"] != held
    assert str(moved["extension_number"]).startswith(str(london["site_code"]))


def test_phone_batch_update_refuses_the_whole_call(api: TestClient) -> None:
    before = _phone_users(api)
    first = next(iter(before))
    london = _sites(api)["London"]["id"]
    move = {"batch_type": "move_site", "site_id": london}
    unknown = api.put("/v2/phone/users/batch", json={**move, "user_ids": [first, "nope"]})
    assert (unknown.status_code, unknown.json()["code"], _fields(unknown)) == (
        400,
        300,
        ["user_ids[1]"],
    )
    many = api.put("/v2/phone/users/batch", json={**move, "user_ids": [first] * 11})
    assert (many.status_code, many.json()["code"], _fields(many)) == (400, 300, ["user_ids"])
    no_site = api.put(
        "/v2/phone/users/batch", json={**move, "site_id": "nope", "user_ids": [first]}
    )
    assert (no_site.status_code, no_site.json()["code"]) == (404, 404)
    bare = api.put("/v2/phone/users/batch", json={"batch_type": "move_site"})
    assert _fields(bare) == ["user_ids", "site_id"]
    pending = {"batch_type": "assign_pending_user", "user_ids": [first]}
    not_emulated = api.put("/v2/phone/users/batch", json=pending)
    assert (not_emulated.status_code, not_emulated.json()["code"]) == (400, 400)
    assert _phone_users(api) == before
    assert _logged(api, "PUT /phone/users/batch") == {"400": 4, "404": 1}


# -- metering -------------------------------------------------------------------------------


def test_batch_routes_are_metered_under_their_own_label() -> None:
    # Labels per the specs' "Rate Limit Label" (endpoints.py): the CC batches MEDIUM where
    # the single routes are LIGHT, the phone batch update LIGHT.
    app = create_app(seed="demo", clock=frozen_clock(), rate_limits=True)
    with make_client(app) as api:
        role = _role(api)
        calls = [
            api.post(
                "/v2/contact_center/users/batch",
                json={"users": [{"user_email": FREE[0], "role_id": role}]},
            ),
            api.patch("/v2/contact_center/users", json={"users": [{"user_email": FREE[0]}]}),
            api.delete("/v2/contact_center/users", params={"user_emails": FREE[0]}),
            api.put("/v2/phone/users/batch", json={"batch_type": "assign_pending_user"}),
        ]
        got = [(r.status_code, r.headers["X-RateLimit-Category"]) for r in calls]
        assert got == [(201, "Medium"), (204, "Medium"), (204, "Medium"), (400, "Light")]
