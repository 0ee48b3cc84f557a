"""The families registry holds the sandbox together: every route the app serves comes from
exactly one family's table, and every family's part of the sandbox file survives a save
and a load."""

from __future__ import annotations

import json
import re
from pathlib import Path

from zoomstate.sandbox.app import ROUTES
from zoomstate.sandbox.families import FAMILIES, all_routes
from zoomstate.sandbox.persistence import account_to_dict, load, save
from zoomstate.sandbox.seeding import account_from_seed, demo_seed, generate_account

CORE_SECTIONS = ("format", "seed", "rng_state", "clock_offset", "next_seq", "info", "seats")


def test_family_names_are_unique() -> None:
    names = [f.name for f in FAMILIES]
    assert len(names) == len(set(names))


def test_every_route_is_declared_once() -> None:
    seen: dict[tuple[str, str], str] = {}
    for family in FAMILIES:
        assert family.routes, f"{family.name} declares no routes"
        for route in family.routes:
            key = (route.method, route.template)
            assert key not in seen, f"{key} declared by {seen[key]} and {family.name}"
            seen[key] = family.name


def test_the_app_serves_exactly_the_families_routes() -> None:
    declared = [r for f in FAMILIES for r in f.routes]
    assert list(ROUTES.routes) == declared == list(all_routes())


def test_each_route_is_the_one_its_own_path_finds() -> None:
    # A path made from a template must reach that template's route, not an earlier one
    # of the same or another family (table order never shadows a route).
    for family in FAMILIES:
        for route in family.routes:
            path = re.sub(r"\{(\w+)\}", lambda m: f"some-{m.group(1)}", route.template)
            found = ROUTES.find(route.method, path)
            assert found is not None and found[0] is route, (family.name, route.template)


def test_each_family_dumps_the_sections_it_declares() -> None:
    account = account_from_seed(demo_seed())
    written: list[str] = []
    for family in FAMILIES:
        part = family.dump(account)
        assert tuple(part) == family.sections, family.name
        assert all(part[s] for s in family.sections), f"{family.name}: the demo fills each"
        written += family.sections
    assert tuple(account_to_dict(account)) == CORE_SECTIONS + tuple(written)


def test_persistence_round_trips_every_family(tmp_path: Path) -> None:
    for account in (account_from_seed(demo_seed()), generate_account(300, seed=5)):
        before = account_to_dict(account, 42.0)
        path = tmp_path / "account.json"
        save(account, path, 42.0)
        loaded, offset = load(path)
        assert offset == 42.0
        assert loaded.check_invariants() == []
        after = account_to_dict(loaded, offset)
        for family in FAMILIES:
            assert family.dump(loaded) == family.dump(account), family.name
        assert json.dumps(after) == json.dumps(before)
        assert loaded.summary() == account.summary()
