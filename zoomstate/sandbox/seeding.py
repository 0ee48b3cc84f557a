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

from zoomstate.sandbox.account import (
    ADMIN_ROLE_ID,
    MEMBER_ROLE_ID,
    OWNER_ROLE_ID,
    Account,
    AccountInfo,
    CallingPlan,
    CCPackage,
    CCProfile,
    CCRole,
    PhoneNumber,
    PhoneProfile,
    Role,
    SettingTemplate,
    Site,
    User,
    default_plan_countries,
)

__all__ = ["SeedError", "account_from_seed", "demo_seed", "generate_account"]

_TYPES = {"basic": 1, "licensed": 2, "none": 4, 1: 1, 2: 2, 4: 4}
_COUNTRIES = {"US": "United States", "GB": "United Kingdom", "CA": "Canada", "IE": "Ireland"}
_DEFAULT_ROLES = [
    (OWNER_ROLE_ID, "Owner", "Account owner"),
    (ADMIN_ROLE_ID, "Admin", "Account administrator"),
    (MEMBER_ROLE_ID, "Member", "Account member"),
]
# A fixed instant for seeded users' creation time, so seeded accounts are reproducible.
SEED_EPOCH = 1704067200.0  # 2024-01-01T00:00:00Z


class SeedError(ValueError):
    pass


def demo_seed() -> dict[str, Any]:
    text = resources.files("zoomstate.sandbox.seeds").joinpath("demo.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _e164_range(start: str, end: str) -> list[str]:
    a, b = int(start.lstrip("+")), int(end.lstrip("+"))
    if b < a or b - a > 1_000_000:
        raise SeedError(f"bad number range {start}..{end}")
    return [f"+{n}" for n in range(a, b + 1)]


def account_from_seed(seed: dict[str, Any], seed_override: int | None = None) -> Account:
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
    ids = account.ids
    account.info.account_number = ids.digits(8)
    account.info.cc_region_id = ids.zoom_id()
    seats = seed.get("seats") or {}
    account.seats.licensed = seats.get("licensed")
    account.seats.basic = seats.get("basic")
    account.seats.zoom_phone = seats.get("zoom_phone")

    sites_by_name: dict[str, Site] = {}
    for s in seed.get("sites", []):
        country = str(s.get("country", "US"))
        site = Site(
            id=ids.zoom_id(),
            name=str(s["name"]),
            site_code=int(s["site_code"]),
            country_code=country,
            country_name=str(s.get("country_name", _COUNTRIES.get(country, country))),
            extension_start=int(s.get("extension_start", 1000)),
        )
        account.sites[site.id] = site
        sites_by_name[site.name.lower()] = site
    default_site = acc_cfg.get("default_site")
    if default_site is not None:
        account.info.default_site_id = _lookup(sites_by_name, default_site, "site").id

    plans_by_name: dict[str, CallingPlan] = {}
    for p in seed.get("calling_plans", []):
        plan = CallingPlan(
            type=int(p["type"]),
            name=str(p["name"]),
            subscribed=int(p.get("subscribed", 0)),
            countries=list(p.get("countries") or default_plan_countries(int(p["type"]))),
        )
        account.plans[plan.type] = plan
        plans_by_name[plan.name.lower()] = plan
        plans_by_name[str(plan.type)] = plan

    for n in seed.get("phone_numbers", []):
        nsite: Site | None = _lookup(sites_by_name, n["site"], "site") if n.get("site") else None
        numbers = _e164_range(n["from"], n["to"]) if "from" in n else [str(n["number"])]
        for e164 in numbers:
            account.add_number(
                PhoneNumber(
                    id=ids.zoom_id(),
                    number=e164,
                    site_id=nsite.id if nsite else None,
                    number_type=str(n.get("number_type", "toll")),
                    location=str(n.get("location", "")),
                )
            )

    templates_by_name: dict[str, SettingTemplate] = {}
    for t in seed.get("setting_templates", []):
        tsite: Site | None = _lookup(sites_by_name, t["site"], "site") if t.get("site") else None
        tpl = SettingTemplate(
            id=ids.zoom_id(),
            name=str(t["name"]),
            type=str(t.get("type", "user")),
            description=str(t.get("description", "")),
            site_id=tsite.id if tsite else None,
        )
        account.templates[tpl.id] = tpl
        templates_by_name[tpl.name.lower()] = tpl

    for rid, name, desc in _DEFAULT_ROLES:
        account.roles[rid] = Role(id=rid, name=name, description=desc)
    for r in seed.get("roles", []):
        rid = str(r.get("id") or ids.zoom_id())
        account.roles[rid] = Role(
            id=rid, name=str(r["name"]), description=str(r.get("description", ""))
        )
    roles_by_name = {r.name.lower(): r for r in account.roles.values()}
    roles_by_name.update({r.id: r for r in account.roles.values()})

    for r in seed.get("cc_roles", []):
        cc_role = CCRole(
            id=str(r.get("id") or ids.zoom_id()),
            name=str(r["name"]),
            description=str(r.get("description", "")),
        )
        account.cc_roles[cc_role.id] = cc_role
    cc_roles_by_name = {r.name.lower(): r for r in account.cc_roles.values()}
    for p in seed.get("cc_packages", []):
        account.cc_packages[str(p["name"])] = CCPackage(name=str(p["name"]), seats=int(p["seats"]))

    numbers_by_e164 = {n.number: n for n in account.numbers.values()}
    for i, u in enumerate(seed.get("users", [])):
        email = str(u["email"])
        if account.user_by_email(email) is not None:
            raise SeedError(f"users[{i}]: duplicate e-mail {email}")
        type_ = _TYPES.get(u.get("type", "basic"))
        if type_ is None:
            raise SeedError(f"users[{i}]: unknown type {u.get('type')!r}")
        status = str(u.get("status", "active"))
        created = SEED_EPOCH + i * 60
        user = User(
            id=ids.zoom_id(),
            email=email,
            first_name=str(u.get("first_name", "")),
            last_name=str(u.get("last_name", "")),
            type=type_,
            status=status,
            created_at=created,
            seq=account.new_seq(),
            role_id=_lookup(roles_by_name, u.get("role", "Member"), "role").id,
            dept=str(u.get("dept", "")),
            job_title=str(u.get("job_title", "")),
            pmi=ids.digits(10),
            create_action=str(u.get("create_action", "autoCreate")),
            invited_at=created if status == "pending" else None,
        )
        ph = u.get("phone")
        if ph:
            site = (
                _lookup(sites_by_name, ph["site"], "site")
                if ph.get("site")
                else account.sites[account.info.default_site_id or next(iter(account.sites))]
            )
            plans = [
                _lookup(plans_by_name, str(p), "calling plan").type
                for p in ph.get("calling_plans", [])
            ]
            nums = []
            for e164 in ph.get("numbers", []):
                number = numbers_by_e164.get(str(e164))
                if number is None:
                    raise SeedError(f"users[{i}]: number {e164} is not in phone_numbers")
                if number.assignee is not None:
                    raise SeedError(f"users[{i}]: number {e164} is already assigned")
                number.assignee = user.id
                nums.append(number.id)
            ext = int(ph["extension"]) if ph.get("extension") else None
            user.phone = PhoneProfile(
                phone_user_id=ids.zoom_id(),
                extension_id=ids.zoom_id(),
                extension_number=ext if ext is not None else 0,
                site_id=site.id,
                calling_plans=plans,
                numbers=nums,
                template_id=(
                    _lookup(templates_by_name, ph["template"], "template").id
                    if ph.get("template")
                    else None
                ),
            )
            user.zoom_phone = True
            if ext is None:
                short = site.extension_start + i
                user.phone.extension_number = int(f"{site.site_code}{short}")
            if user.phone.extension_number in account.ext_owner:
                raise SeedError(f"users[{i}]: extension {user.phone.extension_number} reused")
        cc = u.get("contact_center")
        if cc:
            user.cc = CCProfile(
                role_id=_lookup(cc_roles_by_name, cc.get("role", "Agent"), "cc role").id,
                package_name=cc.get("package"),
                user_access=str(cc.get("access", "active")),
                region_id=account.info.cc_region_id,
                modified_at=created,
            )
        account.add_user(user)
    for plan in account.plans.values():
        if plan.assigned > plan.subscribed:
            raise SeedError(f"calling plan {plan.name}: {plan.assigned} assigned > subscribed")
    return account


def _lookup(table: dict[str, Any], key: Any, what: str) -> Any:
    found = table.get(str(key).lower()) or table.get(str(key))
    if found is None:
        raise SeedError(f"unknown {what} {key!r}")
    return found


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
    base = demo_seed()
    skeleton: dict[str, Any] = {
        k: base[k] for k in ("sites", "setting_templates", "roles", "cc_roles") if k in base
    }
    n_phone = int(users * phone_share)
    n_cc = int(users * cc_share)
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
    account = account_from_seed(skeleton)
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
            site = sites[i % len(sites)]
            plan = 200 if site.site_code == 10 else 202
            nums = []
            if i % 2 == 0 and free_numbers[site.id]:
                number = free_numbers[site.id].pop()
                number.assignee = user.id
                nums.append(number.id)
            user.phone = PhoneProfile(
                phone_user_id=ids.zoom_id(),
                extension_id=ids.zoom_id(),
                extension_number=int(f"{site.site_code}{site.extension_start * 10 + i}"),
                site_id=site.id,
                calling_plans=[plan],
                numbers=nums,
            )
            user.zoom_phone = True
        if i < n_cc:
            user.cc = CCProfile(
                role_id=agent.id,
                package_name="premium",
                region_id=account.info.cc_region_id,
                modified_at=SEED_EPOCH,
            )
        account.add_user(user)
    return account
