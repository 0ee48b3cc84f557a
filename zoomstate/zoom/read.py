"""Read a whole account from list endpoints only, concurrently, in the fewest calls.

One pass per list (users in each of the three statuses, phone users, phone numbers,
calling plans, sites, setting templates, roles, Contact Center users and roles, user
groups), no per-user GETs (a user's groups come on its `GET /users` page): on 100,000
users a per-user reader needs 200,000 calls where this needs a few hundred. The lists are
independent, so they are fetched at the same time; the pacer keeps each API family and
label inside its budget.

The lists are declared by the Zoom adapters (`zoomstate/zoom/adapters/`, one module per
resource kind); this module fetches them and hands each adapter its lists. Mapping
(`map_*`, in the adapters) turns Zoom's JSON into the spec types the loader produces: e-mails
lower-cased, numbers in E.164, extensions as full integers, calling plans as type codes,
Zoom's defaults and read-only fields dropped so they never show as differences. Fields
that no list endpoint returns are not read back (`job_title`, the phone setting
template): see docs/zoom-client.md. The one read that depends on the state: the member
lists of the groups it names as some user's primary group (`primary_groups`), which is
where Zoom tells a user's primary group; and the call queues, shared line groups, auto
receptionists and desk phones, read when memberships are managed or the plan may take
someone's Zoom Phone away (`zoomstate/zoom/adapters/phone_groups.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zoomstate.endpoints import page_sizes
from zoomstate.errors import BackendError
from zoomstate.live import LiveState, LiveStatus, PhoneNumber
from zoomstate.zoom.adapters import LISTS, ListSpec, contact_center, groups, phone, roles, users
from zoomstate.zoom.adapters import phone_groups as phone_groups_adapter
from zoomstate.zoom.adapters.base import e164, not_available
from zoomstate.zoom.adapters.users import USER_STATUSES
from zoomstate.zoom.client import JsonObject, ZoomClient
from zoomstate.zoom.paths import seg

log = logging.getLogger(__name__)

# Page sizes asked for: the maximum each endpoint documents. The server may give fewer.
PAGE_SIZES: Mapping[str, int] = page_sizes()


@dataclass(frozen=True, slots=True)
class RawAccount:
    """Every list as the read kept it (used by the mapping and by tests): users, phone
    users, numbers and Contact Center users mapped item by item as their pages arrived
    (no page outlives its own mapping); the small lists as Zoom returned them.

    `numbers` are the ones GET /phone/numbers was asked for (unassigned, or held by
    something else than a user); the numbers users hold come with `phone_users`.
    `listed` counts the items the server listed per list (by `ListSpec.name`), for every
    list the account has."""

    users: Mapping[LiveStatus, list[users.UserRow]]
    phone_users: list[phone.PhoneRow]
    numbers: list[PhoneNumber]
    calling_plans: list[JsonObject]
    sites: list[JsonObject]
    templates: list[JsonObject]
    roles: list[JsonObject]
    cc_users: list[contact_center.ContactCenterRow]
    cc_roles: list[JsonObject]
    phone_enabled: bool
    contact_center_enabled: bool
    warnings: tuple[str, ...]
    listed: Mapping[str, int] = field(default_factory=dict)
    account_id: str | None = None  # which account the credentials reach
    groups: list[JsonObject] = field(default_factory=list)
    # Group name -> its members, for the groups read for their primary members.
    group_members: Mapping[str, list[JsonObject]] = field(default_factory=dict)


def lower_bound(raw: RawAccount, page_sizes: Mapping[str, int] | None = None) -> int:
    """The fewest list calls any reader of these lists needs for this account: per list
    (and status pass, and kind of number) the account has, max(1, ceil(items / page
    size)).

    `page_sizes` are the sizes the server really serves, by endpoint path (Zoom caps
    some below what it documents; the sandbox's caps are `sandbox.app.SERVED_PAGE_SIZES`);
    endpoints missing from it count with the size the client asks for. The phone groups
    (`read_account`'s `phone_groups`: a list call per kind, then a GET per queue, group
    and receptionist) are not in `raw` and not counted: a read that fetches them makes
    that many calls more."""
    sizes = {**PAGE_SIZES, **(page_sizes or {})}

    def pages(count: int, path: str) -> int:
        return max(1, -(-count // min(sizes[path], PAGE_SIZES[path])))

    total = sum(pages(raw.listed[s.name], s.path) for s in LISTS if s.name in raw.listed)
    return total + sum(pages(len(m), groups.MEMBERS_PATH) for m in raw.group_members.values())


async def _fetch(
    client: ZoomClient, spec: ListSpec, warnings: list[str]
) -> tuple[list[Any], int] | None:
    """One list, each item mapped as its page arrives (`ListSpec.item`). An optional list
    the account does not have (no Zoom Phone, no Contact Center, no multiple sites) is
    None with a warning instead of failing the whole read."""
    params: Any = dict(spec.params) or None
    try:
        return await client.list_each(
            spec.path, spec.key, spec.item or _as_is, page_size=PAGE_SIZES[spec.path], params=params
        )
    except BackendError as exc:
        if spec.optional and not_available(exc):
            warnings.append(f"{spec.path}: not available on this account ({exc.zoom_message})")
            return None
        raise


def _as_is(item: JsonObject) -> JsonObject:
    return item


async def _fetch_members(client: ZoomClient, group_id: str) -> list[JsonObject]:
    path = groups.MEMBERS_PATH.replace("{groupId}", seg(group_id))
    return await client.list_all(path, "members", page_size=PAGE_SIZES[groups.MEMBERS_PATH])


async def _gather_all(tasks: Sequence[asyncio.Future[Any]]) -> list[Any]:
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # gather leaves the other lists running: after a daily limit or a final error
        # they would go on spending the account's budget (and use a client about to be
        # closed). Stop them before the error goes up.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def fetch_raw(client: ZoomClient, primary_groups: Collection[str] = ()) -> RawAccount:
    """Fetch every list the adapters declare, concurrently; then the member lists of
    `primary_groups` (by name; those the account lacks are skipped)."""
    warnings: list[str] = []
    tasks = [asyncio.ensure_future(_fetch(client, spec, warnings)) for spec in LISTS]
    results = await _gather_all(tasks)
    got: dict[str, list[Any] | None] = {}
    listed: dict[str, int] = {}
    for spec, result in zip(LISTS, results, strict=True):
        got[spec.name] = result[0] if result is not None else None
        if result is not None:
            listed[spec.name] = result[1]
    numbers = [
        n for spec in LISTS if spec.name.startswith("numbers_") for n in got[spec.name] or []
    ]
    ids = groups.group_names(got["groups"] or [])
    wanted = sorted({name: gid for gid, name in ids.items() if name in primary_groups}.items())
    member_lists = await _gather_all(
        [asyncio.ensure_future(_fetch_members(client, gid)) for _, gid in wanted]
    )
    return RawAccount(
        users={status: got[f"users_{status}"] or [] for status in USER_STATUSES},
        phone_users=got["phone_users"] or [],
        numbers=numbers,
        calling_plans=got["calling_plans"] or [],
        sites=got["sites"] or [],
        templates=got["templates"] or [],
        roles=got["roles"] or [],
        cc_users=got["cc_users"] or [],
        cc_roles=got["cc_roles"] or [],
        phone_enabled=got["phone_users"] is not None,
        contact_center_enabled=got["cc_users"] is not None,
        # One line per endpoint, however many passes it took (the kinds of number).
        warnings=tuple(dict.fromkeys(warnings)),
        listed=listed,
        account_id=client.account_id,
        groups=got["groups"] or [],
        group_members={name: m or [] for (name, _), m in zip(wanted, member_lists, strict=True)},
    )


def map_account(raw: RawAccount) -> LiveState:
    """The live account from the lists as read, each part put together by its adapter."""
    role_names = roles.role_names(raw.roles)
    phones = {row.email: row.phone for row in raw.phone_users}
    ccs = {row.email: row.spec for row in raw.cc_users}
    group_names = groups.group_names(raw.groups)
    return LiveState(
        users=users.map_users(
            raw.users, role_names, phones, ccs, group_names, groups.primaries(raw.group_members)
        ),
        sites=phone.map_sites(raw.sites),
        calling_plans=phone.map_calling_plans(raw.calling_plans),
        numbers=phone.map_numbers(raw.phone_users, raw.numbers),
        templates=phone.map_templates(raw.templates),
        roles=roles.map_roles(role_names),
        contact_center_roles=contact_center.map_cc_roles(raw.cc_roles),
        groups=groups.map_groups(group_names),
        phone_enabled=raw.phone_enabled,
        contact_center_enabled=raw.contact_center_enabled,
        warnings=raw.warnings,
        account_id=raw.account_id,
    )


async def read_account(
    client: ZoomClient,
    *,
    primary_groups: Collection[str] = (),
    phone_groups: bool | Callable[[LiveState], bool] = False,
) -> LiveState:
    """The live account, read with list calls only; the primary group of each user is
    read for the groups named (resources.groups.primary_groups_to_read of the state);
    the call queues, shared line groups, auto receptionists and desk phones when
    `phone_groups` says so, once the users are read (resources.handover.
    needs_phone_groups of the state)."""
    raw = await fetch_raw(client, primary_groups)
    live = map_account(raw)
    if phone_groups is True or (callable(phone_groups) and phone_groups(live)):
        live = await phone_groups_adapter.read_phone_groups(client, live)
    log.info(
        "read: users=%s phone_users=%s numbers=%s calls=%s",
        len(live.users),
        len(raw.phone_users),
        len(live.numbers),
        client.stats.calls,
    )
    return live


__all__ = [
    "PAGE_SIZES",
    "USER_STATUSES",
    "RawAccount",
    "e164",
    "fetch_raw",
    "lower_bound",
    "map_account",
    "read_account",
]
