"""Values in Zoom URL paths, percent-encoded one segment at a time.

A user's e-mail (or id, role id, number) placed raw in a path is read by the URL parser:
`#` starts a fragment, `/` a new segment, `%40` decodes to `@`. Revoking the invitation of
`partner%40agency.example#@example.com` once sent `DELETE /users/partner@agency.example`
and deleted a user outside the scope. Every value goes through `seg` (or `path`), so it
stays one segment whatever it holds.
"""

from __future__ import annotations

from urllib.parse import quote


def seg(value: object) -> str:
    """`value` as one path segment: every character outside [A-Za-z0-9_.~-] encoded."""
    return quote(str(value), safe="")


def path(template: str, *values: object) -> str:
    """`template` with each `{}` replaced by the next value as one segment:
    path("/users/{}/status", email)."""
    return template.format(*(seg(v) for v in values))


__all__ = ["path", "seg"]
