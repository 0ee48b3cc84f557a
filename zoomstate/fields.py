"""The field types every state model shares: e-mails, domains, E.164 numbers, Zoom's text
limits, and the frozen, unknown-key-refusing base of every spec. Kept apart from
`zoomstate.model` so each resource kind's own spec module (`zoomstate/resources/*_spec.py`)
can use them without importing the whole state model."""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Self

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


# Every instance pydantic makes carries its own set of the names of the fields it was
# given (`model_fields_set`): 728 bytes for a user's 13, 197 MiB of sets on the two sides
# of a 100,000-user plan, most of them equal. Instances with equal sets can share one:
# pydantic copies the set before changing it (`model_copy(update=...)`), and a frozen
# model never adds to it. A plain set, not a frozenset, for that copy to stay a set.
_SHARED_SETS: dict[frozenset[str], set[str]] = {}
_set = object.__setattr__


def shared_fields_set(fields: set[str]) -> set[str]:
    """The one set shared by every instance whose fields-set equals `fields`."""
    return _SHARED_SETS.setdefault(frozenset(fields), fields)


def share_fields_sets(*models: BaseModel | None) -> None:
    """Point each model's fields-set at the shared one equal to it (models built in bulk
    by validation, such as the loader's users and their blocks)."""
    for model in models:
        if model is not None:
            fields = model.__pydantic_fields_set__
            shared = shared_fields_set(fields)
            if shared is not fields:
                _set(model, "__pydantic_fields_set__", shared)


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)
    _all_fields: ClassVar[tuple[tuple[str, ...], set[str]] | None] = None

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """An instance from values known to be valid, every field given (Zoom's own data
        as the adapters map it, 100,000 users at a time): what `model_construct(**values)`
        makes, with the fields-set every such instance of the class shares, and without
        model_construct's loop over the fields (several times slower).
        tests/test_model.py holds it equal to model_construct."""
        known = cls.__dict__.get("_all_fields")
        if known is None:
            known = (tuple(cls.model_fields), shared_fields_set(set(cls.model_fields)))
            type.__setattr__(cls, "_all_fields", known)
        names, fields = known
        if tuple(values) != names:  # given in another order, or not every field
            if values.keys() != fields:
                missing, extra = sorted(fields - values.keys()), sorted(values.keys() - fields)
                raise TypeError(f"{cls.__name__}.trusted: missing {missing}, unknown {extra}")
            values = {name: values[name] for name in names}  # model_construct's order
        model = cls.__new__(cls)
        _set(model, "__dict__", values)
        _set(model, "__pydantic_fields_set__", fields)
        _set(model, "__pydantic_extra__", None)
        _set(model, "__pydantic_private__", None)
        return model


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
    "share_fields_sets",
    "shared_fields_set",
]
