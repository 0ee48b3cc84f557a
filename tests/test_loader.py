"""The loader's parts: finding state files, naming paths, and locating issues in YAML."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import run_cli
from zoomstate.discovery import EXTERNAL_LINKS_HINT, MAX_FILES, MAX_FOLDERS, find_state_files
from zoomstate.errors import ConfigError, Issue, ValidationFailed
from zoomstate.loader import (
    MAX_ALIASES,
    discover,
    format_path,
    load_state,
    parse_text,
)

ACCOUNT = "account:\n  domains: [example.com]\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _names(root: Path) -> list[str]:
    files, issues = discover(root)
    assert issues == []
    return [name for _, name in files]


def test_discover_finds_yaml_and_yml_in_nested_folders_sorted(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", ACCOUNT)
    _write(tmp_path / "users" / "sales.yml", "users: []\n")
    _write(tmp_path / "users" / "emea" / "uk.yaml", "users: []\n")
    _write(tmp_path / "README.md", "not state\n")
    _write(tmp_path / "users" / "notes.txt", "not state\n")
    root = str(tmp_path)
    assert _names(tmp_path) == [
        f"{root}/account.yaml",
        f"{root}/users/emea/uk.yaml",
        f"{root}/users/sales.yml",
    ]


def test_discover_skips_hidden_files_and_folders(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", ACCOUNT)
    _write(tmp_path / ".git" / "config.yaml", "broken: [\n")
    _write(tmp_path / ".zoomstate" / "cache.yaml", "broken: [\n")
    _write(tmp_path / "users" / ".draft.yaml", "broken: [\n")
    assert _names(tmp_path) == [f"{tmp_path}/account.yaml"]


def test_discover_follows_symlinked_folders(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _write(state / "shared" / "team.yaml", "users: []\n")
    _write(state / "account.yaml", ACCOUNT)
    (state / "teams").symlink_to(state / "shared", target_is_directory=True)
    # One file, reached through the link or not: read once, under the first name found.
    assert _names(state) == [f"{state}/account.yaml", f"{state}/shared/team.yaml"]


def test_discover_follows_links_out_of_the_state_only_when_allowed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    _write(shared / "team.yaml", "users: []\n")
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    (state / "teams").symlink_to(shared, target_is_directory=True)
    files, issues = discover(state, follow_external_links=True)
    assert issues == []
    assert [n for _, n in files] == [f"{state}/account.yaml", f"{state}/teams/team.yaml"]
    files, issues = discover(state)
    assert [n for _, n in files] == [f"{state}/account.yaml"]
    assert [str(i) for i in issues] == [
        f"{state}/teams: links outside the state directory (to {shared}): " + EXTERNAL_LINKS_HINT
    ]


def test_discover_loads_a_file_reached_by_two_links_once(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    _write(state / "users" / "sales.yaml", "users: [{email: a@example.com}]\n")
    (state / "also-users").symlink_to(state / "users", target_is_directory=True)
    (state / "sales-link.yaml").symlink_to(state / "users" / "sales.yaml")
    names = _names(state)
    assert len(names) == 2
    # Loaded once, so the user is not a duplicate of itself.
    assert [u.email for u in load_state(state).users] == ["a@example.com"]


def test_discover_reports_symlink_loops_instead_of_recursing(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", ACCOUNT)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    files, issues = discover(tmp_path)
    assert [n for _, n in files] == [f"{tmp_path}/account.yaml"]
    assert [(i.file, i.message) for i in issues] == [
        (f"{tmp_path}/sub/up", "symlink loop: this folder links back to a parent")
    ]


def test_discover_a_single_file_and_a_missing_directory(tmp_path: Path) -> None:
    one = _write(tmp_path / "state.yaml", ACCOUNT)
    assert discover(one) == ([(one, str(one))], [])
    with pytest.raises(ConfigError, match="no such state directory"):
        discover(tmp_path / "missing")


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ((), ""),
        (("account",), "account"),
        (("users", 3, "phone", "numbers", 0), "users[3].phone.numbers[0]"),
        (("profiles", "sales", "phone", "site"), "profiles.sales.phone.site"),
        (("users", 0, "contact_center"), "users[0].contact_center"),
    ],
)
def test_format_path(path: tuple[str | int, ...], shown: str) -> None:
    assert format_path(path) == shown


def _issues(tmp_path: Path, users: str) -> list[Issue]:
    _write(tmp_path / "account.yaml", ACCOUNT)
    _write(tmp_path / "users.yaml", users)
    with pytest.raises(ValidationFailed) as caught:
        load_state(tmp_path)
    return caught.value.issues


def test_locator_points_at_the_key_for_unknown_keys_and_the_value_otherwise(
    tmp_path: Path,
) -> None:
    issues = _issues(
        tmp_path,
        "users:\n  - email: a@example.com\n    frist_name: A\n    type:   pro\n",
    )
    assert [(i.line, i.col, i.path) for i in issues] == [
        (3, 5, "users[0].frist_name"),  # the key
        (4, 13, "users[0].type"),  # the value, after the extra spaces
    ]


def test_locator_falls_back_to_the_nearest_existing_node(tmp_path: Path) -> None:
    # The missing role has no node: the issue points at the block that lacks it.
    issues = _issues(
        tmp_path,
        "users:\n  - email: a@example.com\n    contact_center:\n      package: elite\n",
    )
    assert [(i.line, i.col, i.path) for i in issues] == [(4, 7, "users[0].contact_center.role")]


def test_locator_counts_crlf_lines_and_ignores_a_byte_order_mark(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", ACCOUNT)
    (tmp_path / "users.yaml").write_bytes(
        b"\xef\xbb\xbfusers:\r\n  - email: a@example.com\r\n    type: pro\r\n"
    )
    with pytest.raises(ValidationFailed) as caught:
        load_state(tmp_path)
    assert [(i.line, i.col) for i in caught.value.issues] == [(3, 11)]


def test_issues_are_collected_from_every_file_and_sorted(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", "account:\n  domains: [example.com]\n  colour: red\n")
    _write(tmp_path / "b.yaml", "users:\n  - {email: b@example.com, type: pro}\n")
    _write(tmp_path / "a.yaml", "users:\n  - {email: a@example.com, status: gone}\n")
    with pytest.raises(ValidationFailed) as caught:
        load_state(tmp_path)
    files = [Path(i.file).name for i in caught.value.issues]
    assert files == ["a.yaml", "account.yaml", "b.yaml"]
    assert str(caught.value) == "3 issues found in the state"


def test_scalars_that_look_like_dates_stay_text() -> None:
    parsed = parse_text("x.yaml", "users:\n  - {email: a@example.com, job_title: 2024-01-01}\n")
    assert parsed.issues == []
    assert parsed.data["users"][0]["job_title"] == "2024-01-01"


def test_aliases_below_the_caps_are_expanded() -> None:
    # Anchors are legitimate YAML: a shared phone block used by a team stays allowed.
    users = "".join(f"  - {{email: u{i}@example.com, phone: *p}}\n" for i in range(MAX_ALIASES))
    parsed = parse_text("x.yaml", "phone: &p {calling_plans: [US/CA Unlimited]}\nusers:\n" + users)
    assert parsed.issues == []
    assert len(parsed.data["users"]) == MAX_ALIASES
    assert parsed.data["users"][-1]["phone"] == {"calling_plans": ["US/CA Unlimited"]}


def test_a_valid_state_loads_users_sorted_with_origins(tmp_path: Path) -> None:
    _write(tmp_path / "account.yaml", ACCOUNT)
    _write(
        tmp_path / "users.yaml",
        "users:\n  - email: Zed@example.com\n  - email: amy@example.com\n",
    )
    state = load_state(tmp_path)
    assert [u.key for u in state.users] == ["amy@example.com", "zed@example.com"]
    origin = state.origins["zed@example.com"]
    assert (Path(origin.file).name, origin.line, origin.col, origin.path) == (
        "users.yaml",
        2,
        5,
        "users[0]",
    )


def test_plan_issues_are_moved_to_the_field_when_it_is_written_there(tmp_path: Path) -> None:
    from zoomstate.loader import parse_path, pinpoint

    assert parse_path("users[3].phone.numbers[0]") == ("users", 3, "phone", "numbers", 0)
    people = tmp_path / "people.yaml"
    people.write_text(
        "users:\n  - email: a@example.com\n    profile: sales\n    phone:\n      site: Paris\n",
        encoding="utf-8",
    )
    name = str(people)
    written = Issue(name, 2, 5, "users[0].phone.site", "unknown site 'Paris'")
    # From the profile, not written in the entry: stays at the user.
    inherited = Issue(name, 2, 5, "users[0].phone.template", "unknown setting template")
    elsewhere = Issue(str(tmp_path / "gone.yaml"), 2, 5, "users[0].role", "unknown role")
    assert pinpoint([written, inherited, elsewhere]) == sorted(
        [Issue(name, 5, 13, "users[0].phone.site", "unknown site 'Paris'"), inherited, elsewhere]
    )


# -- bounded discovery (issue 12): each real folder once, no links out, capped


def _diamond(state: Path, levels: int) -> None:
    """`levels` folders, each holding two links to the next; a file at the bottom."""
    for level in range(levels):
        here = state / f"d{level:02d}"
        here.mkdir(parents=True)
        for name in ("a", "b"):
            (here / name).symlink_to(f"../d{level + 1:02d}", target_is_directory=True)
    _write(state / f"d{levels:02d}" / "users.yaml", "users: [{email: a@example.com}]\n")


def test_a_diamond_of_links_is_walked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 16 levels took 23-39 s, doubling per level: every path through the links was walked.
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    _diamond(state, 16)
    listed: list[str] = []
    scandir = os.scandir

    def counting(path: Any) -> Any:
        listed.append(str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    found = find_state_files(state)
    monkeypatch.undo()
    # The state folder and its 17 real folders, each listed once.
    assert found.folders == len(listed) == 18
    assert found.issues == []
    assert [n for _, n in found.files] == [
        f"{state}/account.yaml",
        f"{state}/d00/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/users.yaml",
    ]
    assert [u.email for u in load_state(state).users] == ["a@example.com"]


def test_a_link_to_an_ancestor_ends_the_walk_as_a_loop(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    _write(state / "a" / "b" / "c" / "team.yaml", "users: []\n")
    (state / "a" / "b" / "c" / "up").symlink_to("../..", target_is_directory=True)
    # Out of the state (allowed): the walk goes up, finds the state again, and stops.
    (state / "a" / "b" / "c" / "out").symlink_to(tmp_path, target_is_directory=True)
    found = find_state_files(state, follow_external_links=True)
    assert [n for _, n in found.files] == [f"{state}/a/b/c/team.yaml", f"{state}/account.yaml"]
    assert [(i.file, i.message) for i in found.issues] == [
        (f"{state}/a/b/c/out/state", "symlink loop: this folder links back to a parent"),
        (f"{state}/a/b/c/up", "symlink loop: this folder links back to a parent"),
    ]
    assert found.folders == 5  # state, a, b, c and tmp_path


@pytest.mark.parametrize("target", ["/", "/usr"])
def test_a_link_to_a_system_folder_is_one_line(target: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    _write(state / "users" / "sales.yaml", "users: [{email: a@example.com}]\n")
    (state / "users" / "system").symlink_to(target, target_is_directory=True)
    found = find_state_files(state)
    assert found.folders == 2  # never entered
    real = os.path.realpath(target)
    assert [str(i) for i in found.issues] == [
        f"{state}/users/system: links outside the state directory (to {real}): "
        + EXTERNAL_LINKS_HINT
    ]
    result = run_cli(["validate", str(state)])
    assert result.code == 1
    assert result.stderr.splitlines() == [str(found.issues[0])]


def test_a_link_out_is_refused_unread_and_allowed_by_option_or_env(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    secret = "do-not-show-this-line"
    _write(outside / "notes.yaml", f"{secret}: [\n")  # not even valid YAML
    _write(outside / "team.yaml", "users: [{email: b@example.com}]\n")
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    (state / "team.yaml").symlink_to(outside / "team.yaml")
    (state / "more").symlink_to(outside, target_is_directory=True)
    refused = run_cli(["validate", str(state)])
    assert refused.code == 1
    assert secret not in refused.stderr
    assert refused.stderr.splitlines() == [
        f"{state}/more: links outside the state directory (to {outside}): " + EXTERNAL_LINKS_HINT,
        f"{state}/team.yaml: links outside the state directory (to {outside}/team.yaml): "
        + EXTERNAL_LINKS_HINT,
    ]
    (outside / "notes.yaml").unlink()
    for args, env in (
        (["validate", str(state), "--follow-external-links"], None),
        (["validate", str(state)], {"ZOOMSTATE_FOLLOW_EXTERNAL_LINKS": "1"}),
    ):
        result = run_cli(args, env=env)
        assert result.code == 0, result.stderr
        assert "valid (1 users" in result.stderr
    emails = [u.email for u in load_state(state, follow_external_links=True).users]
    assert emails == ["b@example.com"]


def test_a_device_behind_an_allowed_link_is_still_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _write(state / "account.yaml", ACCOUNT)
    (state / "zero.yaml").symlink_to("/dev/zero")
    with pytest.raises(ValidationFailed) as caught:
        load_state(state, follow_external_links=True)
    assert [i.message for i in caught.value.issues] == [
        "not a regular file (a device, pipe or socket): a state file is a plain YAML file"
    ]


def test_discovery_stops_at_the_folder_and_file_caps(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for i in range(6):
        _write(state / f"team{i}" / "users.yaml", "users: []\n")
    found = find_state_files(state, max_folders=5)
    assert found.files == [] and found.folders == 5
    assert [str(i) for i in found.issues] == [
        f"{state}: more than 5 folders: not read (a state is far smaller; does a link lead "
        "somewhere large?)"
    ]
    found = find_state_files(state, max_files=5)
    assert found.files == []
    assert [i.message for i in found.issues] == [
        "more than 5 state files: not read (a state is far smaller; does a link lead "
        "somewhere large?)"
    ]
    assert len(find_state_files(state, max_folders=7, max_files=6).files) == 6
    # The caps a state gets (docs/state-format.md, "Finding the files").
    assert (MAX_FOLDERS, MAX_FILES) == (10_000, 100_000)
