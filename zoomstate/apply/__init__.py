"""Carry out a plan: steps of different users at once, each user's steps in plan order,
every API call journaled before it leaves and after it returns.

Safety rests on three habits:
- read before write: a step that may have been done already (a dropped connection after
  Zoom acted, a run killed half-way) is verified against Zoom instead of repeated blindly;
- a failed step skips only the steps that depend on it (its user's later steps and the
  other users' steps that wait for it); the rest go on;
- the journal (`.zoomstate/runs/<run>.jsonl`) is flushed around every call, so after a
  crash it tells what reached Zoom; running `apply` again re-reads the live account and
  carries on from there.
"""

from zoomstate.apply.executor import (
    HANDLERS,
    NOT_STARTED,
    PHONE_USER_TIMEOUT_S,
    STOP_AFTER_UNANSWERED,
    Executor,
    Handler,
    Sleep,
)
from zoomstate.apply.journal import Journal, JournalTransport
from zoomstate.apply.report import ApplyReport, StepResult, StepStatus
from zoomstate.apply.run import apply_plan, check_consent, check_current

__all__ = [
    "HANDLERS",
    "NOT_STARTED",
    "PHONE_USER_TIMEOUT_S",
    "STOP_AFTER_UNANSWERED",
    "ApplyReport",
    "Executor",
    "Handler",
    "Journal",
    "JournalTransport",
    "Sleep",
    "StepResult",
    "StepStatus",
    "apply_plan",
    "check_consent",
    "check_current",
]
