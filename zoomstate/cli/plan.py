"""`zoomstate plan`: what would make the account match the state. Changes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zoomstate.cli.context import Context, ExitCode
from zoomstate.cli.options import (
    NO_BATCH_HELP,
    STATE_DIR,
    connection,
    connection_options,
    exit_on_issues,
    fit_markdown_output,
    format_option,
    load_or_exit,
    markdown_fit_options,
    plan_options,
    writable,
    write_out,
)
from zoomstate.cli.ui import color
from zoomstate.usecases.runtime import run_async, tamed_gc
from zoomstate.words import count


@click.command()
@STATE_DIR
@format_option(
    "text",
    "json",
    "markdown",
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
@click.option("--no-batch", is_flag=True, help=NO_BATCH_HELP)
@click.option(
    "--force", is_flag=True, help="Go beyond account.safety limits (never scope or protection)."
)
@markdown_fit_options("plan")
@connection_options
@click.pass_obj
@tamed_gc()
def plan(
    obj: Context,
    state_dir: Path,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    skip_removals: bool,
    no_batch: bool,
    force: bool,
    max_chars: int | None,
    full_link: str | None,
    tier: str | None,
    budget_share: float,
) -> None:
    """Compare the state with the live account and print the steps that would make them
    match. Changes nothing. STATE_DIR defaults to state/ (env: ZOOMSTATE_STATE_DIR).

    \b
    Examples:
      zoomstate --sandbox demo.json plan
      zoomstate plan state/ --format markdown --out plan.json --detailed-exitcode
      zoomstate plan --format markdown --max-chars 60000 --full-link "$RUN_URL"
      zoomstate plan --target alice@example.com --format json
    """
    from zoomstate.render import render_plan_json, render_plan_markdown, render_plan_text
    from zoomstate.usecases import reading

    fit_markdown_output("", fmt, max_chars, full_link, "plan")  # usage, before any work
    desired = load_or_exit(state_dir)
    if out is not None:
        writable(out, "--out")
    conn = connection(obj, tier, budget_share, desired.account.rate_limits)
    live, calls = run_async(reading.read_live(conn, desired=desired))
    with exit_on_issues():
        result = reading.plan(
            desired, live, plan_options(targets, skip_removals, force, no_batch=no_batch)
        )
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        shown = render_plan_markdown(result)
        click.echo(fit_markdown_output(shown, fmt, max_chars, full_link, "plan"), nl=False)
    else:
        click.echo(render_plan_text(result, color=color(sys.stdout)), nl=False)
    if out is not None:
        write_out(out, result.to_json(), what="save the plan there")
        obj.info(f"plan saved to {out}")
    obj.info(f"read the account in {count(calls, 'API call')}")
    if obj.verbosity > 0 and len(result.unlisted) > 1:
        for key in result.unlisted:
            obj.info(f"in Zoom but not in the state: {key}")
    if not result.operations and result.waiting:
        obj.info("Only waiting steps remain: nothing to apply until those users are active.")
    if detailed_exitcode and result.has_changes:
        raise click.exceptions.Exit(ExitCode.CHANGES)
