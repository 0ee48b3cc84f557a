"""Paths to a value inside a state file, as tuples and as the text issues show."""

from __future__ import annotations

import re
from collections.abc import Sequence

PathPart = str | int
JsonPath = tuple[PathPart, ...]

_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def format_path(path: Sequence[PathPart]) -> str:
    """`("users", 3, "phone", "numbers", 0)` -> `users[3].phone.numbers[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def parse_path(text: str) -> JsonPath:
    """`users[3].phone.numbers` -> `("users", 3, "phone", "numbers")`."""
    return tuple(int(index) if index else name for index, name in _PATH_PART.findall(text))


__all__ = ["JsonPath", "PathPart", "format_path", "parse_path"]
