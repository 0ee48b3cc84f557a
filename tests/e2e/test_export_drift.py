"""Adopting an account (export) and keeping it honest (drift), against the sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import Served
from zoomstate.sandbox.embedded import open_embedded
from zoomstate.sandbox.persistence import save as save_account
from zoomstate.sandbox.seeding import generate_account

FORMATS = ("text", "json", "markdown")


def adopt(run: Any) -> None:
    """Export the account as the state, in scope example.com, and check it is in sync."""
    shutil.rmtree("state")
    result = run("export", "--out", "state", "--domain", "example.com")
    assert result.code == 0, result.err
    assert run("validate", "state").code == 0
    assert run("drift", "state").code == 0


def test_export_then_plan_is_empty_on_the_demo_account(served: Served, run: Any) -> None:
    shutil.rmtree("state")
    result = run("export", "--out", "state", "--domain", "example.com")
    assert result.code == 0, result.err
    written = result.out.split()
    assert "state/account.yaml" in written
    assert run("validate", "state").code == 0
    plan = run("plan", "state", "--detailed-exitcode", "--format", "json")
    assert plan.code == 0, plan.out
    assert json.loads(plan.out)["operations"] == []
    # The partner outside the domain is not exported.
    assert "partner@agency.example" not in "".join(
        p.read_text() for p in Path("state").rglob("*.yaml")
    )


def test_export_is_deterministic_and_refuses_to_overwrite(served: Served, run: Any) -> None:
    first = run("export", "--split", "none")
    second = run("export", "--split", "none")
    assert first.code == 0 and first.out == second.out
    assert first.out.startswith("# Exported from Zoom by zoomstate")
    refused = run("export", "--out", "state")
    assert refused.code == 1
    assert "already holds state files" in refused.err


def test_export_round_trip_on_a_generated_account(tmp_path: Path, run: Any) -> None:
    data = tmp_path / "big.json"
    save_account(generate_account(5000, seed=7), data)
    out = tmp_path / "adopted"
    result = run("--sandbox", str(data), "export", "--out", str(out), "--split", "site")
    assert result.code == 0, result.err
    assert run("validate", str(out)).code == 0
    plan = run("--sandbox", str(data), "plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.out[:2000]


@pytest.mark.parametrize("fmt", FORMATS)
def test_drift_in_sync_is_exit_0(served: Served, run: Any, fmt: str) -> None:
    adopt(run)
    result = run("drift", "state", "--format", fmt)
    assert result.code == 0
    if fmt == "json":
        report = json.loads(result.out)
        assert report["in_sync"] is True
        # Seat use per licence kind, Zoom Phone counted from the phone users read.
        phone = served.zoom("GET", "/phone/users", params={"page_size": 100})
        seats = {s["licence"]: s for s in report["seats"]}
        assert seats["zoom phone"]["used"] == phone["total_records"] > 0
        assert seats["licensed"]["used"] > 0
        assert seats["zoom phone"]["total"] is None  # export writes `phone: null`


def test_drift_shows_the_zoom_phone_licences_the_state_says_are_owned(
    served: Served, run: Any
) -> None:
    """Zoom's API does not say how many Zoom Phone licences the account owns: drift's
    seat report takes the total from account.seats.phone when the state writes it."""
    adopt(run)
    account = Path("state/account.yaml")
    doc = yaml.safe_load(account.read_text(encoding="utf-8"))
    doc["account"]["seats"]["phone"] = 40
    account.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = run("drift", "state", "--format", "json")
    assert result.code == 0, result.err
    seats = {s["licence"]: s for s in json.loads(result.out)["seats"]}
    phone = served.zoom("GET", "/phone/users", params={"page_size": 100})
    assert seats["zoom phone"] == {
        "licence": "zoom phone",
        "used": phone["total_records"],
        "total": 40,
    }


def _drift(run: Any, fmt: str) -> tuple[int, str]:
    result = run("drift", "state", "--format", fmt)
    return result.code, result.out


CHANGES = {
    "extension": ("bruno.diaz@example.com", "phone.extension"),
    "number": ("alice.ng@example.com", "phone.numbers"),
    "deactivated": ("chen.wei@example.com", "status"),
    "new_user": ("outsider.hire@example.com", None),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changes_made_outside_git_show_in_every_format(
    served: Served, run: Any, change: str
) -> None:
    adopt(run)
    user, field = CHANGES[change]
    if change == "extension":
        served.zoom("PATCH", f"/phone/users/{user}", json={"extension_number": "101199"})
    elif change == "number":
        served.zoom("DELETE", f"/phone/users/{user}/phone_numbers/+14155550111")
    elif change == "deactivated":
        served.zoom("PUT", f"/users/{user}/status", json={"action": "deactivate"})
    else:
        served.zoom(
            "POST",
            "/users",
            json={
                "action": "autoCreate",
                "user_info": {"email": user, "type": 1, "password": "Passw0rd!x"},
            },
        )
    for fmt in FORMATS:
        code, out = _drift(run, fmt)
        assert code == 2, (fmt, out)
        assert user in out, (fmt, out)
        if field:
            assert field in out, (fmt, out)
    report = json.loads(_drift(run, "json")[1])
    group = "unmanaged" if change == "new_user" else "changed"
    assert [i["user"] for i in report[group]] == [user]


def test_expired_invitation_turns_from_waiting_to_missing(served: Served, run: Any) -> None:
    served.zoom(
        "POST",
        "/users",
        json={"action": "create", "user_info": {"email": "new.hire@example.com", "type": 1}},
    )
    adopt(run)  # the pending user is now in the state
    waiting = json.loads(run("drift", "state", "--format", "json").out)
    assert [i["user"] for i in waiting["waiting"]] == ["new.hire@example.com"]
    assert "expires" in waiting["waiting"][0]["detail"]
    served.admin.post("/_sandbox/clock/advance", json={"seconds": 31 * 86400})
    for fmt in FORMATS:
        code, out = _drift(run, fmt)
        assert code == 2 and "new.hire@example.com" in out, (fmt, out)
    report = json.loads(_drift(run, "json")[1])
    assert [i["user"] for i in report["missing"]] == ["new.hire@example.com"]


def test_embedded_sandbox_file_is_kept_between_commands(tmp_path: Path, run: Any) -> None:
    data = tmp_path / "sb.json"
    with open_embedded(data):
        pass
    assert data.exists()
    assert run("--sandbox", str(data), "export", "--split", "none").code == 0


def test_the_first_change_after_export_does_not_warn_about_seats(served: Served, run: Any) -> None:
    """export writes account.seats (null: Zoom does not say how many licences the account
    owns) and account.rate_limits, so the first hire planned after adopting is not met
    with "account.seats.licensed is not set"."""
    shutil.rmtree("state")
    assert run("export", "--out", "state", "--tier", "business").code == 0
    account = Path("state/account.yaml").read_text(encoding="utf-8")
    assert "  rate_limits: business\n" in account
    assert (
        "  seats:\n    licensed: null\n    phone: null\n    contact_center:\n      premium: null\n"
        in account
    )
    assert "in use)" in account  # the seats in use, in the comment above
    Path("state/users/new-hires.yaml").write_text(
        "users:\n"
        "  - {email: new.hire@example.com, first_name: Nadia, last_name: Hire, type: licensed,\n"
        "     contact_center: {package: premium, role: Agent}}\n",
        encoding="utf-8",
    )
    plan = run("plan", "state", "--format", "json")
    assert plan.code == 0, plan.err
    body = json.loads(plan.out)
    assert [op["kind"] for op in body["operations"]] == ["create_user"]
    assert body["warnings"] == [], body["warnings"]


def test_a_seat_count_left_out_still_warns(served: Served, run: Any) -> None:
    """Only a count written as null is left unchecked on purpose: a state that never says
    anything about seats is told that free licences are not checked."""
    account = Path("state/account.yaml")
    doc = yaml.safe_load(account.read_text(encoding="utf-8"))
    del doc["account"]["seats"]
    account.write_text(yaml.safe_dump(doc), encoding="utf-8")
    Path("state/users/new-hires.yaml").write_text(
        "users:\n  - {email: new.hire@example.com, first_name: N, last_name: H, type: licensed}\n",
        encoding="utf-8",
    )
    plan = run("plan", "state", "--format", "json")
    assert plan.code == 0, plan.err
    assert (
        "account.seats.licensed is not set: free licences are not checked"
        in json.loads(plan.out)["warnings"]
    )
