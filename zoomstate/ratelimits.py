"""Zoom's published rate limits: the budgets of each bucket, per plan tier.

Which bucket an endpoint draws from is in the endpoint table (`zoomstate.endpoints`),
re-exported here for the pacer and the sandbox. Facts about Zoom, not code of either side.
The module is pure (no I/O, standard library only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from zoomstate.endpoints import ENDPOINTS, Endpoint, Family, Label, Match, match

__all__ = [
    "ENDPOINTS",
    "HEAVY_DAILY_CAPS",
    "QPS_LIMITS",
    "USER_CREATE_DAILY_CAPS",
    "Endpoint",
    "Family",
    "Label",
    "Match",
    "Tier",
    "match",
]

Tier = Literal["pro", "business"]

# Requests per second. Users/Meetings table, "Zoom Phone APIs" table and "Zoom Contact
# Center APIs" table of docs/rate-limits.md; "business" is Zoom's Business+ column.
QPS_LIMITS: Mapping[Family, Mapping[Label, Mapping[Tier, int]]] = {
    "users": {
        "light": {"pro": 30, "business": 80},
        "medium": {"pro": 20, "business": 60},
        "heavy": {"pro": 10, "business": 40},
    },
    "phone": {
        "light": {"pro": 20, "business": 40},
        "medium": {"pro": 10, "business": 20},
        "heavy": {"pro": 5, "business": 10},
    },
    "contact_center": {
        "light": {"pro": 20, "business": 40},
        "medium": {"pro": 10, "business": 20},
        "heavy": {"pro": 5, "business": 10},
    },
}

HEAVY_DAILY_CAPS: Mapping[Family, Mapping[Tier, int]] = {
    "users": {"pro": 30_000, "business": 60_000},
    "phone": {"pro": 15_000, "business": 30_000},
    "contact_center": {"pro": 15_000, "business": 30_000},
}

USER_CREATE_DAILY_CAPS: Mapping[Tier, int] = {"pro": 1_500, "business": 10_000}
