"""The apply journal: one JSON-lines file per run, and the transport that writes every
API call to it before it leaves and after it returns (retries included), so after a crash
it tells what reached Zoom."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from zoomstate.errors import JournalError
from zoomstate.redact import scrub


class Journal:
    """One JSON-lines file per run. Each record is flushed as it is written: a killed run
    leaves every record it wrote (the OS keeps what was flushed; fsync only matters on
    power loss, and is not paid for on every call). Journals travel (CI artifacts): every
    record goes through `redact.scrub`, so what could let someone in is masked."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self._clock = clock or (lambda: datetime.now(UTC))
        self.records = 0
        self._broken: JournalError | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: TextIO = path.open("a", encoding="utf-8")
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise _journal_error(path, exc, "cannot create the apply journal") from None
            raise  # a folder that cannot hold a journal is the caller's bad option

    @classmethod
    def create(cls, directory: Path, run_id: str | None = None) -> Journal:
        run_id = run_id or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
        return cls(directory / f"{run_id}.jsonl")

    def write(self, event: str, **data: Any) -> None:
        """Append one record; JournalError when it cannot be written, and on every write
        after that (so nothing more is done unjournaled)."""
        if self._broken is not None:
            raise self._broken
        record = {"t": self._clock().isoformat(timespec="milliseconds"), "event": event, **data}
        try:
            self._file.write(json.dumps(scrub(record), sort_keys=True, default=str) + "\n")
            self._file.flush()
        except OSError as exc:
            self._broken = _journal_error(self.path, exc, "cannot write the apply journal")
            raise self._broken from None
        self.records += 1

    def close(self) -> None:
        try:
            self._file.close()
        except OSError as exc:
            if self._broken is None:  # already said; the run is stopping for it
                raise _journal_error(self.path, exc, "cannot write the apply journal") from None


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _journal_error(path: Path, exc: OSError, what: str) -> JournalError:
    reason = "disk full" if exc.errno in _DISK_FULL else exc.strerror or exc
    return JournalError(
        f"{path}: {what}: {reason}; the run stopped (free some space and run apply again: "
        "it re-reads the account and carries on)"
    )


# Which step the current task is working on, for the journaling transport. Each worker
# task has its own context, so concurrent steps never see each other's value.
_current_op: ContextVar[str | None] = ContextVar("zoomstate_current_op", default=None)


class JournalTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport: every attempt (retries included) is written to the journal
    before it is sent and after it returns or fails. Headers are never written."""

    def __init__(self, inner: httpx.AsyncBaseTransport, journal: Journal) -> None:
        self._inner = inner
        self._journal = journal

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The token request is journaled by path only: its query and headers are the
        # app's credentials.
        token = request.url.path.rstrip("/").endswith("oauth/token")
        body: Any = None
        if request.content and not token:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = None
        target: dict[str, Any] = {
            "method": request.method,
            "path": request.url.path,
            "op": _current_op.get(),
        }
        query = dict(request.url.params)
        if query and not token:
            target["query"] = query
        self._journal.write("request", **target, body=body)
        try:
            response = await self._inner.handle_async_request(request)
        except Exception as exc:
            self._journal.write("response", **target, error=type(exc).__name__)
            raise
        code = None
        if response.status_code >= 400:
            await response.aread()
            try:
                parsed = json.loads(response.content or b"{}")
                code = parsed.get("code") if isinstance(parsed, dict) else None
            except ValueError:
                code = None
        self._journal.write("response", **target, status=response.status_code, code=code)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


__all__ = ["Journal", "JournalTransport"]
