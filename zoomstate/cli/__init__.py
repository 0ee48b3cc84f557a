"""The command line: the only place that knows about terminals and exit codes.

Contract (docs/cli.md): the payload (plans, reports, exports, schemas) goes to stdout;
logs, progress and errors go to stderr. Exit codes are `ExitCode`.

This module holds the group, its options and `main` (errors to exit codes). Each
command is a module of this package, imported only when that command is looked up
(`LazyCommands`); what a command does is in `zoomstate.usecases`, without click.
"""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zoomstate import __version__
from zoomstate.cli.context import Context, ExitCode, setup_logging
from zoomstate.cli.lazy import LazyCommands
from zoomstate.cli.options import STATE_DIR, connection_options
from zoomstate.cli.pydantic_plugins import skip_plugin_discovery
from zoomstate.errors import ZoomstateError

if TYPE_CHECKING:  # what __getattr__ hands out, for the type checker
    from zoomstate.cli.ui import color as _color
    from zoomstate.cli.ui import progress as _progress
    from zoomstate.render.report import render_apply_report as _render_report
    from zoomstate.usecases.offline import state_file_schema
    from zoomstate.usecases.reading import read_live as _read_live

__all__ = [
    "STATE_DIR",
    "Context",
    "ExitCode",
    "_color",
    "_progress",
    "_read_live",
    "_render_report",
    "cli",
    "connection_options",
    "main",
    "state_file_schema",
]

COMMANDS = {
    "validate": "zoomstate.cli.validate:validate",
    "schema": "zoomstate.cli.schema:schema",
    "plan": "zoomstate.cli.plan:plan",
    "apply": "zoomstate.cli.apply:apply",
    "export": "zoomstate.cli.export:export",
    "drift": "zoomstate.cli.drift:drift",
    "completion": "zoomstate.cli.completion:completion",
    "import-csv": "zoomstate.cli.import_csv:import_csv",
    "sandbox": "zoomstate.cli.sandbox:sandbox",
}


@click.group(
    commands=LazyCommands(COMMANDS),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="zoomstate")
@click.option("-q", "--quiet", count=True, help="Print less on stderr (errors only).")
@click.option("-v", "--verbose", count=True, help="Print more on stderr (-vv for debug).")
@click.option(
    "--sandbox",
    "sandbox",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ZOOMSTATE_SANDBOX",
    help="Talk to an embedded sandbox account persisted in FILE (created from the demo "
    "seed when missing) instead of Zoom. Env: ZOOMSTATE_SANDBOX.",
)
@click.option(
    "--pacing/--no-pacing",
    default=True,
    envvar="ZOOMSTATE_PACING",
    show_default=True,
    help="Pace requests under Zoom's rate limits. Turn it off only for a sandbox without "
    "rate limits. Env: ZOOMSTATE_PACING.",
)
@click.pass_context
def cli(ctx: click.Context, quiet: int, verbose: int, sandbox: Path | None, pacing: bool) -> None:
    """zoomstate: manage a Zoom account's users, Zoom Phone and Contact Center from
    YAML files in git, with validate, plan and apply.

    \b
    Exit codes: 0 success or no changes, 1 error, 2 changes present
    (plan --detailed-exitcode, drift), 64 usage error.

    \b
    Examples:
      zoomstate validate state/
      zoomstate --sandbox demo.json plan state/
      zoomstate --sandbox demo.json apply state/ --auto-approve --allow-data-loss
    """
    verbosity = verbose - quiet
    setup_logging(verbosity)
    ctx.obj = Context(verbosity=verbosity, sandbox=sandbox, pacing=pacing)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: maps errors to exit codes (see ExitCode)."""
    skip_plugin_discovery()
    try:
        result = cli.main(args=argv, prog_name="zoomstate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.NoSuchOption as exc:
        (misplaced_global(exc, sys.argv[1:] if argv is None else argv) or exc).show()
        return ExitCode.USAGE
    except click.UsageError as exc:
        exc.show()
        return ExitCode.USAGE
    except click.Abort:
        click.echo("Aborted.", err=True)
        return ExitCode.ERROR
    except ZoomstateError as exc:
        click.echo(f"Error: {exc}", err=True)
        return ExitCode.ERROR
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    return int(result) if isinstance(result, int) else ExitCode.OK


def misplaced_global(exc: click.NoSuchOption, argv: Sequence[str]) -> click.UsageError | None:
    """A global option given after the command (`plan state/ --sandbox x.json`): click
    only knows that the command has no such option; say where it belongs, with the
    command line put right. None when the option is not one of the group's."""
    name = exc.option_name
    options = [o for o in cli.params if isinstance(o, click.Option)]
    option = next((o for o in options if name in (*o.opts, *o.secondary_opts)), None)
    if option is None:
        return None
    args = list(argv)
    # The last occurrence: an earlier one may be the same option given in its place.
    for i in reversed(range(len(args))):
        token = args[i]
        stacked = not name.startswith("--") and token.startswith(name) and token[1:2] != "-"
        if token == name or token.startswith(name + "=") or stacked:
            takes_value = token == name and not (option.is_flag or option.count)
            moved = args[i : i + 2] if takes_value else [token]
            fixed = [*moved, *args[:i], *args[i + len(moved) :]]
            where = f": zoomstate {shlex.join(fixed)}"
            break
    else:
        where = ""
    return click.UsageError(
        f"{name} is a global option: put it before the command{where}", ctx=exc.ctx
    )


# Names the tests (and older callers) import from here, loaded on first use so that
# importing the CLI stays light (tests/test_lazy_imports.py).
_LAZY = {
    "_color": "zoomstate.cli.ui:color",
    "_progress": "zoomstate.cli.ui:progress",
    "_read_live": "zoomstate.usecases.reading:read_live",
    "_render_report": "zoomstate.render.report:render_apply_report",
    "state_file_schema": "zoomstate.usecases.offline:state_file_schema",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = _LAZY[name].partition(":")
    return getattr(importlib.import_module(module), attribute)
