"""The CLI against a server that misbehaves, over loopback HTTP: one that echoes the
request's Authorization header in its error bodies (the token must appear nowhere: not
on stdout, not on stderr, not in the journal), and one that stops answering half-way
through an apply (the run stops, says so, and exits 1)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import WRITES, Served
from tests.e2e.test_apply_cli import journal_records
from zoomstate.apply import NOT_STARTED
from zoomstate.sandbox.app import SandboxApp
from zoomstate.zoom.client import RetryPolicy

APPLY = ("apply", "state", "--auto-approve", "--allow-data-loss")


def echo_authorization(
    monkeypatch: pytest.MonkeyPatch, when: Callable[[str, str], bool]
) -> list[str]:
    """Make the sandbox answer the requests `when` picks with a 400 that repeats every
    header it got, as some proxies and debugging servers do; returns the tokens seen."""
    seen: list[str] = []
    inner = SandboxApp.__call__

    async def echo(self: SandboxApp, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v2/"):
            return await inner(self, scope, receive, send)
        if not when(scope["method"], scope["path"]):
            return await inner(self, scope, receive, send)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen.append(headers["authorization"].partition(" ")[2])
        body = json.dumps(
            {"code": 300, "message": f"Invalid request; the request had {headers}"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    monkeypatch.setattr(SandboxApp, "__call__", echo)
    return seen


def _everything(served: Served, *results: Any) -> str:
    journals = "".join(p.read_text() for p in (served.workdir / ".zoomstate" / "runs").glob("*"))
    return journals + "".join(r.out + r.err for r in results)


def test_plan_never_shows_a_token_the_server_echoes(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = echo_authorization(monkeypatch, lambda method, path: path == "/v2/users")
    result = run("plan", "state")
    assert result.code == 1
    assert seen and all(len(token) > 10 for token in seen)
    assert not any(token in result.out + result.err for token in seen)
    # One line, the server's message still readable with the token masked.
    assert result.err.startswith("Error: GET /users, HTTP 400, Zoom code 300: Invalid request")
    assert "'authorization': '***'" in result.err and len(result.err.splitlines()) == 1


def test_apply_never_shows_or_journals_a_token_the_server_echoes(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = echo_authorization(monkeypatch, lambda method, path: method in WRITES)
    result = run(*APPLY, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    failed = [s for s in report["steps"] if s["status"] == "failed"]
    assert failed and all("'authorization': '***'" in s["detail"] for s in failed)
    assert seen
    everything = _everything(served, result)
    assert "'authorization': '***'" in everything
    assert not any(token in everything for token in seen)


def test_apply_stops_when_the_api_stops_answering(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten more users to create, one step each, run one at a time: the API dies at the
    # first write, and after five steps without an answer the rest are not started.
    (served.workdir / "state" / "users" / "zz-new.yaml").write_text(
        "users:\n"
        + "".join(
            f"  - {{email: new{k}@example.com, first_name: New, last_name: N{k}, type: basic}}\n"
            for k in range(10)
        )
    )
    # Retries at once: the attempts are what is being counted, not the backoff.
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, attempt, rng: 0.0)
    inner = SandboxApp.__call__

    async def dies_at_the_first_write(
        self: SandboxApp, scope: Any, receive: Any, send: Any
    ) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES and "/v2/" in scope["path"]:
            self.runtime.faults.set_spec("drop=1")
        await inner(self, scope, receive, send)

    monkeypatch.setattr(SandboxApp, "__call__", dies_at_the_first_write)
    # Each dropped connection is an exception in the server: not worth a traceback here.
    monkeypatch.setattr(logging.getLogger("uvicorn.error"), "disabled", True)
    result = run(*APPLY, "--concurrency", "1")
    assert result.code == 1, result.err
    assert "Stopped: the API stopped answering" in result.out
    assert "run apply again to finish." in result.out
    head = result.out[result.out.index("Apply: ") :].splitlines()[0]
    counts = dict(
        (status, int(n)) for n, status in re.findall(r"(\d+) (done|failed|skipped)", head)
    )
    assert counts["failed"] == 5 and counts["skipped"] >= 10
    # Skipped: not started, after a step it depends on failed (a group's members wait
    # for its creation), or the waiting steps of an invitee never created.
    not_started = result.out.count(f": {NOT_STARTED}")
    never_created = len(
        re.findall(r"/create_user (failed|skipped), so there is no invitation", result.out)
    )
    assert (
        not_started + never_created + len(re.findall(r": depends on \S+, which failed", result.out))
        == (counts["skipped"])
    )
    records = journal_records(served.workdir)
    assert [r["event"] for r in records].count("run_stopped") == 1
    assert records[-1]["event"] == "run_end"


def test_a_stopped_report_in_json_says_why(tmp_path: Path) -> None:
    from zoomstate.apply import ApplyReport, StepResult
    from zoomstate.cli import _render_report

    report = ApplyReport(
        results=(StepResult("a/update_user", "update_user", "a", "skipped", NOT_STARTED),),
        stopped="the API stopped answering (5 steps in a row got no answer)",
    )
    assert report.to_dict()["stopped"] == report.stopped
    assert ApplyReport(results=()).to_dict()["stopped"] is None
    assert _render_report(report).splitlines()[-1] == (
        "Stopped: the API stopped answering (5 steps in a row got no answer): "
        "run apply again to finish."
    )
