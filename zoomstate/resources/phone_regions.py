"""Which countries a calling plan covers and which country a direct number is in, from the
plan's type code and the number's E.164 prefix: Zoom refuses a number that no calling plan
of its user covers ("Assign a calling plan that covers ..."), and the plan should say so at
review time.

Only what the codes say for certain (docs: Zoom Phone calling plans and codes): a plan whose
code names a region (US/CA, AU/NZ, GB/IE, JP) covers that region; Global Select, Pro,
Domestic Select and the EURA/EURB plans cover countries this table cannot list, so a user
holding one is never refused here. Written apart from the sandbox's own rule on purpose: the
sandbox is the oracle this is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable

US_CA, AU_NZ, GB_IE, JP = "US/CA", "AU/NZ", "GB/IE", "JP"

# The last digit(s) of a regional plan code: 200 UNLIMITED_PLAN_US_CA, 202 ..._GB_IE, ...
_REGION_DIGIT = {0: US_CA, 1: AU_NZ, 2: GB_IE, 7: JP}
# Code families whose members differ only in that digit (100-107 metered, 200-207
# unlimited, 300-307 numbers, 30000-30007 / 31000-31007 number included, 40200-40207,
# 50200-50207, 60200-60207, 70200-70207 Meetings bundles).
_REGIONAL_FAMILIES = (100, 200, 300, 30000, 31000, 40200, 50200, 60200, 70200)
# Toll-free plans: 400 US/CA, 401 AU, 402 GB/IE, 403 NZ.
_TOLL_FREE = {400: US_CA, 401: AU_NZ, 402: GB_IE, 403: AU_NZ}

# E.164 country calling codes of those regions; longest prefix first.
_PREFIXES = (("353", GB_IE), ("44", GB_IE), ("61", AU_NZ), ("64", AU_NZ), ("81", JP), ("1", US_CA))


def plan_region(code: int) -> str | None:
    """The region a calling plan covers, or None when the code does not say one."""
    if code in _TOLL_FREE:
        return _TOLL_FREE[code]
    for base in _REGIONAL_FAMILIES:
        if base <= code <= base + 7:
            return _REGION_DIGIT.get(code - base)
    return None


def number_region(number: str) -> str | None:
    digits = number.removeprefix("+")
    for prefix, region in _PREFIXES:
        if digits.startswith(prefix):
            return region
    return None


def uncovered(number: str, codes: Iterable[int]) -> list[str] | None:
    """The regions the plans cover when none of them covers `number` (sorted), or None
    when it is covered or the table cannot tell (an unknown prefix, or a plan whose code
    names no region)."""
    region = number_region(number)
    regions = [plan_region(c) for c in codes]
    if region is None or not regions or None in regions:
        return None
    known = sorted({r for r in regions if r is not None})
    return None if region in known else known
