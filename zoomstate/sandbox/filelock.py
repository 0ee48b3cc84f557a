"""One process at a time on a sandbox file: an exclusive `flock` on `FILE.lock`.

The embedded sandbox loads the whole account, serves a command, and writes it back; two
commands on one file at once would each write their own copy and lose the other's
writes. So the lock is taken before the load and held until after the save. A second
process waits for it, saying on stderr whom it waits for (the pid in the lock file) when
the wait is longer than a moment.

The lock file stays: deleting it would let two processes lock two different files of the
same name. `flock` locks die with their process, so a killed command never leaves a
stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["FileLock", "lock_path"]

NOTICE_AFTER_S = 0.5
_POLL_S = 0.05


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


class FileLock:
    """An exclusive lock on `lock_path(path)`; `acquire()` blocks until it is held."""

    def __init__(self, path: Path, *, on_wait: Callable[[str], None] | None = None) -> None:
        self.path = lock_path(Path(path))
        self._on_wait = on_wait
        self._fd: int | None = None

    def acquire(self, notice_after: float = NOTICE_AFTER_S) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            if not self._try(fd, notice_after):
                if self._on_wait is not None:
                    self._on_wait(self._waiting_message(fd))
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @staticmethod
    def _try(fd: int, patience: float) -> bool:
        """Take the lock without blocking, trying again for `patience` seconds."""
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_POLL_S)

    def _waiting_message(self, fd: int) -> str:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        who = f"pid {holder}" if holder.isdigit() else "another process"
        return f"waiting for the sandbox file lock {self.path} held by {who}"

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
