"""The one e-mail rule (zoomstate.emails) as the loader and import-csv apply it (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_runner import run_cli
from zoomstate.emails import email_problem, mixed_script_problem
from zoomstate.importcsv import import_csv


@pytest.mark.parametrize(
    "email",
    [
        "partner%40agency.example#@example.com",
        "ops#team@example.com",
        "a/b@example.com",
        "who?@example.com",
        "back\\slash@example.com",
        "two words@example.com",
        "alice.ng\u200b@example.com",
        "\ufeffalice.ng@example.com",
        "alice.ng\x00@example.com",
        "alice.ng\t@example.com",
        "alice\u00a0ng@example.com",
        "a" * 117 + "@example.com",
    ],
)
def test_an_address_that_is_not_plain_is_refused(email: str) -> None:
    assert email_problem(email) is not None


@pytest.mark.parametrize(
    "email", ["o'brien+x@example.com", "bruno.diaz@example.com", "élodie@exemple.fr"]
)
def test_a_plain_address_passes(email: str) -> None:
    assert email_problem(email) is None
    assert mixed_script_problem(email) is None


@pytest.mark.parametrize(
    "email", ["bruno.di\u0430z@example.com", "bruno@ex\u0430mple.com", "\u03b1lpha@example.com"]
)
def test_letters_of_two_scripts_in_one_part_look_alike(email: str) -> None:
    assert mixed_script_problem(email) is not None


def test_one_script_per_part_is_not_mixed() -> None:
    # A Cyrillic local part on a Latin domain is a real address, not a look-alike.
    assert mixed_script_problem("\u0438\u0432\u0430\u043d@example.com") is None


def _state(tmp_path: Path, account_extra: str) -> Path:
    state = tmp_path / "state"
    state.mkdir(parents=True)
    (state / "account.yaml").write_text(
        f"account:\n  domains: [example.com]\n{account_extra}", encoding="utf-8"
    )
    (state / "users.yaml").write_text(
        'users:\n  - email: "bruno.di\\u0430z@example.com"\n', encoding="utf-8"
    )
    return state


def test_a_look_alike_is_an_error_unless_the_account_allows_it(tmp_path: Path) -> None:
    refused = run_cli(["validate", str(_state(tmp_path / "a", ""))])
    assert refused.code == 1
    assert "users.yaml:2:12: users[0].email: " in refused.stderr
    assert "account.allow_mixed_script_emails" in refused.stderr
    allowed = run_cli(
        ["validate", str(_state(tmp_path / "b", "  allow_mixed_script_emails: true\n"))]
    )
    assert allowed.code == 0, allowed.stderr


def test_import_csv_applies_the_same_rule() -> None:
    text = "Email,First Name\npartner%40agency.example#@example.com,P\nok@example.com,O\n"
    result = import_csv([("u.csv", text.encode())])
    assert [str(p) for p in result.problems] == [
        "u.csv:2: error: row left out: not a plain e-mail address: "
        "'partner%40agency.example#@example.com' holds '%' "
        "(no %, #, /, ?, \\, spaces, control or invisible characters)"
    ]
    assert result.users == 1


def test_the_sandbox_checks_the_same_shape_as_zoomstate() -> None:
    from zoomstate.emails import email_problem, has_email_shape
    from zoomstate.sandbox.validation import is_email

    samples = ["a@b.co", "a b@c.de", "no-at.example", "a@b", "a@b.c.", "x@@y.io", "é@ü.de"]
    for value in samples:
        assert is_email(value) == has_email_shape(value), value
        # Whatever zoomstate accepts, the sandbox (as Zoom) accepts too.
        if email_problem(value) is None:
            assert is_email(value), value
