"""zoomstate.atomic.write_text: every output file the CLI writes (plan --out, drift --out,
export, import-csv) is the old file or the new one, never a part."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from zoomstate import atomic


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_the_text_and_makes_the_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "plan.json"
    atomic.write_text(target, "{}\n é")
    assert target.read_bytes() == "{}\n é".encode()
    assert _siblings(target.parent) == ["plan.json"]  # no temporary file left


def test_replaces_a_file_that_is_there(tmp_path: Path) -> None:
    target = tmp_path / "users.yaml"
    target.write_text("old", encoding="utf-8")
    atomic.write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert _siblings(tmp_path) == ["users.yaml"]


def test_the_data_is_synced_before_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        # The temporary file sits in the target's folder: the rename never crosses disks.
        assert Path(src).parent == Path(dst).parent
        events.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    atomic.write_text(tmp_path / "x.json", "x")
    assert events == ["fsync", "replace"]


@pytest.mark.parametrize("fails", ["write", "replace"])
def test_a_failure_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")

    def full(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    if fails == "write":
        monkeypatch.setattr(Path, "write_text", full)
    else:
        monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space left"):
        atomic.write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert _siblings(tmp_path) == ["plan.json"]


def test_the_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    # Like Path.write_text: 0o666 less the umask (a private 0o600 would hide an export).
    old = os.umask(0o022)
    try:
        atomic.write_text(tmp_path / "users.yaml", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "users.yaml").stat().st_mode & 0o777 == 0o644
