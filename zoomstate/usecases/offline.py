"""The use cases that need no account: validate, schema, import-csv, writing files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zoomstate import __version__
from zoomstate.loader import load_state
from zoomstate.model import DesiredState, StateFile

if TYPE_CHECKING:
    from zoomstate import importcsv

# The CSV import and the atomic writer are imported by the use cases that need them:
# `validate` (run on every commit by the pre-commit hook) loads neither
# (tests/test_lazy_imports.py).

__all__ = ["import_csv", "read_csv_files", "state_file_schema", "validate", "write_files"]


def validate(state_dir: Path, *, follow_external_links: bool = False) -> DesiredState:
    """The state in `state_dir`; raises ValidationFailed with every issue found."""
    return load_state(state_dir, follow_external_links=follow_external_links)


def state_file_schema() -> dict[str, Any]:
    """The JSON Schema of one state file (docs/state.schema.json)."""
    doc = StateFile.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "zoomstate state file"
    doc["description"] = (
        "One YAML file of a zoomstate state directory: any of account (once per state), "
        f"profiles and users. zoomstate {__version__}."
    )
    return doc


def read_csv_files(files: Sequence[Path]) -> list[tuple[str, bytes]]:
    """Each CSV file's display name and bytes; raises OSError or ValueError (too big,
    unreadable) naming the file."""
    from zoomstate import importcsv

    return importcsv.read_inputs(files)


def import_csv(
    inputs: Sequence[tuple[str, bytes]], domains: Sequence[str]
) -> importcsv.ImportResult:
    """Zoom portal CSV files (from `read_csv_files`) as state files, not yet written."""
    from zoomstate import importcsv

    return importcsv.import_csv(inputs, domains)


def write_files(root: Path, files: Mapping[str, str]) -> Iterator[Path]:
    """Write each file (path relative to `root` -> text) atomically, yielding its path
    once it is written, so a caller can report each one as it lands."""
    from zoomstate import atomic

    for rel, text in files.items():
        path = root / rel
        atomic.write_text(path, text)
        yield path
