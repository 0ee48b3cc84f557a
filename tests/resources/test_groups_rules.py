"""The rules of user groups (resources/groups_rules.py), and how the loader applies them: a
user's list replaces its profile's, the state's values are checked where written."""

from __future__ import annotations

from pathlib import Path

from zoomstate.loader import load_state
from zoomstate.resources.groups_rules import managed_problems, membership_problems


def test_the_managed_list_names_each_group_once() -> None:
    assert managed_problems(["Sales", "EMEA", "Sales"]) == [
        (("managed", 2), "group 'Sales' is listed twice")
    ]
    assert managed_problems([]) == []


def test_a_users_groups_are_distinct_managed_and_hold_its_primary_group() -> None:
    managed = ("Sales", "Support")
    assert membership_problems(["Sales"], "Sales", managed) == []
    assert membership_problems([], None, managed) == []
    assert membership_problems(None, None, managed) == []
    assert [p for p, _ in membership_problems(["Sales", "Sales"], None, managed)] == [("groups", 1)]
    ((path, message),) = membership_problems(["sales"], None, managed)
    assert path == ("groups", 0) and "did you mean 'Sales'?" in message
    ((path, message),) = membership_problems(["Sales"], "Support", managed)
    assert path == ("primary_group",) and "not one of the user's groups (Sales)" in message
    ((path, message),) = membership_problems(None, "Sales", managed)
    assert "without groups" in message
    # Unknown managed list (import-csv): only the list's own rules.
    assert membership_problems(["Anything"], None, None) == []
    # A profile's primary group is checked on its users, who may bring the list.
    assert membership_problems(None, "Sales", managed, check_primary=False) == []


def test_a_users_groups_replace_its_profiles(tmp_path: Path) -> None:
    (tmp_path / "state.yaml").write_text(
        "account:\n"
        "  domains: [example.com]\n"
        "  groups: {managed: [Sales, Support, EMEA]}\n"
        "profiles:\n"
        "  sales: {groups: [Sales, EMEA], primary_group: Sales}\n"
        "users:\n"
        "  - {email: ann@example.com, profile: sales}\n"
        "  - {email: bob@example.com, profile: sales, groups: [Sales]}\n"
        "  - {email: cat@example.com, profile: sales, groups: [Support], primary_group: Support}\n"
    )
    users = {u.key: u for u in load_state(tmp_path).users}
    assert users["ann@example.com"].groups == ("Sales", "EMEA")
    assert users["bob@example.com"].groups == ("Sales",)
    assert users["bob@example.com"].primary_group == "Sales"
    assert (users["cat@example.com"].groups, users["cat@example.com"].primary_group) == (
        ("Support",),
        "Support",
    )
