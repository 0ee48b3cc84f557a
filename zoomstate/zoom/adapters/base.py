"""What every Zoom adapter declares: the lists it reads, and small mapping helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One list call of the whole-account read.

    `name` is where the items land (a field of `RawAccount`); `key` is the JSON array in
    Zoom's answer. An `optional` list is one the account may not have (no Zoom Phone, no
    Contact Center): the read goes on without it, with a warning."""

    name: str
    path: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)
    optional: bool = True


def text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def e164(number: object) -> str:
    """Zoom writes numbers with and without '+' depending on the endpoint."""
    digits = str(number).strip().replace(" ", "").replace("-", "")
    return digits if digits.startswith("+") else f"+{digits}"
