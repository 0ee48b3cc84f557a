"""The terminal: JSON on stdout, colour, the apply prompt, spinner and progress bar.

rich is imported only when there is a terminal to draw on."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import click

from zoomstate.cli.context import Context
from zoomstate.errors import UnsafePlan

if TYPE_CHECKING:
    from zoomstate.apply import StepResult
    from zoomstate.plan import Plan

__all__ = ["TerminalApplyUI", "color", "emit_json", "progress", "status"]


def color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def emit_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))


@contextmanager
def status(obj: Context, message: str) -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr while something long runs, when stderr is a terminal; yields
    what updates its message (None when there is no spinner)."""
    if obj.verbosity < 0 or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console

    with Console(stderr=True).status(message) as spinner:
        yield spinner.update


@contextmanager
def progress(
    obj: Context, total: int, console: Any = None
) -> Iterator[Callable[[StepResult], None]]:
    """A progress bar on stderr when it is a terminal (or on `console`, a rich Console);
    a plain line every few seconds otherwise (CI logs). It shows the steps done of all,
    the failures, the rate in steps per second and the time elapsed."""
    if obj.verbosity < 0:
        yield lambda _result: None
        return
    if console is None and not sys.stderr.isatty():
        yield PlainProgress(total, lambda line: click.echo(line, err=True)).advance
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
            return Text(f"{shown} steps/s", style="cyan")

    with Progress(
        "[progress.description]{task.description}",
        # Rich's default theme draws the bar and the rate in red, which reads as failure.
        BarColumn(complete_style="green", finished_style="green"),
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
            shown = f"[red]{failed} failed[/red]" if failed else "0 failed"
            bar.update(task, advance=1, description=f"applying ({shown})")

        with _logs_above(bar.console):
            yield advance


@contextmanager
def _logs_above(console: Any) -> Iterator[None]:
    """Log lines printed through the bar's console, above the bar, instead of onto the
    line it is drawing (the CLI's handler holds the real stderr, which rich cannot see)."""
    import logging

    handlers = [
        h
        for h in logging.getLogger("zoomstate").handlers
        if isinstance(h, logging.StreamHandler) and not getattr(h.stream, "closed", False)
    ]
    streams = [h.stream for h in handlers]
    proxy = _ConsoleStream(console)
    for h in handlers:
        h.setStream(proxy)
    try:
        yield
    finally:
        for h, stream in zip(handlers, streams, strict=True):
            h.setStream(stream)


class _ConsoleStream:
    def __init__(self, console: Any) -> None:
        self._console = console

    def write(self, text: str) -> int:
        if text.strip():
            self._console.print(text.rstrip("\n"), markup=False, highlight=False)
        return len(text)

    def flush(self) -> None:
        pass


class PlainProgress:
    """Progress for a log (stderr not a terminal): one line every `every` seconds of the
    run, and one at the end: done of all, failed, the rate and the time left."""

    def __init__(
        self,
        total: int,
        write: Callable[[str], None],
        *,
        every: float = 10.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self._total, self._write, self._every = total, write, every
        self._clock = clock or time.monotonic
        self._start = self._last = self._clock()
        self._done = self._failed = 0

    def advance(self, result: StepResult) -> None:
        self._done += 1
        self._failed += result.status == "failed"
        now = self._clock()
        if now - self._last >= self._every or self._done == self._total:
            self._last = now
            self._write(self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        rate = self._done / elapsed
        left = self._total - self._done
        eta = f", about {_duration(left / rate)} left" if left and rate > 0 else ""
        return (
            f"applying: {self._done:,}/{self._total:,} steps ({self._failed} failed), "
            f"{rate:.1f} steps/s, {_duration(elapsed)} elapsed{eta}"
        )


def _duration(seconds: float) -> str:
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def confirm_question(plan: Plan) -> str:
    """`Apply 12 steps to account abc (owner: o@x.com)? 2 of them lose data.`"""
    from zoomstate.words import count

    where = plan.account.describe() if plan.account else "the account"
    lost = sum(op.destroys_data for op in plan.operations)
    tail = f" {lost} of them {'loses' if lost == 1 else 'lose'} data." if lost else ""
    return f"Apply {count(len(plan.operations), 'step')} to {where}?{tail}"


class TerminalApplyUI:
    """`usecases.applying.ApplyUI` on a terminal: the plan as text on stdout (for the
    text report), a confirmation prompt unless auto-approved, the progress bar."""

    def __init__(self, obj: Context, *, show_plan: bool, auto_approve: bool) -> None:
        self._obj = obj
        self._show_plan = show_plan
        self._auto_approve = auto_approve

    def show(self, plan: Plan) -> None:
        from zoomstate.render import render_plan_text

        if self._show_plan:
            click.echo(render_plan_text(plan, color=color(sys.stdout)), nl=False)

    def info(self, message: str) -> None:
        self._obj.info(message)

    def approve(self, plan: Plan) -> None:
        if self._auto_approve:
            return
        if not sys.stdin.isatty():
            raise UnsafePlan(
                "refusing to apply without --auto-approve: standard input is not a "
                "terminal to confirm on"
            )
        if not click.confirm(confirm_question(plan), err=True):
            raise click.Abort()

    def progress(self, total: int) -> AbstractContextManager[Callable[[StepResult], None]]:
        return progress(self._obj, total)
