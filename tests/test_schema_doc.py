"""docs/state.schema.json is what `zoomstate schema` prints: editors that point at the
committed file get the rules the loader applies."""

from __future__ import annotations

import json
from pathlib import Path

from zoomstate.cli import state_file_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "state.schema.json"


def test_committed_schema_matches_the_model() -> None:
    committed = json.loads(DOC.read_text(encoding="utf-8"))
    assert committed == state_file_schema(), (
        "docs/state.schema.json is stale: run `zoomstate schema > docs/state.schema.json`"
    )
