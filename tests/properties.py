"""Hypothesis settings shared by the property tests.

Derandomized so CI sees the same examples on every run; `ZOOMSTATE_PROPERTY_EXAMPLES=5000`
explores that many fresh random examples locally instead."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_EXPLORE = int(os.environ.get("ZOOMSTATE_PROPERTY_EXAMPLES", "0"))


def property_settings(examples: int) -> settings:
    """`examples` in CI, or ZOOMSTATE_PROPERTY_EXAMPLES random ones when set."""
    return settings(
        max_examples=_EXPLORE or examples,
        deadline=None,
        derandomize=not _EXPLORE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
