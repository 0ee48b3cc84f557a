"""`DELETE /users/{userId}` with `transfer_email` and the `transfer_*` flags: what the
deletion hands over is recorded on the receiving user (and shown by `/_sandbox/state`),
and a target that does not exist or holds no licence is refused, deleting nothing."""

from __future__ import annotations

from pathlib import Path

import httpx

from zoomstate.sandbox.app import SandboxApp
from zoomstate.sandbox.persistence import load, save

FLAGS = {"transfer_meeting": "true", "transfer_webinar": "true", "transfer_recording": "true"}


def delete(api: httpx.Client, email: str, **query: str) -> httpx.Response:
    return api.delete(f"/v2/users/{email}", params={"action": "delete", **query})


def still_there(api: httpx.Client, email: str) -> bool:
    return api.get(f"/v2/users/{email}").status_code == 200


def test_a_transfer_is_recorded_on_the_receiver(api: httpx.Client, app: SandboxApp) -> None:
    resp = delete(
        api,
        "bruno.diaz@example.com",
        transfer_email="chen.wei@example.com",
        transfer_whiteboard="false",
        transfer_docs="TRUE",
        **FLAGS,
    )
    assert resp.status_code == 204, resp.text
    assert not still_there(api, "bruno.diaz@example.com")
    [record] = api.get("/_sandbox/state").json()["transfers"]
    assert record["to"] == "chen.wei@example.com"
    assert record["from"] == "bruno.diaz@example.com" and record["action"] == "delete"
    assert record["items"] == ["meeting", "webinar", "recording", "docs"]
    receiver = app.runtime.account.user_by_email("chen.wei@example.com")
    assert receiver is not None and receiver.received[0]["from_id"] == record["from_id"]


def test_transfers_survive_the_sandbox_file(
    api: httpx.Client, app: SandboxApp, tmp_path: Path
) -> None:
    assert (
        delete(
            api, "bruno.diaz@example.com", transfer_email="chen.wei@example.com", **FLAGS
        ).status_code
        == 204
    )
    save(app.runtime.account, tmp_path / "account.json")
    loaded, _ = load(tmp_path / "account.json")
    receiver = loaded.user_by_email("chen.wei@example.com")
    assert receiver is not None
    assert [r["from"] for r in receiver.received] == ["bruno.diaz@example.com"]


def test_a_target_that_does_not_exist_is_refused(api: httpx.Client) -> None:
    for target in ("nobody@example.com", "pending.hire@example.com"):
        if target.startswith("pending"):
            created = api.post(
                "/v2/users", json={"action": "create", "user_info": {"email": target, "type": 2}}
            )
            assert created.status_code == 201
        resp = delete(api, "bruno.diaz@example.com", transfer_email=target, **FLAGS)
        assert resp.status_code == 400
        assert resp.json() == {
            "code": 300,
            "message": f"The destination user does not exist: {target}.",
        }
    assert still_there(api, "bruno.diaz@example.com")
    assert api.get("/_sandbox/state").json()["transfers"] == []


def test_a_target_without_a_licence_is_refused(api: httpx.Client) -> None:
    # tara.singh is basic, zoe.clark inactive: neither holds a licence.
    for target in ("tara.singh@example.com", "zoe.clark@example.com"):
        resp = delete(api, "bruno.diaz@example.com", transfer_email=target, **FLAGS)
        assert resp.status_code == 400, target
        assert resp.json()["code"] == 300
        assert 'does not have a "Licensed" or higher license' in resp.json()["message"]
    assert still_there(api, "bruno.diaz@example.com")


def test_with_nothing_to_hand_over_any_user_of_the_account_may_be_named(
    api: httpx.Client,
) -> None:
    # transfer_email alone is for Zoom Events hub assets, which need no Meetings licence.
    resp = delete(api, "bruno.diaz@example.com", transfer_email="tara.singh@example.com")
    assert resp.status_code == 204
    [record] = api.get("/_sandbox/state").json()["transfers"]
    assert record["to"] == "tara.singh@example.com" and record["items"] == []


def test_a_flag_that_is_not_a_boolean_is_refused(api: httpx.Client) -> None:
    resp = delete(
        api, "bruno.diaz@example.com", transfer_email="chen.wei@example.com", transfer_notes="yes"
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == 300
    assert resp.json()["errors"] == [{"field": "transfer_notes", "message": "Invalid field."}]
    assert still_there(api, "bruno.diaz@example.com")
