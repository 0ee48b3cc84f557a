"""A full disk while apply journals: the run stops at once with one line naming the
journal and the cause, exit 1, no traceback, and no call is made that the journal does
not hold. A second apply, with room again, carries on."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served
from zoomstate.apply import Journal
from zoomstate.errors import JournalError

APPLY = ("apply", "state", "--auto-approve", "--allow-data-loss")


class FullDisk:
    """The journal's file on a disk that fills up at the `room`-th step: that record and
    every one after it fail with ENOSPC, as a write to a full disk does."""

    def __init__(self, inner: Any, room: int) -> None:
        self._inner = inner
        self._steps = 0
        self._room = room
        self.full = False

    def write(self, text: str) -> int:
        if json.loads(text)["event"] == "step_start":
            self._steps += 1
        if self.full or self._steps >= self._room:
            self.full = True
            raise OSError(errno.ENOSPC, "No space left on device")
        return int(self._inner.write(text))

    def flush(self) -> None:
        self._inner.flush()

    def close(self) -> None:
        self._inner.close()


def _journaled_writes(path: Path) -> int:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return sum(
        1
        for r in records
        if r["event"] == "request"
        and r["method"] in ("POST", "PUT", "PATCH", "DELETE")
        and not r["path"].endswith("/oauth/token")
    )


def test_a_full_disk_stops_apply_with_one_line(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    journals: list[Journal] = []
    real_create = Journal.create.__func__  # type: ignore[attr-defined]

    def create(cls: type[Journal], directory: Path, run_id: str | None = None) -> Journal:
        journal: Journal = real_create(cls, directory, run_id)
        if not journals:  # the first run's disk fills up; then there is room again
            journal._file = FullDisk(journal._file, room=4)  # type: ignore[assignment]
        journals.append(journal)
        return journal

    monkeypatch.setattr(Journal, "create", classmethod(create))
    result = run(*APPLY)
    assert result.code == 1
    journal = journals[0]
    assert result.err == (
        f"Error: {journal.path}: cannot write the apply journal: disk full; the run stopped "
        "(free some space and run apply again: it re-reads the account and carries on)\n"
    )
    assert "Traceback" not in result.out
    # Steps ran before the disk filled, and every call that reached the sandbox is in the
    # journal: nothing was sent after the journal stopped taking records. (Calls journaled
    # but in flight when the run stopped may never have arrived.)
    sent = sum(served.writes().values())
    assert sent > 0
    assert _journaled_writes(journal.path) >= sent

    again = run(*APPLY)
    assert again.code == 0, again.err
    final = run("plan", "state", "--format", "json")
    assert json.loads(final.out)["operations"] == []


def test_a_journal_that_cannot_be_created_is_one_line(
    served: Served, run: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = run(*APPLY, "--journal-dir", str(blocker / "runs"))
    assert result.code == 1
    assert result.err.startswith(f"Error: --journal-dir {blocker / 'runs'}: cannot write")
    assert "Not a directory" in result.err and result.err.count("\n") == 1
    assert served.writes() == {}


def test_close_after_a_failed_write_says_nothing_more(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.jsonl")
    journal._file = FullDisk(journal._file, room=0)  # type: ignore[assignment]
    with pytest.raises(JournalError, match="disk full"):
        journal.write("step_start", op="x")
    with pytest.raises(JournalError, match="disk full"):
        journal.write("run_end")  # still refused: nothing more goes unjournaled
    journal.close()


def test_once_a_write_failed_the_journal_takes_nothing_more_even_with_room_again(
    tmp_path: Path,
) -> None:
    # A write that failed may have left the record half there; and a call whose request
    # record failed was never sent. A journal that took records again would hold calls
    # after a gap: every write after the first failure is refused, room or not.
    journal = Journal(tmp_path / "run.jsonl")
    disk = FullDisk(journal._file, room=1)
    journal._file = disk  # type: ignore[assignment]
    journal.write("run_start")
    with pytest.raises(JournalError, match="disk full"):
        journal.write("step_start", op="x")
    disk.full, disk._room = False, 10**6  # room again
    with pytest.raises(JournalError, match="disk full"):
        journal.write("request", method="POST", path="/v2/users", op="x")
    journal.close()
    events = [json.loads(line)["event"] for line in journal.path.read_text().splitlines()]
    assert events == ["run_start"]


class FullOnClose(FullDisk):
    """Takes every record, then fails to write them out when the file is closed."""

    def close(self) -> None:
        self._inner.close()
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_close_that_cannot_write_the_journal_out_is_one_line(tmp_path: Path) -> None:
    # The last records were buffered, not written: the run must not end as if they were.
    journal = Journal(tmp_path / "run.jsonl")
    journal._file = FullOnClose(journal._file, room=10**6)  # type: ignore[assignment]
    journal.write("run_end")
    with pytest.raises(JournalError, match="cannot write the apply journal: disk full"):
        journal.close()
