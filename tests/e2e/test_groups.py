"""User groups through the CLI against the sandbox over loopback HTTP (issue 16): what only
a run shows. Each scenario of tests/scenarios/group_cases.py is also applied until its plan
is empty by test_apply_scenarios.py; here, the calls each change takes, what another admin
sees, drift, export, a saved plan overtaken by a change of group, and import-csv."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.test_apply_scenarios import cli, serve  # noqa: F401 (fixtures)
from tests.scenarios.cases import BY_NAME, materialise
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS

APPLY = ("--auto-approve", "--allow-data-loss")


def zoom(admin: httpx.Client, method: str, path: str, **kw: Any) -> Any:
    """Zoom's API as another admin would call it, with a token of its own."""
    token = admin.post(
        "/oauth/token",
        params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        auth=(DEFAULT_CREDENTIALS.client_id, DEFAULT_CREDENTIALS.client_secret),
    ).json()["access_token"]
    resp = admin.request(method, f"/v2{path}", headers={"Authorization": f"Bearer {token}"}, **kw)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.content else None


def groups(admin: httpx.Client) -> dict[str, dict[str, Any]]:
    return {
        g["name"]: g for g in zoom(admin, "GET", "/groups", params={"page_size": 300})["groups"]
    }


def members(admin: httpx.Client, name: str) -> dict[str, bool]:
    """E-mail -> whether the group is that member's primary one."""
    gid = groups(admin)[name]["id"]
    rows = zoom(admin, "GET", f"/groups/{gid}/members", params={"page_size": 2000})["members"]
    return {m["email"]: m["primary_group"] for m in rows}


def recent(admin: httpx.Client) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = admin.get("/_sandbox/requests").json()["recent"]
    return rows


def writes(admin: httpx.Client) -> Counter[str]:
    return Counter(
        r["endpoint"]
        for r in recent(admin)
        if r["method"] in ("POST", "PATCH", "PUT", "DELETE")
        and "/oauth/" not in r["path"]
        and "/_sandbox" not in r["path"]
    )


def start(name: str, tmp_path: Path, serve: Any) -> tuple[httpx.Client, Path]:  # noqa: F811
    sandbox_file, state = materialise(BY_NAME[name], tmp_path)
    return serve(sandbox_file), state


def apply_and_converge(cli: Any, state: Path) -> None:  # noqa: F811
    code, out, err = cli("apply", str(state), *APPLY)
    assert code == 0, err + out
    code, out, err = cli("plan", str(state), "--detailed-exitcode")
    assert code == 0, out


def test_forty_new_users_join_two_groups_in_three_calls(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_onboarding_40_users_into_two_groups", tmp_path, serve)
    code, out, _ = cli("plan", str(state), "--format", "markdown")
    assert code == 0
    assert "- Sales: + 40 members" in out and "- Support: + 15 members" in out
    apply_and_converge(cli, state)
    ids = {g["id"]: name for name, g in groups(admin).items()}
    calls = Counter(
        ids[r["path"].split("/")[2]]
        for r in recent(admin)
        if r["method"] == "POST" and r["endpoint"] == "POST /groups/{groupId}/members"
    )
    assert calls == {"Sales": 2, "Support": 1}
    assert groups(admin)["Sales"]["total_members"] == 40
    assert groups(admin)["Support"]["total_members"] == 15


def test_a_change_of_group_is_one_move_that_another_admin_sees(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_move_between_groups", tmp_path, serve)
    admin.delete("/_sandbox/requests")
    apply_and_converge(cli, state)
    assert writes(admin) == {"PATCH /groups/{groupId}/members/{memberId}": 1}
    assert "alice@example.com" in members(admin, "Support")
    assert "alice@example.com" not in members(admin, "Sales")
    # Someone moves her back in the portal: drift reports it, field by field.
    alice = zoom(admin, "GET", "/users/alice@example.com")["id"]
    support, sales = groups(admin)["Support"]["id"], groups(admin)["Sales"]["id"]
    move = {"action": "move", "target_group_id": sales}
    zoom(admin, "PATCH", f"/groups/{support}/members/{alice}", json=move)
    code, out, _ = cli("drift", str(state), "--format", "json")
    assert code == 2
    (changed,) = json.loads(out)["changed"]
    assert changed["user"] == "alice@example.com"
    assert changed["changes"] == [{"field": "groups", "live": ["Sales"], "state": ["Support"]}]


def test_the_primary_group_is_read_only_for_the_groups_the_state_names(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_primary_group_change", tmp_path, serve)
    admin.delete("/_sandbox/requests")
    code, _, err = cli("plan", str(state), "--detailed-exitcode")
    assert code == 2, err
    member_reads = {
        r["path"] for r in recent(admin) if r["endpoint"] == "GET /groups/{groupId}/members"
    }
    assert member_reads == {f"/groups/{groups(admin)['Support']['id']}/members"}
    apply_and_converge(cli, state)
    assert members(admin, "Support") == {"carol@example.com": True, "dave@example.com": True}
    # A state naming no primary group reads no member list at all.
    (state / "users" / "people.yaml").write_text(
        "users:\n  - {email: carol@example.com, groups: [Sales, Support]}\n"
    )
    admin.delete("/_sandbox/requests")
    assert cli("plan", str(state), "--detailed-exitcode")[0] == 0
    assert not any(r["endpoint"] == "GET /groups/{groupId}/members" for r in recent(admin))


def test_invitees_join_one_group_through_their_user_record(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_pending_users", tmp_path, serve)
    code, out, err = cli("apply", str(state), *APPLY)
    assert code == 0, err + out
    assert writes(admin)["PATCH /users/{userId}"] == 2  # gina and the new ivy
    assert writes(admin)["POST /groups/{groupId}/members"] == 0
    pending = {
        u["email"]: u["group_ids"]
        for u in zoom(admin, "GET", "/users", params={"status": "pending"})["users"]
    }
    ids = {name: g["id"] for name, g in groups(admin).items()}
    assert pending["gina@example.com"] == [ids["Sales"]]
    assert pending["ivy@example.com"] == [ids["Support"]]
    assert pending["hugo@example.com"] == [ids["Support"]]  # its change waits
    # Ivy accepts: her second group joins, her primary group stays the first one.
    assert admin.post("/_sandbox/users/ivy@example.com/activate").status_code == 200
    code, out, err = cli("apply", str(state), *APPLY)
    assert code == 0, err + out
    assert members(admin, "Sales")["ivy@example.com"] is False
    assert members(admin, "Support")["ivy@example.com"] is True


def test_an_identity_providers_groups_and_outside_members_are_left_alone(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_idp_owned_groups_left_alone", tmp_path, serve)
    okta = members(admin, "Okta-All")
    code, out, err = cli("apply", str(state), *APPLY)
    assert code == 0, err + out
    assert "pat@partner.test" in out  # the warning names the outside member
    assert members(admin, "Okta-All") == okta
    assert "pat@partner.test" in members(admin, "Sales")
    gid = groups(admin)["Okta-All"]["id"]
    assert not any(gid in r["path"] for r in recent(admin) if r["method"] != "GET")


def test_export_then_plan_is_empty_with_groups(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    start("groups_idp_owned_groups_left_alone", tmp_path, serve)
    out_dir = tmp_path / "exported"
    code, _, err = cli("export", "--out", str(out_dir), "--domain", "example.com")
    assert code == 0, err
    account = (out_dir / "account.yaml").read_text()
    assert "  groups:\n    managed:\n    - Okta-All\n    - Sales\n    - Support\n" in account
    code, out, _ = cli("plan", str(out_dir), "--detailed-exitcode")
    assert code == 0, out


def test_a_saved_plan_is_refused_when_a_group_it_creates_appears(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    admin, state = start("groups_created_when_missing", tmp_path, serve)
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(state), "--out", str(plan_file))[0] == 0
    zoom(admin, "POST", "/groups", json={"name": "EMEA"})  # someone else, in the portal
    admin.delete("/_sandbox/requests")
    code, _, err = cli("apply", str(state), "--plan", str(plan_file), *APPLY)
    assert code == 1
    assert "the live account changed since this plan was made: EMEA" in err
    assert writes(admin) == {}


def test_import_csv_user_groups_plan_their_memberships(
    tmp_path: Path,
    serve: Any,  # noqa: F811
    cli: Any,  # noqa: F811
) -> None:
    start("groups_move_between_groups", tmp_path, serve)
    csv = tmp_path / "users.csv"
    csv.write_text(
        "Email,First Name,Last Name,User Group\n"
        "alice@example.com,Alice,Test,Support\n"
        "bob@example.com,Bob,Test,\n"
    )
    imported = tmp_path / "imported"
    code, _, err = cli("import-csv", str(csv), "--out", str(imported))
    assert code == 0, err
    assert "- groups\n" in (imported / "account.yaml").read_text()
    code, out, _ = cli("plan", str(imported), "--format", "json")
    assert code == 0
    # The groups the file names are the managed ones: Alice joins Support and keeps Sales,
    # which the file does not name; Bob's empty cell leaves his groups alone.
    (join,) = json.loads(out)["operations"]
    assert join["id"] == "Support/add_group_members/1"
    assert join["params"]["members"] == ["alice@example.com"]
