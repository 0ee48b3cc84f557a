"""`zoomstate apply`: plan, show, confirm, carry out (the steps are `usecases.applying`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from zoomstate.cli.context import Context, ExitCode
from zoomstate.cli.options import (
    NO_BATCH_HELP,
    STATE_DIR,
    connection,
    connection_options,
    exit_on_issues,
    format_option,
    load_or_exit,
    plan_options,
    reason,
)
from zoomstate.cli.ui import TerminalApplyUI, emit_json
from zoomstate.errors import ConfigError
from zoomstate.usecases.runtime import run_async, tamed_gc

if TYPE_CHECKING:
    from zoomstate.apply import Journal


@click.command()
@STATE_DIR
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Carry out exactly this saved plan (from `plan --out`): apply plans again and "
    "refuses, naming what differs, unless the fresh plan is the file's.",
)
@click.option(
    "--only-waiting",
    "waiting_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PLAN_FILE",
    help="Apply only the steps that PLAN_FILE (an earlier plan, from `plan --out`) listed "
    "as waiting for invitations and that are ready now, and nothing else (a scheduled job "
    "that finishes accepted hires). Never removes anything.",
)
@click.option("--auto-approve", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="Consent to steps that lose data (disabling Zoom Phone, deactivating or deleting "
    "users, giving up numbers).",
)
@click.option(
    "--force", is_flag=True, help="Go beyond account.safety limits (never scope or protection)."
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    envvar="ZOOMSTATE_CONCURRENCY",
    help="Users worked on at once (pacing keeps to the rate limits). Env: ZOOMSTATE_CONCURRENCY.",
)
@click.option("--target", "targets", multiple=True, metavar="EMAIL", help="Only this user.")
@click.option("--skip-removals", is_flag=True, help="Plan and apply no removal at all.")
@click.option("--no-batch", is_flag=True, help=NO_BATCH_HELP)
@format_option("text", "json", help="The report: text, or json for machines.")
@click.option(
    "--journal-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".zoomstate/runs"),
    show_default=True,
    envvar="ZOOMSTATE_JOURNAL_DIR",
    help="Where each run's journal goes. Env: ZOOMSTATE_JOURNAL_DIR.",
)
@connection_options
@click.pass_obj
def apply(
    obj: Context,
    state_dir: Path,
    plan_file: Path | None,
    waiting_file: Path | None,
    auto_approve: bool,
    allow_data_loss: bool,
    force: bool,
    concurrency: int,
    targets: tuple[str, ...],
    skip_removals: bool,
    no_batch: bool,
    fmt: str,
    journal_dir: Path,
    tier: str | None,
    budget_share: float,
) -> None:
    """Change the account to match the state: plan, show, confirm, carry out.
    STATE_DIR defaults to state/ (env: ZOOMSTATE_STATE_DIR).

    With --plan, carry out exactly that saved plan: apply plans again from the state and
    the live account (with the same --target, --skip-removals, --force and --no-batch as the plan
    was made with) and refuses, naming what differs, unless the fresh plan is the file's.
    A run that fails or is killed can be run again: it re-reads the account and carries on.

    With --only-waiting PLAN_FILE, carry out only the steps PLAN_FILE listed as waiting
    (for users who had not accepted their invitations) that are ready now and do exactly
    what PLAN_FILE said; every other step of the fresh plan is left for a reviewed apply.

    \b
    Examples:
      zoomstate --sandbox demo.json apply --auto-approve
      zoomstate plan --out plan.json && zoomstate apply --plan plan.json --auto-approve
      zoomstate apply --only-waiting last-plan.json --auto-approve
    """
    from zoomstate.planfile import load_plan_file
    from zoomstate.render.report import render_apply_report
    from zoomstate.usecases import applying

    if plan_file and waiting_file:
        raise click.UsageError("--plan and --only-waiting cannot be used together")
    with tamed_gc():
        desired = load_or_exit(state_dir)
    waited = load_plan_file(waiting_file).plan.waiting if waiting_file else None
    if waited == ():
        obj.info(f"{waiting_file} lists no step waiting for an invitation: nothing to apply.")
        return
    request = applying.ApplyRequest(
        desired=desired,
        options=plan_options(targets, skip_removals, force, no_batch=no_batch),
        # Checked for shape before any API call; what runs is always a fresh plan.
        saved=load_plan_file(plan_file) if plan_file else None,
        consent=allow_data_loss or desired.account.allow_data_loss,
        concurrency=concurrency,
        waited=waited,
    )
    conn = connection(obj, tier, budget_share, desired.account.rate_limits)
    ui = TerminalApplyUI(obj, show_plan=fmt == "text", auto_approve=auto_approve)
    with _locked(journal_dir):
        journal = _open_journal(journal_dir)
        try:
            with exit_on_issues():
                applied = run_async(applying.apply(conn, journal, request, ui))
        finally:
            journal.close()
    if not applied.plan.operations and fmt != "json":
        return
    if fmt == "json":
        emit_json(applied.report.to_dict())
    else:
        click.echo(render_apply_report(applied.report), nl=False)
    if applied.report.interrupted:
        raise click.exceptions.Exit(ExitCode.INTERRUPTED)
    if applied.report.failed or applied.report.stopped:
        raise click.exceptions.Exit(ExitCode.ERROR)


@contextmanager
def _locked(journal_dir: Path) -> Iterator[None]:
    """One apply at a time per journal directory (zoomstate.apply.lock)."""
    from zoomstate.apply.lock import apply_lock

    with ExitStack() as stack:
        try:
            stack.enter_context(
                apply_lock(journal_dir, warn=logging.getLogger("zoomstate").warning)
            )
        except OSError as exc:
            raise ConfigError(
                f"--journal-dir {journal_dir}: cannot write the run's journal there ({reason(exc)})"
            ) from None
        yield


def _open_journal(journal_dir: Path) -> Journal:
    from zoomstate.apply import Journal

    try:
        return Journal.create(journal_dir)
    except OSError as exc:
        raise ConfigError(
            f"--journal-dir {journal_dir}: cannot write the run's journal there ({reason(exc)})"
        ) from None
