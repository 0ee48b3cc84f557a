"""What the sandbox accepts from outside, and how much of it: request bodies, JSON nesting
and the files it reads (seeds, the data file).

- A request body is read at most `MAX_BODY_BYTES` (10 MiB) far, whatever the route: a
  larger `Content-Length` is refused before any of the body is read, and a body without
  one stops being read where it crosses the cap (`BodyTooLarge`, a 413).
- JSON is parsed only up to `MAX_JSON_DEPTH` (64) levels of arrays and objects; deeper
  documents are refused (`TooDeep`), never handed to a recursive walk. NaN and Infinity
  are refused too.
- Files are opened without blocking (`O_NONBLOCK`: a FIFO with no writer cannot hang the
  server) and read only when they are regular files of at most a given size: devices,
  FIFOs, sockets and directories are refused (`FileRefused`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_SEED_BYTES",
    "BodyTooLarge",
    "FileRefused",
    "TooDeep",
    "check_depth",
    "loads",
    "read_body",
    "read_regular_file",
    "replay",
]

MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_SEED_BYTES = 64 * 1024 * 1024

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]


class BodyTooLarge(Exception):
    """The request body is (or says it is) larger than the cap."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(f"The request body is larger than the sandbox's {_mib(cap)} limit.")


class ClientGone(Exception):
    """The client disconnected before it had sent its body."""


class TooDeep(ValueError):
    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        super().__init__(f"nested more than {limit} levels deep")


class FileRefused(ValueError):
    """A file the sandbox will not read: not a regular file, or too large."""


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB" if size >= 1024 * 1024 else f"{size} bytes"


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def read_body(scope: MutableMapping[str, Any], receive: Receive, cap: int) -> bytes:
    """The whole request body, or BodyTooLarge as soon as it is known to exceed `cap`
    (from `Content-Length`, or while reading: what is past the cap is never read)."""
    declared = _declared_length(list(scope.get("headers", [])))
    if declared is not None and declared > cap:
        raise BodyTooLarge(cap)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        if message["type"] != "http.request":
            continue
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(cap)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands over the already-read `body` once, then the real channel
    (which only has the disconnect left to say)."""
    pending = True

    async def again() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing documents nested deeper than `limit` (TooDeep) and NaN or
    Infinity (ValueError, as for any invalid JSON)."""
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        # The C decoder gives up at the interpreter's recursion limit (about 1,000
        # levels), far past `limit`: the same refusal, without the traceback.
        raise TooDeep(limit) from None
    if isinstance(raw, bytes):
        brackets = raw.count(b"[") + raw.count(b"{")
    else:
        brackets = raw.count("[") + raw.count("{")
    if brackets > limit:  # fewer brackets cannot nest deeper; most bodies stop here
        check_depth(value, limit)
    return value


def check_depth(value: Any, limit: int = MAX_JSON_DEPTH, budget: int | None = None) -> None:
    """TooDeep when lists and dicts nest more than `limit` levels. With `budget`, also
    ValueError when the walk meets more than `budget` values: a YAML document whose
    aliases make it expand far beyond its own size (shared nodes count every time)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        if budget is not None and seen > budget:
            raise ValueError("its aliases expand it far beyond its size (an alias bomb?)")
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep(limit)
        stack.extend((child, depth + 1) for child in children)


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _check_regular(path: Path, info: os.stat_result, cap: int | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{path}: not a regular file ({_kind(info.st_mode)})")
    if cap is not None and info.st_size > cap:
        raise FileRefused(f"{path}: larger than the {_mib(cap)} limit")


def read_regular_file(path: Path, cap: int | None) -> bytes:
    """The bytes of `path` if it is a regular file of at most `cap` bytes (None: no cap).

    Checked before opening (devices are never opened) and again on the open descriptor
    (the path may have been swapped in between); opened with O_NONBLOCK so that a FIFO
    cannot block the open, and read no further than the cap even if the file grows."""
    path = Path(path)
    _check_regular(path, os.stat(path), cap)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        _check_regular(path, os.fstat(fd), cap)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read() if cap is None else fh.read(cap + 1)
    finally:
        os.close(fd)
    if cap is not None and len(data) > cap:
        raise FileRefused(f"{path}: larger than the {_mib(cap)} limit")
    return data
