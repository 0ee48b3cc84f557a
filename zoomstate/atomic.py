"""Writing an output file so that a reader sees the old file or the new one, never half.

Every file the CLI writes (`plan --out`, `drift --out`, `export --out`, `import-csv`)
goes through `write_text`. A run killed mid-write, or a full disk, leaves the file it
was replacing as it was: a saved plan that `apply --plan` later reads is whole or absent.
(The sandbox's account file has its own atomic save in `sandbox/persistence.py`: the
sandbox never imports the core.)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["write_text"]


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically, making its folder if needed: a temporary
    file in the same folder (so the rename never crosses file systems), fsynced, then
    `os.replace`d over `path`. On any error the temporary file is removed and `path` is
    untouched; the OSError is the caller's to word."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _reserve(path)
    try:
        # Path.write_text, not a raw descriptor: it is what a failing disk is simulated
        # on in the tests (tests/e2e/test_output_paths.py).
        tmp.write_text(text, encoding="utf-8")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            # The data must be on disk before the rename makes it the file: otherwise a
            # power cut can leave `path` empty.
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _reserve(path: Path) -> Path:
    """A new, empty, hidden file next to `path`. Created with the usual 0o666 less the
    umask (tempfile.mkstemp's 0o600 would leave an exported state unreadable to the
    group), and exclusively, so two runs writing the same file never share it."""
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 2**32 names
            continue
        os.close(fd)
        return tmp
