"""One apply at a time, and honest interruptions (issue 14), with real processes: an
apply runs in a child process against the sandbox served over loopback HTTP, behind a gate
that holds Zoom writes until the test lets them go, so the test knows the first run is
mid-way without sleeping for it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO
from tests.sandbox.conftest import LiveServer, frozen_clock
from zoomstate.cli import main
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app

WRITES = ("POST", "PUT", "PATCH", "DELETE")


class Gate:
    """An ASGI wrapper of the sandbox: lets `allow` Zoom API writes through, then holds
    each later one until `release` is set. Held requests then go on to the sandbox
    (`forward`), or get a 503 without reaching it (their client is gone)."""

    def __init__(self, app: SandboxApp, allow: int, *, forward: bool) -> None:
        self.app, self.allow, self.forward = app, allow, forward
        self.passed = 0
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.release = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES and "/v2/" in scope["path"]:
            with self.lock:
                hold = self.passed >= self.allow
                self.passed += 1
            if hold:
                self.held.set()
                await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
                if not self.forward:
                    await send({"type": "http.response.start", "status": 503, "headers": []})
                    await send({"type": "http.response.body", "body": b""})
                    return
        await self.app(scope, receive, send)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("ZOOM_", "ZOOMSTATE_"))]:
        monkeypatch.delenv(key)
    (tmp_path / "state").mkdir()
    for item in (REPO / "state").iterdir():
        target = tmp_path / "state" / item.name
        if item.is_dir():
            target.mkdir()
            for f in item.iterdir():
                target.joinpath(f.name).write_bytes(f.read_bytes())
        else:
            target.write_bytes(item.read_bytes())
    return tmp_path


def _env(base_url: str) -> dict[str, str]:
    return dict(
        ZOOMSTATE_API_URL=f"{base_url}/v2",
        ZOOMSTATE_OAUTH_URL=f"{base_url}/oauth/token",
        ZOOM_ACCOUNT_ID=DEFAULT_CREDENTIALS.account_id,
        ZOOM_CLIENT_ID=DEFAULT_CREDENTIALS.client_id,
        ZOOM_CLIENT_SECRET=DEFAULT_CREDENTIALS.client_secret,
        ZOOMSTATE_PACING="off",
    )


@pytest.fixture
def served_gate(request: pytest.FixtureRequest, workdir: Path) -> Iterator[tuple[Gate, str]]:
    allow, forward = request.param
    gate = Gate(create_app(seed="demo", clock=frozen_clock()), allow, forward=forward)
    with LiveServer(gate) as server:  # type: ignore[arg-type]
        try:
            yield gate, server.base_url
        finally:
            gate.release.set()


APPLY = ["apply", "state", "--auto-approve", "--allow-data-loss", "--concurrency", "1"]


def _start(base_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "zoomstate.cli", *APPLY, "--journal-dir", "runs", *extra],
        env={**os.environ, **_env(base_url)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _in_process(
    base_url: str, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, str, str]:
    for key, value in _env(base_url).items():
        monkeypatch.setenv(key, value)
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("served_gate", [(0, True)], indirect=True)
def test_a_second_apply_on_the_same_journal_directory_is_refused_while_the_first_runs(
    served_gate: tuple[Gate, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    gate, base_url = served_gate
    first = _start(base_url)
    try:
        assert gate.held.wait(timeout=120), "the first apply never reached a write"
        code, _, err = _in_process(base_url, [*APPLY, "--journal-dir", "runs"], monkeypatch, capsys)
        assert code == 1
        assert "another apply is running with this journal directory" in err
        assert f"pid {first.pid} on host" in err
        assert gate.passed == 1  # the refused run sent nothing
        gate.release.set()
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert re.search(r"^Apply: \d+ done, 0 failed, 0 skipped", out, re.M), out
    # The lock is free again: the next apply runs (and finds only waiting steps).
    code, _, err = _in_process(base_url, [*APPLY, "--journal-dir", "runs"], monkeypatch, capsys)
    assert code == 0, err
    assert "took over" not in err


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_warning(
    workdir: Path, capsys: Any
) -> None:
    runs = workdir / "runs"
    runs.mkdir()
    (runs / "apply.lock").write_text(
        json.dumps({"pid": 999999, "host": "ci-7", "started": "2026-12-01T10:00:00+00:00"})
    )
    code = main(["--sandbox", str(workdir / "sb.json"), *APPLY, "--journal-dir", "runs"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "took over the apply lock" in err and "pid 999999 on host ci-7" in err
    assert (runs / "apply.lock").read_text() == ""


@pytest.mark.parametrize("served_gate", [(3, False)], indirect=True)
def test_ctrl_c_prints_the_summary_journals_interrupted_and_the_next_plan_is_the_rest(
    served_gate: tuple[Gate, str], workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    gate, base_url = served_gate
    _, out, _ = _in_process(base_url, ["plan", "state", "--format", "json"], monkeypatch, capsys)
    planned = [op["id"] for op in json.loads(out)["operations"]]
    first = _start(base_url, "--format", "json")
    try:
        assert gate.held.wait(timeout=120), "the apply never reached its fourth write"
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 130, err
    report = json.loads(out)
    assert report["interrupted"] is True
    steps = {s["op"]: s["status"] for s in report["steps"]}
    done = [op for op in planned if steps.get(op) == "done"]
    assert done and len(done) < len(planned)
    assert report["not_started"] == sum(1 for op in planned if op not in steps)
    assert list(steps.values()).count("interrupted") == 1
    (journal,) = sorted((workdir / "runs").glob("*.jsonl"))
    events = [json.loads(line)["event"] for line in journal.read_text().splitlines()]
    assert events[-1] == "run_interrupted" and "run_end" not in events

    _, out, _ = _in_process(base_url, ["plan", "state", "--format", "json"], monkeypatch, capsys)
    rest = [op["id"] for op in json.loads(out)["operations"]]
    assert rest == [op for op in planned if op not in done]


@pytest.mark.parametrize("served_gate", [(3, False)], indirect=True)
def test_ctrl_c_in_text_says_how_to_finish(served_gate: tuple[Gate, str]) -> None:
    gate, base_url = served_gate
    first = _start(base_url)
    try:
        assert gate.held.wait(timeout=120)
        first.send_signal(signal.SIGINT)
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 130, err
    head = next(line for line in out.splitlines() if line.startswith("Apply:"))
    assert head.startswith("Apply: 3 done, 0 failed, 0 skipped, 1 interrupted, ")
    assert " not started (" in head
    assert "Interrupted (Ctrl-C): run apply again to finish" in out
    assert "Journal: runs/" in out
    assert "Aborted" not in err


class RefuseCreate:
    """The sandbox, refusing every POST /users (Zoom's 400 / 300)."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v2/users":
            body = json.dumps({"code": 300, "message": "Refused by the test"}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def test_the_waiting_steps_of_a_user_whose_creation_failed_are_skipped(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    app = RefuseCreate(create_app(seed="demo", clock=frozen_clock()))
    with LiveServer(app) as server:  # type: ignore[arg-type]
        code, out, err = _in_process(
            server.base_url,
            [*APPLY, "--journal-dir", "runs", "--format", "json"],
            monkeypatch,
            capsys,
        )
    assert code == 1, err
    steps = {s["op"]: s for s in json.loads(out)["steps"]}
    assert steps["ivan.petrov@example.com/create_user"]["status"] == "failed"
    later = [s for op, s in steps.items() if op.startswith("ivan.petrov") and "create" not in op]
    assert later and all(s["status"] == "skipped" for s in later)
    assert all(
        s["detail"]
        == "ivan.petrov@example.com/create_user failed, so there is no invitation to wait for"
        for s in later
    )
