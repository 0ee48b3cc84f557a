"""The drift report as text, JSON and Markdown (a GitHub issue body)."""

from __future__ import annotations

import json

from zoomstate.drift import DriftItem, DriftKind, DriftReport
from zoomstate.render.common import show

TITLES: dict[DriftKind, str] = {
    "changed": "Changed outside git",
    "missing": "Missing from Zoom",
    "unmanaged": "In Zoom, not in the state",
    "waiting": "Waiting for invitations (not drift)",
}
KINDS: tuple[DriftKind, ...] = ("changed", "missing", "unmanaged", "waiting")


def headline(report: DriftReport) -> str:
    if report.in_sync:
        waiting = len(report.of("waiting"))
        tail = f" ({waiting} invitation(s) pending)" if waiting else ""
        return f"In sync: the account matches the state{tail}."
    parts = [f"{len(report.of(k))} {k}" for k in KINDS[:3] if report.of(k)]
    return "Drift: " + ", ".join(parts) + "."


def _lines(item: DriftItem) -> list[str]:
    if item.changes:
        return [f"{c.path}: state {show(c.after)}, live {show(c.before)}" for c in item.changes]
    return [item.detail] if item.detail else []


def render_drift_text(report: DriftReport) -> str:
    out = [headline(report)]
    for kind in KINDS:
        items = report.of(kind)
        if not items:
            continue
        out += ["", f"{TITLES[kind]} ({len(items)}):"]
        for item in items:
            details = _lines(item)
            out.append(f"  {item.user}" + (f": {details[0]}" if len(details) == 1 else ""))
            if len(details) > 1:
                out += [f"      {d}" for d in details]
    if report.seats:
        out += ["", "Seats:"]
        for s in report.seats:
            total = "unknown" if s.total is None else str(s.total)
            out.append(f"  {s.licence}: {s.used} used of {total}")
    return "\n".join(out) + "\n"


def render_drift_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_drift_markdown(report: DriftReport) -> str:
    out = ["### zoomstate drift", "", headline(report), ""]
    out += ["| group | users |", "|---|---:|"]
    out += [f"| {TITLES[k]} | {len(report.of(k))} |" for k in KINDS]
    for kind in KINDS:
        items = report.of(kind)
        if not items:
            continue
        out += ["", f"<details><summary>{TITLES[kind]}: {len(items)}</summary>", ""]
        out += ["| user | field | state | live |", "|---|---|---|---|"]
        for item in items:
            if item.changes:
                for c in item.changes:
                    out.append(
                        f"| {_cell(item.user)} | `{c.path}` | {_cell(show(c.after))} | "
                        f"{_cell(show(c.before))} |"
                    )
            else:
                out.append(f"| {_cell(item.user)} | | {_cell(item.detail)} | |")
        out += ["", "</details>"]
    if report.seats:
        out += ["", "<details><summary>Seats</summary>", ""]
        out += ["| licence | used | of |", "|---|---:|---:|"]
        out += [
            f"| {s.licence} | {s.used} | {'unknown' if s.total is None else s.total} |"
            for s in report.seats
        ]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


__all__ = ["render_drift_json", "render_drift_markdown", "render_drift_text"]
