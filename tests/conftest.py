"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_zoom_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A developer's real credentials or settings (ZOOM_ACCOUNT_ID, ZOOMSTATE_STATE_DIR...)
    must never reach a test: they would change its behaviour or, worse, its target."""
    for name in list(os.environ):
        if name.startswith(("ZOOM_", "ZOOMSTATE_")):
            monkeypatch.delenv(name)
    yield
