"""Run the real CLI entry point in-process and capture its streams separately."""

from __future__ import annotations

from dataclasses import dataclass

from click.testing import CliRunner

from zoomstate.cli import main


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], env: dict[str, str | None] | None = None) -> CliResult:
    """`zoomstate ARGS` through `zoomstate.cli.main`, the console-script entry point, so
    the exit-code mapping (usage errors -> 64) is the one users get.

    CliRunner.invoke would call the click group directly and bypass that mapping; its
    isolation() still gives separate stdout and stderr."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        code = main(args)
    return CliResult(int(code), out.getvalue().decode(), err.getvalue().decode())
