"""Generate docs/cli.md, the CLI reference, from the click commands.

    .venv/bin/python -m tests.tools.gen_cli_reference > docs/cli.md

Each command's help is rendered exactly as `--help` prints it in an 80-column terminal
(click wraps at 78), so the reference and the CLI cannot disagree: tests/ci/
test_cli_reference.py regenerates it and fails when docs/cli.md differs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from zoomstate.cli import cli

WIDTH = 78  # what click uses in an 80-column terminal (COLUMNS=80)
REGENERATE = ".venv/bin/python -m tests.tools.gen_cli_reference > docs/cli.md"

HEADER = f"""# CLI reference

<!-- Generated from the click commands by tests/tools/gen_cli_reference.py: do not edit.
     Regenerate with: {REGENERATE} -->

Every command below prints this same text with `--help` (or `-h`). The conventions shared by
all commands (payload on stdout, logs on stderr, exit codes 0 / 1 / 2 / 64, environment
variables named in each option's help) are in the [README](../README.md#the-cli-contract).
"""


def walk(
    command: click.Command, name: str, parent: click.Context | None = None
) -> Iterator[tuple[str, str]]:
    """(command path, help text) for the command and, depth first by name, its subcommands."""
    ctx = command.make_context(
        name,
        [],
        parent=parent,
        resilient_parsing=True,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
    )
    yield ctx.command_path, command.get_help(ctx)
    if isinstance(command, click.Group):
        for sub in sorted(command.list_commands(ctx)):
            child = command.get_command(ctx, sub)
            assert child is not None
            yield from walk(child, sub, ctx)


def generate() -> str:
    parts = [HEADER]
    commands = list(walk(cli, "zoomstate"))
    parts.append("## Commands\n")
    parts.extend(f"- [`{path}`](#{path.replace(' ', '-')})" for path, _ in commands)
    parts.append("")
    for path, text in commands:
        parts.append(f"## {path}\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    sys.exit(main())
