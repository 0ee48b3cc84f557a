"""The account on disk: one JSON document, written atomically, loaded on start.

Format (`"format": "zoomstate-sandbox/1"`): every record of `records.py` as plain JSON, plus
the id generator's state and the clock offset, so a reloaded sandbox carries on exactly where
it stopped. Counters and indices are not stored; they are rebuilt on load. Each family
(`families/`) writes and reads its own sections, in the registry's order.

Writes go to a temporary file in the same directory, are fsynced, then `os.replace`d over the
target: a reader (or a crash) sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from zoomstate.sandbox.families import FAMILIES
from zoomstate.sandbox.limits import FileRefused, read_regular_file
from zoomstate.sandbox.records import AccountInfo, Seats, build, plain
from zoomstate.sandbox.store import Account

__all__ = [
    "FORMAT",
    "Debouncer",
    "SandboxFileError",
    "account_from_dict",
    "account_to_dict",
    "load",
    "save",
]

FORMAT = "zoomstate-sandbox/1"


def account_to_dict(account: Account, clock_offset: float = 0.0) -> dict[str, Any]:
    """The account's core (ids, clock, account info, seats), then each family's sections
    in registry order."""
    state = account.ids.getstate()
    doc: dict[str, Any] = {
        "format": FORMAT,
        "seed": account.ids.seed,
        "rng_state": [state[0], list(state[1]), state[2]],  # type: ignore[index]
        "clock_offset": clock_offset,
        "next_seq": account.next_seq,
        "info": plain(account.info),
        "seats": plain(account.seats),
    }
    for family in FAMILIES:
        doc.update(family.dump(account))
    return doc


def account_from_dict(data: dict[str, Any]) -> tuple[Account, float]:
    """The account and the clock offset stored with it."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a sandbox account file (format {data.get('format')!r})")
    account = Account(seed=int(data.get("seed", 0)), info=build(AccountInfo, data["info"]))
    rng = data.get("rng_state")
    if rng is not None:
        account.ids.setstate((rng[0], tuple(rng[1]), rng[2]))
    account.seats = build(Seats, data.get("seats", {}))
    for family in FAMILIES:
        family.load(account, data)
    account.next_seq = max(account.next_seq, int(data.get("next_seq", 1)))
    return account, float(data.get("clock_offset", 0.0))


def save(account: Account, path: Path, clock_offset: float = 0.0) -> None:
    """Write the account atomically. Serialises under the account lock (a consistent
    snapshot), writes outside it."""
    with account.lock:
        doc = account_to_dict(account, clock_offset)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # dumps + one write is several times faster than json.dump's streaming encoder.
            fh.write(json.dumps(doc, separators=(",", ":")))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# What every saved file has; the rest defaults when absent (files of earlier versions).
_SHAPE: dict[str, type] = {"info": dict, "users": list}


class SandboxFileError(ValueError):
    """The account file cannot be used; the message is one line, starting with its path.
    Nothing was written to it."""


def load(path: Path) -> tuple[Account, float]:
    """The account stored in `path`, or SandboxFileError saying why it is not one (not a
    regular file, not JSON, truncated, not this format, records of the wrong shape)."""
    path = Path(path)
    try:
        raw = read_regular_file(path, None)
    except FileRefused as exc:
        raise SandboxFileError(f"{exc}; not a zoomstate sandbox file") from None
    except OSError as exc:
        raise SandboxFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        # No depth walk over what may be 100,000 users: the records' shape is checked as
        # they are built, and the decoder's own recursion limit stops a hostile nesting.
        data = json.loads(raw)
    except RecursionError:
        raise _not_ours(path, "nested too deep") from None
    except ValueError as exc:
        reason = "empty" if not raw.strip() else f"not JSON or truncated: {exc}"
        raise _not_ours(path, reason) from None
    if not isinstance(data, dict):
        raise _not_ours(path, f"a JSON {type(data).__name__}, not an object")
    if data.get("format") != FORMAT:
        raise _not_ours(path, f"format {data.get('format')!r}, expected {FORMAT!r}")
    for key, kind in _SHAPE.items():
        if not isinstance(data.get(key), kind):
            shown = "object" if kind is dict else "array"
            raise _not_ours(path, f"{key!r} missing or not a JSON {shown}")
    try:
        return account_from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        problem = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise _not_ours(path, f"records of the wrong shape: {problem}") from None


def _not_ours(path: Path, reason: str) -> SandboxFileError:
    one_line = " ".join(reason.split())[:300]
    return SandboxFileError(f"{path}: not a zoomstate sandbox file ({one_line})")


class Debouncer:
    """Saves the account at most once per `interval` seconds, and only when it changed.

    Rewriting a 100,000-user file on every request would dominate the sandbox's cost, so
    writes are batched; `flush()` (called on shutdown, by the admin API and by the embedded
    sandbox's close) writes immediately if anything is pending.
    """

    def __init__(self, account_ref: Any, path: Path, interval: float, offset: Any) -> None:
        self._account_ref = account_ref  # callable returning the current Account
        self._offset = offset  # callable returning the clock offset
        self.path = Path(path)
        self.interval = interval
        self._saved_version: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _current(self) -> tuple[Account, tuple[int, int]]:
        account: Account = self._account_ref()
        return account, (id(account), account.version)

    def flush(self) -> bool:
        """Save now if the account changed since the last save; True when it wrote."""
        with self._lock:
            account, version = self._current()
            if version == self._saved_version and self.path.exists():
                return False
            save(account, self.path, float(self._offset()))
            self._saved_version = version
            return True

    def mark_saved(self) -> None:
        with self._lock:
            self._saved_version = self._current()[1]

    def start(self) -> None:
        if self._thread is not None or self.interval <= 0:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sandbox-save", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()
