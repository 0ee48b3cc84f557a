"""What zoomstate accepts as an e-mail address: one rule for the state model and import-csv.

An e-mail is a user's identity and goes into Zoom URL paths (`/users/{email}`), so it must be
a plain address: `partner%40agency.example#@example.com` once passed a looser pattern and,
decoded on the way, addressed a user outside account.domains. Characters that URLs, shells
or eyes read differently are refused outright; letters from two scripts in one part
(`bruno.diaz@` with a Cyrillic `а`) look like another user's address, so they are refused
unless the account opts in (`account.allow_mixed_script_emails`, checked by the loader).
"""

from __future__ import annotations

import re
import unicodedata

# Zoom caps e-mails at 128 characters (POST /users user_info.email maxLength).
MAX_EMAIL_LENGTH = 128
_SHAPE_RE = re.compile(r"^[^@]+@[^@]+\.[^@.]+$")
# Characters with a meaning in a URL (or a path on Windows): never part of a plain address.
_URL_CHARACTERS = frozenset("%#/?\\")


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if not name:
        name = "a control character" if unicodedata.category(ch) == "Cc" else "unnamed"
    return f"U+{ord(ch):04X} ({name})"


def _bad_character(value: str) -> str | None:
    for ch in value:
        if ch in _URL_CHARACTERS:
            return repr(ch)
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return _describe(ch)
    return None


def has_email_shape(value: str) -> bool:
    """`local@domain.tld` with no whitespace: the shape alone, as a `format: email` field
    of Zoom's API checks it (the sandbox's request validation uses this; zoomstate's own
    rule, `email_problem`, is stricter)."""
    return bool(_SHAPE_RE.match(value)) and not any(ch.isspace() for ch in value)


def email_problem(value: str) -> str | None:
    """Why `value` is not a plain e-mail address, or None when it is one."""
    if len(value) > MAX_EMAIL_LENGTH:
        return f"an e-mail address has at most {MAX_EMAIL_LENGTH} characters in Zoom"
    bad = _bad_character(value)
    if bad is not None:
        return (
            f"not a plain e-mail address: {value!r} holds {bad} "
            "(no %, #, /, ?, \\, spaces, control or invisible characters)"
        )
    if not _SHAPE_RE.match(value):
        return f"not an e-mail address: {value!r}"
    return None


def _second_script(part: str) -> tuple[str, str, str] | None:
    """(first script, second script, the first letter of the second) or None."""
    first: str | None = None
    for ch in part:
        if not ch.isalpha():
            continue
        script = unicodedata.name(ch, "UNKNOWN").split()[0]
        if first is None:
            first = script
        elif script != first:
            return first, script, ch
    return None


def mixed_script_problem(value: str) -> str | None:
    """Why `value` looks like another address (letters of several scripts in its local part
    or in its domain), or None."""
    local, _, domain = value.rpartition("@")
    for what, part in (("local part", local), ("domain", domain)):
        mixed = _second_script(part)
        if mixed is not None:
            first, second, ch = mixed
            return (
                f"{value!r} mixes {first} and {second} letters in its {what} "
                f"({_describe(ch)}), so it passes for another address; set "
                "account.allow_mixed_script_emails: true if it is real"
            )
    return None


__all__ = ["MAX_EMAIL_LENGTH", "email_problem", "mixed_script_problem"]
