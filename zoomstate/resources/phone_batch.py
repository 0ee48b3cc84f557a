"""Whether a new phone user's phone block can go through `POST /phone/users/batch`, and
the short extension that call takes.

The batch sets the site, the extension, calling plans, numbers and the setting template
in one call, for users already active in Zoom (every step a plan makes for a user is run
after the user is active). It needs an extension (Zoom's batch picks none), takes at most
10 numbers a user, names calling plans by the batch's own names (zoomstate/calling_plans.py)
and the extension without its site's code (REFERENCE.md §2.6): what it cannot express
goes the per-user way, and the plan says why.
"""

from __future__ import annotations

from zoomstate.calling_plans import BATCH_NAMES
from zoomstate.core.builder import Builder, plan_label
from zoomstate.model import PhoneSpec

# POST /phone/users/batch body.users[].phone_numbers maxItems 10.
BATCH_NUMBERS = 10


def batch_refusal(b: Builder, want: PhoneSpec, codes: list[int]) -> str:
    """Why this new phone user cannot go in a batch; "" when it can."""
    if want.extension is None:
        return "no extension in the state (the batch call needs one; Zoom picks it otherwise)"
    if len(want.numbers) > BATCH_NUMBERS:
        return f"more than {BATCH_NUMBERS} numbers (the batch call takes {BATCH_NUMBERS})"
    unnamed = [c for c in codes if c not in BATCH_NAMES]
    if unnamed:
        label = ", ".join(plan_label(b, c) for c in unnamed)
        return f"calling plan {label} has no name documented for the batch call"
    if want.site is None and b.live.sites:
        return "no site in the state (the batch call takes the extension without its site's code)"
    return ""


def short_extension(b: Builder, want: PhoneSpec) -> str:
    """The extension as the batch takes it: without the code of the user's site (when the
    site has one and the extension starts with it: the plan's check says so otherwise)."""
    assert want.extension is not None
    full = str(want.extension)
    site = b.sites.get(want.site.lower()) if want.site else None
    code = str(site.site_code) if site is not None and site.site_code is not None else ""
    if code and full.startswith(code) and len(full) > len(code):
        return full[len(code) :]
    return full


__all__ = ["BATCH_NAMES", "BATCH_NUMBERS", "batch_refusal", "short_extension"]
