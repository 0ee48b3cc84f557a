"""The adapters' list declarations against the endpoint table and the raw account."""

from __future__ import annotations

import dataclasses

from zoomstate.endpoints import endpoint
from zoomstate.zoom.adapters import ADAPTERS, LISTS
from zoomstate.zoom.adapters.phone import NON_USER_ASSIGNEES
from zoomstate.zoom.read import RawAccount


def test_every_list_is_a_paged_listing_of_the_endpoint_table() -> None:
    for spec in LISTS:
        row = endpoint("GET", spec.path)
        assert row.page is not None, f"{spec.path}: no page size in zoomstate.endpoints"


def test_list_names_are_unique_and_fill_the_raw_account() -> None:
    names = [spec.name for spec in LISTS]
    assert len(names) == len(set(names))
    fields = {f.name for f in dataclasses.fields(RawAccount)}
    passes = {n for n in names if n.startswith(("users_", "numbers_"))}
    # users_<status> fill RawAccount.users, numbers_<kind> RawAccount.numbers; every
    # other list has a field of its own.
    assert {n.split("_")[0] for n in passes} == {"users", "numbers"}
    assert set(names) - passes <= fields
    assert {"users", "numbers"} | (set(names) - passes) >= fields - {
        "phone_enabled",
        "contact_center_enabled",
        "warnings",
        "listed",
        "account_id",  # from the client's settings, not a list
        # the member lists of the groups a state names as primary, read after the lists
        # (zoomstate.zoom.read.fetch_raw's `primary_groups`), not one of them
        "group_members",
    }


def test_the_numbers_users_hold_are_not_listed_again() -> None:
    # They come with the phone users; GET /phone/numbers only for the unassigned ones
    # and those of each non-user assignee (issue 15).
    numbers = [spec for spec in LISTS if spec.path == "/phone/numbers"]
    assert {tuple(sorted(s.params.items())) for s in numbers} == {
        (("type", "unassigned"),),
        *((("extension_type", kind), ("type", "assigned")) for kind in NON_USER_ASSIGNEES),
    }
    assert not any(s.params.get("type") == "all" for s in numbers)


def test_only_the_user_lists_are_required() -> None:
    # An account without Zoom Phone or Contact Center still reads; one without users
    # is a broken read, never "nobody is here" (which would plan to create everyone).
    required = {spec.name for spec in LISTS if not spec.optional}
    assert required == {"users_active", "users_inactive", "users_pending"}


# Adapters whose objects are read only when a plan needs them (not whole-account lists).
ON_DEMAND = {"zoomstate.zoom.adapters.phone_groups"}


def test_every_adapter_declares_its_lists() -> None:
    for adapter in ADAPTERS:
        assert bool(adapter.LISTS) != (adapter.__name__ in ON_DEMAND), adapter.__name__
