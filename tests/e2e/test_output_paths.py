"""Where apply and plan write (`--journal-dir`, `plan --out`) cannot be written: one line,
exit 1, no traceback, and before any API call (issue 12)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Served


def only_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("under", ["afile/runs", "afile/deeper/runs"])
def test_a_journal_dir_under_a_file_is_one_line(served: Served, run: Any, under: str) -> None:
    Path("afile").write_text("not a folder", encoding="utf-8")
    result = run("apply", "state", "--auto-approve", "--journal-dir", under)
    assert result.code == 1
    line = only_line(result.err)
    assert line.startswith(f"Error: --journal-dir {under}: cannot write the run's journal there")
    assert served.zoom_calls() == 0
    assert served.writes() == {}


@pytest.mark.parametrize("under", ["afile/plan.json", "afile/deeper/plan.json"])
def test_plan_out_under_a_file_is_one_line(served: Served, run: Any, under: str) -> None:
    Path("afile").write_text("not a folder", encoding="utf-8")
    result = run("plan", "state", "--out", under)
    assert result.code == 1
    line = only_line(result.err)
    assert line.startswith(f"Error: --out {under}: cannot make its folder")
    assert served.zoom_calls() == 0
    assert Path("afile").read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_plan_out_into_a_read_only_folder_is_one_line(served: Served, run: Any) -> None:
    folder = Path("locked")
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run("plan", "state", "--out", "locked/plan.json")
    finally:
        folder.chmod(0o700)
    assert result.code == 1
    assert only_line(result.err) == (
        "Error: --out locked/plan.json: its folder locked is not writable"
    )
    assert served.zoom_calls() == 0


def test_plan_out_that_fails_while_saving_is_one_line(
    served: Served, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The folder was fine when the run started; the disk filled up by the end.
    def full(*_args: Any, **_kwargs: Any) -> int:
        raise OSError(28, "No space left on device", "plan.json.tmp")

    monkeypatch.setattr(Path, "write_text", full)
    result = run("plan", "state", "--out", "plan.json")
    assert result.code == 1
    assert (
        "Error: --out plan.json: cannot save the plan there (No space left on device: "
        "plan.json.tmp)" in result.err
    )
    assert "Traceback" not in result.err
    assert not Path("plan.json").exists()


@pytest.mark.parametrize("command", ["drift", "export"])
def test_drift_and_export_out_under_a_file_are_one_line(
    served: Served, run: Any, command: str
) -> None:
    Path("afile").write_text("not a folder", encoding="utf-8")
    args = (
        ("drift", "state", "--out", "afile/drift.md")
        if command == "drift"
        else ("export", "--out", "afile/state", "--domain", "example.com")
    )
    result = run(*args)
    assert result.code == 1
    line = only_line(result.err)
    target = "afile/drift.md" if command == "drift" else "afile/state/state.yaml"
    assert line.startswith(f"Error: --out {target}: ")
    assert "cannot make its folder" in line
    assert served.zoom_calls() == 0
    assert Path("afile").read_text(encoding="utf-8") == "not a folder"
