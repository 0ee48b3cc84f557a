"""Issues worded for people: pydantic's errors as messages about the state format, with
"did you mean" suggestions, each placed at the file, line and column it was written at."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from zoomstate.errors import Issue
from zoomstate.io.locate import Locator
from zoomstate.io.paths import JsonPath
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    PhoneSpec,
    ProfileSpec,
    SafetyLimits,
    SeatCounts,
    UserSpec,
)

TOP_LEVEL_KEYS = ("account", "profiles", "users")

# The keys each level of the state accepts, for "did you mean" suggestions.
_KEYS_BY_PARENT: dict[str, tuple[str, ...]] = {
    "": TOP_LEVEL_KEYS,
    "account": tuple(AccountPolicy.model_fields),
    "seats": tuple(SeatCounts.model_fields),
    "safety": tuple(SafetyLimits.model_fields),
    "phone": tuple(PhoneSpec.model_fields),
    "contact_center": tuple(ContactCenterSpec.model_fields),
    "user": tuple(UserSpec.model_fields),
    "profile": tuple(ProfileSpec.model_fields),
}


def suggest(word: str, choices: Sequence[str]) -> str:
    import difflib  # here: only a state with a mistake needs it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _loc_kind(loc: JsonPath, root_kind: str) -> str:
    """The kind of mapping that holds the last element of `loc` (for key suggestions)."""
    names = [p for p in loc[:-1] if isinstance(p, str)]
    if not names:
        return root_kind
    parent = names[-1]
    if parent == "contact_center" and root_kind == "account":
        return "contact_center_seats"
    return parent if parent in _KEYS_BY_PARENT else root_kind


def pydantic_message(
    err: Mapping[str, Any], loc: JsonPath, root_kind: str, raw: str | None
) -> tuple[str, bool]:
    """A human message for one pydantic error, and whether it points at a key."""
    kind = err["type"]
    value = err.get("input")
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        parent = _loc_kind(loc, root_kind)
        allowed = _KEYS_BY_PARENT.get(parent, ())
        hint = suggest(str(last), allowed)
        if parent == "profile" and last in ("remove", "transfer_to"):
            hint = f"; {last} says how one user leaves: write it on the user's own entry"
        if not hint and parent in ("user", "profile"):
            # `extension: 101` written on the user instead of under phone is a common slip.
            for block in ("phone", "contact_center"):
                if str(last) in _KEYS_BY_PARENT[block]:
                    hint = f"; it belongs under {block} ({block}: {{{last}: ...}})"
        return f"unknown key {last!r}{hint}", True
    if kind == "missing":
        if last == "role" and "contact_center" in loc:
            return "a Contact Center block needs a role (role: Agent, for example)", False
        return f"missing required key {last!r}", False
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        hint = ""
        if isinstance(value, str):
            options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",")]
            hint = suggest(value, [o for o in options if o])
        return f"must be one of {expected}; got {describe(value)}{hint}", False
    if kind == "value_error":
        msg = str(err["msg"])
        return msg.removeprefix("Value error, "), False
    if kind == "string_type" and "numbers" in loc and isinstance(value, float):
        shown = raw if raw is not None else str(value)
        return (
            f"phone number {shown} is in scientific notation, so its last digits are lost "
            '(a spreadsheet did this): write the whole number as quoted text, like "+14155550100"',
            False,
        )
    if (
        kind == "string_type"
        and "numbers" in loc
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        shown = raw if raw is not None else str(value)
        return (
            f'phone number {shown} must be quoted text, like "+{value}": '
            "unquoted, YAML reads it as a number",
            False,
        )
    if kind in ("int_type", "int_parsing") and last == "extension":
        return f"an extension is a whole number, got {describe(value)}", False
    if kind == "bool_type":
        return f"must be true or false; got {describe(value)}", False
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping; got {describe(value)}", False
    if kind in ("list_type", "tuple_type"):
        return f"must be a list; got {describe(value)}", False
    if kind == "string_type":
        quote = "" if isinstance(value, dict | list) else " (quote it)"
        return f"must be text; got {describe(value)}{quote}", False
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number; got {describe(value)}", False
    if kind in ("float_type", "float_parsing"):
        return f"must be a number; got {describe(value)}", False
    if kind == "string_too_long" and isinstance(value, str):
        # The value itself is not shown: it may be a megabyte long.
        limit = err.get("ctx", {}).get("max_length")
        return f"at most {limit} characters in Zoom; this is {len(value):,}", False
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le")}
    if kind in bounds:
        words, name = bounds[kind]
        limit = err.get("ctx", {}).get(name)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {words} {limit}; got {describe(value)}", False
    msg = str(err["msg"])
    return f"{msg[0].lower()}{msg[1:]}; got {describe(value)}", False


@dataclass(slots=True)
class Collector:
    locator: Locator
    issues: list[Issue] = field(default_factory=list)

    def add(self, name: str, path: JsonPath, message: str, *, key: bool = False) -> None:
        self.issues.append(self.locator.issue(name, path, message, key=key))

    def pydantic(
        self,
        exc: ValidationError,
        name: str,
        base: JsonPath,
        root_kind: str,
        where: Callable[[JsonPath], tuple[str, JsonPath] | None] | None = None,
    ) -> None:
        """Add one issue per pydantic error; `where` maps an error's location to the file
        and path it was written at, or to None when that place was reported already."""
        import difflib

        errors = exc.errors()
        # A misspelt required key shows up twice (unknown `domain`, missing `domains`): the
        # did-you-mean already says it all.
        misspelt = {
            (*e["loc"][:-1], close[0])
            for e in errors
            if e["type"] == "extra_forbidden"
            and (
                close := difflib.get_close_matches(
                    str(e["loc"][-1]),
                    _KEYS_BY_PARENT.get(_loc_kind(tuple(e["loc"]), root_kind), ()),
                    n=1,
                )
            )
        }
        for err in errors:
            loc: JsonPath = tuple(err["loc"])
            if err["type"] == "missing" and loc in misspelt:
                continue
            if loc and loc[-1] == "[key]":
                # pydantic marks a bad mapping key as `<key>.[key]`: point at the key itself.
                loc = loc[:-1]
                expected = err.get("ctx", {}).get("expected", "")
                message = f"unknown key {loc[-1]!r}; the keys here are {expected}"
                message += suggest(str(loc[-1]), re.findall(r"'([^']*)'", expected))
                is_key = True
            else:
                message, is_key = "", False
            placed = where(loc) if where else (name, base + loc)
            if placed is None:
                continue
            file, full = placed
            if not message:
                raw = self.locator.raw_scalar(file, full)
                message, is_key = pydantic_message(err, loc, root_kind, raw)
            self.add(file, full, message, key=is_key)


__all__ = ["TOP_LEVEL_KEYS", "Collector", "describe", "pydantic_message", "suggest"]
