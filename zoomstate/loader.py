"""The state loader's public names, kept here so `zoomstate.loader` stays the one import.

The code lives in `zoomstate.io`: `yamlsafe` (safe YAML: limits, tags, aliases, positions),
`locate` (positions found again, `pinpoint`), `issues` (pydantic errors worded),
`loader` (assembly and checks); the folder walk is `zoomstate.discovery`.
"""

from __future__ import annotations

from zoomstate.io.loader import discover, iter_state_files, load_state
from zoomstate.io.locate import pinpoint
from zoomstate.io.paths import format_path, parse_path
from zoomstate.io.yamlsafe import (
    MAX_ALIAS_NODES,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    ParsedFile,
    parse_file,
    parse_text,
)

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
