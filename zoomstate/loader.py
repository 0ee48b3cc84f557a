"""Load a state directory: YAML files with positions, merged, profiles applied, validated.

This is an edge of the program (it reads files); everything it returns is plain, frozen
model data. Every problem is collected as an `Issue` with `file:line:col` before
`ValidationFailed` is raised, so one run shows the user everything to fix.

Positions are not kept for every value: that would double the memory of a 100,000-user
state. The loader keeps each file's text and, only when it has something to report,
composes that file again and walks to the offending node (`_Locator`).

Hostile input is bounded: files over `MAX_FILE_BYTES` are refused before they are read,
aliases are capped at `MAX_ALIASES` per file and their expansion at `MAX_ALIAS_NODES`
values (a billion-laughs file stops at once), and nesting at `MAX_DEPTH` levels (checked
before libyaml's recursive composer can overflow the C stack). Recursive aliases,
non-standard tags (`!!python/object`...), merge keys, duplicate keys, non-UTF-8 bytes and
symlink loops are each one clear issue. Finding the files is bounded too (each real folder
listed once, links out of the directory refused, folders and files capped): see
`zoomstate.discovery`.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from zoomstate.discovery import find_state_files
from zoomstate.emails import mixed_script_problem
from zoomstate.errors import Issue, ValidationFailed
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    Origin,
    PhoneSpec,
    ProfileSpec,
    SafetyLimits,
    SeatCounts,
    UserSpec,
)

log = logging.getLogger(__name__)

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
TOP_LEVEL_KEYS = ("account", "profiles", "users")
# Below this much YAML a process pool costs more than it saves.
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_CONSTRUCTOR = SafeConstructor()

PathPart = str | int
JsonPath = tuple[PathPart, ...]


def format_path(path: Sequence[PathPart]) -> str:
    """`("users", 3, "phone", "numbers", 0)` -> `users[3].phone.numbers[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


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
        return _scan_events(text, _Loader)
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
    issues: list[Issue] = field(default_factory=list)


def _issue_at(name: str, node: Node, path: str, message: str) -> Issue:
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
                root = yaml.compose(text, Loader=_Loader)
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
        parsed.issues.append(_issue_at(name, exc.node, format_path(exc.path), exc.message))
        return parsed
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        parsed.issues.append(_issue_at(name, root, "", f"invalid YAML value: {exc}"))
        return parsed
    for node, path, message in builder.duplicates:
        parsed.issues.append(_issue_at(name, node, format_path(path), message))
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        parsed.issues.append(
            _issue_at(
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


def discover(
    root: Path, *, follow_external_links: bool = False
) -> tuple[list[tuple[Path, str]], list[Issue]]:
    """The state files below `root` and the issues of the walk (`zoomstate.discovery`)."""
    found = find_state_files(root, follow_external_links=follow_external_links)
    return found.files, found.issues


def _parse_all(files: list[tuple[Path, str]], workers: int | None) -> list[ParsedFile]:
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
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(_parse_path, [(str(p), n) for p, n in files], chunksize=1))
    return [parse_file(path, name) for path, name in files]


class _Locator:
    """Finds the position of a path inside one file, composing it again on demand."""

    def __init__(self, files: Mapping[str, ParsedFile]) -> None:
        self._files = files
        self._roots: dict[str, Node | None] = {}

    def _root(self, name: str) -> Node | None:
        if name not in self._roots:
            text = self._files[name].text
            try:
                self._roots[name] = yaml.compose(text, Loader=_Loader) if text else None
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
        return _issue_at(name, node, format_path(path), message)

    def raw_scalar(self, name: str, path: JsonPath) -> str | None:
        node, depth = self.find(name, path)
        if depth == len(path) and isinstance(node, ScalarNode):
            return str(node.value)
        return None


# The keys each level of the state accepts, for "did you mean" suggestions.
_KEYS_BY_PARENT: dict[str, tuple[str, ...]] = {
    "": TOP_LEVEL_KEYS,
    "account": tuple(AccountPolicy.model_fields),
    "seats": tuple(SeatCounts.model_fields),
    "safety": tuple(SafetyLimits.model_fields),
    "phone": tuple(PhoneSpec.model_fields),
    "contact_center": tuple(ContactCenterSpec.model_fields),
    "user": tuple(UserSpec.model_fields),
    "profile": tuple(ProfileSpec.model_fields),
}


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _loc_kind(loc: JsonPath, root_kind: str) -> str:
    """The kind of mapping that holds the last element of `loc` (for key suggestions)."""
    names = [p for p in loc[:-1] if isinstance(p, str)]
    if not names:
        return root_kind
    parent = names[-1]
    if parent == "contact_center" and root_kind == "account":
        return "contact_center_seats"
    return parent if parent in _KEYS_BY_PARENT else root_kind


def _pydantic_message(
    err: Mapping[str, Any], loc: JsonPath, root_kind: str, raw: str | None
) -> tuple[str, bool]:
    """A human message for one pydantic error, and whether it points at a key."""
    kind = err["type"]
    value = err.get("input")
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        parent = _loc_kind(loc, root_kind)
        allowed = _KEYS_BY_PARENT.get(parent, ())
        hint = _suggest(str(last), allowed)
        if not hint and parent in ("user", "profile"):
            # `extension: 101` written on the user instead of under phone is a common slip.
            for block in ("phone", "contact_center"):
                if str(last) in _KEYS_BY_PARENT[block]:
                    hint = f"; it belongs under {block} ({block}: {{{last}: ...}})"
        return f"unknown key {last!r}{hint}", True
    if kind == "missing":
        if last == "role" and "contact_center" in loc:
            return "a Contact Center block needs a role (role: Agent, for example)", False
        return f"missing required key {last!r}", False
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        hint = ""
        if isinstance(value, str):
            options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",")]
            hint = _suggest(value, [o for o in options if o])
        return f"must be one of {expected}; got {_describe(value)}{hint}", False
    if kind == "value_error":
        msg = str(err["msg"])
        return msg.removeprefix("Value error, "), False
    if kind == "string_type" and "numbers" in loc and isinstance(value, float):
        shown = raw if raw is not None else str(value)
        return (
            f"phone number {shown} is in scientific notation, so its last digits are lost "
            '(a spreadsheet did this): write the whole number as quoted text, like "+14155550100"',
            False,
        )
    if (
        kind == "string_type"
        and "numbers" in loc
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        shown = raw if raw is not None else str(value)
        return (
            f'phone number {shown} must be quoted text, like "+{value}": '
            "unquoted, YAML reads it as a number",
            False,
        )
    if kind in ("int_type", "int_parsing") and last == "extension":
        return f"an extension is a whole number, got {_describe(value)}", False
    if kind == "bool_type":
        return f"must be true or false; got {_describe(value)}", False
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping; got {_describe(value)}", False
    if kind in ("list_type", "tuple_type"):
        return f"must be a list; got {_describe(value)}", False
    if kind == "string_type":
        quote = "" if isinstance(value, dict | list) else " (quote it)"
        return f"must be text; got {_describe(value)}{quote}", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number; got {_describe(value)}", False
    if kind in ("float_type", "float_parsing"):
        return f"must be a number; got {_describe(value)}", False
    if kind == "string_too_long" and isinstance(value, str):
        # The value itself is not shown: it may be a megabyte long.
        limit = err.get("ctx", {}).get("max_length")
        return f"at most {limit} characters in Zoom; this is {len(value):,}", False
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le")}
    if kind in bounds:
        words, name = bounds[kind]
        limit = err.get("ctx", {}).get(name)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {words} {limit}; got {_describe(value)}", False
    msg = str(err["msg"])
    return f"{msg[0].lower()}{msg[1:]}; got {_describe(value)}", False


@dataclass(slots=True)
class _Collector:
    locator: _Locator
    issues: list[Issue] = field(default_factory=list)

    def add(self, name: str, path: JsonPath, message: str, *, key: bool = False) -> None:
        self.issues.append(self.locator.issue(name, path, message, key=key))

    def pydantic(
        self,
        exc: ValidationError,
        name: str,
        base: JsonPath,
        root_kind: str,
        where: Callable[[JsonPath], tuple[str, JsonPath] | None] | None = None,
    ) -> None:
        """Add one issue per pydantic error; `where` maps an error's location to the file
        and path it was written at, or to None when that place was reported already."""
        errors = exc.errors()
        # A misspelt required key shows up twice (unknown `domain`, missing `domains`): the
        # did-you-mean already says it all.
        misspelt = {
            (*e["loc"][:-1], close[0])
            for e in errors
            if e["type"] == "extra_forbidden"
            and (
                close := difflib.get_close_matches(
                    str(e["loc"][-1]),
                    _KEYS_BY_PARENT.get(_loc_kind(tuple(e["loc"]), root_kind), ()),
                    n=1,
                )
            )
        }
        for err in errors:
            loc: JsonPath = tuple(err["loc"])
            if err["type"] == "missing" and loc in misspelt:
                continue
            if loc and loc[-1] == "[key]":
                # pydantic marks a bad mapping key as `<key>.[key]`: point at the key itself.
                loc = loc[:-1]
                expected = err.get("ctx", {}).get("expected", "")
                message = f"unknown key {loc[-1]!r}; the keys here are {expected}"
                message += _suggest(str(loc[-1]), re.findall(r"'([^']*)'", expected))
                is_key = True
            else:
                message, is_key = "", False
            placed = where(loc) if where else (name, base + loc)
            if placed is None:
                continue
            file, full = placed
            if not message:
                raw = self.locator.raw_scalar(file, full)
                message, is_key = _pydantic_message(err, loc, root_kind, raw)
            self.add(file, full, message, key=is_key)


def _validate(model: type[BaseModel], data: Any) -> tuple[Any, ValidationError | None]:
    try:
        return model.model_validate(data), None
    except ValidationError as exc:
        return None, exc


def _has_path(data: Any, path: JsonPath) -> bool:
    for part in path:
        in_map = isinstance(part, str) and isinstance(data, dict) and part in data
        in_list = isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data)
        if not (in_map or in_list):
            return False
        data = data[part]
    return True


def _merge(profile: Mapping[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """User fields win; nested blocks merge key by key; an explicit null drops the block."""
    merged = dict(profile)
    for key, value in user.items():
        inherited = merged.get(key)
        if isinstance(value, dict) and isinstance(inherited, dict):
            merged[key] = {**inherited, **value}
        else:
            merged[key] = value
    return merged


@dataclass(slots=True)
class _Seen:
    file: str
    path: JsonPath
    email: str = ""


@dataclass(frozen=True, slots=True)
class _UserSource:
    """Where the parts of one user were written: its own entry, or the profile it names."""

    item: Mapping[str, Any]
    file: str
    base: JsonPath
    profile: str | None = None
    profile_file: str = ""
    profile_body: Any = None
    profile_valid: bool = True

    def place(self, loc: JsonPath) -> tuple[str, JsonPath]:
        """The file and path of `loc` (a path inside the merged user).

        The user's own entry when the value is there, else the profile it came from, else
        the user (the locator then points at the nearest part that exists). A missing key
        belongs to the side that wrote the block lacking it."""
        if self.profile is None or _has_path(self.item, loc):
            return self.file, self.base + loc
        body = self.profile_body
        from_profile = _has_path(body, loc) or (
            bool(loc) and _has_path(body, loc[:-1]) and not _has_path(self.item, loc[:-1])
        )
        if from_profile:
            return self.profile_file, ("profiles", self.profile, *loc)
        return self.file, self.base + loc

    def report_at(self, loc: JsonPath) -> tuple[str, JsonPath] | None:
        """Like `place`, but None for a problem inside a profile that failed on its own:
        that was reported once, at the profile, and a copy for every user of the profile
        would bury the other issues."""
        file, path = self.place(loc)
        if path[:1] == ("profiles",) and not self.profile_valid:
            return None
        return file, path


def load_state(
    root: Path | str, *, workers: int | None = None, follow_external_links: bool = False
) -> DesiredState:
    """Load and validate a state directory (or one file); raise ValidationFailed with
    every issue, sorted, when anything is wrong. Links out of the directory are refused
    unless `follow_external_links` (see `zoomstate.discovery`)."""
    root = Path(root)
    files, issues = discover(root, follow_external_links=follow_external_links)
    if not files and not issues:
        issues.append(
            Issue(str(root), 0, 0, "", "no state files (*.yaml, *.yml) in this directory")
        )
    parsed = _parse_all(files, workers)
    by_name = {p.name: p for p in parsed}
    out = _Collector(_Locator(by_name), issues)
    for p in parsed:
        out.issues.extend(p.issues)

    account: AccountPolicy | None = None
    account_at: _Seen | None = None
    profiles_raw: dict[str, tuple[str, Any]] = {}
    profiles: dict[str, ProfileSpec] = {}
    user_entries: list[tuple[ParsedFile, int, Any]] = []

    for p in parsed:
        if not isinstance(p.data, dict):
            continue
        for key, value in p.data.items():
            if key not in TOP_LEVEL_KEYS:
                out.add(
                    p.name,
                    (key,),
                    f"unknown top-level key {key!r}{_suggest(key, TOP_LEVEL_KEYS)}"
                    " (a state file holds account, profiles and users)",
                    key=True,
                )
            elif key == "account":
                if account_at is not None:
                    first = out.locator.issue(account_at.file, ("account",), "", key=True)
                    out.add(
                        p.name,
                        ("account",),
                        f"a second account block (the first is at {first.file}:{first.line}:"
                        f"{first.col}); a state has exactly one",
                        key=True,
                    )
                    continue
                account_at = _Seen(p.name, ("account",))
                model, exc = _validate(AccountPolicy, value)
                if exc:
                    out.pydantic(exc, p.name, ("account",), "account")
                account = model
            elif key == "profiles":
                if value is None:
                    continue
                if not isinstance(value, dict):
                    out.add(p.name, ("profiles",), f"must be a mapping; got {_describe(value)}")
                    continue
                for pname, body in value.items():
                    if pname in profiles_raw:
                        first = out.locator.issue(
                            profiles_raw[pname][0], ("profiles", pname), "", key=True
                        )
                        out.add(
                            p.name,
                            ("profiles", pname),
                            f"profile {pname!r} is defined twice (first at {first.file}:"
                            f"{first.line}:{first.col}); profile names are unique in a state",
                            key=True,
                        )
                        continue
                    profiles_raw[pname] = (p.name, body)
                    model, exc = _validate(ProfileSpec, body)
                    if exc:
                        out.pydantic(exc, p.name, ("profiles", pname), "profile")
                    else:
                        profiles[pname] = model
            elif key == "users":
                if value is None:
                    continue
                if not isinstance(value, list):
                    out.add(p.name, ("users",), f"must be a list; got {_describe(value)}")
                    continue
                for index, item in enumerate(value):
                    user_entries.append((p, index, item))

    if account_at is None and parsed:
        out.issues.append(
            Issue(
                str(root),
                0,
                0,
                "",
                "no account block: zoomstate needs account.domains to know which users "
                "it may touch",
            )
        )

    users: list[UserSpec] = []
    origins: dict[str, Origin] = {}
    first_email: dict[str, _Seen] = {}
    first_extension: dict[int, _Seen] = {}
    first_number: dict[str, _Seen] = {}
    # (file, path) of a profile value already reported as shared by several users.
    shared_reported: set[tuple[str, JsonPath]] = set()

    def owned_twice(what: str, prev: _Seen, file: str, path: JsonPath, email: str) -> None:
        """Report a value (extension, number) that a second user also holds."""
        if (prev.file, prev.path) == (file, path):
            # The same place in YAML: a profile hands the value to all its users.
            if (file, path) not in shared_reported:
                shared_reported.add((file, path))
                out.add(
                    file,
                    path,
                    f"{what} is set in profile {path[1]!r}, so every user of the profile "
                    f"gets it ({prev.email}, {email}): it belongs to one user, so set it "
                    "on each user instead",
                )
            return
        at = out.locator.issue(prev.file, prev.path, "")
        out.add(
            file,
            path,
            f"{what} is already given to {prev.email} (at {at.file}:{at.line}:{at.col}); "
            "it belongs to one user",
        )

    for p, index, item in user_entries:
        base: JsonPath = ("users", index)
        if not isinstance(item, dict):
            out.add(p.name, base, f"a user must be a mapping; got {_describe(item)}")
            continue
        profile_name = item.get("profile")
        source = _UserSource(item, p.name, base)
        if profile_name is not None:
            if not isinstance(profile_name, str) or profile_name not in profiles_raw:
                out.add(
                    p.name,
                    (*base, "profile"),
                    f"unknown profile {profile_name!r}"
                    + _suggest(str(profile_name), list(profiles_raw)),
                )
            else:
                pfile, pbody = profiles_raw[profile_name]
                source = _UserSource(
                    item, p.name, base, profile_name, pfile, pbody, profile_name in profiles
                )
        merged = _merge(source.profile_body if isinstance(source.profile_body, dict) else {}, item)

        user, exc = _validate(UserSpec, merged)
        if exc:
            out.pydantic(exc, p.name, base, "user", source.report_at)
            continue
        assert isinstance(user, UserSpec)
        line, col = p.user_marks[index] if index < len(p.user_marks) else (0, 0)
        key = user.key
        if key in first_email:
            prev = first_email[key]
            prev_issue = out.locator.issue(prev.file, (*prev.path, "email"), "")
            out.add(
                p.name,
                (*base, "email"),
                f"duplicate e-mail {key} (also at {prev_issue.file}:{prev_issue.line}:"
                f"{prev_issue.col}, {format_path(prev.path)}); e-mails are case-insensitive",
            )
            continue
        first_email[key] = _Seen(p.name, base, user.email)
        origins[key] = Origin(p.name, line, col, format_path(base))
        users.append(user)

        if user.phone is not None:
            phone = user.phone
            if phone.extension is not None:
                ext_file, ext_path = source.place(("phone", "extension"))
                if phone.extension in first_extension:
                    owned_twice(
                        f"extension {phone.extension}",
                        first_extension[phone.extension],
                        ext_file,
                        ext_path,
                        user.email,
                    )
                else:
                    first_extension[phone.extension] = _Seen(ext_file, ext_path, user.email)
            seen_here: set[str] = set()
            for n_index, number in enumerate(phone.numbers):
                num_file, num_path = source.place(("phone", "numbers", n_index))
                if number in seen_here:
                    out.add(num_file, num_path, f"number {number} is listed twice")
                    continue
                seen_here.add(number)
                if number in first_number:
                    owned_twice(
                        f"number {number}", first_number[number], num_file, num_path, user.email
                    )
                else:
                    first_number[number] = _Seen(num_file, num_path, user.email)
            if phone.numbers and not phone.calling_plans:
                num_file, num_path = source.place(("phone", "numbers"))
                out.add(
                    num_file,
                    num_path,
                    "direct numbers need a calling plan: Zoom drops a number whose calling "
                    "plan goes, so this state could never be reached",
                )
            plans_seen: set[str | int] = set()
            for c_index, plan in enumerate(phone.calling_plans):
                if plan in plans_seen:
                    plan_file, plan_path = source.place(("phone", "calling_plans", c_index))
                    out.add(plan_file, plan_path, f"calling plan {plan!r} is listed twice")
                plans_seen.add(plan)

        if account is not None:
            if not account.allow_mixed_script_emails:
                look_alike = mixed_script_problem(user.email)
                if look_alike is not None:
                    out.add(p.name, (*base, "email"), look_alike)
            if not account.in_scope(key):
                out.add(
                    p.name,
                    (*base, "email"),
                    f"{user.email} is outside account.domains ({', '.join(account.domains)}): "
                    "zoomstate would never touch this user",
                )
            if account.is_protected(key) and user.status == "inactive":
                status_file, status_path = source.place(("status",))
                if status_path[:1] == ("profiles",):
                    # The fix is on the user (another profile, or status: active), so point
                    # there and say where the inactive status comes from.
                    at = out.locator.issue(status_file, status_path, "")
                    out.add(
                        p.name,
                        (*base, "profile"),
                        f"{user.email} is protected (account.protected) but its profile "
                        f"{profile_name!r} deactivates it (status: inactive at {at.file}:"
                        f"{at.line}:{at.col}): protected users are never changed",
                    )
                else:
                    out.add(
                        status_file,
                        status_path,
                        f"{user.email} is protected (account.protected) but the state "
                        "deactivates it: protected users are never changed",
                    )

    if account is not None:
        for p_index, email in enumerate(account.protected):
            if not account.in_scope(email) and account_at is not None:
                out.add(
                    account_at.file,
                    ("account", "protected", p_index),
                    f"{email} is outside account.domains, so it is never touched anyway",
                )

    if out.issues:
        raise ValidationFailed(out.issues)
    assert account is not None
    users.sort(key=lambda u: u.key)
    return DesiredState(account=account, users=tuple(users), profiles=profiles, origins=origins)


def iter_state_files(root: Path | str) -> Iterator[str]:
    """The display names of the files a state directory would load (for messages)."""
    files, _ = discover(Path(root))
    for _, name in files:
        yield name


_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_path(text: str) -> JsonPath:
    """`users[3].phone.numbers` -> `("users", 3, "phone", "numbers")`."""
    return tuple(int(index) if index else name for index, name in _PATH_PART.findall(text))


def pinpoint(issues: Sequence[Issue]) -> list[Issue]:
    """Plan-time issues, each moved from its user's entry to the field it names when
    that field is written in the entry itself (not inherited from a profile), in file
    and position order. The plan knows users by entry only: the files are read again
    here, once each, and only when there are issues to show."""
    located: dict[str, _Locator | None] = {}
    out: list[Issue] = []
    for issue in issues:
        if issue.file not in located:
            path = Path(issue.file)
            parsed = parse_file(path, issue.file) if path.is_file() else None
            located[issue.file] = (
                _Locator({issue.file: parsed}) if parsed is not None and not parsed.issues else None
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
            out.append(_issue_at(issue.file, node, issue.path, issue.message))
    return sorted(out)


__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_VALUES",
    "ParsedFile",
    "discover",
    "format_path",
    "iter_state_files",
    "load_state",
    "parse_file",
    "parse_path",
    "parse_text",
    "pinpoint",
]
