""".pre-commit-hooks.yaml: other repositories run `zoomstate validate` as a pre-commit hook."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from zoomstate.cli import cli, main

REPO = Path(__file__).resolve().parents[2]


def hooks() -> list[dict[str, object]]:
    doc = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, list) and doc
    return doc


def test_hook_definition() -> None:
    (hook,) = hooks()
    assert hook["id"] == "zoomstate-validate"
    assert hook["language"] == "python"  # pre-commit pip-installs this repository
    assert hook["pass_filenames"] is False  # the whole state is checked, not single files
    files = re.compile(str(hook["files"]))
    assert files.search("state/users/sales.yaml") and files.search("state/account.yml")
    assert not files.search("README.md") and not files.search("docs/state.schema.json")


def test_hook_entry_exists_and_passes_on_a_valid_state(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (hook,) = hooks()
    program, *args = shlex.split(str(hook["entry"]))
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert program in scripts, f"{program} is not a console script of this package"
    assert args[0] in cli.commands
    monkeypatch.chdir(REPO)  # pre-commit runs hooks at the repository root
    assert main(args) == 0, capsys.readouterr().err
