"""What a run reports: one `StepResult` per step, and the `ApplyReport` of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

StepStatus = Literal["done", "failed", "skipped", "interrupted", "waiting"]
_STATUSES: tuple[StepStatus, ...] = ("done", "failed", "skipped", "interrupted", "waiting")
# The detail of a step Ctrl-C cut off while its request was in flight.
INTERRUPTED = (
    "interrupted (Ctrl-C) while its request was in flight: the next plan shows whether it "
    "reached Zoom"
)


@dataclass(frozen=True, slots=True)
class StepResult:
    op: str
    kind: str
    user: str
    status: StepStatus
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ApplyReport:
    results: tuple[StepResult, ...]
    journal: str | None = None
    calls: int = 0
    seconds: float = 0.0
    # Why the run stopped starting steps before the end ("" when it did not).
    stopped: str = ""
    # Stopped by Ctrl-C (SIGINT): steps not started are `not_started`; a step whose request
    # was in flight is "interrupted" (the next plan shows whether it reached Zoom).
    interrupted: bool = False
    not_started: int = 0

    def count(self, status: StepStatus) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "summary": {s: self.count(s) for s in _STATUSES},
            "calls": self.calls,
            "seconds": round(self.seconds, 3),
            "journal": self.journal,
            "stopped": self.stopped or None,
            "interrupted": self.interrupted,
            "not_started": self.not_started,
            "steps": [
                {"op": r.op, "kind": r.kind, "user": r.user, "status": r.status, "detail": r.detail}
                for r in self.results
            ],
        }


__all__ = ["ApplyReport", "StepResult", "StepStatus"]
