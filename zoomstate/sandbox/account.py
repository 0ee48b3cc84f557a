"""The account's records and store under their first name: `records.py` holds the
records, `store.py` the `Account` with its indices and invariants. Kept so that imports of
`zoomstate.sandbox.account` go on working."""

from __future__ import annotations

from zoomstate.sandbox.records import (
    ADMIN_ROLE_ID,
    MEMBER_ROLE_ID,
    OWNER_ROLE_ID,
    REGION_COUNTRIES,
    AccountInfo,
    CallingPlan,
    CCPackage,
    CCProfile,
    CCRole,
    PhoneNumber,
    PhoneProfile,
    Role,
    Seats,
    SettingTemplate,
    Site,
    User,
    default_plan_countries,
    number_country,
    region_of,
)
from zoomstate.sandbox.store import Account

__all__ = [
    "ADMIN_ROLE_ID",
    "MEMBER_ROLE_ID",
    "OWNER_ROLE_ID",
    "REGION_COUNTRIES",
    "Account",
    "AccountInfo",
    "CCPackage",
    "CCProfile",
    "CCRole",
    "CallingPlan",
    "PhoneNumber",
    "PhoneProfile",
    "Role",
    "Seats",
    "SettingTemplate",
    "Site",
    "User",
    "default_plan_countries",
    "number_country",
    "region_of",
]
