"""The command line: the only place that knows about terminals and exit codes.

Contract (docs/cli.md): the payload (plans, reports, exports, schemas) goes to stdout;
logs, progress and errors go to stderr. Exit codes are `ExitCode`.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from zoomstate import __version__
from zoomstate.errors import ValidationFailed, ZoomstateError
from zoomstate.loader import load_state
from zoomstate.model import StateFile

log = logging.getLogger("zoomstate")


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

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            click.echo(message, err=True)


def _setup_logging(verbosity: int) -> None:
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


STATE_DIR = click.argument(
    "state_dir",
    required=False,
    default="state",
    type=click.Path(path_type=Path),
    envvar="ZOOMSTATE_STATE_DIR",
)


@click.group(
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
    show_envvar=True,
    help="Talk to an embedded sandbox account persisted in FILE (created from the demo "
    "seed when missing) instead of Zoom. Env: ZOOMSTATE_SANDBOX.",
)
@click.pass_context
def cli(ctx: click.Context, quiet: int, verbose: int, sandbox: Path | None) -> None:
    """zoomstate: manage a Zoom account's users, Zoom Phone and Contact Center from
    YAML files in git, with validate, plan and apply.

    \b
    Exit codes: 0 success or no changes, 1 error, 2 changes present
    (plan --detailed-exitcode, drift), 64 usage error.
    """
    verbosity = verbose - quiet
    _setup_logging(verbosity)
    ctx.obj = Context(verbosity=verbosity, sandbox=sandbox)


@cli.command()
@STATE_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: issues on stderr; json: a report on stdout.",
)
@click.pass_obj
def validate(obj: Context, state_dir: Path, fmt: str) -> None:
    """Check a state directory offline (no API call).

    Prints every issue as FILE:LINE:COL: PATH: MESSAGE. STATE_DIR defaults to state/
    (env: ZOOMSTATE_STATE_DIR).

    \b
    Examples:
      zoomstate validate
      zoomstate validate path/to/state --format json
    """
    try:
        state = load_state(state_dir)
    except ValidationFailed as exc:
        if fmt == "json":
            _emit_json(
                {
                    "format_version": 1,
                    "valid": False,
                    "issues": [
                        {
                            "file": i.file,
                            "line": i.line,
                            "col": i.col,
                            "path": i.path,
                            "message": i.message,
                        }
                        for i in exc.issues
                    ],
                }
            )
        else:
            for issue in exc.issues:
                click.echo(str(issue), err=True)
        raise click.exceptions.Exit(ExitCode.ERROR) from None
    if fmt == "json":
        _emit_json({"format_version": 1, "valid": True, "issues": [], "users": len(state.users)})
    obj.info(f"{state_dir}: valid ({len(state.users)} users, {len(state.profiles)} profiles)")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of one state file (for editors).

    \b
    Put this first line in a state file to get completion and checks in editors
    that use yaml-language-server (VS Code's YAML extension, for example):
      # yaml-language-server: $schema=../docs/state.schema.json

    \b
    Example:
      zoomstate schema > docs/state.schema.json
    """
    _emit_json(state_file_schema())


def state_file_schema() -> dict[str, Any]:
    doc = StateFile.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "zoomstate state file"
    doc["description"] = (
        "One YAML file of a zoomstate state directory: any of account (once per state), "
        f"profiles and users. zoomstate {__version__}."
    )
    return doc


def _emit_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def _register_optional_commands() -> None:
    try:
        from zoomstate.sandbox.cli import sandbox as sandbox_group
    except ImportError:  # pragma: no cover - the sandbox ships with the package
        return
    cli.add_command(sandbox_group)


_register_optional_commands()


def main(argv: list[str] | None = None) -> int:
    """Console entry point: maps errors to exit codes (see ExitCode)."""
    try:
        result = cli.main(args=argv, prog_name="zoomstate", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
