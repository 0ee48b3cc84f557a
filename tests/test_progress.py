"""Apply's progress (issue 14): a log line goes above the bar, not onto its line; the bar
and the rate are not drawn in red; without a terminal (CI) a plain line every few seconds
instead of nothing for minutes."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from zoomstate.apply import StepResult
from zoomstate.cli.context import Context
from zoomstate.cli.ui import PlainProgress, progress


def _step(k: int, status: str = "done") -> StepResult:
    return StepResult(f"u/op{k}", "update_user", "u", status)  # type: ignore[arg-type]


def test_without_a_terminal_a_plain_line_every_few_seconds() -> None:
    now = [0.0]
    lines: list[str] = []
    shown = PlainProgress(100, lines.append, every=10.0, clock=lambda: now[0])
    for k in range(100):
        now[0] += 0.5  # two steps a second
        shown.advance(_step(k, "failed" if k == 3 else "done"))
    assert len(lines) == 5  # at 10, 20, 30, 40 s and at the end (50 s)
    assert lines[0] == (
        "applying: 20/100 steps (1 failed), 2.0 steps/s, 10s elapsed, about 40s left"
    )
    assert lines[-1] == "applying: 100/100 steps (1 failed), 2.0 steps/s, 50s elapsed"


def test_long_runs_show_minutes_and_hours() -> None:
    now = [0.0]
    lines: list[str] = []
    shown = PlainProgress(10_000, lines.append, every=60.0, clock=lambda: now[0])
    now[0] = 125.0
    shown.advance(_step(0))
    assert lines == [
        "applying: 1/10,000 steps (0 failed), 0.0 steps/s, 2m05s elapsed, about 347h11m left"
    ]


def test_a_log_line_goes_above_the_bar() -> None:
    out, stderr = io.StringIO(), io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=100)
    logger = logging.getLogger("zoomstate")
    saved = logger.handlers[:]
    handler = logging.StreamHandler(stderr)  # as setup_logging installs it
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.handlers[:] = [handler]
    try:
        with progress(Context(verbosity=0, sandbox=None), 4, console=console) as advance:
            advance(_step(0))
            logger.error("apply: step failed op=u/op1")
            advance(_step(1, "failed"))
        logger.error("after")
    finally:
        logger.handlers[:] = saved
    # Through the bar's console (which prints it above the bar and draws the bar again),
    # not straight onto stderr, where it would land on the line the bar is drawing.
    assert "ERROR zoomstate: apply: step failed op=u/op1" in out.getvalue()
    assert stderr.getvalue() == "ERROR zoomstate: after\n"


def test_the_bar_and_the_rate_are_not_red() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=100)
    with progress(Context(verbosity=0, sandbox=None), 4, console=console) as advance:
        advance(_step(0))
        advance(_step(1))
    text = out.getvalue()
    assert "\x1b[31m" not in text  # red
    assert "\x1b[32m" in text  # the bar is green
