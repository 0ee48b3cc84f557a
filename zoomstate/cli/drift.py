"""`zoomstate drift`: where the live account has moved away from the state."""

from __future__ import annotations

from pathlib import Path

import click

from zoomstate.cli.context import Context, ExitCode
from zoomstate.cli.options import (
    STATE_DIR,
    connection,
    connection_options,
    fit_markdown_output,
    format_option,
    load_or_exit,
    markdown_fit_options,
    writable,
    write_out,
)
from zoomstate.usecases.runtime import run_async, tamed_gc
from zoomstate.words import count


@click.command()
@STATE_DIR
@format_option(
    "text", "json", "markdown", help="markdown is fit for a GitHub issue or pull-request comment."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report to this file.",
)
@markdown_fit_options("report")
@connection_options
@click.pass_obj
@tamed_gc()
def drift(
    obj: Context,
    state_dir: Path,
    fmt: str,
    out: Path | None,
    max_chars: int | None,
    full_link: str | None,
    tier: str | None,
    budget_share: float,
) -> None:
    """Report where the live account has moved away from the state. STATE_DIR defaults
    to state/ (env: ZOOMSTATE_STATE_DIR).

    Exit 0 when in sync, 2 on drift or on steps not applied yet, 1 on error. Steps not
    applied yet (a hire who accepted an invitation and holds none of the rest yet) are
    not drift, but apply has work to do. Pending invitations, and users the state's
    policy leaves alone (users not in account.manage, on_missing_user: ignore), are
    listed but are neither.

    \b
    Examples:
      zoomstate --sandbox demo.json drift
      zoomstate drift state/ --format markdown --out drift.md
    """
    from zoomstate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
    from zoomstate.usecases import reading

    fit_markdown_output("", fmt, max_chars, full_link, "report")  # usage, before any work
    desired = load_or_exit(state_dir)
    if out is not None:
        writable(out, "--out", create=False)
    conn = connection(obj, tier, budget_share, desired.account.rate_limits)
    live, calls = run_async(reading.read_live(conn, desired=desired))
    report = reading.drift(desired, live)
    renderers = {
        "json": render_drift_json,
        "markdown": render_drift_markdown,
        "text": render_drift_text,
    }
    text = fit_markdown_output(renderers[fmt](report), fmt, max_chars, full_link, "report")
    click.echo(text, nl=False)
    if out is not None:
        write_out(out, text)
    obj.info(f"read the account in {count(calls, 'API call')}")
    if not report.in_sync:
        raise click.exceptions.Exit(ExitCode.CHANGES)
