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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

import click

from zoomstate import __version__
from zoomstate.apply import (
    ApplyReport,
    Journal,
    JournalTransport,
    StepResult,
    apply_plan,
    check_consent,
    check_current,
)
from zoomstate.drift import drift_report
from zoomstate.errors import ConfigError, Issue, UnsafePlan, ValidationFailed, ZoomstateError
from zoomstate.export import export_files
from zoomstate.live import LiveState
from zoomstate.loader import load_state, pinpoint
from zoomstate.model import DesiredState, StateFile
from zoomstate.plan import PlanOptions, make_plan
from zoomstate.planfile import SavedPlan, check_claim, load_plan_file
from zoomstate.render import render_plan_json, render_plan_markdown, render_plan_text
from zoomstate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
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
    pacing: bool = True

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


_FOLLOW_LINKS = "zoomstate.follow_external_links"  # in click's ctx.meta


def _remember_links(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta[_FOLLOW_LINKS] = value


def _state_dir(func: Any) -> Any:
    """STATE_DIR, and how to read it, on every command that loads a state (`_load`)."""
    func = click.option(
        "--follow-external-links",
        is_flag=True,
        expose_value=False,
        callback=_remember_links,
        envvar="ZOOMSTATE_FOLLOW_EXTERNAL_LINKS",
        help="Follow links that lead out of STATE_DIR (refused by default: what they "
        "lead to is not part of the reviewed state). Env: ZOOMSTATE_FOLLOW_EXTERNAL_LINKS.",
    )(func)
    return click.argument(
        "state_dir",
        required=False,
        default="state",
        type=click.Path(path_type=Path),
        envvar="ZOOMSTATE_STATE_DIR",
    )(func)


STATE_DIR = _state_dir


def _load(state_dir: Path) -> DesiredState:
    follow = bool(click.get_current_context().meta.get(_FOLLOW_LINKS))
    return load_state(state_dir, follow_external_links=follow)


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
    _setup_logging(verbosity)
    ctx.obj = Context(verbosity=verbosity, sandbox=sandbox, pacing=pacing)


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
        state = _load(state_dir)
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
        pacing=obj.pacing,
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


def _load_or_exit(state_dir: Path) -> DesiredState:
    """The state, or every issue on stderr and exit 1, before any API call."""
    try:
        return _load(state_dir)
    except ValidationFailed as exc:
        _print_issues(exc.issues)
        raise click.exceptions.Exit(ExitCode.ERROR) from None


def _color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


async def _read_live(
    conn: Connection, progress: Callable[[str], None] | None = None
) -> tuple[LiveState, int]:
    async with open_client(conn) as client:

        async def tick(show: Callable[[str], None]) -> None:
            while True:
                stats = client.stats
                show(f"reading the account: {stats.items:,} records in {stats.calls:,} API calls")
                await asyncio.sleep(0.25)

        ticker = asyncio.create_task(tick(progress)) if progress else None
        try:
            live = await read_account(client)
        finally:
            if ticker:
                ticker.cancel()
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
    match. Changes nothing. STATE_DIR defaults to state/ (env: ZOOMSTATE_STATE_DIR).

    \b
    Examples:
      zoomstate --sandbox demo.json plan
      zoomstate plan state/ --format markdown --out plan.json --detailed-exitcode
      zoomstate plan --target alice@example.com --format json
    """
    desired = _load_or_exit(state_dir)
    if out is not None:
        _writable(out, "--out")
    conn = _connection(obj, tier, budget_share, desired.account.rate_limits)
    live, calls = asyncio.run(_read_live(conn))
    for warning in live.warnings:
        log.warning("%s", warning)
    options = _plan_options(targets, skip_removals, force)
    try:
        result = make_plan(desired, live, options)
    except ValidationFailed as exc:
        _print_issues(pinpoint(exc.issues))
        raise click.exceptions.Exit(ExitCode.ERROR) from None
    if fmt == "json":
        click.echo(render_plan_json(result), nl=False)
    elif fmt == "markdown":
        click.echo(render_plan_markdown(result), nl=False)
    else:
        click.echo(render_plan_text(result, color=_color(sys.stdout)), nl=False)
    if out is not None:
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_text(result.to_json(), encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            raise ConfigError(f"--out {out}: cannot save the plan there ({_reason(exc)})") from None
        obj.info(f"plan saved to {out}")
    obj.info(f"read the account in {calls} API calls")
    if not result.operations and result.waiting:
        obj.info("Only waiting steps remain: nothing to apply until those users are active.")
    if detailed_exitcode and result.has_changes:
        raise click.exceptions.Exit(ExitCode.CHANGES)


def _plan_options(targets: tuple[str, ...], skip_removals: bool, force: bool) -> PlanOptions:
    return PlanOptions(
        targets=frozenset(t.lower() for t in targets) if targets else None,
        skip_removals=skip_removals,
        force=force,
    )


def _reason(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}"


def _writable(path: Path, option: str) -> None:
    """Fail before any API call when `path` cannot be written: its folder is a file, or
    cannot be made or written to."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot make its folder ({_reason(exc)})") from None
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{option} {path}: its folder {path.parent} is not writable")


def _open_journal(journal_dir: Path) -> Journal:
    try:
        return Journal.create(journal_dir)
    except OSError as exc:
        raise ConfigError(
            f"--journal-dir {journal_dir}: cannot write the run's journal there ({_reason(exc)})"
        ) from None


def _render_report(report: ApplyReport) -> str:
    lines = []
    for r in report.results:
        if r.status != "done" or r.detail:
            lines.append(f"  {r.status:<8} {r.op}" + (f": {r.detail}" if r.detail else ""))
    summary = ", ".join(f"{report.count(s)} {s}" for s in ("done", "failed", "skipped", "waiting"))
    head = f"Apply: {summary} ({report.calls} API calls, {report.seconds:.1f} s)."
    tail = [f"Journal: {report.journal}"] if report.journal else []
    if report.stopped:
        # What is left is planned again from the live account, so nothing is done twice.
        tail.insert(0, f"Stopped: {report.stopped}: run apply again to finish.")
    return "\n".join([head, *lines, *tail]) + "\n"


@cli.command()
@STATE_DIR
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Carry out exactly this saved plan (from `plan --out`): apply plans again and "
    "refuses, naming what differs, unless the fresh plan is the file's.",
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The report: text, or json for machines.",
)
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
    auto_approve: bool,
    allow_data_loss: bool,
    force: bool,
    concurrency: int,
    targets: tuple[str, ...],
    skip_removals: bool,
    fmt: str,
    journal_dir: Path,
    tier: str | None,
    budget_share: float,
) -> None:
    """Change the account to match the state: plan, show, confirm, carry out.
    STATE_DIR defaults to state/ (env: ZOOMSTATE_STATE_DIR).

    With --plan, carry out exactly that saved plan: apply plans again from the state and
    the live account (with the same --target, --skip-removals and --force as the plan
    was made with) and refuses, naming what differs, unless the fresh plan is the file's.
    A run that fails or is killed can be run again: it re-reads the account and carries on.

    \b
    Examples:
      zoomstate --sandbox demo.json apply --auto-approve
      zoomstate plan --out plan.json && zoomstate apply --plan plan.json --auto-approve
    """
    desired = _load_or_exit(state_dir)
    # Checked for shape before any API call; what runs is always a fresh plan.
    saved = load_plan_file(plan_file) if plan_file else None
    consent = allow_data_loss or desired.account.allow_data_loss
    conn = _connection(obj, tier, budget_share, desired.account.rate_limits)
    journal = _open_journal(journal_dir)
    try:
        report = asyncio.run(
            _apply(
                obj,
                conn,
                journal,
                desired,
                saved,
                consent,
                auto_approve,
                concurrency,
                fmt,
                _plan_options(targets, skip_removals, force),
            )
        )
    finally:
        journal.close()
    if report is None:
        return
    if fmt == "json":
        _emit_json(report.to_dict())
    else:
        click.echo(_render_report(report), nl=False)
    if report.failed or report.stopped:
        raise click.exceptions.Exit(ExitCode.ERROR)


async def _apply(
    obj: Context,
    conn: Connection,
    journal: Journal,
    desired: DesiredState,
    saved: SavedPlan | None,
    consent: bool,
    auto_approve: bool,
    concurrency: int,
    fmt: str,
    options: PlanOptions,
) -> ApplyReport | None:
    async with open_client(conn, wrap=lambda t: JournalTransport(t, journal)) as client:
        live = await read_account(client)
        if saved is not None:
            # The stale check first: it names what moved in Zoom since the review.
            check_current(saved.plan, desired, live)
        try:
            chosen = make_plan(desired, live, options)
        except ValidationFailed as exc:
            _print_issues(pinpoint(exc.issues))
            raise click.exceptions.Exit(ExitCode.ERROR) from None
        if saved is not None:
            check_claim(saved, chosen)
        if fmt == "text":
            click.echo(render_plan_text(chosen, color=_color(sys.stdout)), nl=False)
        if not chosen.operations:
            obj.info("Nothing to apply.")
            if fmt == "json":
                return ApplyReport(
                    results=tuple(
                        StepResult(f"{w.user}/{w.kind}", w.kind, w.user, "waiting", w.reason)
                        for w in chosen.waiting
                    ),
                    journal=str(journal.path),
                )
            return None
        check_consent(chosen, consent)
        if not auto_approve:
            if not sys.stdin.isatty():
                raise UnsafePlan(
                    "refusing to apply without --auto-approve: standard input is not a "
                    "terminal to confirm on"
                )
            if not click.confirm(
                f"Apply {len(chosen.operations)} step(s) to the account?", err=True
            ):
                raise click.Abort()
        with _progress(obj, len(chosen.operations)) as advance:
            return await apply_plan(
                chosen, client, live, journal=journal, concurrency=concurrency, on_step=advance
            )


@contextmanager
def _progress(
    obj: Context, total: int, console: Any = None
) -> Iterator[Callable[[StepResult], None]]:
    """A progress bar on stderr when it is a terminal (or on `console`, a rich Console);
    silent otherwise. It shows the steps done of all, the failures, the rate in steps per
    second and the time elapsed."""
    if obj.verbosity < 0 or (console is None and not sys.stderr.isatty()):
        yield lambda _result: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Steps per second: over the last 30 s while running, over the run when done."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None and task.completed and task.elapsed:
                speed = task.completed / task.elapsed
            shown = f"{speed:.1f}" if speed is not None else "-.-"
            return Text(f"{shown} steps/s", style="progress.data.speed")

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        console=console if console is not None else Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("applying", total=total)
        failed = 0

        def advance(result: StepResult) -> None:
            nonlocal failed
            failed += result.status == "failed"
            bar.update(task, advance=1, description=f"applying ({failed} failed)")

        yield advance


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the state files into this directory (default: one file on stdout).",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    help="Export only users of this e-mail domain (repeatable; default: every domain of "
    "the account's users). It becomes account.domains.",
)
@click.option(
    "--split",
    type=click.Choice(["department", "site", "none"]),
    default="department",
    show_default=True,
    help="One users file per department, per phone site, or a single users.yaml.",
)
@click.option("--force", is_flag=True, help="Write into a directory that has state files.")
@connection_options
@click.pass_obj
def export(
    obj: Context,
    out: Path | None,
    domains: tuple[str, ...],
    split: str,
    force: bool,
    tier: str | None,
    budget_share: float,
) -> None:
    """Write the live account as state files that `validate` accepts and `plan` finds
    already in sync: the first commit of an adopted account.

    \b
    Examples:
      zoomstate --sandbox demo.json export --out state/ --domain example.com
      zoomstate export --split none > state.yaml
    """
    if out is not None and not force and out.exists() and any(out.rglob("*.y*ml")):
        raise ConfigError(f"{out} already holds state files: use --force to overwrite them")
    conn = _connection(obj, tier, budget_share, "pro")
    with _status(obj, "reading the account") as progress:
        live, calls = asyncio.run(_read_live(conn, progress))
    files = export_files(
        live,
        domains=domains,
        split="none" if out is None else split,  # type: ignore[arg-type]
        version=__version__,
        single=out is None,
    )
    users = sum(1 for u in live.users if not domains or u.key.rsplit("@", 1)[-1] in domains)
    if out is None:
        click.echo(files["state.yaml"], nl=False)
    else:
        for rel, text in files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            click.echo(str(path))
    obj.info(f"exported {users} users in {calls} API calls")


@cli.command()
@STATE_DIR
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="markdown is fit for a GitHub issue or pull-request comment.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report to this file.",
)
@connection_options
@click.pass_obj
def drift(
    obj: Context,
    state_dir: Path,
    fmt: str,
    out: Path | None,
    tier: str | None,
    budget_share: float,
) -> None:
    """Report where the live account has moved away from the state. STATE_DIR defaults
    to state/ (env: ZOOMSTATE_STATE_DIR).

    Exit 0 when in sync, 2 on drift, 1 on error. Pending invitations, and users the
    state's policy leaves alone (users not in account.manage, on_missing_user: ignore),
    are listed but are not drift.

    \b
    Examples:
      zoomstate --sandbox demo.json drift
      zoomstate drift state/ --format markdown --out drift.md
    """
    desired = _load_or_exit(state_dir)
    conn = _connection(obj, tier, budget_share, desired.account.rate_limits)
    live, calls = asyncio.run(_read_live(conn))
    report = drift_report(desired, live, datetime.now(UTC))
    renderers = {
        "json": render_drift_json,
        "markdown": render_drift_markdown,
        "text": render_drift_text,
    }
    text = renderers[fmt](report)
    click.echo(text, nl=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    obj.info(f"read the account in {calls} API calls")
    if not report.in_sync:
        raise click.exceptions.Exit(ExitCode.CHANGES)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
    Examples:
      zoomstate completion bash > ~/.local/share/bash-completion/completions/zoomstate
      zoomstate completion zsh > "${fpath[1]}/_zoomstate"
      zoomstate completion fish > ~/.config/fish/completions/zoomstate.fish
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None
    click.echo(completer(cli, {}, "zoomstate", "_ZOOMSTATE_COMPLETE").source())


@contextmanager
def _status(obj: Context, message: str) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr while something long runs, when stderr is a terminal; yields
    what updates its message (None when there is no spinner)."""
    if obj.verbosity < 0 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status(message) as status:
        yield status.update


def _emit_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


def _register_commands() -> None:
    """Commands that live in modules of their own."""
    from zoomstate.commands.import_csv import import_csv
    from zoomstate.sandbox.cli import sandbox as sandbox_group

    cli.add_command(import_csv)
    cli.add_command(sandbox_group)


_register_commands()


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
