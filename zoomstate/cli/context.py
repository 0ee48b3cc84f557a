"""What every command shares: the exit codes, the group's `Context`, and logging."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import click

__all__ = ["Context", "ExitCode", "setup_logging"]


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    # Terraform's -detailed-exitcode number, so CI can tell "something to do" from failure.
    CHANGES = 2
    # BSD sysexits EX_USAGE: click's own default (2) would collide with CHANGES.
    USAGE = 64
    # 128 + SIGINT, as a shell reports a program stopped by Ctrl-C.
    INTERRUPTED = 130


@dataclass(slots=True)
class Context:
    """What every command gets from the group (never from module globals)."""

    verbosity: int
    sandbox: Path | None
    pacing: bool = True

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message, err=True)


def setup_logging(verbosity: int) -> None:
    """Logs on stderr: warnings by default, errors only when quiet, more with -v."""
    level = logging.WARNING
    if verbosity > 0:
        level = logging.INFO if verbosity == 1 else logging.DEBUG
    elif verbosity < 0:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("zoomstate")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
