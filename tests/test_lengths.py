"""Text fields are held to Zoom's length limits at validate (issue 12): a 1,000,000-character
department was accepted and sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run_cli


def _validate(tmp_path: Path, user: str) -> tuple[int, str]:
    state = tmp_path / "state.yaml"
    state.write_text(
        f"account:\n  domains: [example.com]\nusers:\n  - email: a@example.com\n{user}",
        encoding="utf-8",
    )
    result = run_cli(["validate", str(state)])
    return result.code, result.stderr


def test_a_million_character_department_is_refused_without_echoing_it(tmp_path: Path) -> None:
    code, err = _validate(tmp_path, f"    department: {'x' * 1_000_000}\n")
    assert code == 1
    assert err == (
        f"{tmp_path}/state.yaml:5:17: users[0].department: at most 256 characters in Zoom; "
        "this is 1,000,000\n"
    )


@pytest.mark.parametrize(
    ("written", "limit"),
    [
        ("    first_name: {}\n", 64),
        ("    last_name: {}\n", 64),
        ("    job_title: {}\n", 128),
        ("    department: {}\n", 256),
        ("    role: {}\n", 256),
        ("    id: {}\n", 256),
        ("    phone:\n      site: {}\n", 255),
        ("    phone:\n      template: {}\n", 256),
        ("    phone:\n      calling_plans: [{}]\n", 256),
        ("    contact_center:\n      role: {}\n", 256),
    ],
)
def test_each_text_field_stops_at_its_limit(tmp_path: Path, written: str, limit: int) -> None:
    (tmp_path / "at").mkdir()
    (tmp_path / "over").mkdir()
    _, err = _validate(tmp_path / "at", written.format("y" * limit))
    assert "characters in Zoom" not in err
    code, err = _validate(tmp_path / "over", written.format("y" * (limit + 1)))
    assert code == 1
    assert f"at most {limit} characters in Zoom; this is {limit + 1}" in err
