"""Checks before a run (the plan still fits; consent for data loss) and `apply_plan`,
which runs the executor over a plan and reports every step."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from zoomstate.apply.executor import (
    PHONE_USER_TIMEOUT_S,
    STOP_AFTER_UNANSWERED,
    Executor,
    Sleep,
)
from zoomstate.apply.journal import Journal
from zoomstate.apply.report import _STATUSES, ApplyReport, StepResult
from zoomstate.errors import StalePlan, UnsafePlan
from zoomstate.live import LiveState
from zoomstate.model import DesiredState
from zoomstate.plan import Plan, live_fingerprints, state_hash
from zoomstate.zoom.client import ZoomClient


def check_current(plan: Plan, desired: DesiredState, live: LiveState) -> None:
    """Refuse a saved plan that no longer fits: the state changed since it was made, or
    a live object one of its steps read has changed (it was made on another account's
    reality). Never re-plans silently."""
    if state_hash(desired) != plan.state_hash:
        raise StalePlan(
            "the state changed since this plan was made (state hash "
            f"{plan.state_hash[:19]} -> {state_hash(desired)[:19]}): run plan again"
        )
    now = live_fingerprints(live, plan.fingerprints)
    changed = {key for key, value in plan.fingerprints.items() if now.get(key) != value}
    # A user whose steps waited in the plan was pending (or not in Zoom yet) when it was
    # made: one who is active now accepted the invitation since, and the fresh plan has
    # their steps. Stale, not "not what zoomstate plans" (which reads as a doctored file).
    users = live.by_key()
    changed |= {
        f"user:{w.user}"
        for w in plan.waiting
        if w.user in users and users[w.user].status != "pending"
    }
    if stale := sorted(changed):
        shown = ", ".join(k.partition(":")[2] for k in stale[:20])
        more = f" and {len(stale) - 20} more" if len(stale) > 20 else ""
        raise StalePlan(
            f"the live account changed since this plan was made: {shown}{more}; "
            "nothing was applied: run plan again"
        )


def check_consent(plan: Plan, allowed: bool) -> None:
    """Steps that lose data run only with explicit consent."""
    losing = [op for op in plan.operations if op.destroys_data]
    if losing and not allowed:
        shown = ", ".join(op.id for op in losing[:10])
        more = f" and {len(losing) - 10} more" if len(losing) > 10 else ""
        raise UnsafePlan(
            f"{len(losing)} step(s) lose data ({shown}{more}): apply them with "
            "--allow-data-loss or account.allow_data_loss: true. Nothing was applied"
        )


async def apply_plan(
    plan: Plan,
    client: ZoomClient,
    live: LiveState,
    *,
    journal: Journal | None = None,
    concurrency: int = 8,
    sleep: Sleep = asyncio.sleep,
    on_step: Callable[[StepResult], None] | None = None,
    phone_user_timeout_s: float = PHONE_USER_TIMEOUT_S,
    stop_after: int = STOP_AFTER_UNANSWERED,
) -> ApplyReport:
    """Carry out `plan` (already checked against `live`) and report every step."""
    started = time.perf_counter()
    calls_before = client.stats.calls
    executor = Executor(
        client=client,
        live=live,
        journal=journal,
        concurrency=concurrency,
        sleep=sleep,
        phone_user_timeout_s=phone_user_timeout_s,
        on_step=on_step,
        planned=frozenset(op.id for op in plan.operations),
        stop_after=stop_after,
    )
    if journal:
        journal.write(
            "run_start",
            state_hash=plan.state_hash,
            operations=len(plan.operations),
            waiting=len(plan.waiting),
        )
    results: list[StepResult] = []
    interrupted = False
    try:
        results = await executor.run(plan)
    except asyncio.CancelledError:
        # Ctrl-C: asyncio.run cancels the run. What finished is reported and journaled,
        # and the run ends as interrupted; apply again plans what is left.
        interrupted = True
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # handled here: the rest of the run (closing up) goes on
        results = [executor.results[op.id] for op in plan.operations if op.id in executor.results]
        results += executor.waiting(plan)
    finally:
        if journal:
            final = results or list(executor.results.values())
            counts = {s: sum(1 for r in final if r.status == s) for s in _STATUSES}
            if interrupted:
                journal.write("run_interrupted", **counts, not_started=_not_started(plan, final))
            else:
                journal.write("run_end", **counts)
    return ApplyReport(
        results=tuple(results),
        journal=str(journal.path) if journal else None,
        calls=client.stats.calls - calls_before,
        seconds=time.perf_counter() - started,
        stopped=executor.stopped,
        interrupted=interrupted,
        not_started=_not_started(plan, results) if interrupted else 0,
    )


def _not_started(plan: Plan, results: list[StepResult]) -> int:
    ended = {r.op for r in results}
    return sum(1 for op in plan.operations if op.id not in ended)


__all__ = ["apply_plan", "check_consent", "check_current"]
