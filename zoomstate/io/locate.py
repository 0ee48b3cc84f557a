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


def pinpoint(issues: Sequence[Issue]) -> list[Issue]:
    """Plan-time issues, each moved from its user's entry to the field it names when
    that field is written in the entry itself (not inherited from a profile), in file
    and position order. The plan knows users by entry only: the files are read again
    here, once each, and only when there are issues to show."""
    located: dict[str, Locator | None] = {}
    out: list[Issue] = []
    for issue in issues:
        if issue.file not in located:
            path = Path(issue.file)
            parsed = parse_file(path, issue.file) if path.is_file() else None
            located[issue.file] = (
                Locator({issue.file: parsed}) if parsed is not None and not parsed.issues else None
            )
        locator = located[issue.file]
        if locator is None or not issue.path:
            out.append(issue)
            continue
        parts = parse_path(issue.path)
        node, depth = locator.find(issue.file, parts)
        if node is None or depth != len(parts):
            out.append(issue)
        else:
            out.append(issue_at(issue.file, node, issue.path, issue.message))
    return sorted(out)


__all__ = ["Locator", "pinpoint"]
