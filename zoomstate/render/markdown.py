"""The plan as a pull-request comment: a summary table first, the details collapsed."""

from __future__ import annotations

from collections import Counter

from zoomstate.plan import SYMBOLS, Plan
from zoomstate.render.common import account_line, describe, headline, waiting_by_user
from zoomstate.resources.groups import group_summary
from zoomstate.resources.memberships import membership_summary


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_plan_markdown(plan: Plan) -> str:
    account = account_line(plan)
    out = ["### zoomstate plan", "", headline(plan), "", *([account, ""] if account else [])]
    if plan.operations:
        counts = Counter(op.kind for op in plan.operations)
        out += ["| step | count |", "|---|---:|"]
        out += [f"| `{SYMBOLS[k]} {k}` | {n} |" for k, n in sorted(counts.items())]
        lost = [op for op in plan.operations if op.destroys_data]
        if lost:
            out += [
                "",
                f"**{len(lost)} step(s) lose data**. `apply` runs them only with consent "
                "(`--allow-data-loss`, or `account.allow_data_loss`); the CI recipes give it "
                "when the reviewed plan is merged, so the review and its approval are what "
                "gate them: "
                + ", ".join(f"`{op.id}`" for op in lost[:20])
                + (" ..." if len(lost) > 20 else ""),
            ]
        groups = group_summary(plan.operations)
        if groups:
            out += ["", "**Groups**", ""]
            out += [f"- {_cell(line)}" for line in groups]
        queues = membership_summary(plan.operations)
        if queues:
            out += ["", "**Call queues and shared line groups**", ""]
            out += [f"- {_cell(line)}" for line in queues]
        out += ["", "<details><summary>All steps, in order</summary>", ""]
        out += ["| # | | user | step | change |", "|---:|---|---|---|---|"]
        for i, op in enumerate(plan.operations, 1):
            out.append(
                f"| {i} | {SYMBOLS[op.kind]} | {_cell(op.user)} | `{op.kind}` | "
                f"{_cell(describe(op))}{' **(loses data)**' if op.destroys_data else ''} |"
            )
        out += ["", "</details>"]
    if plan.waiting:
        out += ["", f"<details><summary>Waiting: {len(plan.waiting)}</summary>", ""]
        out += [
            f"- {_cell(user)}: {', '.join(f'`{k}`' for k in kinds)}: {_cell(reason)}"
            for user, reason, kinds in waiting_by_user(plan)
        ]
        out += ["", "</details>"]
    if plan.warnings:
        out += ["", "**Warnings**", ""]
        out += [f"- {_cell(w)}" for w in plan.warnings]
    out += ["", f"<sub>state {plan.state_hash[:19]}</sub>"]
    return "\n".join(out) + "\n"
