"""Plan the demo state (`state/`) with one edit, through the CLI against an embedded
sandbox: the way tests check that a plan-time problem points at the right line."""

from __future__ import annotations

import shutil
from pathlib import Path

from zoomstate.cli import main

REPO = Path(__file__).resolve().parents[1]


def plan_demo_with(tmp_path: Path, file: str, old: str, new: str) -> tuple[int, str]:
    """Copy `state/` to `tmp_path`, replace `old` by `new` once in `file` (a path inside
    the state), plan it; the exit code and the file's text before the edit."""
    state_dir = tmp_path / "state"
    shutil.copytree(REPO / "state", state_dir)
    path = state_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return main(["--sandbox", str(tmp_path / "sb.json"), "plan", str(state_dir)]), text
