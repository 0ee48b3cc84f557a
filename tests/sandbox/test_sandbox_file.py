"""The `--sandbox FILE` store: one process at a time (an exclusive lock on FILE.lock, held
from the load to the save, so two commands never lose each other's writes), and a file
that is not a sandbox file is a one-line error that leaves it as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from zoomstate.cli import main
from zoomstate.sandbox.filelock import FileLock, lock_path
from zoomstate.sandbox.persistence import load

REPO = Path(__file__).resolve().parents[2]
NEW_USERS = """users:
  - {email: lock.a@example.com, first_name: Lock, last_name: A, type: basic}
  - {email: lock.b@example.com, first_name: Lock, last_name: B, type: basic}
"""


def test_a_second_holder_waits_and_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    first = FileLock(tmp_path / "sb.json")
    first.acquire()
    assert lock_path(tmp_path / "sb.json").read_text() == f"{os.getpid()}\n"
    told = threading.Event()
    messages: list[str] = []

    def on_wait(message: str) -> None:
        messages.append(message)
        told.set()

    second = FileLock(tmp_path / "sb.json", on_wait=on_wait)
    got = threading.Event()

    def take() -> None:
        second.acquire(notice_after=0)
        got.set()

    worker = threading.Thread(target=take, daemon=True)
    worker.start()
    assert told.wait(timeout=20)
    assert not got.is_set()
    assert messages == [
        f"waiting for the sandbox file lock {tmp_path / 'sb.json.lock'} held by pid {os.getpid()}"
    ]
    first.release()
    assert got.wait(timeout=20)
    second.release()
    worker.join(timeout=20)


def _apply(sandbox: Path, state: Path, user: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoomstate.cli",
            "--sandbox",
            str(sandbox),
            "apply",
            str(state),
            "--auto-approve",
            "--target",
            user,
            # A journal directory each: one directory takes one apply at a time.
            "--journal-dir",
            f"runs-{user}",
        ],
        cwd=sandbox.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMSTATE_"))},
    )


def test_two_cli_processes_on_one_sandbox_file_keep_both_writes(tmp_path: Path) -> None:
    """Both applies are started while this test holds the lock, and each says it waits for
    it before it has read anything: so they truly overlap, and each one's write must still
    be in the file afterwards (without the lock the second save dropped the first's user)."""
    state = tmp_path / "state"
    shutil.copytree(REPO / "state", state)
    (state / "users" / "locktest.yaml").write_text(NEW_USERS)
    sandbox = tmp_path / "sb.json"
    assert main(["--sandbox", str(sandbox), "plan", str(state)]) in (0, 2)  # creates the file
    held = FileLock(sandbox)
    held.acquire()
    runs = [_apply(sandbox, state, f"lock.{x}@example.com") for x in "ab"]
    try:
        for run in runs:
            assert run.stderr is not None
            line = run.stderr.readline()
            assert line.startswith("waiting for the sandbox file lock"), line
            assert f"held by pid {os.getpid()}" in line
    finally:
        held.release()
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err + out
        assert "Traceback" not in err
    account, _ = load(sandbox)
    for x in "ab":
        assert account.user_by_email(f"lock.{x}@example.com") is not None, x


def _valid(tmp_path: Path) -> bytes:
    good = tmp_path / "good.json"
    assert main(["--sandbox", str(good), "plan", str(REPO / "state")]) in (0, 2)
    return good.read_bytes()


CORRUPT = {
    "not-json": lambda good: b"hello, I am a shopping list\n",
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "a-list": lambda good: b"[1, 2, 3]",
    "other-format": lambda good: json.dumps({"format": "something/2"}).encode(),
    "wrong-shape": lambda good: json.dumps({"format": "zoomstate-sandbox/1", "info": 5}).encode(),
    "bad-users": lambda good: good.replace(b'"users":[', b'"users":[7,', 1),
    "deep": lambda good: b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_a_corrupt_sandbox_file_is_one_line_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    content = CORRUPT[kind](_valid(tmp_path))
    bad = tmp_path / "sb.json"
    bad.write_bytes(content)
    capsys.readouterr()
    for argv in (["plan", str(REPO / "state")], ["export", "--out", str(tmp_path / "out")]):
        assert main(["--sandbox", str(bad), *argv]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"Error: {bad}: not a zoomstate sandbox file ("), err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert bad.read_bytes() == content
    assert not (tmp_path / "out").exists()


def test_a_sandbox_path_that_is_a_fifo_or_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "sb.json"
    os.mkfifo(fifo)
    assert main(["--sandbox", str(fifo), "plan", str(REPO / "state")]) == 1
    err = capsys.readouterr().err
    assert err == f"Error: {fifo}: not a regular file (a FIFO); not a zoomstate sandbox file\n"


def test_serve_with_a_corrupt_data_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "data.json"
    bad.write_text("{not json")
    assert main(["sandbox", "serve", "--port", "0", "--data", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {bad}: not a zoomstate sandbox file (not JSON or truncated")
    assert err.count("\n") == 1
    assert bad.read_text() == "{not json"
