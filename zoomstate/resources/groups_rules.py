"""Rules of user groups, written once for the loader and import-csv: the managed list holds
each group once; a user's (or a profile's) groups are distinct, among the managed ones; its
primary group is one of them.

Each problem comes with the path it is about, relative to the block checked (`("groups",
1)`, `("primary_group",)`, `("managed", 0)`), so each caller reports it where it was written
(a file position, a CSV row). Names are compared exactly, as Zoom shows them; a name that
differs from a managed one only in case is pointed at it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

Path = tuple[str | int, ...]
Problem = tuple[Path, str]


def _listed(names: Collection[str]) -> str:
    return ", ".join(sorted(set(names))) or "none"


def _twice(names: Sequence[str], field: str) -> list[Problem]:
    seen: set[str] = set()
    out: list[Problem] = []
    for index, name in enumerate(names):
        if name in seen:
            out.append(((field, index), f"group {name!r} is listed twice"))
        seen.add(name)
    return out


def managed_problems(managed: Sequence[str]) -> list[Problem]:
    """`account.groups.managed`: each group once."""
    return _twice(managed, "managed")


def _outside(name: str, managed: Collection[str]) -> str:
    message = (
        f"group {name!r} is not in account.groups.managed ({_listed(managed)}): zoomstate "
        "owns only the memberships of the managed groups"
    )
    alike = [m for m in managed if m.lower() == name.lower()]
    if alike:
        message += f"; did you mean {alike[0]!r}? (group names are compared exactly)"
    return message


def membership_problems(
    groups: Sequence[str] | None,
    primary_group: str | None,
    managed: Collection[str] | None,
    *,
    check_primary: bool = True,
) -> list[Problem]:
    """A user's or a profile's groups: listed once each, within `managed` (None: not
    known, not checked), and the primary group among them (`check_primary` off for a
    profile, whose users may bring the list)."""
    out: list[Problem] = []
    names = tuple(groups or ())
    out += _twice(names, "groups")
    if managed is not None:
        for index, name in enumerate(names):
            if name not in managed:
                out.append((("groups", index), _outside(name, managed)))
    if not check_primary or primary_group is None:
        return out
    if groups is None:
        out.append(
            (
                ("primary_group",),
                f"primary_group {primary_group!r} without groups: list the user's groups "
                "(the primary one among them)",
            )
        )
    elif primary_group not in names:
        out.append(
            (
                ("primary_group",),
                f"primary_group {primary_group!r} is not one of the user's groups "
                f"({_listed(names)})",
            )
        )
    return out


__all__ = ["Problem", "managed_problems", "membership_problems"]
