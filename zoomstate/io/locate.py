"""Positions of paths inside state files, found again only when there is something to report.

Positions are not kept for every value: that would double the memory of a 100,000-user
state. Each file's text is kept and, only when an issue needs a place, composed again and
walked to the offending node (`Locator`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zoomstate.errors import Issue
from zoomstate.io.paths import JsonPath, format_path, parse_path
from zoomstate.io.yamlsafe import ParsedFile, YamlLoader, issue_at, parse_file


class Locator:
    """Finds the position of a path inside one file, composing it again on demand."""

    def __init__(self, files: Mapping[str, ParsedFile]) -> None:
        self._files = files
        self._roots: dict[str, Node | None] = {}

    def _root(self, name: str) -> Node | None:
        if name not in self._roots:
            text = self._files[name].text
            try:
                self._roots[name] = yaml.compose(text, Loader=YamlLoader) if text else None
            except yaml.YAMLError:
                self._roots[name] = None
        return self._roots[name]

    def find(self, name: str, path: JsonPath, *, key: bool = False) -> tuple[Node | None, int]:
        """The deepest node along `path` and how many parts of the path it resolved.
        With `key`, a final mapping key resolves to the key node (for unknown keys)."""
        node = self._root(name)
        depth = 0
        for i, part in enumerate(path):
            if node is None:
                break
            nxt: Node | None = None
            if isinstance(node, MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if k.value == part:
                        last = i == len(path) - 1
                        nxt = k if (key and last) else v
            elif (
                isinstance(node, SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                nxt = node.value[part]
            if nxt is None:
                break
            node, depth = nxt, depth + 1
        return node, depth

    def issue(self, name: str, path: JsonPath, message: str, *, key: bool = False) -> Issue:
        node, _ = self.find(name, path, key=key)
        if node is None:
            return Issue(name, 1, 1, format_path(path), message)
        return issue_at(name, node, format_path(path), message)

    def raw_scalar(self, name: str, path: JsonPath) -> str | None:
        node, depth = self.find(name, path)
        if depth == len(path) and isinstance(node, ScalarNode):
            return str(node.value)
        return None


class _Files:
    """Each file of the state parsed again at most once, and only when an issue is in it."""

    def __init__(self) -> None:
        self.located: dict[str, Locator | None] = {}

    def __call__(self, name: str) -> Locator | None:
        if name not in self.located:
            path = Path(name)
            parsed = parse_file(path, name) if path.is_file() else None
            self.located[name] = (
                Locator({name: parsed}) if parsed is not None and not parsed.issues else None
            )
        return self.located[name]


def _profile_place(
    files: _Files, locator: Locator, issue: Issue, parts: JsonPath, profile_files: Mapping[str, str]
) -> tuple[str, JsonPath, str] | None:
    """Where a user's field comes from when its profile gives it: the profile's file, the
    path there, and the user's e-mail; None when the user's own entry is the place."""
    entry, rest = parts[:2], parts[2:]
    if entry[:1] != ("users",) or len(entry) != 2 or not rest:
        return None
    profile = locator.raw_scalar(issue.file, (*entry, "profile"))
    file = profile_files.get(profile or "")
    found = files(file) if file else None
    if profile is None or file is None or found is None:
        return None
    path: JsonPath = ("profiles", profile, *rest)
    node, depth = found.find(file, path)
    if node is None or depth != len(path):
        return None
    return file, path, locator.raw_scalar(issue.file, (*entry, "email")) or issue.path


def _shared(files: _Files, where: tuple[str, JsonPath, str], users: list[str]) -> Issue:
    file, path, message = where
    locator = files(file)
    assert locator is not None
    shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
    many = f"{len(users)} users" if len(users) != 1 else "1 user"
    text = f"{message} (profile {path[1]!r}, for {many}: {shown})"
    return locator.issue(file, path, text)


def pinpoint(
    issues: Sequence[Issue], profile_files: Mapping[str, str] | None = None
) -> list[Issue]:
    """Plan-time issues, each moved from its user's entry to the field it names when
    that field is written in the entry itself, in file and position order. A problem with
    a value the user's profile gives is reported once, at the profile, naming the users
    it affects (`profile_files`: the file of each profile). The plan knows users by entry
    only: the files are read again here, once each, and only when there are issues."""
    files = _Files()
    out: list[Issue] = []
    shared: dict[tuple[str, JsonPath, str], list[str]] = {}
    for issue in issues:
        locator = files(issue.file)
        if locator is None or not issue.path:
            out.append(issue)
            continue
        parts = parse_path(issue.path)
        node, depth = locator.find(issue.file, parts)
        if node is not None and depth == len(parts):
            out.append(issue_at(issue.file, node, issue.path, issue.message))
            continue
        inherited = _profile_place(files, locator, issue, parts, profile_files or {})
        if inherited is None:
            out.append(issue)
            continue
        file, path, user = inherited
        shared.setdefault((file, path, issue.message), []).append(user)
    out += [_shared(files, where, sorted(users)) for where, users in shared.items()]
    return sorted(out)


__all__ = ["Locator", "pinpoint"]
