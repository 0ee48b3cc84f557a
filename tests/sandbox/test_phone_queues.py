"""Call queues and shared line groups (`/phone/call_queues`, `/phone/shared_line_groups`) on
the demo account: listings, one queue with its members and levels, creation, the 10-a-call
limit, Zoom's codes for the manager and for users who are not phone users, the seed keys
and the sandbox file. Every answer is held to phone.json by the contract hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import all_pages, frozen_clock, make_client
from zoomstate.sandbox import persistence
from zoomstate.sandbox.app import create_app
from zoomstate.sandbox.faults import FaultSpec, FaultSpecError
from zoomstate.sandbox.seedfile import build_account
from zoomstate.sandbox.seeding import SeedError


def queues(api: httpx.Client) -> dict[str, dict[str, Any]]:
    rows = all_pages(api, "/v2/phone/call_queues", "call_queues", page_size=1)
    return {q["name"]: q for q in rows}


def slgs(api: httpx.Client) -> dict[str, dict[str, Any]]:
    rows = all_pages(api, "/v2/phone/shared_line_groups", "shared_line_groups", page_size=1)
    return {g["display_name"]: g for g in rows}


def user_id(api: httpx.Client, email: str) -> str:
    resp = api.get(f"/v2/users/{email}")
    assert resp.status_code == 200, resp.text
    return str(resp.json()["id"])


def queue_members(api: httpx.Client, queue_id: str) -> dict[str, dict[str, Any]]:
    resp = api.get(f"/v2/phone/call_queues/{queue_id}")
    assert resp.status_code == 200, resp.text
    return {m["id"]: m for m in resp.json()["members"]["users"]}


def slg_members(api: httpx.Client, slg_id: str) -> list[str]:
    resp = api.get(f"/v2/phone/shared_line_groups/{slg_id}")
    assert resp.status_code == 200, resp.text
    return [m["id"] for m in resp.json()["members"]["users"]]


def code(resp: httpx.Response) -> tuple[int, int]:
    return resp.status_code, resp.json()["code"]


# -- call queues ----------------------------------------------------------------------------


def test_the_demo_queues_list_with_their_extensions(api: httpx.Client) -> None:
    listed = queues(api)
    assert list(listed) == ["Sales Queue", "Support Queue"]
    assert listed["Sales Queue"]["extension_number"] == 101900
    assert listed["Sales Queue"]["site"]["name"] == "San Francisco"
    first = api.get("/v2/phone/call_queues", params={"page_size": 1}).json()
    assert first["total_records"] == 2 and first["next_page_token"]


def test_a_queue_shows_its_members_with_one_manager(api: httpx.Client) -> None:
    sales = queues(api)["Sales Queue"]
    members = queue_members(api, sales["id"])
    dana, alice = user_id(api, "dana.kim@example.com"), user_id(api, "alice.ng@example.com")
    assert members[dana]["level"] == "manager" and members[dana]["name"] == "Dana Kim"
    assert members[alice]["level"] == "user" and members[alice]["receive_call"] is True
    assert [m["level"] for m in members.values()].count("manager") == 1
    assert len(members) == 4
    assert code(api.get("/v2/phone/call_queues/nope")) == (404, 13000)


def test_members_are_added_by_id_or_email_and_removed(api: httpx.Client) -> None:
    qid = queues(api)["Support Queue"]["id"]
    bruno = user_id(api, "bruno.diaz@example.com")
    resp = api.post(
        f"/v2/phone/call_queues/{qid}/members",
        json={"members": {"users": [{"id": bruno}, {"email": "chen.wei@example.com"}]}},
    )
    assert resp.status_code == 201, resp.text
    members = queue_members(api, qid)
    assert members[bruno]["level"] == "user"
    assert user_id(api, "chen.wei@example.com") in members
    assert api.delete(f"/v2/phone/call_queues/{qid}/members/{bruno}").status_code == 204
    assert bruno not in queue_members(api, qid)
    assert code(api.delete(f"/v2/phone/call_queues/{qid}/members/{bruno}"))[0] == 404


def test_the_manager_cannot_be_removed_as_a_member(api: httpx.Client) -> None:
    qid = queues(api)["Support Queue"]["id"]
    kofi = user_id(api, "kofi.mensah@example.com")
    resp = api.delete(f"/v2/phone/call_queues/{qid}/members/{kofi}")
    assert code(resp) == (400, 400)
    assert resp.json()["message"] == "Unable to delete manager"
    assert kofi in queue_members(api, qid)


def test_at_most_ten_members_a_call_and_only_phone_users(api: httpx.Client) -> None:
    qid = queues(api)["Support Queue"]["id"]
    before = queue_members(api, qid)
    users = [{"email": f"u{i}@example.com"} for i in range(11)]
    resp = api.post(f"/v2/phone/call_queues/{qid}/members", json={"members": {"users": users}})
    assert code(resp) == (400, 300)
    assert "maximum number to add members" in resp.json()["message"]
    # julia.rossi is a user without Zoom Phone; nobody of a refused call is added.
    mixed = [{"email": "bruno.diaz@example.com"}, {"email": "julia.rossi@example.com"}]
    resp = api.post(f"/v2/phone/call_queues/{qid}/members", json={"members": {"users": mixed}})
    assert code(resp) == (404, 1001)
    ghost = [{"id": "no-such-user"}]
    resp = api.post(f"/v2/phone/call_queues/{qid}/members", json={"members": {"users": ghost}})
    assert code(resp) == (404, 1001)
    assert queue_members(api, qid) == before
    resp = api.post("/v2/phone/call_queues/nope/members", json={"members": {"users": mixed}})
    assert code(resp) == (400, 300)


def test_a_queue_is_created_with_its_site_extension_and_members(api: httpx.Client) -> None:
    sites = {s["name"]: s for s in api.get("/v2/phone/sites").json()["sites"]}
    body = {
        "name": "Escalations",
        "site_id": sites["London"]["id"],
        "extension_number": 2950,
        "members": {"users": [{"email": "lena.fischer@example.com"}]},
    }
    resp = api.post("/v2/phone/call_queues", json=body)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["extension_number"] == 202950 and created["status"] == "active"
    members = queue_members(api, created["id"])
    assert [m["level"] for m in members.values()] == ["user"]
    assert code(api.post("/v2/phone/call_queues", json=body)) == (400, 400)
    assert code(api.post("/v2/phone/call_queues", json={"name": "x"})) == (400, 300)
    unknown_site = {"name": "x", "site_id": "nope"}
    assert code(api.post("/v2/phone/call_queues", json=unknown_site)) == (400, 300)
    assert list(queues(api)) == ["Sales Queue", "Support Queue", "Escalations"]


# -- shared line groups ---------------------------------------------------------------------


def test_shared_line_groups_list_read_add_and_remove(api: httpx.Client) -> None:
    desk = slgs(api)["Front Desk"]
    gus, hana = user_id(api, "gus.larsen@example.com"), user_id(api, "hana.sato@example.com")
    assert slg_members(api, desk["id"]) == [gus, hana]
    priya = user_id(api, "priya.nair@example.com")
    path = f"/v2/phone/shared_line_groups/{desk['id']}/members"
    assert api.post(path, json={"members": {"users": [{"id": priya}]}}).status_code == 201
    assert slg_members(api, desk["id"]) == [gus, hana, priya]
    assert api.delete(f"{path}/{gus}").status_code == 204
    assert slg_members(api, desk["id"]) == [hana, priya]
    assert code(api.delete(f"{path}/{gus}"))[0] == 404
    eleven = [{"email": f"u{i}@example.com"} for i in range(11)]
    assert code(api.post(path, json={"members": {"users": eleven}})) == (400, 300)
    julia = [{"email": "julia.rossi@example.com"}]
    assert code(api.post(path, json={"members": {"users": julia}})) == (404, 1001)
    assert code(api.get("/v2/phone/shared_line_groups/nope")) == (404, 404)


def test_a_shared_line_group_is_created(api: httpx.Client) -> None:
    resp = api.post("/v2/phone/shared_line_groups", json={"display_name": "Night Desk"})
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["display_name"] == "Night Desk"
    got = api.get(f"/v2/phone/shared_line_groups/{created['id']}").json()
    # The default site's next free extension, held by no user and no other line.
    users = all_pages(api, "/v2/phone/users", "users", page_size=100)
    taken = {u["extension_number"] for u in users} | {101900, 101901, 101902, 101903}
    ext = got["extension_number"]
    assert str(ext).startswith("10") and ext not in taken
    assert got["members"]["users"] == []
    assert list(slgs(api)) == ["Front Desk", "Night Desk"]


# -- auto receptionists ----------------------------------------------------------------------


def main_line(api: httpx.Client) -> dict[str, Any]:
    rows = all_pages(api, "/v2/phone/auto_receptionists", "auto_receptionists", page_size=1)
    assert [a["name"] for a in rows] == ["Main Line"]
    return rows[0]


def routing(api: httpx.Client, extension_id: str) -> dict[str, Any]:
    resp = api.get(f"/v2/phone/extension/{extension_id}/call_handling/settings")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    # Closed hours route the same way as business hours.
    assert (
        body["closed_hours"][0]["settings"]["routing"]
        == (body["business_hours"][0]["settings"]["routing"])
    )
    result: dict[str, Any] = body["business_hours"][0]["settings"]["routing"]
    return result


def test_the_auto_receptionist_routes_to_its_operator(api: httpx.Client) -> None:
    ar = main_line(api)
    assert ar["extension_number"] == 101903
    route = routing(api, ar["extension_id"])
    admin = api.get("/v2/phone/users/it-admin@example.com").json()
    assert route["connect_to_operator"] is True and route["action"] == 1
    assert route["operator"]["extension_type"] == "user"
    assert route["operator"]["id"] == user_id(api, "it-admin@example.com")
    assert route["operator"]["extension_number"] == admin["extension_number"]
    resp = api.get("/v2/phone/extension/nope/call_handling/settings")
    assert code(resp) == (404, 404)


def test_the_operator_cannot_be_deleted_until_phone_goes(api: httpx.Client) -> None:
    resp = api.delete("/v2/users/it-admin@example.com", params={"action": "delete"})
    assert code(resp) == (400, 1000)
    off = {"feature": {"zoom_phone": False}}
    assert api.patch("/v2/users/it-admin@example.com/settings", json=off).status_code == 204
    route = routing(api, main_line(api)["extension_id"])
    assert route["connect_to_operator"] is False and "operator" not in route


# -- desk phones -----------------------------------------------------------------------------


def devices(api: httpx.Client, kind: str, **params: Any) -> dict[str, dict[str, Any]]:
    rows = all_pages(api, "/v2/phone/devices", "devices", type=kind, page_size=1, **params)
    return {d["display_name"]: d for d in rows}


def test_assigned_desk_phones_list_their_assignee(api: httpx.Client) -> None:
    assigned = devices(api, "assigned")
    assert list(assigned) == ["Front Desk 1", "Front Desk 2"]
    gus = api.get("/v2/phone/users/gus.larsen@example.com").json()
    (who,) = assigned["Front Desk 1"]["assignees"]
    assert who["id"] == gus["id"] and who["extension_type"] == "user"
    assert who["extension_number"] == gus["extension_number"]
    assert who["extension_id"] == gus["extension_id"]
    assert assigned["Front Desk 1"]["mac_address"] == "64167f000001"
    assert devices(api, "unassigned") == {}
    assert devices(api, "assigned", assignee_type="commonArea") == {}
    assert code(api.get("/v2/phone/devices")) == (400, 300)
    assert code(api.get("/v2/phone/devices", params={"type": "all"})) == (400, 300)


def test_phone_off_or_delete_unassigns_desk_phones(api: httpx.Client) -> None:
    off = {"feature": {"zoom_phone": False}}
    assert api.patch("/v2/users/gus.larsen@example.com/settings", json=off).status_code == 204
    resp = api.delete("/v2/users/hana.sato@example.com", params={"action": "delete"})
    assert resp.status_code == 204
    assert devices(api, "assigned") == {}
    unassigned = devices(api, "unassigned")
    assert list(unassigned) == ["Front Desk 1", "Front Desk 2"]
    assert "assignees" not in unassigned["Front Desk 1"]
    assert api.get("/_sandbox/state").json()["problems"] == []


# -- what users' changes do to queues and groups -------------------------------------------


def test_a_queue_manager_cannot_be_deleted(api: httpx.Client) -> None:
    resp = api.delete("/v2/users/dana.kim@example.com", params={"action": "delete"})
    assert code(resp) == (400, 1000)
    assert "Call-queue manager or Auto-receptionist operator" in resp.json()["message"]
    assert api.get("/v2/users/dana.kim@example.com").status_code == 200


def test_a_deleted_member_leaves_its_queues_and_groups(api: httpx.Client) -> None:
    alice, gus = user_id(api, "alice.ng@example.com"), user_id(api, "gus.larsen@example.com")
    for uid in (alice, gus):
        assert api.delete(f"/v2/users/{uid}", params={"action": "delete"}).status_code == 204
    assert alice not in queue_members(api, queues(api)["Sales Queue"]["id"])
    assert gus not in slg_members(api, slgs(api)["Front Desk"]["id"])


def test_phone_off_drops_memberships_and_the_manager_role(api: httpx.Client) -> None:
    off = {"feature": {"zoom_phone": False}}
    for email in ("emeka.obi@example.com", "hana.sato@example.com", "kofi.mensah@example.com"):
        resp = api.patch(f"/v2/users/{email}/settings", json=off)
        assert resp.status_code == 204, resp.text
    sales = queue_members(api, queues(api)["Sales Queue"]["id"])
    support = queue_members(api, queues(api)["Support Queue"]["id"])
    assert user_id(api, "emeka.obi@example.com") not in sales
    assert user_id(api, "hana.sato@example.com") not in slg_members(
        api, slgs(api)["Front Desk"]["id"]
    )
    # The manager goes too: the queue is left without one, and kofi can then be deleted.
    kofi = user_id(api, "kofi.mensah@example.com")
    assert kofi not in support
    assert [m["level"] for m in support.values()] == ["user"] * 3
    assert api.delete(f"/v2/users/{kofi}", params={"action": "delete"}).status_code == 204
    assert api.get("/_sandbox/state").json()["problems"] == []


def test_deactivation_drops_memberships(api: httpx.Client) -> None:
    fatima = user_id(api, "fatima.rahman@example.com")
    resp = api.put(f"/v2/users/{fatima}/status", json={"action": "deactivate"})
    assert resp.status_code in (200, 204), resp.text
    assert fatima not in queue_members(api, queues(api)["Sales Queue"]["id"])


def test_the_fault_keeps_memberships_when_phone_goes() -> None:
    app = create_app(seed="demo", clock=frozen_clock(), faults="phone-off-keeps-memberships=true")
    with make_client(app) as api:
        emeka, dana = user_id(api, "emeka.obi@example.com"), user_id(api, "dana.kim@example.com")
        off = {"feature": {"zoom_phone": False}}
        for uid in (emeka, dana):
            assert api.patch(f"/v2/users/{uid}/settings", json=off).status_code == 204
        members = queue_members(api, queues(api)["Sales Queue"]["id"])
        assert members[emeka]["level"] == "user" and members[emeka]["extension_id"] == ""
        assert members[dana]["level"] == "manager"
        # The manager still blocks the delete; a plain member's delete drops it anyway.
        assert code(api.delete(f"/v2/users/{dana}", params={"action": "delete"})) == (400, 1000)
        assert api.delete(f"/v2/users/{emeka}", params={"action": "delete"}).status_code == 204
        assert emeka not in queue_members(api, queues(api)["Sales Queue"]["id"])
        assert api.get("/_sandbox/state").json()["problems"] == []


# -- seeds and the sandbox file ---------------------------------------------------------------

_SEED: dict[str, Any] = {
    "sites": [{"name": "HQ", "site_code": 1, "extension_start": 100}],
    "users": [
        {"email": "a@x.example", "first_name": "A", "last_name": "A", "phone": {"extension": 1100}},
        {"email": "b@x.example", "first_name": "B", "last_name": "B", "phone": {"extension": 1101}},
        {"email": "c@x.example", "first_name": "C", "last_name": "C"},
    ],
}


def _seed(**extra: Any) -> dict[str, Any]:
    return {**_SEED, **extra}


def test_seed_keys_build_queues_and_groups() -> None:
    account = build_account(
        _seed(
            call_queues=[{"name": "Q", "manager": "a@x.example", "members": ["b@x.example"]}],
            shared_line_groups=[
                {"name": "G", "members": ["a@x.example"], "extension_number": 1777}
            ],
            auto_receptionists=[{"name": "AR", "operator": "b@x.example"}],
            desk_phones=[
                {"display_name": "D", "mac_address": "AA-BB-CC-00-11-22", "assignee": "a@x.example"}
            ],
        )
    )
    (queue,) = account.call_queues.values()
    a, b = account.user_by_email("a@x.example"), account.user_by_email("b@x.example")
    assert a is not None and b is not None
    assert queue.member_ids == [a.id, b.id] and queue.manager_id == a.id
    (slg,) = account.shared_line_groups.values()
    assert slg.extension_number == 1777 and slg.member_ids == [a.id]
    (ar,) = account.auto_receptionists.values()
    assert ar.operator_id == b.id and ar.extension_number not in (1100, 1101, 1777)
    (desk,) = account.desk_phones.values()
    assert desk.assignee_id == a.id and desk.mac_address == "aabbcc001122"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"call_queues": [{"name": "Q", "members": ["c@x.example"]}]}, "not an active phone"),
        ({"call_queues": [{"name": "Q", "manager": "nobody@x.example"}]}, "call_queues[0]"),
        ({"call_queues": [{"name": "Q"}, {"name": "q"}]}, "duplicate name"),
        ({"call_queues": [{"members": []}]}, "needs a name"),
        ({"shared_line_groups": [{"name": "G", "members": "a@x.example"}]}, "list of e-mails"),
        ({"shared_line_groups": [{"name": "G", "extension_number": 1100}]}, "reused"),
        ({"auto_receptionists": [{"name": "AR", "operator": "c@x.example"}]}, "operator"),
        ({"desk_phones": [{"mac_address": "12"}]}, "12 hexadecimal digits"),
        ({"desk_phones": [{"mac_address": "aabbccddeeff"}] * 2}, "used twice"),
        ({"desk_phones": [{"mac_address": "aabbccddeeff", "assignee": "c@x.example"}]}, "assignee"),
    ],
)
def test_bad_seed_lines_are_refused_clearly(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_account(_seed(**extra))


def test_queues_and_groups_survive_the_sandbox_file(tmp_path: Path) -> None:
    account = build_account("demo")
    path = tmp_path / "sandbox.json"
    assert account.check_invariants() == []
    persistence.save(account, path)
    loaded, _ = persistence.load(path)
    assert loaded.call_queues == account.call_queues
    assert loaded.shared_line_groups == account.shared_line_groups
    assert loaded.auto_receptionists == account.auto_receptionists
    assert loaded.desk_phones == account.desk_phones and len(loaded.desk_phones) == 2
    assert loaded.check_invariants() == []
    assert loaded.line_extensions() == {101900, 101901, 101902, 101903}


def test_the_fault_spec_reads_and_prints_phone_off_keeps_memberships() -> None:
    spec = FaultSpec.parse("phone-off-keeps-memberships=true,seed=2")
    assert spec.phone_off_keeps_memberships
    assert "phone-off-keeps-memberships=true" in str(spec)
    assert str(FaultSpec.parse("phone-off-keeps-memberships=false")) == "none"
    with pytest.raises(FaultSpecError, match="phone-off-keeps-memberships is true or false"):
        FaultSpec.parse("phone-off-keeps-memberships=yes")
