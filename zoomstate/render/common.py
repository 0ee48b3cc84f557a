"""What the renderers share: one line that says what a step changes."""

from __future__ import annotations

from zoomstate.diff import JsonValue
from zoomstate.plan import Operation, Plan
from zoomstate.resources.leaver_spec import DEFAULT_TRANSFER


def show(value: JsonValue) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def describe(op: Operation) -> str:
    """`extension: 101112 -> 101102`, `US/CA Metered -> US/CA Unlimited`, ..."""
    before, after = op.before, op.after
    if isinstance(after, dict) or isinstance(before, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        parts = []
        for key in list(dict.fromkeys([*new, *old])):
            if key in new and key in old:
                if old[key] == new[key]:
                    continue
                parts.append(f"{key}: {show(old[key])} -> {show(new[key])}")
            elif key in new:
                parts.append(f"{key}: {show(new[key])}")
            else:
                parts.append(f"{key}: {show(old[key])} -> (none)")
        text = ", ".join(parts)
    elif before is None and after is not None:
        text = show(after)
    elif after is None and before is not None:
        text = f"{show(before)} -> (none)"
    elif before is None and after is None:
        text = ""
    else:
        text = f"{show(before)} -> {show(after)}"
    handed = transfer(op)
    if handed:
        text = f"{text} ({handed})" if text else f"({handed})"
    if op.note:
        text = f"{text} ({op.note})" if text else f"({op.note})"
    return text


def transfer(op: Operation) -> str:
    """Where a deletion hands the user's data: `meetings, webinars, recordings → carol@...`
    (a step without `transfer` in its params hands over those three)."""
    target = op.params.get("transfer_email") if op.kind == "delete_user" else None
    if not isinstance(target, str):
        return ""
    listed = op.params.get("transfer")
    items = listed if isinstance(listed, list) else list(DEFAULT_TRANSFER)
    return f"{', '.join(str(i) for i in items)} → {target}"


def headline(plan: Plan) -> str:
    summary = plan.summary()
    ops = len(plan.operations)
    if not ops:
        line = "No changes: the account matches the state."
        if plan.waiting:
            line = (
                f"No changes now; {len(plan.waiting)} step(s) wait for users to accept "
                "their invitations."
            )
        return line
    users = summary["users"]
    extra = []
    if summary["destroys_data"]:
        extra.append(f"{summary['destroys_data']} lose data")
    if plan.waiting:
        extra.append(f"{len(plan.waiting)} waiting")
    tail = f" ({', '.join(extra)})" if extra else ""
    steps = f"{ops} step{'s' if ops != 1 else ''}"
    return f"Plan: {steps} for {users} user{'s' if users != 1 else ''}{tail}."
