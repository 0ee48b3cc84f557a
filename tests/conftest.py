"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.contract.plugin import checked_call
from zoomstate.sandbox.app import SandboxApp


@pytest.fixture(autouse=True)
def _clean_zoom_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A developer's real credentials or settings (ZOOM_ACCOUNT_ID, ZOOMSTATE_STATE_DIR...)
    must never reach a test: they would change its behaviour or, worse, its target."""
    for name in list(os.environ):
        if name.startswith(("ZOOM_", "ZOOMSTATE_")):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(autouse=True)
def _every_sandbox_answer_is_held_to_the_contract(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Every answer any sandbox gives in this process, whoever asked (the CLI, the client,
    apply, a test), is checked against Zoom's OpenAPI specs; a test whose sandbox broke
    the contract fails at teardown. Tests that deliberately send what Zoom would refuse
    still get Zoom-shaped errors, which are checked too. Sandboxes in other processes
    (`zoomstate sandbox serve` in the CI-recipe and crash tests) are not seen here."""
    problems: list[str] = []
    original = SandboxApp.__call__

    async def checked(self: SandboxApp, scope: Any, receive: Any, send: Any) -> None:
        async def call(s: Any, r: Any, w: Any) -> None:
            await original(self, s, r, w)

        await checked_call(call, scope, receive, send, problems)

    monkeypatch.setattr(SandboxApp, "__call__", checked)
    yield
    assert not problems, "a sandbox answer broke Zoom's contract:\n" + "\n".join(problems[:5])
