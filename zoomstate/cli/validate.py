"""`zoomstate validate`: check a state directory offline."""

from __future__ import annotations

from pathlib import Path

import click

from zoomstate.cli.context import Context, ExitCode
from zoomstate.cli.options import STATE_DIR, format_option, load, print_issues
from zoomstate.cli.ui import emit_json
from zoomstate.errors import Issue, ValidationFailed
from zoomstate.usecases.runtime import tamed_gc


@click.command()
@STATE_DIR
@format_option("text", "json", help="text: issues on stderr; json: a report on stdout.")
@click.pass_obj
@tamed_gc()
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
        state = load(state_dir)
    except ValidationFailed as exc:
        if fmt == "json":
            emit_json({"format_version": 1, "valid": False, "issues": _issues(exc.issues)})
        else:
            print_issues(exc.issues)
        raise click.exceptions.Exit(ExitCode.ERROR) from None
    if fmt == "json":
        emit_json({"format_version": 1, "valid": True, "issues": [], "users": len(state.users)})
    obj.info(f"{state_dir}: valid ({len(state.users)} users, {len(state.profiles)} profiles)")


def _issues(issues: list[Issue]) -> list[dict[str, object]]:
    return [
        {"file": i.file, "line": i.line, "col": i.col, "path": i.path, "message": i.message}
        for i in issues
    ]
