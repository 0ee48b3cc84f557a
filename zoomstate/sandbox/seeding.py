"""Building accounts: from a seed file (YAML or JSON, documented in docs/sandbox.md), from
the built-in demo seed, or generated at scale for benchmarks. Reading and checking seed
files is `seedfile.py`'s.

Ids come from the account's seeded generator in file order, so the same seed file always
gives the same ids.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from zoomstate.sandbox.errors import SeedError
from zoomstate.sandbox.families import FAMILIES
from zoomstate.sandbox.families.base import SeedContext
from zoomstate.sandbox.families.users import SEED_EPOCH
from zoomstate.sandbox.records import AccountInfo, CCProfile, PhoneNumber, PhoneProfile, Site, User
from zoomstate.sandbox.store import Account

__all__ = ["SEED_EPOCH", "SeedError", "account_from_seed", "demo_seed", "generate_account"]


def demo_seed() -> dict[str, Any]:
    text = resources.files("zoomstate.sandbox.seeds").joinpath("demo.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def account_from_seed(seed: dict[str, Any], seed_override: int | None = None) -> Account:
    """The account a seed describes: its core (account info, seats), then each family's
    records in registry order, then the checks that need every user in place."""
    acc_cfg: dict[str, Any] = seed.get("account") or {}
    account = Account(
        seed=int(seed_override if seed_override is not None else seed.get("seed", 0)),
        info=AccountInfo(
            account_id=str(acc_cfg.get("id", "sandbox-account")),
            tier=str(acc_cfg.get("tier", "business")),
            managed_domains=[str(d) for d in acc_cfg.get("managed_domains", [])],
            personal_account_emails=[str(e) for e in acc_cfg.get("personal_account_emails", [])],
        ),
    )
    # These two ids come first, before any family's: seeds keep the ids they always had.
    account.info.account_number = account.ids.digits(8)
    account.info.cc_region_id = account.ids.zoom_id()
    seats = seed.get("seats") or {}
    account.seats.licensed = seats.get("licensed")
    account.seats.basic = seats.get("basic")
    account.seats.zoom_phone = seats.get("zoom_phone")
    ctx = SeedContext(
        account,
        seed,
        user_steps=tuple(f.seed_user for f in FAMILIES if f.seed_user is not None),
    )
    for family in FAMILIES:
        family.seed(ctx)
    for family in FAMILIES:
        if family.seed_check is not None:
            family.seed_check(ctx)
    return account


_FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lea"]
_LAST = ["Adams", "Brown", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hill", "Ito", "Jones"]
_DEPTS = ["Sales", "Support", "Engineering", "Finance", "Marketing", "Operations"]


def generate_account(
    users: int,
    phone_share: float = 0.6,
    cc_share: float = 0.1,
    seed: int = 0,
    domain: str = "example.com",
) -> Account:
    """A large account for benchmarks and load tests: `users` active users, `phone_share` of
    them with Zoom Phone (extension, a calling plan, a number for every other one),
    `cc_share` with a Contact Center seat; seats sized with 10% headroom.

    Built straight into the account's structures (no per-user validation), so 100,000 users
    take a few seconds.
    """
    n_phone = int(users * phone_share)
    n_cc = int(users * cc_share)
    account = account_from_seed(_skeleton(users, n_phone, n_cc, seed, domain))
    ids = account.ids
    sites = list(account.sites.values())
    free_numbers = {
        site.id: [n for n in account.ordered_numbers() if n.site_id == site.id] for site in sites
    }
    agent = next(iter(account.cc_roles.values()))
    for i in range(users):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
        user = User(
            id=ids.zoom_id(),
            email=f"user{i:06d}@{domain}",
            first_name=first,
            last_name=f"{last}{i}",
            type=2,
            status="active",
            created_at=SEED_EPOCH + i,
            seq=account.new_seq(),
            dept=_DEPTS[i % len(_DEPTS)],
            pmi=ids.digits(10),
            create_action="autoCreate",
        )
        if i < n_phone:
            _generated_phone(account, user, i, sites[i % len(sites)], free_numbers)
        if i < n_cc:
            user.cc = CCProfile(
                role_id=agent.id,
                package_name="premium",
                region_id=account.info.cc_region_id,
                modified_at=SEED_EPOCH,
            )
        account.add_user(user)
    return account


def _skeleton(users: int, n_phone: int, n_cc: int, seed: int, domain: str) -> dict[str, Any]:
    """The generated account's seed without its users: the demo's sites, templates and
    roles, with plans, numbers and seats sized for `users`."""
    base = demo_seed()
    skeleton: dict[str, Any] = {
        k: base[k] for k in ("sites", "setting_templates", "roles", "cc_roles") if k in base
    }
    n_numbers = n_phone // 2 + 100
    us_numbers = (n_numbers + 1) // 2
    skeleton.update(
        seed=seed,
        account={
            "id": "sandbox-account",
            "managed_domains": [domain],
            "default_site": "San Francisco",
        },
        seats={"licensed": int(users * 1.1) + 10, "zoom_phone": int(n_phone * 1.1) + 10},
        calling_plans=[
            {"type": 200, "name": "US/CA Unlimited", "subscribed": n_phone + 10},
            {"type": 100, "name": "US/CA Metered", "subscribed": 10},
            {"type": 202, "name": "GB/IE Unlimited", "subscribed": n_phone + 10},
            {"type": 102, "name": "GB/IE Metered", "subscribed": 10},
        ],
        phone_numbers=[
            {"from": "+14155000000", "to": f"+1415500{us_numbers - 1:04d}", "site": "San Francisco"}
            if us_numbers <= 10000
            else {
                "from": "+14150000000",
                "to": f"+1415{us_numbers - 1:07d}",
                "site": "San Francisco",
            },
            {
                "from": "+442070000000",
                "to": f"+44207{n_numbers - us_numbers - 1:07d}",
                "site": "London",
            },
        ],
        cc_packages=[
            {"name": "essentials", "seats": n_cc + 10},
            {"name": "premium", "seats": n_cc + 10},
            {"name": "elite", "seats": 10},
        ],
    )
    return skeleton


def _generated_phone(
    account: Account, user: User, i: int, site: Site, free_numbers: dict[str, list[PhoneNumber]]
) -> None:
    plan = 200 if site.site_code == 10 else 202
    nums = []
    if i % 2 == 0 and free_numbers[site.id]:
        number = free_numbers[site.id].pop()
        number.assignee = user.id
        nums.append(number.id)
    user.phone = PhoneProfile(
        phone_user_id=account.ids.zoom_id(),
        extension_id=account.ids.zoom_id(),
        extension_number=int(f"{site.site_code}{site.extension_start * 10 + i}"),
        site_id=site.id,
        calling_plans=[plan],
        numbers=nums,
    )
    user.zoom_phone = True
