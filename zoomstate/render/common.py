"""What the renderers share: one line that says what a step changes."""

from __future__ import annotations

from zoomstate.diff import JsonValue
from zoomstate.plan import Operation, Plan
from zoomstate.resources.leaver_spec import DEFAULT_TRANSFER
from zoomstate.words import count, verb


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
    if op.batch:
        text = f"{text} [{op.batch}]" if text else f"[{op.batch}]"
    return text


def waiting_by_user(plan: Plan) -> list[tuple[str, str, list[str]]]:
    """The waiting steps grouped per user (and reason), in plan order: (user, reason,
    kinds). One line per user, not one sentence per step."""
    groups: dict[tuple[str, str], list[str]] = {}
    for w in plan.waiting:
        groups.setdefault((w.user, w.reason), []).append(w.kind)
    return [(user, reason, kinds) for (user, reason), kinds in groups.items()]


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
            n = len(plan.waiting)
            line = (
                f"No changes now; {count(n, 'step')} {verb(n, 'waits', 'wait')} for users to "
                "accept their invitations."
            )
        return line
    users = summary["users"]
    extra = []
    if summary["destroys_data"]:
        lost = int(str(summary["destroys_data"]))
        extra.append(f"{count(lost, 'step')} {verb(lost, 'loses', 'lose')} data")
    batches = plan.batches()
    if batches:
        batched = sum(len(members) for members in batches.values())
        extra.append(f"{count(batched, 'step')} in {count(len(batches), 'batch call')}")
    if plan.waiting:
        extra.append(f"{len(plan.waiting)} waiting")
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"Plan: {count(ops, 'step')} for {count(int(str(users)), 'user')}{tail}."


def account_line(plan: Plan) -> str | None:
    """`Account: abc123 (owner: owner@example.com)`: which account the plan acts on."""
    ref = plan.account
    if ref is None or ref.id is None:
        return None
    return f"Account: {ref.id}" + (f" (owner: {ref.owner})" if ref.owner else "")
