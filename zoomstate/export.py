"""The live account as state files: the first commit of an account adopted into git.

Pure and deterministic: the same live account gives byte-identical files. Every value
Zoom reports is written out explicitly (no profiles), and each user keeps Zoom's `id`,
so a later e-mail change is recognised as one. What the files say is exactly what the
account holds, so `plan` right after `export` is empty.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import yaml

from zoomstate.core.aspect import nest
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


def _seats(live: LiveState) -> tuple[dict[str, Any], list[str]]:
    """`account.seats` as far as Zoom's API tells (it does not say how many licences the
    account owns: each count is null, so plan neither checks nor warns about it), and the
    comment that says so with the seats in use when exported."""
    used = live.seats_in_use()
    licensed, phone = used.pop("licensed", 0), used.pop("phone", 0)
    packages = {name: n for name, n in used.items() if n}
    seats: dict[str, Any] = {"licensed": None}
    in_use = [f"{licensed} licensed users"]
    if phone:
        seats["phone"] = None
        in_use.append(f"{phone} Zoom Phone licences")
    if packages:
        seats["contact_center"] = {name: None for name in sorted(packages)}
        in_use += [f"{n} Contact Center {name} seats" for name, n in sorted(packages.items())]
    comment = textwrap.wrap(
        f"Zoom's API does not say how many licences the account owns (when exported: "
        f"{' and '.join(in_use)} in use). Write what you own in place of each null and "
        "plan checks that enough are free before it changes anything; null leaves that "
        "check off.",
        86,
    )
    return seats, comment


def _rate_limits(tier: str | None) -> tuple[str, list[str]]:
    if tier is not None:
        return tier, []
    return "pro", textwrap.wrap(
        "Zoom's API does not tell the account's plan: write business for Business and "
        "above (or export with --tier); zoomstate paces its requests to the plan's limits.",
        86,
    )


def _account_text(account: Mapping[str, Any], notes: Mapping[str, list[str]]) -> str:
    """The account block, with a comment above each key of `notes`."""
    lines = []
    for line in _dump({"account": account}).splitlines(keepends=True):
        key = line.strip().partition(":")[0]
        if line.startswith("  ") and not line.startswith("   ") and key in notes:
            lines += [f"  # {text}\n" for text in notes[key]]
        lines.append(line)
    return "".join(lines)


def user_document(user: LiveUser, plan_names: Mapping[int, str]) -> dict[str, Any]:
    """One user with every value Zoom gave, in the state format's key order."""
    doc: dict[str, Any] = {"email": user.spec.email}
    if user.zoom_id:
        doc["id"] = user.zoom_id
    values: dict[str, Any] = {}
    for aspect in ASPECTS:
        nest(values, aspect.block, aspect.export(user, plan_names))
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
    tier: str | None = None,
) -> dict[str, str]:
    """Relative path -> file text. Users outside `domains` are left out; with no domains,
    every domain of the account's users is in scope. `single` (with split none) puts
    everything in one `state.yaml`. `tier` is the plan the account was read with, when
    the caller was told (`--tier`): it becomes `account.rate_limits`."""
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
    account["seats"], seats_note = _seats(live)
    account["rate_limits"], tier_note = _rate_limits(tier)
    notes = {"seats": seats_note, "rate_limits": tier_note}
    account.update(groups_account_block(live))
    header = HEADER.format(version=f" {version}" if version else "")

    def head(depth: int) -> str:
        if schema is None:
            return header
        return SCHEMA_LINE.format(schema="../" * depth + schema) + header

    if split == "none" and single:
        users = [user_document(u, plan_names) for u in sorted(in_scope, key=lambda u: u.key)]
        return {"state.yaml": head(0) + _account_text(account, notes) + _dump({"users": users})}
    files = {"account.yaml": head(0) + _account_text(account, notes)}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for user in sorted(in_scope, key=lambda u: u.key):
        groups[_group(user, split)].append(user_document(user, plan_names))
    for path, users in sorted(groups.items()):
        files[path] = head(path.count("/")) + _dump({"users": users})
    return files


__all__ = ["Split", "account_domains", "export_files", "slug", "user_document"]
