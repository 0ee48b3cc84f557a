"""The apply report as text, for the terminal (JSON is `ApplyReport.to_dict`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zoomstate.words import count

if TYPE_CHECKING:  # the report's module is an edge (HTTP); renderers stay pure
    from zoomstate.apply import ApplyReport

__all__ = ["render_apply_report"]


def render_apply_report(report: ApplyReport) -> str:
    """Steps that did not simply succeed, one a line, under a summary of the counts."""
    lines = []
    for r in report.results:
        if r.status != "done" or r.detail:
            lines.append(f"  {r.status:<8} {r.op}" + (f": {r.detail}" if r.detail else ""))
    statuses = ("done", "failed", "skipped", *(("interrupted",) if report.interrupted else ()))
    parts = [f"{report.count(s)} {s}" for s in (*statuses, "waiting")]
    if report.interrupted:
        parts.append(f"{report.not_started} not started")
    summary = ", ".join(parts)
    head = f"Apply: {summary} ({count(report.calls, 'API call')}, {report.seconds:.1f} s)."
    tail = [f"Journal: {report.journal}"] if report.journal else []
    if report.stopped:
        # What is left is planned again from the live account, so nothing is done twice.
        tail.insert(0, f"Stopped: {report.stopped}: run apply again to finish.")
    if report.interrupted:
        tail.insert(
            0,
            "Interrupted (Ctrl-C): run apply again to finish; it reads the account again and "
            "plans only what is left.",
        )
    return "\n".join([head, *lines, *tail]) + "\n"
