"""What every command shares: the exit codes and the group's `Context`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import click

__all__ = ["Context", "ExitCode"]


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    # Terraform's -detailed-exitcode number, so CI can tell "something to do" from failure.
    CHANGES = 2
    # BSD sysexits EX_USAGE: click's own default (2) would collide with CHANGES.
    USAGE = 64


@dataclass(slots=True)
class Context:
    """What every command gets from the group (never from module globals)."""

    verbosity: int
    sandbox: Path | None
    pacing: bool = True

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message, err=True)
