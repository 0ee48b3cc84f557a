"""The names `POST /phone/users/batch` takes for calling plans, by type code.

The batch takes plan *names* where every other phone endpoint takes type codes, and not
the names `GET /phone/calling_plans` lists ("US/CA Metered Calling Plan" there, "US/CA
Metered" here): phone.json, `POST /phone/users/batch`
`body.users[].calling_plans` ("Type "US/CA Metered" if the assigned package is "United
States/Canada Metered Calling Plan"", ...), matched to type codes by Zoom's calling plan
codes page (zoom-api/docs/phone-calling-plans.md: METERED_PLAN_US_CA 100, ...). Plans the
description names without a code on that page (India, Power Pack, the add-ons, "Global
Select") are left out: a user with one of them is onboarded the per-user way, which takes
the code.
"""

from __future__ import annotations

from collections.abc import Mapping

BATCH_NAMES: Mapping[int, str] = {
    100: "US/CA Metered",
    101: "AU/NZ Metered",
    102: "UK/Ireland Metered",
    103: "Europe Zone A Metered",
    104: "Europe Zone B Metered",
    107: "JP Metered",
    200: "US/CA Unlimited",
    201: "AU/NZ Unlimited",
    202: "UK/Ireland Unlimited",
    203: "Europe Zone A Unlimited",
    204: "Europe Zone B Unlimited",
    207: "JP Unlimited",
    600: "Beta",
    1001: "Global Select Metered",
    3000: "Pro",
}

# The batch's name -> its type code (lower-cased: the sandbox reads names as Zoom would,
# without regard to case).
BATCH_TYPES: Mapping[str, int] = {name.lower(): code for code, name in BATCH_NAMES.items()}

__all__ = ["BATCH_NAMES", "BATCH_TYPES"]
