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
