"""The one exception tree of zoomstate.

    ZoomstateError
    ├── ConfigError            bad settings or state; carries Issues with file:line:col
    │   ├── ValidationFailed   the state directory has one or more issues
    │   └── InvalidPlan        a plan (file) that is not well formed: a step twice, a cycle
    │       └── CycleError     steps that wait for each other, as the planner found them
    ├── BackendError           the Zoom API (or sandbox) failed
    │   ├── AuthError          credentials refused, token could not be minted
    │   ├── RateLimited        a daily cap was hit: the run must stop until `resume_at`
    │   └── Unreachable        no answer after every retry (connection, deadline, 5xx)
    ├── UnsafePlan             the plan breaks a safety limit, scope or protection
    ├── StalePlan              the live account or the state moved since the plan was made
    ├── ApplyFailed            some steps failed; carries the partial report
    └── JournalError           the apply journal cannot be written (a full disk): the run stops

The CLI turns a ZoomstateError into `Error: ...` on stderr and exit status 1; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Issue:
    """One problem found in the state, located in its file.

    Field order is the sort order: issues print by file, then position.
    """

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ZoomstateError(Exception):
    """Root of every error zoomstate raises on purpose."""


class ConfigError(ZoomstateError):
    """Settings or state that zoomstate cannot use."""


class ValidationFailed(ConfigError):
    """The state has issues; all of them are collected, sorted, in `issues`."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(issues)
        count = len(self.issues)
        super().__init__(f"{count} issue{'s' if count != 1 else ''} found in the state")


class InvalidPlan(ConfigError):
    """A plan that is not well formed: not a plan file, a step listed twice, a dependency
    on a step that is not there, a dependency cycle."""


class CycleError(InvalidPlan):
    """Steps of a plan wait for each other, so no order runs them all: `operations` are
    the ids of every step left unordered (the cycle and what waits on it), sorted. An
    InvalidPlan, so a caller that refuses malformed plans (a saved file with a cycle)
    and the ordering itself raise the same family of error."""

    def __init__(self, operations: Sequence[str]) -> None:
        self.operations = tuple(operations)
        super().__init__(f"dependency cycle among {', '.join(self.operations[:5])}")


class BackendError(ZoomstateError):
    """A Zoom API call failed for good (after any retries)."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.zoom_message = message
        parts = [f"{method} {path}".strip()]
        if status is not None:
            parts.append(f"HTTP {status}")
        if code is not None:
            parts.append(f"Zoom code {code}")
        prefix = ", ".join(p for p in parts if p)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class AuthError(BackendError):
    """Zoom refused the credentials or the token."""


class RateLimited(BackendError):
    """A daily limit was reached; nothing more can be done until `resume_at` (ISO 8601)."""

    def __init__(self, message: str, *, resume_at: str | None = None, **kw: object) -> None:
        self.resume_at = resume_at
        super().__init__(message, **kw)  # type: ignore[arg-type]


class Unreachable(BackendError):
    """The API gave no usable answer on any attempt of a request: connections refused or
    dropped, no complete answer within the deadline, or a server error every time. Not a
    verdict on the request: the same call may well succeed once the API is back."""


class UnsafePlan(ZoomstateError):
    """The plan would break a safety limit, the scope, or a protection."""


class StalePlan(ZoomstateError):
    """The plan no longer matches the state or the live account."""


class ApplyFailed(ZoomstateError):
    """Some steps of an apply failed."""


class JournalError(ZoomstateError):
    """The apply journal could not be written: the run stops, since a call that cannot be
    journaled must not be made."""


__all__ = [
    "ApplyFailed",
    "AuthError",
    "BackendError",
    "ConfigError",
    "CycleError",
    "InvalidPlan",
    "Issue",
    "JournalError",
    "RateLimited",
    "StalePlan",
    "Unreachable",
    "UnsafePlan",
    "ValidationFailed",
    "ZoomstateError",
]
