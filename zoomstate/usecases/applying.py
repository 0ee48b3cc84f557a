"""The apply use case: read the account through the journal, plan again (and, with a
saved plan, check that the account has not moved and that the fresh plan is the file's),
ask for consent and approval, then carry the plan out."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from zoomstate.apply import (
    ApplyReport,
    Journal,
    JournalTransport,
    StepResult,
    apply_plan,
    check_consent,
    check_current,
)
from zoomstate.core.ops import Waiting
from zoomstate.core.ready import ready_steps
from zoomstate.model import DesiredState
from zoomstate.plan import Plan, PlanOptions
from zoomstate.planfile import SavedPlan, check_claim
from zoomstate.resources.reads import read_needs
from zoomstate.session import Connection, open_client
from zoomstate.usecases.reading import located_plan
from zoomstate.usecases.runtime import tamed_gc
from zoomstate.zoom.read import read_account

__all__ = ["Applied", "ApplyRequest", "ApplyUI", "apply", "only_waiting", "waiting_report"]


class ApplyUI(Protocol):
    """What apply shows and asks on its way (the CLI's is `cli.ui.TerminalApplyUI`)."""

    def show(self, plan: Plan) -> None:
        """The fresh plan, before anything is asked or done."""

    def info(self, message: str) -> None:
        """A note for the person running it (not the payload)."""

    def approve(self, plan: Plan) -> None:
        """Return to go ahead; raise to stop. Called only when there are steps."""

    def progress(self, total: int) -> AbstractContextManager[Callable[[StepResult], None]]:
        """Told of each step as it ends."""


@dataclass(frozen=True, slots=True)
class ApplyRequest:
    desired: DesiredState
    options: PlanOptions
    saved: SavedPlan | None = None  # from `plan --out`: only a fresh plan equal to it runs
    consent: bool = False  # to steps that lose data
    concurrency: int = 8
    # --only-waiting: an earlier plan's waiting steps; only those now ready run.
    waited: tuple[Waiting, ...] | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    plan: Plan
    # When the plan had no step: nothing ran, and the report lists the waiting steps.
    report: ApplyReport


def waiting_report(plan: Plan, journal: Journal) -> ApplyReport:
    """The report of a run with nothing to apply: the steps that wait for their users."""
    return ApplyReport(
        results=tuple(
            StepResult(f"{w.user}/{w.kind}", w.kind, w.user, "waiting", w.reason)
            for w in plan.waiting
        ),
        journal=str(journal.path),
    )


def only_waiting(fresh: Plan, waited: tuple[Waiting, ...], ui: ApplyUI) -> Plan:
    """The steps of `fresh` that waited in an earlier plan and are ready now; says what
    it leaves for a reviewed apply (zoomstate.core.ready)."""
    ready = ready_steps(fresh, waited)
    for left in ready.left_out:
        ui.info(f"not applied: {left.op_id} waited, but {left.reason}: apply it after a review")
    if ready.others:
        ui.info(
            f"not applied: {ready.others} step(s) of the plan that did not wait for an "
            "invitation (--only-waiting applies nothing else): run plan to see them"
        )
    return ready.plan


async def apply(conn: Connection, journal: Journal, request: ApplyRequest, ui: ApplyUI) -> Applied:
    """Plan again from the live account and carry that plan out. Raises StalePlan or
    InvalidPlan (a saved plan that does not hold), ValidationFailed (plan-time issues,
    located), UnsafePlan (no consent); every call goes into `journal`."""
    async with open_client(conn, wrap=lambda t: JournalTransport(t, journal)) as client:
        # The collector tamed while the account is read and planned, as it is for
        # `plan` (usecases/runtime.py), not while the steps run.
        with tamed_gc():
            live = await read_account(client, **read_needs(request.desired))
            if request.saved is not None:
                # The stale check first: it names what moved in Zoom since the review.
                check_current(request.saved.plan, request.desired, live)
            chosen = located_plan(request.desired, live, request.options)
        if request.saved is not None:
            check_claim(request.saved, chosen)
        if request.waited is not None:
            chosen = only_waiting(chosen, request.waited, ui)
        ui.show(chosen)
        if not chosen.operations:
            ui.info("Nothing to apply.")
            return Applied(chosen, waiting_report(chosen, journal))
        check_consent(chosen, request.consent)
        ui.approve(chosen)
        with ui.progress(len(chosen.operations)) as advance:
            report = await apply_plan(
                chosen,
                client,
                live,
                journal=journal,
                concurrency=request.concurrency,
                on_step=advance,
            )
        return Applied(chosen, report)
