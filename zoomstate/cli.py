"""The command line: the only place that knows about terminals and exit codes.

Contract (docs/cli.md): the payload (plans, reports, exports, schemas) goes to stdout;
logs, progress and errors go to stderr. Exit codes are `ExitCode`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from zoomstate import __version__
from zoomstate.errors import Issue, ValidationFailed, ZoomstateError
from zoomstate.live import LiveState
from zoomstate.loader import load_state
from zoomstate.model import StateFile
from zoomstate.plan import PlanOptions, make_plan
from zoomstate.render import render_plan_json, render_plan_markdown, render_plan_text
from zoomstate.session import Connection, open_client
from zoomstate.zoom.read import read_account

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


def _connection(obj: Context, tier: str | None, share: float, state_tier: str) -> Connection:
    chosen = tier or state_tier
    return Connection(
        sandbox=obj.sandbox,
        tier="business" if chosen == "business" else "pro",
        share=share,
    )


def connection_options(func: Any) -> Any:
    """Options of every command that talks to an account."""
    func = click.option(
        "--budget-share",
        type=click.FloatRange(0.05, 1.0),
        default=0.8,
        show_default=True,
        envvar="ZOOMSTATE_BUDGET_SHARE",
        help="Share of Zoom's per-second rate limits this run may use; the rest is left to "
        "the account's other apps. Env: ZOOMSTATE_BUDGET_SHARE.",
    )(func)
    func = click.option(
        "--tier",
        type=click.Choice(["pro", "business"]),
        default=None,
        envvar="ZOOMSTATE_TIER",
        help="The account's Zoom plan, for rate limits (default: account.rate_limits in "
        "the state). Env: ZOOMSTATE_TIER.",
    )(func)
    return func


def _print_issues(issues: list[Issue]) -> None:
    for issue in issues:
        click.echo(str(issue), err=True)


def _color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


async def _read_live(conn: Connection) -> tuple[LiveState, int]:
    async with open_client(conn) as client:
        live = await read_account(client)
        return live, client.stats.calls


@cli.command()
@STATE_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for terminals, markdown for a pull-request comment, json for machines.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan (JSON) to this file, for `apply --plan`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes, 0 when there are none (waiting steps alone are "
    "not changes).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="EMAIL",
    help="Plan only this user (repeatable).",
)
@click.option("--skip-removals", is_flag=True, help="Plan no removal at all (emergency brake).")
@click.option(
    "--force", is_flag=True, help="Go beyond account.safety limits (never scope or protection)."
)
@connection_options
@click.pass_obj
def plan(
    obj: Context,
    state_dir: Path,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    skip_removals: bool,
    force: bool,
    tier: str | None,
    budget_share: float,
) -> None:
    """Compare the state with the live account and print the steps that would make them
    match. Changes nothing.

    \b
    Examples:
      zoomstate --sandbox demo.json plan
      zoomstate plan state/ --format markdown --out plan.json --detailed-exitcode
      zoomstate plan --target alice@example.com --format json
    """
    try:
        desired = load_state(state_dir)
    except ValidationFailed as exc:
        _print_issues(exc.issues)
        raise click.exceptions.Exit(ExitCode.ERROR) from None
    conn = _connection(obj, tier, budget_share, desired.account.rate_limits)
    live, calls = asyncio.run(_read_live(conn))
    for warning in live.warnings:
        log.warning("%s", warning)
    options = PlanOptions(
        targets=frozenset(t.lower() for t in targets) if targets else None,
        skip_removals=skip_removals,
        force=force,
    )
    try:
        result = make_plan(desired, live, options)
    except ValidationFailed as exc:
        _print_issues(exc.issues)
        raise click.exceptions.Exit(ExitCode.ERROR) from None
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(result), nl=False)
    else:
        click.echo(render_plan_text(result, color=_color(sys.stdout)), nl=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(result.to_json(), encoding="utf-8")
        os.replace(tmp, out)
        obj.info(f"plan saved to {out}")
    obj.info(f"read the account in {calls} API calls")
    if not result.operations and result.waiting:
        obj.info("Only waiting steps remain: nothing to apply until those users are active.")
    if detailed_exitcode and result.has_changes:
        raise click.exceptions.Exit(ExitCode.CHANGES)


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
