"""The drift report as text, JSON and Markdown (a GitHub issue body)."""

from __future__ import annotations

import json

from zoomstate.drift import KINDS, NOT_CHANGED_OUTSIDE_GIT, DriftItem, DriftKind, DriftReport
from zoomstate.render.common import show

TITLES: dict[DriftKind, str] = {
    "changed": "Changed outside git",
    "missing": "Missing from Zoom",
    "unmanaged": "In Zoom, not in the state",
    "not_applied": "Not applied yet (not drift: run apply)",
    "waiting": "Waiting for invitations (not drift)",
    "ignored": "Left alone by the state's policy (not drift)",
}
# The users shown of a group that can hold most of a large account (an identity provider
# owns users, the state lists a few): text and Markdown list the first ones and count the
# rest; the JSON form lists every one.
SHOWN: dict[DriftKind, int] = {"ignored": 50}


def headline(report: DriftReport) -> str:
    notes = []
    if waiting := len(report.of("waiting")):
        notes.append(f"{waiting} invitation(s) pending")
    if ignored := len(report.of("ignored")):
        notes.append(f"{ignored} left alone by the state's policy")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if report.in_sync:
        return f"In sync: the account matches the state{tail}."
    parts = [
        f"{len(report.of(k))} {k}"
        for k in KINDS
        if k not in NOT_CHANGED_OUTSIDE_GIT and report.of(k)
    ]
    pending = len(report.of("not_applied"))
    later = f"{pending} user(s) with steps not applied yet (nothing changed outside git)"
    if not report.drifted:
        return f"Not applied yet: {later}; run apply{tail}."
    more = f"; {later}" if pending else ""
    return "Drift: " + ", ".join(parts) + more + f"{tail}."


def _shown(kind: DriftKind, items: list[DriftItem]) -> tuple[list[DriftItem], int]:
    limit = SHOWN.get(kind)
    if limit is None or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


def _lines(item: DriftItem) -> list[str]:
    lines = [item.detail] if item.detail else []
    return lines + [f"{c.path}: state {show(c.after)}, live {show(c.before)}" for c in item.changes]


def render_drift_text(report: DriftReport) -> str:
    out = [headline(report)]
    for kind in KINDS:
        items = report.of(kind)
        if not items:
            continue
        out += ["", f"{TITLES[kind]} ({len(items)}):"]
        shown, more = _shown(kind, items)
        for item in shown:
            details = _lines(item)
            out.append(f"  {item.user}" + (f": {details[0]}" if len(details) == 1 else ""))
            if len(details) > 1:
                out += [f"      {d}" for d in details]
        if more:
            out.append(f"  ... and {more} more (--format json lists every one)")
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
        shown, more = _shown(kind, items)
        for item in shown:
            if item.detail and (item.kind in ("ignored", "not_applied") or not item.changes):
                out.append(f"| {_cell(item.user)} | | {_cell(item.detail)} | |")
            for c in item.changes:
                out.append(
                    f"| {_cell(item.user)} | `{c.path}` | {_cell(show(c.after))} | "
                    f"{_cell(show(c.before))} |"
                )
        if more:
            out.append(f"| ... and {more} more (`--format json` lists every one) | | | |")
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
