"""The phone user file of Phone System Management > Users & Rooms: its columns, the numbers
a spreadsheet mangled, and one row as a user's phone block. Which columns Zoom writes, and
where that is documented, is in `zoomstate.io.importcsv`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from zoomstate.io.csv_reader import EMAIL_ALIASES, aliases
from zoomstate.model import E164_RE
from zoomstate.resources.phone_rules import calling_plan_problem

# Excel shows numbers of more than 11 digits as 1.41556E+10 and saves them so; European
# Excel writes a decimal comma.
_SCIENTIFIC_RE = re.compile(r"^[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+$")
# A number stored as a decimal: 14155550100.0 (pandas, some Excel exports).
_DECIMAL_ZERO_RE = re.compile(r"^(\+?[0-9]+)[.,]0+$")
# North American Numbering Plan with its country code: 1, area code, exchange, line.
_NANP_RE = re.compile(r"^1[2-9][0-9]{2}[2-9][0-9]{6}$")
# ASCII digits only: str.isdigit() accepts '²' and other scripts' digits.
_DIGITS_RE = re.compile(r"^[0-9]+$")
_FORMATTING_RE = re.compile(r"[\s().\-/]")
# Several numbers or plans in one cell. A comma is safe here: the cell is already cut
# out of the row (quoted in a comma-delimited file).
_LIST_SPLIT_RE = re.compile(r"[;,|\n]")

PHONE_COLUMNS: Mapping[str, str] = {
    **EMAIL_ALIASES,
    **aliases(
        "extension",
        "Extension Number",
        "Extension",
        "Ext",
        "Extension No",
        "extension_number",
        "zoomPhoneExtNumber",
    ),
    **aliases("site", "Site", "Site Name", "zoomPhoneSite"),
    **aliases(
        "calling_plans",
        "Calling Plan",
        "Calling Plans",
        "Calling Package",
        "Calling Packages",
        "Package",
        "Packages",
        "Package Name",
        "zoomPhoneCallingPlan",
    ),
    **aliases(
        "numbers",
        "Phone Number",
        "Phone Numbers",
        "Direct Number",
        "Direct Numbers",
        "Direct Phone Number",
        "Number",
        "Numbers",
        "zoomPhoneNumber",
    ),
    **aliases(
        "template",
        "Template",
        "Template Name",
        "Phone Template",
        "User Template",
        "Policy",
        "Policy Template",
    ),
}
# A header with one of these is a phone file; the user list never has them.
PHONE_MARKERS = frozenset({"extension", "site", "calling_plans", "template"})


def phone_number(value: str) -> tuple[str | None, str | None, str | None]:
    """(number in E.164, a warning when it had to be repaired, why it cannot be used)."""
    shown = repr(value)
    if _SCIENTIFIC_RE.match(value):
        return (
            None,
            None,
            (
                f"phone number {shown} is in scientific notation: a spreadsheet rounded it and "
                "its last digits are lost; export it again with the column formatted as Text"
            ),
        )
    notes: list[str] = []
    decimal = _DECIMAL_ZERO_RE.match(value)
    if decimal:
        value = decimal.group(1)
        notes.append("added '.0'")
    compact = _FORMATTING_RE.sub("", value)
    if E164_RE.match(compact):
        note = (
            f"phone number {shown}: a spreadsheet {notes[0]}; read as {compact!r}"
            if notes
            else None
        )
        return compact, note, None
    if not _DIGITS_RE.match(compact):
        return None, None, f"phone number {shown} is not in E.164 form (+, country code, digits)"
    if _NANP_RE.match(compact):
        fixed = "+" + compact
        notes.insert(0, "dropped the '+'")
        return (
            fixed,
            f"phone number {shown}: a spreadsheet {' and '.join(notes)}; read as {fixed!r} "
            "(11 digits starting with 1 are a North American number with its country code)",
            None,
        )
    if compact.startswith("00") and E164_RE.match("+" + compact[2:]):
        return (
            None,
            None,
            (
                f"phone number {shown} is not in E.164 form: write it as "
                f"{'+' + compact[2:]!r} ('+' replaces 00)"
            ),
        )
    if E164_RE.match("+" + compact):
        return (
            None,
            None,
            (
                f"phone number {shown} has no '+' (a spreadsheet drops it) and its country code "
                f"cannot be told for sure: if it is {'+' + compact!r}, write it so, in a column "
                "formatted as Text"
            ),
        )
    return None, None, f"phone number {shown} is not in E.164 form: no '+' and no country code"


def _split(cell: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT_RE.split(cell) if part.strip()]


def phone_fields(
    get: Callable[[str], str], warn: Callable[[str], None]
) -> tuple[dict[str, Any], list[str]]:
    """The phone block of one row (`get` reads a field's cell, "" when absent), and what
    is wrong with it; repairs and harmless repeats go to `warn`, in column order."""
    phone: dict[str, Any] = {}
    errors: list[str] = []
    site = get("site")
    if site:
        phone["site"] = site
    extension = _extension(get("extension"), warn, errors)
    if extension is not None:
        phone["extension"] = extension
    plans = _calling_plans(get("calling_plans"), warn)
    if plans:
        phone["calling_plans"] = plans
    numbers = _numbers(get("numbers"), warn, errors)
    if numbers:
        phone["numbers"] = numbers
        problem = calling_plan_problem(numbers, plans, "row")
        if problem is not None:
            errors.append(problem)
    template = get("template")
    if template:
        phone["template"] = template
    return phone, errors


def _extension(cell: str, warn: Callable[[str], None], errors: list[str]) -> int | None:
    """The extension of a cell; None when empty, wrong (said in `errors`) or 0, which is
    Zoom's "assign one for me" and is left out."""
    if not cell:
        return None
    if _SCIENTIFIC_RE.match(cell):
        errors.append(f"extension {cell!r} is in scientific notation: its digits are lost")
        return None
    ext = cell
    decimal = _DECIMAL_ZERO_RE.match(cell)
    if decimal and _DIGITS_RE.match(decimal.group(1)):
        ext = decimal.group(1)
        warn(f"extension {cell!r}: a spreadsheet added '.0'; read as {ext}")
    if not _DIGITS_RE.match(ext):
        errors.append(f"extension {ext!r} is not a whole number")
        return None
    return int(ext) or None


def _calling_plans(cell: str, warn: Callable[[str], None]) -> list[str | int]:
    plans: list[str | int] = []
    for plan in _split(cell):
        decimal = _DECIMAL_ZERO_RE.match(plan)
        # A calling plan given by Zoom's type code (200) is an integer in the state.
        code: str | int = plan
        if decimal and _DIGITS_RE.match(decimal.group(1)):
            code = int(decimal.group(1))
        elif _DIGITS_RE.match(plan):
            code = int(plan)
        if code in plans:
            warn(f"calling plan {plan!r} is listed twice")
            continue
        plans.append(code)
    return plans


def _numbers(cell: str, warn: Callable[[str], None], errors: list[str]) -> list[str]:
    numbers: list[str] = []
    # A whole cell that is one mangled number must not be cut at its decimal comma.
    values = [cell] if _SCIENTIFIC_RE.match(cell) or _DECIMAL_ZERO_RE.match(cell) else _split(cell)
    for value in values:
        number, warning, error = phone_number(value)
        if number is None:
            errors.append(str(error))
            continue
        if warning:
            warn(warning)
        if number in numbers:
            warn(f"phone number {number} is listed twice")
            continue
        numbers.append(number)
    return numbers


__all__ = ["PHONE_COLUMNS", "PHONE_MARKERS", "phone_fields", "phone_number"]
