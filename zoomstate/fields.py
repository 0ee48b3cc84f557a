"""The field types every state model shares: e-mails, domains, E.164 numbers, Zoom's text
limits, and the frozen, unknown-key-refusing base of every spec. Kept apart from
`zoomstate.model` so each resource kind's own spec module (`zoomstate/resources/*_spec.py`)
can use them without importing the whole state model."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from zoomstate.emails import email_problem

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# E.164: a plus sign, a country code that does not start with 0, at most 15 digits in all.
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")


def _check_email(value: str) -> str:
    problem = email_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _check_domain(value: str) -> str:
    lowered = value.lower()
    if not _DOMAIN_RE.match(lowered):
        raise ValueError(f"not a domain name: {value!r}")
    return lowered


_SCIENTIFIC_RE = re.compile(r"^[0-9](\.[0-9]+)?[eE]\+?[0-9]+$")


def _check_e164(value: str) -> str:
    if E164_RE.match(value):
        return value
    problem = f"phone number {value!r} is not in E.164 form (+, country code, digits only)"
    digits = re.sub(r"[\s().-]", "", value)
    if _SCIENTIFIC_RE.match(value.strip()):
        raise ValueError(
            f"phone number {value!r} is in scientific notation, so its last digits are lost "
            "(a spreadsheet did this): write the whole number, like '+14155550100'"
        )
    if E164_RE.match(digits):
        raise ValueError(f"{problem}: write it as {digits!r}")
    if digits.startswith("00") and E164_RE.match("+" + digits[2:]):
        raise ValueError(f"{problem}: write it as {'+' + digits[2:]!r} ('+' replaces 00)")
    if digits.isdigit():
        raise ValueError(f"{problem}: it lacks the '+' and country code")
    raise ValueError(problem)


Email = Annotated[str, Field(min_length=3), AfterValidator(_check_email)]
Domain = Annotated[str, AfterValidator(_check_domain)]
PhoneNumber = Annotated[str, AfterValidator(_check_e164)]
# Zoom's text limits (docs/state-format.md#lengths): maxLength in the users API's
# POST /users and PATCH /users/{userId} bodies, and in POST /phone/sites for a site name;
# where the specs give none, TEXT_MAX (a bound so no megabyte value reaches Zoom).
TEXT_MAX = 256
Name = Annotated[str, Field(max_length=64)]
JobTitle = Annotated[str, Field(max_length=128)]
SiteName = Annotated[str, Field(max_length=255)]
Text = Annotated[str, Field(max_length=TEXT_MAX)]
# A calling plan is named as in Zoom ("US/CA Unlimited") or by its type code (200).
CallingPlanRef = StrictInt | Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


__all__ = [
    "E164_RE",
    "TEXT_MAX",
    "CallingPlanRef",
    "Domain",
    "Email",
    "JobTitle",
    "Name",
    "PhoneNumber",
    "SiteName",
    "Spec",
    "Text",
]
