"""OpenAPI contract harness: sandbox responses checked against Zoom's own specs.

The three specs vendored in `tests/specs/` (provenance in `tests/specs/SOURCES.md`) are
loaded once per process. `assert_response_matches()` finds the operation a concrete request
hit (spec paths are relative to the `/v2` base URL), picks the documented response for the
status and validates the body with `openapi-schema-validator`'s OAS 3.0 validator, formats
included. Error responses (>= 400) are checked against Zoom's error body shape (D:errors):
the specs document error *codes* in prose but no error body schema.

Two kinds of knowledge sit beside the specs, both short and cited:

* `LIVE_DIFFERENCES`: where live Zoom is known to answer differently from its spec; the
  harness accepts the live behaviour there (REFERENCE.md §7.7).
* `SUPPLEMENT`: operations the sandbox emulates that are not in the vendored specs (the
  Roles API and the OAuth token endpoint), with schemas restated from Zoom's documentation.

`spec_request_cases()` derives requests the spec rejects from valid example bodies, for the
test that the sandbox answers them with Zoom's 400 / code 300 validation error.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

__all__ = [
    "BASE_REQUESTS",
    "DOCUMENTED_REJECTIONS",
    "LIVE_DIFFERENCES",
    "SPEC_FILES",
    "SUPPLEMENT",
    "ZOOM_ERROR_SCHEMA",
    "ContractError",
    "Operation",
    "RequestCase",
    "assert_response_matches",
    "find_operation",
    "load_spec",
    "operations",
    "request_schema",
    "schema_errors",
    "spec_request_cases",
]

SPEC_DIR = Path(__file__).resolve().parent.parent / "specs"
SPEC_FILES = {
    "users": "users.json",
    "phone": "phone.json",
    "contact_center": "contact-center.json",
}
API_PREFIX = "/v2"
TOKEN_PATH = "/oauth/token"
ADMIN_PREFIX = "/_sandbox"
_METHODS = ("get", "post", "put", "patch", "delete")


class ContractError(AssertionError):
    """A response (or a request case) that breaks the contract."""


# -- specs -------------------------------------------------------------------------------


@functools.cache
def load_spec(name: str) -> Mapping[str, Any]:
    """One vendored spec by family name ("users", "phone", "contact_center"), parsed once."""
    with (SPEC_DIR / SPEC_FILES[name]).open(encoding="utf-8") as fh:
        spec: dict[str, Any] = json.load(fh)
    return spec


@dataclass(frozen=True)
class Operation:
    source: str  # a SPEC_FILES key, or "supplement"
    method: str
    template: str
    definition: Mapping[str, Any]

    @property
    def responses(self) -> Mapping[str, Any]:
        responses: Mapping[str, Any] = self.definition.get("responses", {})
        return responses


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _segments(template: str) -> tuple[str, ...]:
    return tuple(template.strip("/").split("/"))


# Roles API and the token endpoint, restated from Zoom's documentation because the vendored
# specs do not contain them. Roles: Zoom's operation pages "List roles", "List members in a
# role", "Assign a role", "Unassign a role" as rendered by clients generated from Zoom's spec
# (pankajgarkoti/zoom-python@9e18418:docs/RoleList.md, RoleListRoles.md, RoleMembersList.md,
# RoleMembersListMembers.md, InlineResponse20115.md, RoleIdMembersBody.md; "Up to 30 users
# can be assigned a role at once"). Token: REFERENCE.md §4.
_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
SUPPLEMENT: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("GET", "/roles"): {
        "responses": {
            "200": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "total_records": _INTEGER,
                                "roles": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": _STRING,
                                            "name": _STRING,
                                            "description": _STRING,
                                            "type": _STRING,
                                            "total_members": _INTEGER,
                                        },
                                    },
                                },
                            },
                        }
                    }
                }
            }
        }
    },
    ("GET", "/roles/{roleId}/members"): {
        "responses": {
            "200": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "next_page_token": _STRING,
                                "page_count": _INTEGER,
                                "page_number": _INTEGER,
                                "page_size": _INTEGER,
                                "total_records": _INTEGER,
                                "members": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": _STRING,
                                            "email": _STRING,
                                            "first_name": _STRING,
                                            "last_name": _STRING,
                                            "type": _INTEGER,
                                            "department": _STRING,
                                        },
                                    },
                                },
                            },
                        }
                    }
                }
            }
        }
    },
    ("POST", "/roles/{roleId}/members"): {
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "members": {
                                "type": "array",
                                "maxItems": 30,
                                "items": {
                                    "type": "object",
                                    "properties": {"id": _STRING, "email": _STRING},
                                },
                            }
                        },
                    }
                }
            }
        },
        "responses": {
            "201": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "ids": _STRING,
                                "add_at": {"type": "string", "format": "date-time"},
                            },
                        }
                    }
                }
            }
        },
    },
    ("DELETE", "/roles/{roleId}/members/{memberId}"): {"responses": {"204": {}}},
}

TOKEN_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope"],
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "token_type": {"type": "string", "enum": ["bearer"]},
        "expires_in": {"type": "integer", "minimum": 1, "maximum": 3600},
        "scope": _STRING,
        "api_url": _STRING,
    },
}
# Zoom's OAuth server answers errors in OAuth's own shape, e.g.
# {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}.
OAUTH_ERROR_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": _STRING, "reason": _STRING},
}

ZOOM_ERROR_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": _INTEGER,
        "message": {"type": "string", "minLength": 1},
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": _STRING, "message": _STRING},
            },
        },
    },
}


@functools.cache
def operations() -> Mapping[str, tuple[tuple[tuple[str, ...], Operation], ...]]:
    """Every operation of the specs and the supplement, per method, most specific first."""
    index: dict[str, list[tuple[tuple[str, ...], Operation]]] = {}
    for name in SPEC_FILES:
        for template, item in load_spec(name)["paths"].items():
            for method in _METHODS:
                if method in item:
                    op = Operation(name, method.upper(), template, item[method])
                    index.setdefault(op.method, []).append((_segments(template), op))
    for (method, template), definition in SUPPLEMENT.items():
        op = Operation("supplement", method, template, definition)
        index.setdefault(method, []).append((_segments(template), op))
    # A literal segment beats a parameter at the first position where templates differ
    # (`/users/email` over `/users/{userId}`), as in zoomstate.ratelimits.
    return {
        method: tuple(sorted(entries, key=lambda e: tuple(_is_param(s) for s in e[0])))
        for method, entries in index.items()
    }


def _api_path(path: str) -> str:
    path = path.split("?", 1)[0]
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX) :] or "/"
    return path


def find_operation(method: str, path: str) -> Operation | None:
    """The operation a concrete request path (with or without `/v2`) belongs to."""
    api_path = _api_path(path)
    if not api_path.startswith("/"):
        return None
    # Split as is: a trailing slash is an extra, empty segment that no template matches.
    concrete = tuple(api_path[1:].split("/"))
    for segments, op in operations().get(method.upper(), ()):
        if len(segments) == len(concrete) and all(
            (_is_param(want) and got != "") or want == got
            for want, got in zip(segments, concrete, strict=True)
        ):
            return op
    return None


# -- live Zoom versus its spec -------------------------------------------------------------

# (method, template) -> {status live Zoom sends: documented status whose schema applies}.
# Each entry is a place where live Zoom (or the spec's own text) contradicts the spec's
# response key; the sandbox follows live Zoom, the harness accepts it. REFERENCE.md §7.7.
LIVE_DIFFERENCES: Mapping[tuple[str, str], Mapping[int, str]] = {
    # Assigning a number answers 201 with the documented 200 body (folio-sec/
    # terraform-provider-zoom@9c843d8:scripts/patchSpec.js, "POST /phone/users/{userId}/
    # phone_numbers return 201, not 200").
    ("POST", "/phone/users/{userId}/phone_numbers"): {201: "200"},
    # Documented as 200 with no body, unlike every other Users write, which answers 204;
    # a bodiless 204 is accepted too.
    ("PUT", "/users/{userId}/status"): {204: "200"},
    # The response key is 204 but its description says "HTTP Status Code: 200".
    ("PATCH", "/users/{userId}/settings"): {200: "204"},
    # The response key is 201 but its description says "HTTP Status Code: 204".
    ("PATCH", "/contact_center/users/{userId}/status"): {204: "201"},
}
# The harness also reads every `oneOf` as `anyOf` (see `_one_of_as_any_of`).
# Live differences that need no relaxation, because the specs never forbid extra properties
# (no `additionalProperties: false` anywhere): `GET /phone/users/{userId}` returns
# `calling_plans[].name` and `GET /phone/sites` returns `sites[].level` although the spec
# omits them (folio-sec patchSpec.js); `GET /phone/users` caps `page_size` at 100 while its
# response schema says 300 (a request-side rule, REFERENCE.md §2.1).


# -- validation ----------------------------------------------------------------------------


def _one_of_as_any_of(schema: Any) -> Any:
    """Zoom's specs use `oneOf` for "one of these views of the object" (e.g. the branches of
    `GET /users/{userId}/settings`, picked by the `option` query parameter), with branches
    that have no required properties and allow extra ones, so every object matches all of
    them and a literal `oneOf` could never pass. Validate those as `anyOf`."""
    if isinstance(schema, dict):
        return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_one_of_as_any_of(v) for v in schema]
    return schema


@functools.cache
def _validator_for(key: tuple[str, str, str, str]) -> OAS30Validator:
    source, method, template, status = key
    op = _operation_by_key(source, method, template)
    schema = op.responses[status]["content"]["application/json"]["schema"]
    return OAS30Validator(_one_of_as_any_of(schema), format_checker=oas30_format_checker)


def _response_problems(key: tuple[str, str, str, str], body: object) -> list[str]:
    """Schema violations of a response body. A top-level `oneOf` of object views (the
    settings endpoints) is matched against the views that declare every key of the body, so
    that a bad `feature.zoom_phone` cannot hide behind a view that does not mention it."""
    source, method, template, status = key
    op = _operation_by_key(source, method, template)
    schema = op.responses[status]["content"]["application/json"]["schema"]
    branches = schema.get("oneOf")
    if not branches or not isinstance(body, dict):
        return [_describe(e) for e in _validator_for(key).iter_errors(body)]
    views = [b for b in branches if set(body) <= set(b.get("properties", {}))]
    if not views:
        return [f"body: no view of the oneOf declares all of {sorted(body)}"]
    first: list[str] = []
    for view in views:
        problems = schema_errors(_one_of_as_any_of(view), body)
        if not problems:
            return []
        first = first or problems
    return first


def _operation_by_key(source: str, method: str, template: str) -> Operation:
    if source == "supplement":
        return Operation(source, method, template, SUPPLEMENT[(method, template)])
    definition = load_spec(source)["paths"][template][method.lower()]
    return Operation(source, method, template, definition)


def schema_errors(schema: Mapping[str, Any], instance: object) -> list[str]:
    """Human-readable violations of an OAS 3.0 schema, formats included (empty if valid)."""
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    return [_describe(e) for e in validator.iter_errors(instance)]


def _describe(error: Any) -> str:
    where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    message = error.message if len(error.message) <= 300 else error.message[:300] + "..."
    return f"body{where}: {message}"


def _fail(method: str, path: str, status: int, problem: str, body: object) -> None:
    shown = json.dumps(body)[:600] if body is not None else "<empty>"
    raise ContractError(f"{method} {path} -> {status}: {problem}\n  body: {shown}")


def assert_response_matches(method: str, path: str, status: int, body: object) -> None:
    """Fail (ContractError, an AssertionError) unless the response fits Zoom's contract.

    `path` is the request path, with or without `/v2` and query string; `body` is the
    parsed JSON body, or None when the response has no body.
    """
    method = method.upper()
    api_path = _api_path(path)
    if api_path.startswith(ADMIN_PREFIX + "/") or api_path == ADMIN_PREFIX:
        raise ContractError(f"{path} is the sandbox's admin API, which has no Zoom contract")
    if api_path == TOKEN_PATH:
        _check_token(method, path, status, body)
        return
    if status >= 400:
        problems = schema_errors(ZOOM_ERROR_SCHEMA, body)
        if problems:
            _fail(method, path, status, "not a Zoom error body: " + "; ".join(problems), body)
        return
    op = find_operation(method, api_path)
    if op is None:
        _fail(method, path, status, "no such operation in the specs, yet a success", body)
        return
    documented = str(status)
    if documented not in op.responses:
        documented = LIVE_DIFFERENCES.get((method, op.template), {}).get(status, "")
    if documented not in op.responses:
        known = ", ".join(k for k in op.responses if k.startswith("2"))
        _fail(method, path, status, f"status not documented for {op.template} ({known})", body)
    content = op.responses[documented].get("content", {}).get("application/json")
    if content is None:
        if body is not None:
            _fail(method, path, status, "the spec documents no body for this status", body)
        return
    if body is None:
        _fail(method, path, status, "the spec documents a body, the response has none", body)
    problems = _response_problems((op.source, op.method, op.template, documented), body)
    if problems:
        listing = "\n  ".join(problems[:8])
        more = f"\n  ... and {len(problems) - 8} more" if len(problems) > 8 else ""
        _fail(method, path, status, f"breaks the {op.template} schema:\n  {listing}{more}", body)


def _check_token(method: str, path: str, status: int, body: object) -> None:
    if method != "POST":
        problems = schema_errors(ZOOM_ERROR_SCHEMA, body) if status >= 400 else ["not POST"]
    elif status == 200:
        problems = schema_errors(TOKEN_SCHEMA, body)
    elif status >= 400:
        oauth = schema_errors(OAUTH_ERROR_SCHEMA, body)
        zoom = schema_errors(ZOOM_ERROR_SCHEMA, body)
        problems = [] if not oauth or not zoom else oauth + zoom
    else:
        problems = [f"status {status} is not a token endpoint answer"]
    if problems:
        _fail(method, path, status, "; ".join(problems), body)


# -- requests the spec rejects -------------------------------------------------------------


def request_schema(method: str, template: str) -> Mapping[str, Any] | None:
    """The JSON request-body schema of an operation (spec or supplement), if it has one."""
    op = find_operation(method, template)
    if op is None or op.template != template:
        return None
    body = op.definition.get("requestBody", {}).get("content", {}).get("application/json")
    return None if body is None else body.get("schema")


@dataclass(frozen=True)
class RequestCase:
    """One request body the spec rejects, derived from a valid base body."""

    method: str
    template: str
    body: Any
    field: str  # dotted path of the offending field, as Zoom names it in errors[]
    rule: str  # required | type | enum | maxLength | maxItems | format | minimum | maximum
    expected: tuple[int, int] = (400, 300)  # HTTP status, Zoom code

    @property
    def id(self) -> str:
        return f"{self.method} {self.template} {self.field} {self.rule}"


# Valid bodies for the write endpoints the sandbox emulates, using the fields zoomstate
# sends. Each must satisfy its request schema (checked by tests/contract/test_harness.py);
# the cases are mutations of them.
BASE_REQUESTS: tuple[tuple[str, str, Mapping[str, Any]], ...] = (
    (
        "POST",
        "/users",
        {
            "action": "create",
            "user_info": {
                "email": "contract.case@example.com",
                "type": 1,
                "first_name": "Contract",
                "last_name": "Case",
                "display_name": "Contract Case",
                "feature": {"zoom_phone": False},
            },
        },
    ),
    (
        "PATCH",
        "/users/{userId}",
        {
            "first_name": "Contract",
            "last_name": "Case",
            "display_name": "Contract Case",
            "type": 2,
            "job_title": "Tester",
            "feature": {"zoom_phone": True},
            "group_id": "group",
        },
    ),
    ("PUT", "/users/{userId}/status", {"action": "activate"}),
    ("PUT", "/users/{userId}/email", {"email": "contract.moved@example.com"}),
    (
        "PATCH",
        "/phone/users/{userId}",
        {"extension_number": "1001", "site_id": "site", "template_id": "template"},
    ),
    (
        "POST",
        "/phone/users/batch",
        {
            "users": [
                {
                    "email": "contract.case@example.com",
                    "first_name": "Contract",
                    "last_name": "Case",
                    "calling_plans": ["US/CA Unlimited"],
                    "extension_number": "1001",
                    "phone_numbers": ["+12015550100"],
                }
            ]
        },
    ),
    ("POST", "/phone/users/{userId}/calling_plans", {"calling_plans": [{"type": 200}]}),
    ("PUT", "/phone/users/{userId}/calling_plans", {"source_type": 200, "target_type": 100}),
    ("POST", "/phone/users/{userId}/phone_numbers", {"phone_numbers": [{"id": "number"}]}),
    (
        "POST",
        "/contact_center/users",
        {
            "user_email": "contract.case@example.com",
            "role_id": "role",
            "package_name": "essentials",
            "user_access": "active",
        },
    ),
    (
        "PATCH",
        "/contact_center/users/{userId}",
        {"role_id": "role", "package_name": "premium", "user_access": "inactive"},
    ),
    (
        "POST",
        "/contact_center/users/batch",
        {
            "users": [
                {
                    "user_email": "contract.case@example.com",
                    "role_id": "role",
                    "package_name": "essentials",
                    "user_access": "active",
                }
            ]
        },
    ),
    (
        "PATCH",
        "/contact_center/users",
        {
            "users": [
                {
                    "user_id": "user",
                    "role_id": "role",
                    "package_name": "Premium",
                    "user_access": "inactive",
                }
            ]
        },
    ),
    (
        "PUT",
        "/phone/users/batch",
        {"batch_type": "move_site", "user_ids": ["user"], "site_id": "s"},
    ),
    ("POST", "/roles/{roleId}/members", {"members": [{"id": "user"}]}),
    ("POST", "/groups", {"name": "Contract Case"}),
    ("POST", "/groups/{groupId}/members", {"members": [{"id": "user"}, {"email": "a@b.co"}]}),
    (
        "PATCH",
        "/groups/{groupId}/members/{memberId}",
        {"action": "move", "target_group_id": "group"},
    ),
)

# Where the operation's own error list documents a specific answer for a broken rule, that
# answer is expected instead of the generic 400 / 300 "Validation Failed.".
DOCUMENTED_REJECTIONS: Mapping[tuple[str, str, str, str], tuple[int, int]] = {
    # P POST /phone/users/batch r400: code 400 "User size must be less than 10".
    ("POST", "/phone/users/batch", "users", "maxItems"): (400, 400),
}

_WRONG_TYPE: Mapping[str, Any] = {
    "string": 12345,
    "integer": "1",
    "number": "1.5",
    "boolean": "true",
    "array": "not-a-list",
    "object": "not-an-object",
}


def _bad_enum_value(enum: list[Any]) -> Any:
    if all(isinstance(v, int) and not isinstance(v, bool) for v in enum):
        return max(enum) + 7919
    return "not-a-valid-value"


def _too_long(schema: Mapping[str, Any], value: str, length: int) -> str:
    # Keep an e-mail looking like one, so that its length is the only rule it breaks.
    if schema.get("format") == "email" or "@" in value:
        domain = "@example.com"
        return "a" * (length - len(domain)) + domain
    return "x" * length


def _set(body: Any, pointer: tuple[str | int, ...], value: Any) -> Any:
    copied = copy.deepcopy(body)
    target = copied
    for step in pointer[:-1]:
        target = target[step]
    target[pointer[-1]] = value
    return copied


def _delete(body: Any, pointer: tuple[str | int, ...]) -> Any:
    copied = copy.deepcopy(body)
    target = copied
    for step in pointer[:-1]:
        target = target[step]
    del target[pointer[-1]]
    return copied


def _dotted(pointer: tuple[str | int, ...]) -> str:
    out = ""
    for step in pointer:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _mutations(
    schema: Mapping[str, Any], value: Any, pointer: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(pointer, rule, replacement) for every spec rule the value at `pointer` can break;
    a replacement of `_MISSING` means "delete it"."""
    kind = schema.get("type")
    if pointer and kind in _WRONG_TYPE:
        yield pointer, "type", _WRONG_TYPE[kind]
    if pointer and "enum" in schema:
        yield pointer, "enum", _bad_enum_value(schema["enum"])
    if isinstance(value, str):
        if "maxLength" in schema:
            yield pointer, "maxLength", _too_long(schema, value, schema["maxLength"] + 1)
        if schema.get("format") == "email":
            yield pointer, "format", "not-an-email"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "maximum" in schema:
            yield pointer, "maximum", schema["maximum"] + 1
        if "minimum" in schema:
            yield pointer, "minimum", schema["minimum"] - 1
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name in value:
                yield (*pointer, name), "required", _MISSING
        for name, child in value.items():
            if name in properties:
                yield from _mutations(properties[name], child, (*pointer, name))
    if isinstance(value, list) and value:
        if "maxItems" in schema:
            yield pointer, "maxItems", [copy.deepcopy(value[0])] * (schema["maxItems"] + 1)
        yield from _mutations(schema.get("items", {}), value[0], (*pointer, 0))


_MISSING = object()


def spec_request_cases() -> list[RequestCase]:
    """Requests the spec rejects, one rule broken at a time, for every `BASE_REQUESTS` body."""
    cases: list[RequestCase] = []
    for method, template, base in BASE_REQUESTS:
        schema = request_schema(method, template)
        if schema is None:
            raise ContractError(f"{method} {template}: no request schema to derive cases from")
        for pointer, rule, replacement in _mutations(schema, base, ()):
            if replacement is _MISSING:
                body = _delete(base, pointer)
            else:
                body = _set(base, pointer, replacement)
            field = _dotted(pointer)
            expected = DOCUMENTED_REJECTIONS.get((method, template, field, rule), (400, 300))
            cases.append(RequestCase(method, template, body, field, rule, expected))
    return cases
