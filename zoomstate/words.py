"""Counts in English: "1 step", "2 steps", "1 step loses data", "3 steps lose data"."""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes: count(1, "API call") == "1 API call"."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb that agrees with `n`: verb(1, "loses", "lose") == "loses"."""
    return singular if n == 1 else plural
