"""The plan for a terminal: one line a step, `+ ~ -` symbols, colour when asked."""

from __future__ import annotations

from zoomstate.plan import SYMBOLS, Plan
from zoomstate.render.common import account_line, describe, headline, waiting_by_user
from zoomstate.resources.groups import group_summary
from zoomstate.resources.memberships import membership_summary

_COLOURS = {"+": "\x1b[32m", "~": "\x1b[33m", "-": "\x1b[31m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


def render_plan_text(plan: Plan, *, color: bool = False) -> str:
    lines: list[str] = []
    width = max((len(op.user) for op in plan.operations), default=0)
    kind_width = max((len(op.kind) for op in plan.operations), default=0)
    for op in plan.operations:
        symbol = SYMBOLS[op.kind]
        flag = "  [loses data]" if op.destroys_data else ""
        line = f"  {symbol} {op.user:<{width}}  {op.kind:<{kind_width}}  {describe(op)}{flag}"
        lines.append(f"{_COLOURS[symbol]}{line}{_RESET}" if color else line.rstrip())
    groups = group_summary(plan.operations)
    if groups:
        lines += ["", "Groups:"]
        lines += [f"  {line}" for line in groups]
    queues = membership_summary(plan.operations)
    if queues:
        lines += ["", "Call queues and shared line groups:"]
        lines += [f"  {line}" for line in queues]
    if plan.waiting:
        lines += ["", "Waiting (not changes; they run once the user is active):"]
        for user, reason, kinds in waiting_by_user(plan):
            lines.append(f"  . {user}  {', '.join(kinds)}")
            lines.append(f"      {reason}")
    if plan.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  ! {w}" for w in plan.warnings]
    head = headline(plan)
    account = account_line(plan)
    top = [f"{_BOLD}{head}{_RESET}" if color else head, *([account] if account else [])]
    lines[:0] = top + ([""] if plan.operations else [])
    return "\n".join(lines) + "\n"
