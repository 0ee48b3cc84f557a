"""Rules of a user's phone block, written once for the loader and import-csv.

Each caller knows where the block came from (a file position, a CSV row) and reports there;
the rule and its wording live here, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

Where = TypeVar("Where")
Source = Literal["state", "row"]
# What a claim holds: values Zoom gives to one user only.
Held = Literal["extension", "number"]

_PLAN_RULE = "direct numbers need a calling plan"
_PLAN_REASON = "Zoom drops a number whose calling plan goes"


def calling_plan_problem(
    numbers: Sequence[str], calling_plans: Sequence[object], source: Source
) -> str | None:
    """Why a phone block with these numbers and calling plans cannot be reached, or None.
    `source` words it for a state file (the whole state is unreachable) or a CSV row."""
    if not numbers or calling_plans:
        return None
    if source == "state":
        return f"{_PLAN_RULE}: {_PLAN_REASON}, so this state could never be reached"
    return f"{_PLAN_RULE} ({_PLAN_REASON}) and this row has none"


@dataclass(frozen=True, slots=True)
class Claim(Generic[Where]):
    """A user holding a value that Zoom gives to one user only: an extension or a number."""

    kind: Held
    value: str | int
    holder: str
    where: Where


def held_twice(claims: Iterable[Claim[Where]]) -> Iterator[tuple[Claim[Where], Claim[Where]]]:
    """Each claim on a value another user claimed first, with that first claim, in the
    order given: an extension or a direct number belongs to one user."""
    first: dict[tuple[str, str | int], Claim[Where]] = {}
    for claim in claims:
        prev = first.setdefault((claim.kind, claim.value), claim)
        if prev.holder != claim.holder:
            yield claim, prev


__all__ = ["Claim", "Held", "calling_plan_problem", "held_twice"]
