"""Counts in English: "1 step", "2 steps", "1 step loses data", "3 steps lose data"."""

from __future__ import annotations

from collections.abc import Sequence


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes: count(1, "API call") == "1 API call"."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb that agrees with `n`: verb(1, "loses", "lose") == "loses"."""
    return singular if n == 1 else plural


def listed(items: Sequence[str], shown: int) -> str:
    """The first `shown` items, then how many more: "a, b, c and 27 more"."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")
