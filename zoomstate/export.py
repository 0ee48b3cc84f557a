"""The live account as state files: the first commit of an account adopted into git.

Pure and deterministic: the same live account gives byte-identical files. Every value
Zoom reports is written out explicitly (no profiles), and each user keeps Zoom's `id`,
so a later e-mail change is recognised as one. What the files say is exactly what the
account holds, so `plan` right after `export` is empty.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import yaml

from zoomstate.live import LiveState, LiveUser
from zoomstate.model import UserSpec
from zoomstate.resources.aspects import ASPECTS
from zoomstate.resources.groups import account_block as groups_account_block

Split = Literal["department", "site", "none"]
HEADER = "# Exported from Zoom by zoomstate{version}. Review before committing.\n"
SCHEMA_LINE = "# yaml-language-server: $schema={schema}\n"


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases: a diff of two exports reads line by line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Mapping[str, Any]) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def slug(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned or "unnamed"


def account_domains(live: LiveState) -> list[str]:
    return sorted({u.key.rsplit("@", 1)[-1] for u in live.users})


# The state format's key order: UserSpec's own (the aspects' fields, in the model's
# order, whatever order the aspects are listed in).
_KEY_ORDER = {name: i for i, name in enumerate(UserSpec.model_fields)}


def user_document(user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
    """One user with every value Zoom gave, in the state format's key order."""
    doc: dict[str, Any] = {"email": user.spec.email}
    if user.zoom_id:
        doc["id"] = user.zoom_id
    values: dict[str, Any] = {}
    for aspect in ASPECTS:
        values.update(aspect.export(user, plan_names))
    for name in sorted(values, key=_KEY_ORDER.__getitem__):
        doc[name] = values[name]
    return doc


def _group(user: LiveUser, split: Split) -> str:
    if split == "department":
        return f"users/{slug(user.spec.department or 'no-department')}.yaml"
    if split == "site":
        site = user.spec.phone.site if user.spec.phone else None
        return f"users/{slug(site or 'no-phone')}.yaml"
    return "users.yaml"


def export_files(
    live: LiveState,
    *,
    domains: Sequence[str] = (),
    split: Split = "department",
    version: str = "",
    schema: str | None = None,
    single: bool = False,
) -> dict[str, str]:
    """Relative path -> file text. Users outside `domains` are left out; with no domains,
    every domain of the account's users is in scope. `single` (with split none) puts
    everything in one `state.yaml`."""
    scope = sorted({d.lower() for d in domains}) or account_domains(live)
    in_scope = [u for u in live.users if u.key.rsplit("@", 1)[-1] in scope]
    plan_names = {p.type: p.name for p in live.calling_plans}
    # The owner cannot be changed through the API: protecting it keeps plans honest.
    owners = sorted(u.key for u in in_scope if (u.spec.role or "").lower() == "owner")
    account: dict[str, Any] = {
        "domains": scope,
        "manage": [a.name for a in ASPECTS],
        "create_action": "create",
        "on_missing_user": "report",
    }
    if owners:
        account["protected"] = owners
    account.update(groups_account_block(live))
    header = HEADER.format(version=f" {version}" if version else "")

    def head(depth: int) -> str:
        if schema is None:
            return header
        return SCHEMA_LINE.format(schema="../" * depth + schema) + header

    if split == "none" and single:
        users = [user_document(u, plan_names) for u in sorted(in_scope, key=lambda u: u.key)]
        return {"state.yaml": head(0) + _dump({"account": account, "users": users})}
    files = {"account.yaml": head(0) + _dump({"account": account})}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for user in sorted(in_scope, key=lambda u: u.key):
        groups[_group(user, split)].append(user_document(user, plan_names))
    for path, users in sorted(groups.items()):
        files[path] = head(path.count("/")) + _dump({"users": users})
    return files


__all__ = ["Split", "account_domains", "export_files", "slug", "user_document"]
