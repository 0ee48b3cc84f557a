"""Options and steps shared by several commands: the state directory, the connection
to an account, plan options, and checks made before any API call."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zoomstate.cli.context import Context, ExitCode
from zoomstate.errors import ConfigError, Issue, ValidationFailed

if TYPE_CHECKING:  # heavy: imported by the commands that use them, when they run
    from zoomstate.model import DesiredState
    from zoomstate.plan import PlanOptions
    from zoomstate.session import Connection

__all__ = [
    "STATE_DIR",
    "connection",
    "connection_options",
    "exit_on_issues",
    "fit_markdown_output",
    "format_option",
    "load",
    "load_or_exit",
    "markdown_fit_options",
    "plan_options",
    "print_issues",
    "reason",
    "writable",
]

_FOLLOW_LINKS = "zoomstate.follow_external_links"  # in click's ctx.meta


def _remember_links(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta[_FOLLOW_LINKS] = value


def _state_dir(func: Any) -> Any:
    """STATE_DIR, and how to read it, on every command that loads a state (`load`)."""
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


def load(state_dir: Path) -> DesiredState:
    from zoomstate.usecases.offline import validate

    follow = bool(click.get_current_context().meta.get(_FOLLOW_LINKS))
    return validate(state_dir, follow_external_links=follow)


def print_issues(issues: list[Issue]) -> None:
    for issue in issues:
        click.echo(str(issue), err=True)


@contextmanager
def exit_on_issues() -> Iterator[None]:
    """Issues with the state (at load or plan time): every one on stderr, then exit 1."""
    try:
        yield
    except ValidationFailed as exc:
        print_issues(exc.issues)
        raise click.exceptions.Exit(ExitCode.ERROR) from None


def load_or_exit(state_dir: Path) -> DesiredState:
    """The state, or every issue on stderr and exit 1, before any API call."""
    with exit_on_issues():
        return load(state_dir)


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


def connection(obj: Context, tier: str | None, share: float, state_tier: str) -> Connection:
    from zoomstate.session import Connection

    chosen = tier or state_tier
    return Connection(
        sandbox=obj.sandbox,
        tier="business" if chosen == "business" else "pro",
        share=share,
        pacing=obj.pacing,
    )


def plan_options(
    targets: tuple[str, ...], skip_removals: bool, force: bool, *, no_batch: bool = False
) -> PlanOptions:
    from zoomstate.plan import PlanOptions

    return PlanOptions(
        targets=frozenset(t.lower() for t in targets) if targets else None,
        skip_removals=skip_removals,
        force=force,
        batch=not no_batch,
    )


def format_option(*formats: str, help: str) -> Callable[[Any], Any]:
    """`--format` (the parameter `fmt`), one of `formats`, the first by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(formats)),
        default=formats[0],
        show_default=True,
        help=help,
    )


NO_BATCH_HELP = (
    "Send every step on its own, not several users to a call through Zoom's batch "
    "endpoints (the way out if a batch endpoint misbehaves)."
)


def reason(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}"


def writable(path: Path, option: str, *, create: bool = True) -> None:
    """Fail before any API call when `path` cannot be written: its folder is a file, or
    cannot be made or written to. With `create=False` nothing is made yet (a command that
    may still fail, such as a read, leaves no folder behind): the nearest folder that
    exists must be a writable folder."""
    if not create:
        existing = path.parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise ConfigError(
                f"{option} {path}: cannot make its folder (Not a directory: {existing})"
            )
        if not os.access(existing, os.W_OK):
            raise ConfigError(f"{option} {path}: its folder {existing} is not writable")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{option} {path}: cannot make its folder ({reason(exc)})") from None
    if not os.access(path.parent, os.W_OK):
        raise ConfigError(f"{option} {path}: its folder {path.parent} is not writable")


def write_out(path: Path, text: str, *, what: str = "write it") -> None:
    """Write an `--out` file atomically; a failure (a full disk) is one line,
    `--out PATH: cannot WHAT (why)`."""
    from zoomstate import atomic

    try:
        atomic.write_text(path, text)
    except OSError as exc:
        raise ConfigError(f"--out {path}: cannot {what} ({reason(exc)})") from None


def markdown_fit_options(what: str) -> Callable[[Any], Any]:
    """--max-chars and --full-link: a Markdown document cut to fit a comment or an issue."""

    def decorate(func: Any) -> Any:
        func = click.option(
            "--full-link",
            metavar="URL",
            help=f"With --max-chars: where the full {what} is (the CI run, its artifact), "
            "linked from the note that says what was left out.",
        )(func)
        return click.option(
            "--max-chars",
            type=click.IntRange(min=200),
            metavar="N",
            help=f"With --format markdown: cut the {what} to at most N characters between "
            "rows (a GitHub comment holds 65,536), close what the cut leaves open and say "
            "how many rows were left out.",
        )(func)

    return decorate


def fit_markdown_output(
    text: str, fmt: str, max_chars: int | None, link: str | None, what: str
) -> str:
    if max_chars is None:
        if link is not None:
            raise click.UsageError("--full-link goes with --max-chars")
        return text
    if fmt != "markdown":
        raise click.UsageError("--max-chars goes with --format markdown")
    from zoomstate.render.fit import fit_markdown

    return fit_markdown(text, max_chars, what=what, link=link)
