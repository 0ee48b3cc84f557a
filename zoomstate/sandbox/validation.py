"""Request validation the way Zoom answers it: 400, code 300, "Validation Failed.", and one
`errors[]` entry per offending field (D:errors).

The OpenAPI specs are not shipped in the package, so the request schemas of the emulated
operations are restated here as small dictionaries in JSON-Schema vocabulary (only the
keywords Zoom's request schemas use: type, enum, required, properties, items, maxLength,
minLength, maxItems, minimum, maximum). Unknown fields are ignored, as Zoom ignores them.
"""

from __future__ import annotations

from typing import Any

from zoomstate.emails import has_email_shape
from zoomstate.sandbox.errors import FieldError, ZoomError, validation_failed

__all__ = ["SCHEMAS", "check", "coerce_query_int", "is_email"]

Schema = dict[str, Any]


def is_email(value: str) -> bool:
    # One shape of an e-mail for zoomstate and the sandbox (zoomstate.emails is a leaf
    # module of the standard library only, so the sandbox stays apart from the core).
    return has_email_shape(value)


def _type_ok(value: Any, expected: str) -> bool:
    if expected == "string":
        return isinstance(value, str)
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected == "boolean":
        return isinstance(value, bool)
    if expected == "array":
        return isinstance(value, list)
    if expected == "object":
        return isinstance(value, dict)
    return True


def _walk(value: Any, schema: Schema, path: str, out: list[FieldError]) -> None:
    expected = schema.get("type")
    if expected is not None and not _type_ok(value, expected):
        out.append(FieldError(path or "body"))
        return
    if "enum" in schema and value not in schema["enum"]:
        out.append(FieldError(path))
        return
    if isinstance(value, str):
        if (
            ("maxLength" in schema and len(value) > schema["maxLength"])
            or ("minLength" in schema and len(value) < schema["minLength"])
            or (schema.get("format") == "email" and not is_email(value))
        ):
            out.append(FieldError(path))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if ("maximum" in schema and value > schema["maximum"]) or (
            "minimum" in schema and value < schema["minimum"]
        ):
            out.append(FieldError(path))
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(FieldError(path))
            return
        items = schema.get("items")
        if items is not None:
            for i, item in enumerate(value):
                _walk(item, items, f"{path}[{i}]", out)
    elif isinstance(value, dict):
        for name in schema.get("required", []):
            if value.get(name) is None:
                out.append(FieldError(f"{path}.{name}" if path else name))
        for name, sub in schema.get("properties", {}).items():
            if name in value and value[name] is not None:
                _walk(value[name], sub, f"{path}.{name}" if path else name, out)


def check(body: Any, schema: Schema) -> dict[str, Any]:
    """The body as a dict, or ZoomError 400/300 listing every invalid field."""
    if not isinstance(body, dict):
        raise ZoomError(400, 300, "Request Body should be a valid JSON object.")
    errors: list[FieldError] = []
    _walk(body, schema, "", errors)
    if errors:
        raise validation_failed(errors)
    return body


def coerce_query_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise validation_failed([FieldError(name)]) from None


_USER_TYPES = [1, 2, 4, 99]
_STR = {"type": "string"}
_BOOL = {"type": "boolean"}
_CC_PACKAGES = ["essentials", "premium", "elite"]
_CC_PACKAGE = {"type": "string", "enum": _CC_PACKAGES}
_CC_ACCESS = {"type": "string", "enum": ["active", "inactive"]}
_CC_INTEGRATION = {
    "type": "string",
    "enum": ["Default", "Salesforce", "Zendesk", "ServiceNow", "Microsoft_Dynamics_365"],
}
_CHANNEL_SETTINGS = {
    "type": "object",
    "properties": {
        "multi_channel_engagements": {
            "type": "object",
            "properties": {
                "enable": _BOOL,
                "max_agent_load": {"type": "integer", "minimum": 1, "maximum": 100},
                "email_max_agent_load": {"type": "integer", "minimum": 1, "maximum": 100},
            },
        },
        "concurrent_message_capacity": {"type": "integer", "minimum": 0, "maximum": 20},
        "concurrent_email_capacity": {"type": "integer", "minimum": 0, "maximum": 20},
    },
}
_LINE_MEMBERS: Schema = {
    "type": "object",
    "properties": {
        "users": {
            "type": "array",
            "items": {"type": "object", "properties": {"id": _STR, "email": _STR}},
        },
        "common_area_ids": {"type": "array", "items": _STR},
    },
}

SCHEMAS: dict[str, Schema] = {
    # U POST /users
    "user_create": {
        "type": "object",
        "required": ["action", "user_info"],
        "properties": {
            "action": {
                "type": "string",
                "enum": ["create", "autoCreate", "custCreate", "ssoCreate"],
            },
            "user_info": {
                "type": "object",
                "required": ["email", "type"],
                "properties": {
                    "email": {"type": "string", "maxLength": 128, "format": "email"},
                    "first_name": {"type": "string", "maxLength": 64},
                    "last_name": {"type": "string", "maxLength": 64},
                    "display_name": {"type": "string", "maxLength": 128},
                    "password": {"type": "string", "minLength": 8, "maxLength": 32},
                    "type": {"type": "integer", "enum": _USER_TYPES},
                    "division_ids": {"type": "array", "items": _STR},
                    "feature": {"type": "object", "properties": {"zoom_phone": _BOOL}},
                    "plan_united_type": _STR,
                    "license_info_list": {"type": "array", "maxItems": 2},
                },
            },
        },
    },
    # U PATCH /users/{userId}
    "user_update": {
        "type": "object",
        "properties": {
            "first_name": {"type": "string", "maxLength": 64},
            "last_name": {"type": "string", "maxLength": 64},
            "display_name": {"type": "string", "maxLength": 128},
            "type": {"type": "integer", "enum": _USER_TYPES},
            "dept": _STR,
            "job_title": {"type": "string", "maxLength": 128},
            "cost_center": _STR,
            "company": {"type": "string", "maxLength": 255},
            "location": {"type": "string", "maxLength": 256},
            "manager": _STR,
            "timezone": _STR,
            "language": _STR,
            "host_key": {"type": "string", "minLength": 6, "maxLength": 10},
            "phone_numbers": {"type": "array", "maxItems": 3},
            "custom_attributes": {"type": "array", "maxItems": 5},
            "license_info_list": {"type": "array", "maxItems": 2},
            "about_me": {"type": "string", "maxLength": 150},
            "use_pmi": _BOOL,
            "zoom_one_type": {"type": "integer"},
            "plan_united_type": _STR,
            "feature": {"type": "object", "properties": {"zoom_phone": _BOOL}},
            "group_id": _STR,
        },
    },
    # U PUT /users/{userId}/status
    "user_status": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {
                "type": "string",
                "enum": ["activate", "deactivate", "clock_in", "clock_out"],
            }
        },
    },
    # U PATCH /users/{userId}/settings (only the `feature` part is emulated)
    "user_settings": {
        "type": "object",
        "properties": {"feature": {"type": "object", "properties": {"zoom_phone": _BOOL}}},
    },
    # U PUT /users/{userId}/email
    "user_email": {
        "type": "object",
        "required": ["email"],
        "properties": {"email": {"type": "string", "maxLength": 128, "format": "email"}},
    },
    # Roles API POST /roles/{roleId}/members (Zoom docs: up to 30 members at once)
    "role_members": {
        "type": "object",
        "required": ["members"],
        "properties": {
            "members": {
                "type": "array",
                "maxItems": 30,
                "items": {"type": "object", "properties": {"id": _STR, "email": _STR}},
            }
        },
    },
    # U POST /groups (a missing or empty name is Zoom's own 300 "Invalid parameter: name.")
    "group_create": {"type": "object", "properties": {"name": _STR}},
    # U POST /groups/{groupId}/members: the spec writes `"maximum": 30` on the array, meaning
    # its length (Zoom's docs: up to 30 members a call)
    "group_members": {
        "type": "object",
        "required": ["members"],
        "properties": {
            "members": {
                "type": "array",
                "maxItems": 30,
                "items": {"type": "object", "properties": {"id": _STR, "email": _STR}},
            }
        },
    },
    # P POST /phone/call_queues/{callQueueId}/members and .../shared_line_groups/{slgId}/members
    # (the 10 a call are the family's own 400/300, not a validation failure)
    "line_members": {
        "type": "object",
        "required": ["members"],
        "properties": {"members": _LINE_MEMBERS},
    },
    # P POST /phone/call_queues
    "call_queue_create": {
        "type": "object",
        "required": ["name", "site_id"],
        "properties": {
            "name": _STR,
            "site_id": _STR,
            "description": {"type": "string", "maxLength": 32},
            "extension_number": {"type": "integer"},
            "members": _LINE_MEMBERS,
        },
    },
    # P POST /phone/shared_line_groups
    "slg_create": {
        "type": "object",
        "required": ["display_name"],
        "properties": {
            "display_name": _STR,
            "site_id": _STR,
            "description": _STR,
            "extension_number": {"type": "integer"},
        },
    },
    # U PATCH /groups/{groupId}/members/{memberId}
    "group_member_update": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["move", "set_primary"]},
            "target_group_id": _STR,
        },
    },
    # P PATCH /phone/users/{userId}
    "phone_user_update": {
        "type": "object",
        "properties": {
            "extension_number": _STR,
            "site_id": _STR,
            "template_id": _STR,
            "emergency_address_id": _STR,
            "policy": {"type": "object"},
        },
    },
    # P POST /phone/users/batch (the 10-user limit has its own documented error)
    "phone_batch": {
        "type": "object",
        "required": ["users"],
        "properties": {
            "users": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["calling_plans", "email", "extension_number"],
                    "properties": {
                        "email": _STR,
                        "first_name": _STR,
                        "last_name": _STR,
                        "calling_plans": {"type": "array", "maxItems": 150, "items": _STR},
                        "site_code": _STR,
                        "site_name": _STR,
                        "template_name": _STR,
                        "extension_number": _STR,
                        "phone_numbers": {"type": "array", "maxItems": 10, "items": _STR},
                        "outbound_caller_id": _STR,
                        "select_outbound_caller_id": _BOOL,
                        "sms": _BOOL,
                        "desk_phones": {"type": "array", "maxItems": 10},
                    },
                },
            }
        },
    },
    # P PUT /phone/users/batch: "You can update 10 users at a time" [P desc; user_ids
    # maxItems 10]. The spec requires nothing; without a batch type there is nothing to do.
    "phone_batch_update": {
        "type": "object",
        "required": ["batch_type"],
        "properties": {
            "batch_type": {"type": "string", "enum": ["move_site", "assign_pending_user"]},
            "user_ids": {"type": "array", "maxItems": 10, "items": _STR},
            "site_id": _STR,
        },
    },
    # P POST /phone/users/{userId}/calling_plans
    "calling_plans_add": {
        "type": "object",
        "required": ["calling_plans"],
        "properties": {
            "calling_plans": {
                "type": "array",
                "maxItems": 150,
                "items": {
                    "type": "object",
                    "required": ["type"],
                    "properties": {
                        "type": {"type": "integer"},
                        "billing_account_id": _STR,
                        "billing_subscription_id": _STR,
                    },
                },
            }
        },
    },
    # P PUT /phone/users/{userId}/calling_plans
    "calling_plans_switch": {
        "type": "object",
        "required": ["source_type", "target_type"],
        "properties": {
            "source_type": {"type": "integer"},
            "target_type": {"type": "integer"},
            "source_billing_subscription_id": _STR,
            "target_billing_subscription_id": _STR,
        },
    },
    # P POST /phone/users/{userId}/phone_numbers
    "phone_numbers_add": {
        "type": "object",
        "required": ["phone_numbers"],
        "properties": {
            "phone_numbers": {
                "type": "array",
                "maxItems": 10,
                "items": {"type": "object", "properties": {"id": _STR, "number": _STR}},
            }
        },
    },
    # C POST /contact_center/users
    "cc_user_create": {
        "type": "object",
        "properties": {
            "user_id": _STR,
            "user_email": {"type": "string", "format": "email"},
            "role_id": _STR,
            "template_id": _STR,
            "country_iso_code": _STR,
            "client_integration": _CC_INTEGRATION,
            "client_integration_name": _STR,
            "user_access": _CC_ACCESS,
            "region_id": _STR,
            "channel_settings": _CHANNEL_SETTINGS,
            "package_name": _CC_PACKAGE,
            "add_ons_plan": {
                "type": "array",
                "items": {"type": "string", "enum": ["ai_expert_assist"]},
            },
        },
    },
    # C PATCH /contact_center/users/{userId}
    "cc_user_update": {
        "type": "object",
        "properties": {
            "role_id": _STR,
            "status_id": _STR,
            "sub_status_id": _STR,
            "user_access": _CC_ACCESS,
            "country_iso_code": _STR,
            "region_id": _STR,
            "client_integration": _CC_INTEGRATION,
            "client_integration_name": _STR,
            "channel_settings": _CHANNEL_SETTINGS,
            "template_id": _STR,
            # "An empty value will not assign the user to Zoom Contact Center" [C]: the
            # enum therefore admits "" on update.
            "package_name": {"type": "string", "enum": ["essentials", "premium", "elite", ""]},
            "add_ons_plan": {
                "type": "array",
                "items": {"type": "string", "enum": ["ai_expert_assist"]},
            },
        },
    },
}


def _batch_of(item_fields: dict[str, Schema], limit: int) -> Schema:
    return {
        "type": "object",
        "required": ["users"],
        "properties": {
            "users": {
                "type": "array",
                "maxItems": limit,
                "items": {"type": "object", "properties": item_fields},
            }
        },
    }


# The batch routes take both cases of a package (see families/cc_batch.py); on update ""
# takes the user off its package, as on the single route.
_CC_PACKAGE_ANY_CASE = [*_CC_PACKAGES, *(p.capitalize() for p in _CC_PACKAGES)]
_CC_CREATE_FIELDS = dict(SCHEMAS["cc_user_create"]["properties"])
_CC_UPDATE_FIELDS = dict(SCHEMAS["cc_user_update"]["properties"])
# C POST /contact_center/users/batch: the single create's fields but `region_id`, at most
# 20 users a call [C body.users maxItems 20].
SCHEMAS["cc_user_batch_create"] = _batch_of(
    {
        **{k: v for k, v in _CC_CREATE_FIELDS.items() if k != "region_id"},
        "package_name": {"type": "string", "enum": _CC_PACKAGE_ANY_CASE},
    },
    20,
)
# C PATCH /contact_center/users: the user's id or e-mail and the single update's fields
# but `region_id` and `channel_settings`, at most 20 users [C body.users maxItems 20].
SCHEMAS["cc_user_batch_update"] = _batch_of(
    {
        "user_id": _STR,
        "user_email": {"type": "string", "format": "email"},
        **{
            k: v for k, v in _CC_UPDATE_FIELDS.items() if k not in ("region_id", "channel_settings")
        },
        "package_name": {"type": "string", "enum": [*_CC_PACKAGE_ANY_CASE, ""]},
    },
    20,
)
