"""docs/cli.md is the CLI's own `--help`, and every command's help shows examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.tools.gen_cli_reference import REGENERATE, generate, walk
from zoomstate.cli import cli, main

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [path for path, _ in walk(cli, "zoomstate")]
# Commands whose help has no examples yet (the code is not this test's to change).
# Remove a name as soon as its help gets an "Examples:" section: the strict xfail fails.
NO_EXAMPLES_YET: dict[str, str] = {}


def test_cli_reference_is_up_to_date() -> None:
    current = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == generate(), (
        f"docs/cli.md differs from the commands' --help: regenerate it with\n    {REGENERATE}"
    )


@pytest.mark.parametrize("path", COMMANDS)
def test_reference_is_what_help_prints(
    path: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # the reference is rendered for 80 columns
    assert main([*path.split()[1:], "--help"]) == 0
    printed = capsys.readouterr().out
    section = re.search(
        rf"^## {re.escape(path)}\n\n```text\n(.*?)\n```$",
        (REPO / "docs" / "cli.md").read_text(encoding="utf-8"),
        re.S | re.M,
    )
    assert section is not None, f"docs/cli.md has no section for {path}: {REGENERATE}"
    assert printed.rstrip() == section.group(1), f"{path} --help changed: {REGENERATE}"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=NO_EXAMPLES_YET[p]))
        if p in NO_EXAMPLES_YET
        else p
        for p in COMMANDS
    ],
)
def test_every_command_help_has_examples(path: str) -> None:
    text = dict(walk(cli, "zoomstate"))[path]
    assert re.search(r"^\s*Examples?:\s*$", text, re.M), f"{path} --help shows no Examples:"
    example = re.search(r"^\s*Examples?:\s*\n\s+(\S.*)$", text, re.M)
    assert example is not None and example.group(1).startswith(path.split()[0])
