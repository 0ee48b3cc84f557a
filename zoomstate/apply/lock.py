"""One apply at a time per journal directory: an exclusive lock on `apply.lock` there.

The lock is `flock` on the file, so the kernel releases it when its holder dies however it
dies; the file's content names the holder (pid, host, start time) for the message a second
apply gets. A clean release empties the file: a lock acquired over a file that still names
a holder means that holder died without releasing it, and is taken over with a warning.
The file is never deleted, so two runs can never lock two different files of one name.

This serialises applies that share a journal directory (one machine, or a shared
volume). Zoom has no lock of its own: CI must serialise applies across machines itself
(docs/ci.md, the recipes' concurrency group).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zoomstate.errors import ZoomstateError

LOCK_NAME = "apply.lock"


class ApplyLocked(ZoomstateError):
    """Another apply holds the journal directory's lock."""


def _holder(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        return {"pid": "?", "host": "?", "started": "?"}
    return data if isinstance(data, dict) else None


def _who(holder: dict[str, Any]) -> str:
    return (
        f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, "
        f"started {holder.get('started', '?')}"
    )


@contextmanager
def apply_lock(
    directory: Path,
    *,
    warn: Callable[[str], None],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[Path]:
    """Hold the directory's apply lock for the block; ApplyLocked when another run has it."""
    import fcntl  # POSIX only, like the runners zoomstate supports

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.pread(fd, 4096, 0).decode("utf-8", "replace")) or {}
            raise ApplyLocked(
                f"another apply is running with this journal directory ({_who(holder)}; "
                f"lock {path}): nothing was done. Wait for it to finish and run apply again "
                "(it plans from the account as that run leaves it)"
            ) from None
        stale = _holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        if stale is not None:
            warn(
                f"took over the apply lock {path} from a run that ended without releasing it "
                f"({_who(stale)}): its journal says how far it got"
            )
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": now().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


__all__ = ["LOCK_NAME", "ApplyLocked", "apply_lock"]
