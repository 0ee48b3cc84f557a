"""Drift respects the state's policy: what `plan` leaves alone (`account.manage`,
`account.on_missing_user`) is listed for information but is not drift, so a scheduled drift
job beside an identity provider does not keep its issue open forever.

Each test runs the CLI against the embedded sandbox (`--sandbox FILE`), changes the account
through Zoom's own API as another admin or an identity provider would, and checks drift
and plan agree."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from zoomstate.model import ALL_ASPECTS
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS
from zoomstate.sandbox.embedded import EMBEDDED_BASE, open_embedded
from zoomstate.sandbox.persistence import save as save_account
from zoomstate.sandbox.seeding import generate_account

FORMATS = ("text", "json", "markdown")
OUTSIDER = "outsider.hire@example.com"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The sandbox enforces no rate limit here; pacing would only make the tests wait.
    monkeypatch.setenv("ZOOMSTATE_PACING", "off")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "sandbox.json"


def zoom(data: Path, method: str, path: str, **kw: Any) -> Any:
    """A call through Zoom's own API on the embedded account, saved to its file."""

    async def call() -> Any:
        with open_embedded(data) as sb:
            async with httpx.AsyncClient(transport=sb.transport, base_url=EMBEDDED_BASE) as c:
                token = (
                    await c.post(
                        "/oauth/token",
                        params={"grant_type": "account_credentials", "account_id": sb.account_id},
                        auth=(DEFAULT_CREDENTIALS.client_id, DEFAULT_CREDENTIALS.client_secret),
                    )
                ).json()["access_token"]
                resp = await c.request(
                    method, f"/v2{path}", headers={"Authorization": f"Bearer {token}"}, **kw
                )
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    return asyncio.run(call())


def add_user(data: Path, email: str, action: str = "autoCreate") -> None:
    info: dict[str, Any] = {"email": email, "type": 1}
    if action == "autoCreate":
        info["password"] = "Passw0rd!x"
    zoom(data, "POST", "/users", json={"action": action, "user_info": info})


def adopt(run: Any, data: Path, **account: Any) -> None:
    """Export the account as the state (in sync), then set the account policy."""
    result = run("--sandbox", str(data), "export", "--out", "state", "--domain", "example.com")
    assert result.code == 0, result.err
    path = Path("state/account.yaml")
    doc = yaml.safe_load(path.read_text())
    doc["account"].update(account)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert run("validate", "state").code == 0
    assert drift(run, data, "text")[0] == 0


def add_state_user(**user: Any) -> None:
    Path("state/users/zz-added.yaml").write_text(yaml.safe_dump({"users": [user]}))


def drift(run: Any, data: Path, fmt: str) -> tuple[int, str]:
    result = run("--sandbox", str(data), "drift", "state", "--format", fmt)
    assert result.code in (0, 2), result.err
    return result.code, result.out


def report(run: Any, data: Path) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(drift(run, data, "json")[1])
    assert out["format_version"] == 1
    return out


def plan_code(run: Any, data: Path) -> int:
    result = run("--sandbox", str(data), "plan", "state", "--detailed-exitcode")
    assert result.code in (0, 2), result.err
    return result.code


def users(rep: dict[str, Any], group: str) -> list[str]:
    return [i["user"] for i in rep[group]]


def assert_not_drift(run: Any, data: Path, user: str, reason: str) -> dict[str, Any]:
    """In sync in every format, `user` listed as left alone for `reason`, plan empty."""
    for fmt in FORMATS:
        code, out = drift(run, data, fmt)
        assert code == 0, (fmt, out)
        assert user in out and "not drift" in out, (fmt, out)
    rep = report(run, data)
    assert rep["in_sync"] is True
    assert rep["changed"] == rep["missing"] == rep["unmanaged"] == []
    assert user in users(rep, "ignored")
    (item,) = [i for i in rep["ignored"] if i["user"] == user]
    assert item["kind"] == "ignored" and reason in item["detail"], item
    assert rep["summary"]["ignored"] == len(rep["ignored"])
    assert plan_code(run, data) == 0
    return rep


def test_on_missing_user_ignore_lists_extra_users_as_not_drift(sandbox: Path, run: Any) -> None:
    adopt(run, sandbox, on_missing_user="ignore")
    add_user(sandbox, OUTSIDER)
    add_user(sandbox, "invited.elsewhere@example.com", action="create")  # pending
    rep = assert_not_drift(run, sandbox, OUTSIDER, "on_missing_user is ignore")
    assert users(rep, "ignored") == ["invited.elsewhere@example.com", OUTSIDER]
    assert rep["waiting"] == []
    text = drift(run, sandbox, "text")[1]
    assert text.startswith("In sync") and "2 left alone" in text


def test_users_not_managed_is_not_drift(sandbox: Path, run: Any) -> None:
    """The identity-provider split of docs/operations.md: users come, go and are
    deactivated outside zoomstate, which manages phone and Contact Center only."""
    adopt(run, sandbox, manage=["phone", "contact_center"], on_missing_user="report")
    add_user(sandbox, OUTSIDER)  # provisioned by SCIM, not in the state
    add_state_user(email="not.yet@example.com", department="Sales")  # not provisioned yet
    zoom(sandbox, "PUT", "/users/bruno.diaz@example.com/status", json={"action": "deactivate"})
    rep = assert_not_drift(run, sandbox, OUTSIDER, "users is not in account.manage")
    assert users(rep, "ignored") == ["bruno.diaz@example.com", "not.yet@example.com", OUTSIDER]
    (missing,) = [i for i in rep["ignored"] if i["user"] == "not.yet@example.com"]
    assert "in the state, not in Zoom" in missing["detail"]
    # Deactivation dropped the phone: shown, but zoomstate plans nothing for an inactive user.
    (gone,) = [i for i in rep["ignored"] if i["user"] == "bruno.diaz@example.com"]
    assert "inactive" in gone["detail"]
    assert [c["field"] for c in gone["changes"]] == ["phone"]


def test_default_policy_extra_user_is_still_drift(sandbox: Path, run: Any) -> None:
    adopt(run, sandbox)  # export writes on_missing_user: report, every aspect managed
    add_user(sandbox, OUTSIDER)
    for fmt in FORMATS:
        code, out = drift(run, sandbox, fmt)
        assert code == 2 and OUTSIDER in out, (fmt, out)
    rep = report(run, sandbox)
    assert rep["in_sync"] is False
    assert users(rep, "unmanaged") == [OUTSIDER]
    assert rep["ignored"] == [] and rep["summary"]["ignored"] == 0


def test_state_user_missing_is_still_drift_when_users_are_managed(sandbox: Path, run: Any) -> None:
    adopt(run, sandbox)
    add_state_user(email="not.yet@example.com", department="Sales")
    assert drift(run, sandbox, "text")[0] == 2
    assert users(report(run, sandbox), "missing") == ["not.yet@example.com"]
    assert plan_code(run, sandbox) == 2


def test_pending_invitation_that_plan_revokes_is_drift(sandbox: Path, run: Any) -> None:
    adopt(run, sandbox, on_missing_user="delete", transfer_to="it-admin@example.com")
    add_user(sandbox, "invited.elsewhere@example.com", action="create")
    assert drift(run, sandbox, "text")[0] == 2
    rep = report(run, sandbox)
    assert users(rep, "unmanaged") == ["invited.elsewhere@example.com"]
    assert "revokes the invitation" in rep["unmanaged"][0]["detail"]
    assert plan_code(run, sandbox) == 2


def test_inactive_extra_user_under_deactivate_is_not_drift(sandbox: Path, run: Any) -> None:
    add_user(sandbox, OUTSIDER)
    zoom(sandbox, "PUT", f"/users/{OUTSIDER}/status", json={"action": "deactivate"})
    result = run("--sandbox", str(sandbox), "export", "--out", "state", "--domain", "example.com")
    assert result.code == 0, result.err
    # Take the outsider out of the state: deactivate wants them inactive, and they are.
    for path in Path("state/users").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        doc["users"] = [u for u in doc["users"] if u["email"] != OUTSIDER]
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    account = Path("state/account.yaml")
    doc = yaml.safe_load(account.read_text())
    doc["account"]["on_missing_user"] = "deactivate"
    account.write_text(yaml.safe_dump(doc, sort_keys=False))
    assert_not_drift(run, sandbox, OUTSIDER, "already inactive")


def test_inactive_state_user_absent_from_zoom_is_not_drift(sandbox: Path, run: Any) -> None:
    adopt(run, sandbox)
    add_state_user(email="left.long.ago@example.com", status="inactive")
    assert_not_drift(run, sandbox, "left.long.ago@example.com", "does not create")


ASPECT_CHANGES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "phone": (
        "bruno.diaz@example.com",
        "/phone/users/bruno.diaz@example.com",
        {"extension_number": "101199"},
        "phone.extension",
    ),
    "profile": (
        "aaron.blake@example.com",
        "/users/aaron.blake@example.com",
        {"dept": "Changed In Portal"},
        "department",
    ),
    "users": ("aaron.blake@example.com", "/users/aaron.blake@example.com", {"type": 1}, "type"),
}


@pytest.mark.parametrize("aspect", sorted(ASPECT_CHANGES))
def test_field_of_an_unmanaged_aspect_is_not_drift(sandbox: Path, run: Any, aspect: str) -> None:
    user, path, body, field = ASPECT_CHANGES[aspect]
    adopt(run, sandbox)
    zoom(sandbox, "PATCH", path, json=body)
    # Managed: the change is drift, in the field named.
    rep = report(run, sandbox)
    assert users(rep, "changed") == [user]
    assert [c["field"] for c in rep["changed"][0]["changes"]] == [field]
    # The same change with the aspect left out of account.manage: neither drift nor shown.
    account = Path("state/account.yaml")
    doc = yaml.safe_load(account.read_text())
    doc["account"]["manage"] = [a for a in ALL_ASPECTS if a != aspect]
    account.write_text(yaml.safe_dump(doc, sort_keys=False))
    for fmt in FORMATS:
        code, out = drift(run, sandbox, fmt)
        assert code == 0 and user not in out, (fmt, out)
    assert report(run, sandbox)["in_sync"] is True
    assert plan_code(run, sandbox) == 0


def test_a_long_ignored_list_is_cut_in_text_and_whole_in_json(tmp_path: Path, run: Any) -> None:
    data = tmp_path / "big.json"
    save_account(generate_account(120, seed=3), data)
    result = run("--sandbox", str(data), "export", "--split", "none", "--domain", "example.com")
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    doc["account"]["on_missing_user"] = "ignore"
    kept = doc["users"][:5]
    doc["users"] = kept
    state = tmp_path / "state"
    state.mkdir()
    (state / "state.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    rep = json.loads(run("--sandbox", str(data), "drift", str(state), "--format", "json").out)
    assert rep["in_sync"] is True
    ignored = len(rep["ignored"])
    assert ignored > 60 and rep["summary"]["ignored"] == ignored
    for fmt, row in (("text", "  {}: "), ("markdown", "| {} |")):
        out = run("--sandbox", str(data), "drift", str(state), "--format", fmt)
        assert out.code == 0
        assert f"and {ignored - 50} more" in out.out, out.out
        assert row.format(rep["ignored"][49]["user"]) in out.out
        assert row.format(rep["ignored"][50]["user"]) not in out.out
