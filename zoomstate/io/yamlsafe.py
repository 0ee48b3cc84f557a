"""Safe YAML for state files: plain values with their positions, and bounds on hostile input.

Files over `MAX_FILE_BYTES` are refused before they are read, aliases are capped at
`MAX_ALIASES` per file and their expansion at `MAX_ALIAS_NODES` values (a billion-laughs
file stops at once), and nesting at `MAX_DEPTH` levels (checked before libyaml's recursive
composer can overflow the C stack). Recursive aliases, non-standard tags
(`!!python/object`...), merge keys, duplicate keys, odd integer forms and non-UTF-8 bytes
are each one clear issue. Nothing here knows what a state holds: that is
`zoomstate.io.loader`.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zoomstate.errors import Issue
from zoomstate.io.paths import JsonPath, format_path

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_ALIASES = 1000
MAX_ALIAS_NODES = 100_000
MAX_DEPTH = 64
# Every value of a file becomes a node in memory before it is checked: about 400 bytes
# each. 250,000 values (some 10,000 users) keep one file well under 100 MB.
MAX_VALUES = 250_000
# Files smaller than this cannot hold MAX_VALUES values (each takes a few bytes at least)
# and skip the counting pass.
_PRESCAN_BYTES = 512 * 1024
# libyaml composes recursively in C: some tens of thousands of nested levels overflow the C
# stack and kill the process. Depth is at most the number of flow brackets plus the longest
# line (block nesting needs indentation), so text under both bounds is composed directly;
# anything else is first measured with the event parser, which keeps its own stack.
_QUICK_DEPTH_BOUND = 2000
_LONG_LINE = re.compile(rf"[^\n]{{{_QUICK_DEPTH_BOUND}}}")
# Below this much YAML a process pool costs more than it saves.
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024

YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_CONSTRUCTOR = SafeConstructor()


def _show_tag(tag: str) -> str:
    """`tag:yaml.org,2002:python/object:os.system` -> `!!python/object:os.system`."""
    return "!!" + tag.removeprefix(_YAML) if tag.startswith(_YAML) else tag


def _too_deep_message() -> str:
    return f"nested more than {MAX_DEPTH} levels deep: a state file needs only a few levels"


def _libyaml_too_deep(exc: yaml.YAMLError) -> bool:
    return isinstance(exc, yaml.MarkedYAMLError) and "maximum nesting depth" in str(exc.problem)


def _prescan(text: str, *, force: bool = False) -> tuple[int, int, str] | None:
    """Where (line, column, 1-based) and why `text` is too deep or holds too many values,
    found from libyaml's event stream without composing it (constant memory). Depth counts
    as in `_Builder`: the root collection is level 0."""
    shallow = text.count("[") + text.count("{") < _QUICK_DEPTH_BOUND
    if not force and shallow and not _LONG_LINE.search(text) and len(text) < _PRESCAN_BYTES:
        return None
    try:
        return _scan_events(text, YamlLoader)
    except yaml.YAMLError as exc:
        # libyaml >= 0.2.6 refuses 1,000 levels while scanning ahead, before it hands over
        # the event where our limit is crossed; the pure-Python parser has no such limit
        # and is only this slow on such hostile files.
        if not _libyaml_too_deep(exc):
            raise
        return _scan_events(text, yaml.SafeLoader)


def _scan_events(text: str, loader: type[yaml.SafeLoader]) -> tuple[int, int, str] | None:
    depth = -1
    values = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            depth += 1
            values += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                return line, col, _too_deep_message()
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1
        elif isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
            values += 1
        if values > MAX_VALUES:
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            return (
                line,
                col,
                (f"more than {MAX_VALUES:,} values in one file: split it into several files"),
            )
    return None


# YAML 1.1 also reads 010123 as octal (4179), 0x1F as hexadecimal, 1_000 as 1000 and 1:20
# as base 60 (80): an extension written with a leading zero would silently become another
# extension. A state file has no use for those forms, so only plain decimal is accepted.
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")


def _odd_int_message(text: str, value: object) -> str:
    digits = text.lstrip("+-")
    if ":" in digits:
        kind = "base 60"
    elif digits[:2].lower() == "0x":
        kind = "hexadecimal"
    elif digits[:2].lower() == "0b":
        kind = "binary"
    elif "_" in digits:
        kind = "with the underscores dropped"
    else:
        kind = "octal, for the leading zero"
    return (
        f"YAML reads {text} as the number {value} ({kind}): write numbers in plain "
        f'decimal, or quote text ("{text}")'
    )


def _unsupported_tag(tag: str) -> str:
    return f"unsupported YAML tag {_show_tag(tag)}: a state file holds plain YAML values only"


class _YamlProblem(Exception):
    def __init__(self, node: Node, message: str, path: JsonPath = ()) -> None:
        self.node = node
        self.message = message
        self.path = path
        super().__init__(message)


class _Builder:
    """Turns a composed node graph into plain Python values, refusing what YAML allows
    but a state file must not contain.

    Aliases are bounded twice: by how many there are (`MAX_ALIASES`) and by how many
    values their expansion builds (`MAX_ALIAS_NODES`). The first alone is not enough: a
    few hundred aliases of one long list of scalars fit in half a megabyte of YAML and
    expand to hundreds of millions of values.
    """

    def __init__(self) -> None:
        self.aliases = 0
        self.expanded = 0
        self._expanding = 0
        self._alias_root: Node | None = None
        self._seen: set[int] = set()
        self._stack: set[int] = set()
        self.duplicates: list[tuple[Node, JsonPath, str]] = []

    def build(self, node: Node, path: JsonPath = ()) -> Any:
        if len(path) > MAX_DEPTH:
            raise _YamlProblem(node, _too_deep_message())
        ident = id(node)
        if ident in self._stack:
            raise _YamlProblem(node, "recursive alias: an anchor refers to itself")
        alias = ident in self._seen and not isinstance(node, ScalarNode)
        if alias and not self._expanding:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _YamlProblem(
                    node,
                    f"more than {MAX_ALIASES:,} aliases in one file: refusing a possible "
                    "alias bomb (billion laughs)",
                )
        if alias and not self._expanding:
            self._alias_root = node
        if alias or self._expanding:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_NODES:
                # Named at the anchor being expanded: a position deep inside it means nothing.
                raise _YamlProblem(
                    self._alias_root or node,
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} values: refusing a "
                    "possible alias bomb (billion laughs)",
                )
        self._seen.add(ident)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._stack.add(ident)
        self._expanding += alias
        try:
            if isinstance(node, SequenceNode):
                if node.tag != f"{_YAML}seq":
                    raise _YamlProblem(node, _unsupported_tag(node.tag))
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            if isinstance(node, MappingNode):
                if node.tag != f"{_YAML}map":
                    raise _YamlProblem(node, _unsupported_tag(node.tag))
                return self._mapping(node, path)
        finally:
            self._stack.discard(ident)
            self._expanding -= alias
        raise _YamlProblem(node, "unsupported YAML node")

    def _scalar(self, node: ScalarNode, path: JsonPath = ()) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            if tag == f"{_YAML}merge":
                raise _YamlProblem(node, "YAML merge keys (<<) are not supported: use profiles")
            raise _YamlProblem(node, _unsupported_tag(tag))
        if tag == f"{_YAML}str" or tag == f"{_YAML}timestamp":
            # A date-like value ("2024-01-01") stays text: no field of the state is a date.
            return node.value
        value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        if tag == f"{_YAML}int" and not _PLAIN_INT.fullmatch(node.value):
            raise _YamlProblem(node, _odd_int_message(node.value, value), path)
        return value

    def _mapping(self, node: MappingNode, path: JsonPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _YamlProblem(key_node, "a mapping key must be plain text")
            if key_node.tag == f"{_YAML}merge":
                raise _YamlProblem(key_node, "YAML merge keys (<<) are not supported: use profiles")
            if key_node.tag not in _SCALAR_TAGS:
                raise _YamlProblem(key_node, _unsupported_tag(key_node.tag))
            key = str(key_node.value)
            if key in first:
                mark = first[key].start_mark
                self.duplicates.append(
                    (
                        key_node,
                        (*path, key),
                        f"duplicate key {key!r} (first at line {mark.line + 1}, column "
                        f"{mark.column + 1}); YAML would silently keep only the last",
                    )
                )
            else:
                first[key] = key_node
            out[key] = self.build(value_node, (*path, key))
        return out


@dataclass(slots=True)
class ParsedFile:
    """One state file: its display name, text, data, and the position of each user entry."""

    name: str
    text: str
    data: Any = None
    user_marks: list[tuple[int, int]] = field(default_factory=list)
    account_mark: tuple[int, int] | None = None
    issues: list[Issue] = field(default_factory=list)


def issue_at(name: str, node: Node, path: str, message: str) -> Issue:
    return Issue(name, node.start_mark.line + 1, node.start_mark.column + 1, path, message)


def _decode(name: str, raw: bytes) -> tuple[str | None, Issue | None]:
    try:
        # utf-8-sig: a byte-order mark (common from Windows editors) is allowed and dropped.
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        return None, Issue(
            name, line, col, "", f"file is not UTF-8 text (byte 0x{bad}); save it as UTF-8"
        )


def _tab_indented(text: str, line: int) -> bool:
    """Whether the given line (1-based) is indented with a tab: libyaml reports that as
    "found character that cannot start any token", which does not say why."""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return False
    row = lines[line - 1]
    return "\t" in row[: len(row) - len(row.lstrip(" \t"))]


def parse_text(name: str, text: str) -> ParsedFile:
    """Parse one file's text into plain data; problems become issues, never exceptions."""
    parsed = ParsedFile(name=name, text=text)
    try:
        found = _prescan(text)
        root: Node | None = None
        if found is None:
            try:
                root = yaml.compose(text, Loader=YamlLoader)
            except yaml.MarkedYAMLError as exc:
                # libyaml >= 0.2.6 stops at its own nesting limit (1,000 levels), which the
                # quick bounds of _prescan let through; name our limit, where it is first
                # crossed.
                if not _libyaml_too_deep(exc):
                    raise
                found = _prescan(text, force=True)
                if found is None:
                    raise
        if found is not None:
            line, col, message = found
            parsed.issues.append(Issue(name, line, col, "", message))
            return parsed
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = exc.context_mark
        if exc.problem and exc.context and context and context.line + 1 != line:
            # An unclosed bracket is found only at the end: say where it was opened.
            problem += (
                f" ({exc.context} that starts at line {context.line + 1}, "
                f"column {context.column + 1})"
            )
        if "\\t" in problem or "tab" in problem.lower() or _tab_indented(text, line):
            problem += " (YAML does not allow tabs for indentation: use spaces)"
        parsed.issues.append(Issue(name, line, col, "", f"invalid YAML: {problem}"))
        return parsed
    except yaml.YAMLError as exc:
        parsed.issues.append(Issue(name, 1, 1, "", f"invalid YAML: {exc}"))
        return parsed
    if root is None:
        parsed.issues.append(
            Issue(name, 1, 1, "", "file is empty: a state file holds account, profiles or users")
        )
        return parsed
    builder = _Builder()
    try:
        data = builder.build(root)
    except _YamlProblem as exc:
        parsed.issues.append(issue_at(name, exc.node, format_path(exc.path), exc.message))
        return parsed
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        parsed.issues.append(issue_at(name, root, "", f"invalid YAML value: {exc}"))
        return parsed
    for node, path, message in builder.duplicates:
        parsed.issues.append(issue_at(name, node, format_path(path), message))
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        parsed.issues.append(
            issue_at(
                name,
                root,
                "",
                f"a state file must be a mapping with account, profiles or users; found {kind}",
            )
        )
        return parsed
    parsed.data = data
    if isinstance(root, MappingNode):
        for key_node, value_node in root.value:
            if key_node.value == "account":
                parsed.account_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key_node.value == "users" and isinstance(value_node, SequenceNode):
                parsed.user_marks = [
                    (item.start_mark.line + 1, item.start_mark.column + 1)
                    for item in value_node.value
                ]
    return parsed


def _parse_path(args: tuple[str, str]) -> ParsedFile:
    path, name = args
    return parse_file(Path(path), name)


def parse_file(path: Path, name: str) -> ParsedFile:
    """Read and parse one state file, refusing oversized and non-UTF-8 files, and anything
    that is not a regular file (a FIFO would block forever, /dev/zero never ends)."""

    def refused(message: str) -> ParsedFile:
        return ParsedFile(name, "", issues=[Issue(name, 0, 0, "", message)])

    def too_big(size: str) -> ParsedFile:
        return refused(
            f"file is {size} bytes, over the {MAX_FILE_BYTES // 2**20} MiB limit for one "
            "state file: split it into several files"
        )

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return refused(
                "not a regular file (a device, pipe or socket): a state file is a plain YAML file"
            )
        if info.st_size > MAX_FILE_BYTES:
            return too_big(f"{info.st_size:,}")
        # O_NONBLOCK: the file may be swapped for a FIFO between stat and open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return refused("not a regular file: a state file is a plain YAML file")
            # Read at most one byte past the cap: the file may have grown since stat.
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return too_big(f"over {MAX_FILE_BYTES:,}")
    except OSError as exc:
        return refused(f"cannot read: {exc.strerror}")
    text, problem = _decode(name, raw)
    if text is None:
        assert problem is not None
        return ParsedFile(name, "", issues=[problem])
    return parse_text(name, text)


def parse_all(files: list[tuple[Path, str]], workers: int | None) -> list[ParsedFile]:
    """Every file parsed, in order: in `workers` processes when the state is large."""
    total = 0
    for path, _ in files:
        with contextlib.suppress(OSError):
            size = path.stat().st_size
            # A file over the cap is refused unread: it must not start a process pool.
            total += size if size <= MAX_FILE_BYTES else 0
    cpus = os.cpu_count() or 1
    jobs = workers if workers is not None else min(cpus, len(files))
    if jobs > 1 and len(files) > 1 and total >= _PARALLEL_MIN_BYTES:
        # Parsing is CPU-bound and the GIL serialises it: separate processes use both cores.
        # Imported here: a small state (and `validate` on it) loads no multiprocessing.
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(_parse_path, [(str(p), n) for p, n in files], chunksize=1))
    return [parse_file(path, name) for path, name in files]


__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "ParsedFile",
    "YamlLoader",
    "issue_at",
    "parse_all",
    "parse_file",
    "parse_text",
]
