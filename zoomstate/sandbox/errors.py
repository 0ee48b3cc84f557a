"""The exceptions of the sandbox's account logic: a Zoom error response, and a seed that
cannot be built.

Handlers turn it into Zoom's body, `{"code": ..., "message": ...}` plus `errors[]` on
validation failures (REFERENCE.md §6), so the logic never builds HTTP responses itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FieldError", "SeedError", "ZoomError", "not_found_user", "validation_failed"]


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str = "Invalid field."


@dataclass(slots=True)
class ZoomError(Exception):
    status: int
    code: int
    message: str
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            out["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        return out

    def __str__(self) -> str:
        return f"{self.status}/{self.code}: {self.message}"


def not_found_user(user_id: str) -> ZoomError:
    return ZoomError(404, 1001, f"User does not exist: {user_id}.")


def validation_failed(errors: list[FieldError]) -> ZoomError:
    return ZoomError(400, 300, "Validation Failed.", errors)


class SeedError(ValueError):
    """A seed names something it does not define, or repeats what must be unique."""
