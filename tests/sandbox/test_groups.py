"""The user groups family (`/groups`, `/groups/{groupId}/members`) on the demo account: its
listings, Zoom's codes, the 30-member and creation limits, moves and primary groups, and
the groups' side of the users family (`group_ids`, an invitee's `group_id`, a deleted user
leaving its groups). Every answer is held to users.json by the contract hooks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import advance, all_pages, make_client
from zoomstate.sandbox.app import SandboxApp, create_app
from zoomstate.sandbox.clock import Clock


def groups_by_name(api: httpx.Client) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in all_pages(api, "/v2/groups", "groups", page_size=2)}


def members(api: httpx.Client, group_id: str) -> dict[str, dict[str, Any]]:
    rows = all_pages(api, f"/v2/groups/{group_id}/members", "members", page_size=3)
    return {m["email"]: m for m in rows}


def user(api: httpx.Client, key: str) -> dict[str, Any]:
    resp = api.get(f"/v2/users/{key}")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def code(resp: httpx.Response) -> tuple[int, int]:
    return resp.status_code, resp.json()["code"]


def test_groups_list_with_their_member_counts(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    assert list(groups) == ["Okta-Everyone", "Leadership", "Sales", "Support", "Engineering"]
    # Everyone but partner@agency.example is in Okta-Everyone.
    assert groups["Okta-Everyone"]["total_members"] == 31
    assert groups["Sales"]["total_members"] == 10
    first = api.get("/v2/groups", params={"page_size": 2}).json()
    assert first["total_records"] == 5 and len(first["groups"]) == 2 and first["next_page_token"]


def test_members_list_flags_the_primary_group(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    sales = members(api, groups["Sales"]["id"])
    support = members(api, groups["Support"]["id"])
    # kofi.mensah is in both; Sales is his primary group, as the seed says.
    assert sales["kofi.mensah@example.com"]["primary_group"] is True
    assert support["kofi.mensah@example.com"]["primary_group"] is False
    # Everyone else's first group is its primary one.
    assert support["lena.fischer@example.com"]["primary_group"] is False
    okta = members(api, groups["Okta-Everyone"]["id"])
    assert okta["lena.fischer@example.com"]["primary_group"] is True
    assert api.get("/v2/groups/nope/members").json()["code"] == 4130


def test_user_listings_and_reads_carry_group_ids(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    listed = {u["email"]: u for u in all_pages(api, "/v2/users", "users", page_size=300)}
    assert listed["bruno.diaz@example.com"]["group_ids"] == [
        groups["Okta-Everyone"]["id"],
        groups["Support"]["id"],
    ]
    assert (
        user(api, "bruno.diaz@example.com")["group_ids"]
        == listed["bruno.diaz@example.com"]["group_ids"]
    )


def test_create_a_group_and_the_names_zoom_refuses(api: httpx.Client) -> None:
    made = api.post("/v2/groups", json={"name": "EMEA"})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "EMEA" and made.json()["total_members"] == 0
    assert code(api.post("/v2/groups", json={"name": "emea"})) == (409, 4132)
    assert code(api.post("/v2/groups", json={"name": "  "})) == (400, 300)
    assert code(api.post("/v2/groups", json={})) == (400, 300)
    assert code(api.post("/v2/groups", json={"name": 3})) == (400, 300)


def test_at_most_100_groups_a_day(clock: Clock) -> None:
    app = create_app(seed="demo", clock=clock)
    with make_client(app) as api:
        for n in range(100):
            assert api.post("/v2/groups", json={"name": f"Team {n}"}).status_code == 201
        refused = api.post("/v2/groups", json={"name": "Team 100"})
        assert code(refused) == (400, 300)
        assert "100 groups in one account per day" in refused.json()["message"]
        advance(api, 86400)
        assert api.post("/v2/groups", json={"name": "Team 100"}).status_code == 201


def test_at_most_5000_groups_in_an_account(clock: Clock) -> None:
    seed = {"groups": [{"name": f"G{n}"} for n in range(5000)], "users": []}
    app = create_app(seed=seed, clock=clock)
    with make_client(app) as api:
        refused = api.post("/v2/groups", json={"name": "One more"})
        assert code(refused) == (400, 300)
        assert "maximum number of groups" in refused.json()["message"]


def test_add_members_by_id_or_email_at_most_30(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    sales = groups["Sales"]["id"]
    hana = user(api, "hana.sato@example.com")["id"]
    added = api.post(
        f"/v2/groups/{sales}/members",
        json={"members": [{"id": hana}, {"email": "tara.singh@example.com"}]},
    )
    assert added.status_code == 201, added.text
    assert added.json()["ids"].split(",")[0] == hana
    assert {"hana.sato@example.com", "tara.singh@example.com"} <= set(members(api, sales))
    again = api.post(f"/v2/groups/{sales}/members", json={"members": [{"id": hana}]})
    assert again.status_code == 201
    assert user(api, hana)["group_ids"].count(sales) == 1
    thirty_one = [{"email": f"u{n}@example.com"} for n in range(31)]
    too_many = api.post(f"/v2/groups/{sales}/members", json={"members": thirty_one})
    assert code(too_many) == (400, 300)
    assert too_many.json()["errors"][0]["field"] == "members"
    unknown = api.post(f"/v2/groups/{sales}/members", json={"members": [{"email": "x@y.com"}]})
    assert code(unknown) == (400, 1010)
    no_group = api.post("/v2/groups/nope/members", json={"members": [{"id": hana}]})
    assert code(no_group) == (404, 4130)


def test_move_keeps_the_user_in_a_group_and_its_primary_with_it(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    sales, support = groups["Sales"]["id"], groups["Support"]["id"]
    kofi = user(api, "kofi.mensah@example.com")["id"]
    moved = api.patch(
        f"/v2/groups/{sales}/members/{kofi}", json={"action": "move", "target_group_id": support}
    )
    assert moved.status_code == 204, moved.text
    assert sales not in user(api, kofi)["group_ids"]
    assert members(api, support)["kofi.mensah@example.com"]["primary_group"] is True
    not_member = api.patch(
        f"/v2/groups/{sales}/members/{kofi}", json={"action": "move", "target_group_id": support}
    )
    assert code(not_member) == (404, 4131)
    no_target = api.patch(f"/v2/groups/{support}/members/{kofi}", json={"action": "move"})
    assert code(no_target) == (400, 300)
    bad_target = api.patch(
        f"/v2/groups/{support}/members/{kofi}", json={"action": "move", "target_group_id": "x"}
    )
    assert code(bad_target) == (404, 4130)
    bad_action = api.patch(f"/v2/groups/{support}/members/{kofi}", json={"action": "copy"})
    assert code(bad_action) == (400, 300)


def test_set_primary_needs_a_group_the_user_is_in(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    okta, support, sales = (groups[n]["id"] for n in ("Okta-Everyone", "Support", "Sales"))
    lena = "lena.fischer@example.com"
    primary = {"action": "set_primary", "target_group_id": support}
    assert api.patch(f"/v2/groups/{support}/members/{lena}", json=primary).status_code == 204
    assert members(api, support)[lena]["primary_group"] is True
    assert members(api, okta)[lena]["primary_group"] is False
    wrong = {"action": "set_primary", "target_group_id": sales}
    assert code(api.patch(f"/v2/groups/{sales}/members/{lena}", json=wrong)) == (404, 4131)


def test_remove_a_member_and_the_primary_group_goes_to_the_next(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    sales, okta = groups["Sales"]["id"], groups["Okta-Everyone"]["id"]
    kofi = "kofi.mensah@example.com"
    assert api.delete(f"/v2/groups/{sales}/members/{kofi}").status_code == 204
    assert members(api, okta)[kofi]["primary_group"] is True
    assert code(api.delete(f"/v2/groups/{sales}/members/{kofi}")) == (404, 4131)
    assert code(api.delete(f"/v2/groups/nope/members/{kofi}")) == (404, 4130)


def test_a_deleted_user_leaves_its_groups(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    before = groups["Sales"]["total_members"]
    resp = api.delete("/v2/users/former.employee@example.com", params={"action": "delete"})
    assert resp.status_code == 204
    assert groups_by_name(api)["Sales"]["total_members"] == before - 1
    assert "former.employee@example.com" not in members(api, groups["Sales"]["id"])


def test_a_pending_users_group_id_is_applied(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    sales, support = groups["Sales"]["id"], groups["Support"]["id"]
    invite = {"action": "create", "user_info": {"email": "new.hire@example.com", "type": 1}}
    assert api.post("/v2/users", json=invite).status_code == 201
    patched = api.patch("/v2/users/new.hire@example.com", json={"group_id": sales})
    assert patched.status_code == 204
    pending = api.get("/v2/users", params={"status": "pending"}).json()["users"]
    assert [u["group_ids"] for u in pending if u["email"] == "new.hire@example.com"] == [[sales]]
    # An invitee is in one group: another group_id replaces it.
    assert api.patch("/v2/users/new.hire@example.com", json={"group_id": support}).status_code
    assert user(api, "new.hire@example.com")["group_ids"] == [support]
    unknown = api.patch("/v2/users/new.hire@example.com", json={"group_id": "nope"})
    assert code(unknown) == (404, 4130)
    # Not listed as a member, and not addable, until it accepts.
    assert "new.hire@example.com" not in members(api, support)
    add = api.post(
        f"/v2/groups/{sales}/members", json={"members": [{"email": "new.hire@example.com"}]}
    )
    assert code(add) == (400, 1010)
    assert api.post("/_sandbox/users/new.hire@example.com/activate").status_code == 200
    assert members(api, support)["new.hire@example.com"]["primary_group"] is True


def test_an_active_users_group_id_is_ignored(api: httpx.Client) -> None:
    groups = groups_by_name(api)
    before = user(api, "lena.fischer@example.com")["group_ids"]
    resp = api.patch("/v2/users/lena.fischer@example.com", json={"group_id": groups["Sales"]["id"]})
    assert resp.status_code == 204
    assert user(api, "lena.fischer@example.com")["group_ids"] == before


@pytest.mark.parametrize("path", ["/_sandbox/save"])
def test_groups_survive_a_save_and_a_load(tmp_path: Any, clock: Clock, path: str) -> None:
    data = tmp_path / "sb.json"
    app: SandboxApp = create_app(data=data, seed="demo", clock=clock, save_interval=0)
    with make_client(app) as api:
        sales = groups_by_name(api)["Sales"]["id"]
        api.delete(f"/v2/groups/{sales}/members/kofi.mensah@example.com")
        assert api.post(path).status_code == 200
        before = {n: g["total_members"] for n, g in groups_by_name(api).items()}
    again = create_app(data=data, clock=clock, save_interval=0)
    with make_client(again) as api:
        assert {n: g["total_members"] for n, g in groups_by_name(api).items()} == before
        assert api.get("/_sandbox/state").json()["problems"] == []
