"""What may be shown of text and data that could hold a secret: one place, used by the
journal (request bodies, snapshots, step details) and by every error that repeats what a
server said (a server may echo the request's `Authorization` header, or anything else).

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MASK = "***"
# What is shown of a server's text at most: enough for any message Zoom writes, not a
# whole HTML error page (or an echoed request) in every line of stderr.
SHOWN_CHARS = 500
# Values of keys that look secret are masked. `next_page_token` is not a secret: it is
# what a run needs to resume a listing, and the journal keeps it.
SECRET_KEYS = re.compile(
    r"password|passcode|pwd|host_key|(?<!page_)token|secret|authorization|api_key",
    re.IGNORECASE,
)
# A meeting link's passcode (`?pwd=`, as in a PMI's personal_meeting_url).
_SECRET_QUERY = re.compile(r"([?&](?:pwd|passcode|tk)=)[^&#\s]*", re.IGNORECASE)
# `key: value`, `"key": "value"`, `key=value` in free text, for the keys above; the value
# may carry an auth scheme (`Authorization: Bearer abc`), which goes with it.
_SECRET_PAIR = re.compile(
    r"""(\b[\w.-]*(?:password|passcode|host_key|(?<!page_)token|secret|authorization|api_key)"""
    r"""["']?\s*[:=]\s*["']?)((?:(?:bearer|basic)\s+)?[^\s"',;&}\]]+)""",
    re.IGNORECASE,
)
# A bearer token of any length; a basic credential is base64 of `id:secret` (a Zoom app's
# is about 70 characters), never as short as a word: "Basic accounts ..." (Zoom's user
# type) stays readable.
_SCHEME_VALUE = re.compile(
    r"\b(bearer\s+[A-Za-z0-9\-._~+/]+=*|basic\s+[A-Za-z0-9+/]{16,}=*)", re.IGNORECASE
)
# Shorter known values are not masked on their own: "abc" would blank unrelated words.
_MIN_KNOWN = 6


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every secret masked: the `known` values (the token a request carried),
    bearer and basic credentials, the values of secret-looking keys, meeting passcodes."""
    for value in sorted({k for k in known if len(k) >= _MIN_KNOWN}, key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _SECRET_PAIR.sub(lambda m: m.group(1) + MASK, text)
    text = _SCHEME_VALUE.sub(lambda m: m.group(1).split(None, 1)[0] + " " + MASK, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, text)


def shown(text: str, known: Iterable[str] = (), limit: int = SHOWN_CHARS) -> str:
    """A server's text as zoomstate repeats it: masked, then cut to `limit` characters."""
    text = mask_text(text, known)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text) - limit} more)"


def scrub(value: Any) -> Any:
    """A JSON-like value with secret-looking keys' values masked and every string masked
    as by `mask_text`."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and SECRET_KEYS.search(k) else scrub(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


__all__ = ["MASK", "SECRET_KEYS", "SHOWN_CHARS", "mask_text", "scrub", "shown"]
