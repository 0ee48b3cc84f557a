"""A plan-time problem whose value comes from a profile is reported once, at the profile's
line, naming the users it affects; and one run reports every plan-time problem, not one
kind at a time (issue 14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.plan_builders import live_state, live_user, problems, state
from zoomstate.cli import main
from zoomstate.model import PhoneSpec, UserSpec

REPO = Path(__file__).resolve().parents[1]


def _plan_with(tmp_path: Path, file: str, old: str, new: str) -> tuple[int, str, str]:
    state_dir = tmp_path / "state"
    shutil.copytree(REPO / "state", state_dir)
    path = state_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code = main(["--sandbox", str(tmp_path / "sb.json"), "plan", str(state_dir)])
    return code, text, old


def test_a_profiles_unknown_calling_plan_is_reported_once_at_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = "calling_plans: [GB/IE Unlimited]"
    code, text, _ = _plan_with(tmp_path, "profiles.yaml", old, "calling_plans: [GB/IE Unlimted]")
    err = capsys.readouterr().err
    assert code == 1
    line = next(i for i, t in enumerate(text.splitlines(), 1) if old in t)
    hits = [t for t in err.splitlines() if "unknown calling plan 'GB/IE Unlimted'" in t]
    assert len(hits) == 1, err
    (hit,) = hits
    assert f"profiles.yaml:{line}:" in hit
    assert "profile 'support-uk', for " in hit
    assert "kofi.mensah@example.com" in hit and "lena.fischer@example.com" in hit
    assert "support.yaml" not in err


def test_a_value_the_user_writes_itself_stays_at_the_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Kofi names his own extension: a problem with it is his, not the profile's.
    old = "      extension: 202001\n"
    code, text, _ = _plan_with(tmp_path, "users/support.yaml", old, "      extension: 101999\n")
    err = capsys.readouterr().err
    assert code == 1
    line = text.splitlines().index(old.rstrip("\n")) + 1
    assert f"support.yaml:{line}:" in err and "does not start with the code 20" in err
    assert "profile 'support-uk'" not in err


def test_every_problem_of_a_user_is_reported_in_one_run() -> None:
    phone = PhoneSpec(site="Paris", extension=1112, calling_plans=("Nope",), template="Missing")
    desired = state(UserSpec(email="ann@example.com", type="licensed", phone=phone))
    found = problems(desired, live_state(live_user("ann", None)))
    assert any(p.startswith("unknown site 'Paris'") for p in found)
    assert any(p.startswith("unknown calling plan 'Nope'") for p in found)
    assert "unknown setting template 'Missing'" in found
