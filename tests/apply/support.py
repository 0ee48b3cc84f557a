"""Shared pieces of the apply tests: an in-process sandbox with a generated account, a
library client with zero sleeps, a desired state that differs from the live account in
every way a plan can, and the audit that holds the sandbox's request log against the
plan and the journal.

Everything runs on the sandbox's frozen clock and injected zero sleeps: nothing here
waits in real time.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import SecretStr

from zoomstate.live import LiveState
from zoomstate.model import (
    AccountPolicy,
    ContactCenterSpec,
    DesiredState,
    MissingUserPolicy,
    PhoneSpec,
    SafetyLimits,
    SeatCounts,
    UserSpec,
)
from zoomstate.plan import Operation
from zoomstate.ratelimits import match
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, RequestLog, SandboxApp, create_app
from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.auth import ServerToServerAuth
from zoomstate.zoom.client import RetryPolicy, ZoomClient
from zoomstate.zoom.pacing import Pacer

T0 = 1767225600.0  # 2026-01-01T00:00:00Z: the sandbox clock never reads the wall clock
BASE = "http://sandbox.test"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DOMAIN = "example.com"


async def no_sleep(_: float) -> None:
    return None


def sandbox_app(users: int, seed: int, *, faults: str | None = None) -> SandboxApp:
    """A sandbox holding a generated account of `users` active users, on a frozen clock,
    with a request log long enough to keep every request of a run (the default keeps
    the last 1,000)."""
    app = create_app(seed="demo", clock=Clock(source=lambda: T0), faults=faults)
    app.runtime.replace_account(generate_account(users, seed=seed, domain=DOMAIN))
    app.runtime.log = RequestLog(keep=1_000_000)
    return app


def make_client(
    transport: httpx.AsyncBaseTransport, *, seed: int = 0, attempts: int = 6, base: str = BASE
) -> ZoomClient:
    """The library's client with zero sleeps, pacing off and a seeded jitter."""
    auth = ServerToServerAuth(
        account_id=DEFAULT_CREDENTIALS.account_id,
        client_id=DEFAULT_CREDENTIALS.client_id,
        client_secret=SecretStr(DEFAULT_CREDENTIALS.client_secret),
        token_url=f"{base}/oauth/token",
    )
    return ZoomClient(
        api_url=f"{base}/v2",
        auth=auth,
        transport=transport,
        pacer=Pacer(enabled=False),
        retry=RetryPolicy(attempts=attempts, base_s=0.01, cap_s=0.05),
        sleep=no_sleep,
        rng=random.Random(seed),
        account_id=DEFAULT_CREDENTIALS.account_id,
    )


class ExpireTokensAt(httpx.AsyncBaseTransport):
    """Expires every token the sandbox has minted when the `at`-th API request passes:
    the run's token dies mid-run, as an hour-long Zoom token does in a long apply."""

    def __init__(self, inner: httpx.AsyncBaseTransport, app: SandboxApp, at: int) -> None:
        self._inner = inner
        self._app = app
        self._at = at
        self.seen = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v2/"):
            self.seen += 1
            if self.seen == self._at:
                self._app.runtime.faults.expire_tokens()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


# --------------------------------------------------------------------------------------
# A desired state that differs from the live account in every way a plan can


@dataclass
class Changes:
    """How many users get each kind of change (scaled by `desired_state`)."""

    leavers: int = 25
    new_users: int = 50
    new_phone_share: float = 0.5
    disable_phone: int = 15
    enable_phone: int = 20
    extension_moves: int = 25
    extension_swaps: int = 2
    number_moves: int = 15
    number_drops: int = 10
    plan_switches: int = 8
    cc_changes: int = 15
    cc_adds: int = 10
    cc_removals: int = 5
    profile_changes: int = 30
    role_changes: int = 3


@dataclass
class _Pools:
    numbers: dict[str, list[str]] = field(default_factory=dict)  # site name -> free numbers
    extension_next: dict[str, int] = field(default_factory=dict)

    def number(self, site: str, rng: random.Random) -> str | None:
        free = self.numbers.get(site) or []
        if not free:
            return None
        return free.pop(rng.randrange(len(free)))

    def extension(self, site_code: int) -> int:
        key = str(site_code)
        nxt = self.extension_next.get(key, 70000)
        self.extension_next[key] = nxt + 1
        return int(f"{site_code}{nxt}")


def _plan_for(site: str) -> int:
    return 202 if site == "London" else 200


def _metered(site: str) -> int:
    return 102 if site == "London" else 100


def desired_state(
    live: LiveState,
    seed: int,
    changes: Changes | None = None,
    *,
    policy: MissingUserPolicy = "delete",
    phone_licences: int | None = None,
) -> DesiredState:
    """The live account with many users changed at random (reproducibly from `seed`):
    leavers, new users (autoCreate, so active at once, with phone, plans, numbers and
    Contact Center), phone turned off and on, extension moves and swaps, number moves and
    drops, calling-plan switches, Contact Center changes, profile and role changes."""
    ch = changes or Changes()
    rng = random.Random(seed)
    sites = {s.name: s for s in live.sites}
    site_of_id = {s.id: s.name for s in live.sites}
    pools = _Pools()
    for n in live.numbers:
        if n.assignee_id is None and n.site_id in site_of_id:
            pools.numbers.setdefault(site_of_id[n.site_id], []).append(n.number)
    for free in pools.numbers.values():
        free.sort()
    specs: dict[str, UserSpec] = {u.key: u.spec for u in live.users if u.status == "active"}
    keys = sorted(specs)
    rng.shuffle(keys)
    taken: set[str] = set()

    def pick(count: int, pred: Any) -> list[str]:
        chosen: list[str] = []
        for key in keys:
            if len(chosen) >= count:
                break
            if key not in taken and pred(specs[key]):
                chosen.append(key)
                taken.add(key)
        return chosen

    def upd(key: str, **values: Any) -> None:
        specs[key] = specs[key].model_copy(update=values)

    def phone_upd(key: str, **values: Any) -> None:
        phone = specs[key].phone
        assert phone is not None
        upd(key, phone=phone.model_copy(update=values))

    def has_phone(spec: UserSpec) -> bool:
        return spec.phone is not None

    for key in pick(ch.leavers, lambda s: True):
        del specs[key]
    for key in pick(ch.disable_phone, has_phone):
        upd(key, phone=None)
    for key in pick(ch.enable_phone, lambda s: s.phone is None and s.type == "licensed"):
        site = rng.choice(sorted(sites))
        number = pools.number(site, rng) if rng.random() < 0.5 else None
        extension = pools.extension(sites[site].site_code or 0) if rng.random() < 0.5 else None
        upd(
            key,
            phone=PhoneSpec(
                site=site,
                extension=extension,
                calling_plans=(_plan_for(site),),
                numbers=(number,) if number else (),
            ),
        )
    for key in pick(ch.extension_moves, has_phone):
        phone = specs[key].phone
        assert phone is not None and phone.site is not None
        phone_upd(key, extension=pools.extension(sites[phone.site].site_code or 0))
    for _ in range(ch.extension_swaps):
        pair = pick(2, has_phone)
        if len(pair) == 2:
            a, b = (specs[k].phone for k in pair)
            assert a is not None and b is not None
            if a.site == b.site:
                phone_upd(pair[0], extension=b.extension)
                phone_upd(pair[1], extension=a.extension)
    # Number moves: a holder gives its number to a phone user of the same site that has
    # none; the planner must release before it claims.
    holders = pick(ch.number_moves, lambda s: s.phone is not None and len(s.phone.numbers) == 1)
    for key in holders:
        phone = specs[key].phone
        assert phone is not None
        number = phone.numbers[0]
        takers = pick(
            1,
            lambda s, site=phone.site: (
                s.phone is not None and not s.phone.numbers and s.phone.site == site
            ),
        )
        phone_upd(key, numbers=())
        if takers:
            phone_upd(takers[0], numbers=(number,))
    for key in pick(ch.number_drops, lambda s: s.phone is not None and bool(s.phone.numbers)):
        phone_upd(key, numbers=())
    for key in pick(ch.plan_switches, lambda s: s.phone is not None and s.phone.site is not None):
        phone = specs[key].phone
        assert phone is not None and phone.site is not None
        phone_upd(key, calling_plans=(_metered(phone.site),))
    cc_roles = sorted(r.name for r in live.contact_center_roles)
    for key in pick(ch.cc_changes, lambda s: s.contact_center is not None):
        cc = specs[key].contact_center
        assert cc is not None
        kind = rng.randrange(3)
        if kind == 0:
            new = cc.model_copy(update={"package": "essentials"})
        elif kind == 1:
            new = cc.model_copy(update={"role": rng.choice([r for r in cc_roles if r != cc.role])})
        else:
            new = cc.model_copy(update={"access": "inactive"})
        upd(key, contact_center=new)
    for key in pick(ch.cc_removals, lambda s: s.contact_center is not None):
        upd(key, contact_center=None)
    for key in pick(ch.cc_adds, lambda s: s.contact_center is None and s.type == "licensed"):
        upd(key, contact_center=ContactCenterSpec(package="premium", role=cc_roles[0]))
    for key in pick(ch.profile_changes, lambda s: True):
        if rng.random() < 0.5:
            upd(key, department=f"Dept {rng.randrange(5)}")
        else:
            upd(key, last_name=f"Renamed{rng.randrange(1000)}")
    for key in pick(ch.role_changes, lambda s: (s.role or "Member") == "Member"):
        upd(key, role="Admin")
    for k in range(ch.new_users):
        email = f"new{seed}-{k:03d}@{DOMAIN}"
        phone = None
        if rng.random() < ch.new_phone_share:
            site = rng.choice(sorted(sites))
            number = pools.number(site, rng) if rng.random() < 0.5 else None
            phone = PhoneSpec(
                site=site,
                extension=(
                    pools.extension(sites[site].site_code or 0) if rng.random() < 0.5 else None
                ),
                calling_plans=(_plan_for(site),),
                numbers=(number,) if number else (),
            )
        cc = ContactCenterSpec(package="premium", role=cc_roles[0]) if k % 10 == 0 else None
        specs[email] = UserSpec(
            email=email,
            first_name="New",
            last_name=f"Hire{k}",
            department="Onboarding",
            type="licensed",
            status="active",
            phone=phone,
            contact_center=cc,
        )
    account = AccountPolicy(
        domains=(DOMAIN,),
        create_action="autoCreate",
        on_missing_user=policy,
        allow_data_loss=True,
        safety=SafetyLimits(max_deletes=100_000, max_delete_percent=100),
        # Left out unless given: the state then says nothing of Zoom Phone licences.
        seats=SeatCounts() if phone_licences is None else SeatCounts(phone=phone_licences),
        rate_limits="business",
    )
    return DesiredState(account=account, users=tuple(specs[k] for k in sorted(specs)))


# --------------------------------------------------------------------------------------
# The audit: the sandbox's request log against the plan and the journal

# Which writes each kind of step may send (method + Zoom path template).
ALLOWED: Mapping[str, frozenset[str]] = {
    "create_user": frozenset({"POST /users", "PATCH /users/{userId}"}),
    "update_user": frozenset({"PATCH /users/{userId}"}),
    "change_email": frozenset({"PUT /users/{userId}/email"}),
    "activate_user": frozenset({"PUT /users/{userId}/status"}),
    "deactivate_user": frozenset({"PUT /users/{userId}/status"}),
    "delete_user": frozenset({"DELETE /users/{userId}"}),
    "assign_role": frozenset({"POST /roles/{roleId}/members"}),
    "enable_phone": frozenset({"PATCH /users/{userId}"}),
    "add_phone_user": frozenset({"POST /phone/users/batch"}),
    "update_phone": frozenset({"PATCH /phone/users/{userId}"}),
    "assign_calling_plan": frozenset({"POST /phone/users/{userId}/calling_plans"}),
    "switch_calling_plan": frozenset(
        {"PUT /phone/users/{userId}/calling_plans", "POST /phone/users/{userId}/phone_numbers"}
    ),
    "unassign_calling_plan": frozenset({"DELETE /phone/users/{userId}/calling_plans/{planType}"}),
    "assign_number": frozenset({"POST /phone/users/{userId}/phone_numbers"}),
    "unassign_number": frozenset({"DELETE /phone/users/{userId}/phone_numbers/{phoneNumberId}"}),
    "disable_phone": frozenset({"PATCH /users/{userId}"}),
    "create_contact_center_user": frozenset(
        {"POST /contact_center/users", "POST /contact_center/users/batch"}
    ),
    "update_contact_center_user": frozenset(
        {"PATCH /contact_center/users/{userId}", "PATCH /contact_center/users"}
    ),
    "delete_contact_center_user": frozenset(
        {"DELETE /contact_center/users/{userId}", "DELETE /contact_center/users"}
    ),
}
# Writes that create or assign something: repeating one that Zoom carried out would
# double it (or fail on the duplicate), so each may be sent again only as a retry.
CLAIMS = frozenset(
    {
        "POST /users",
        "POST /roles/{roleId}/members",
        "POST /phone/users/{userId}/calling_plans",
        "POST /phone/users/{userId}/phone_numbers",
        "POST /contact_center/users",
        "POST /phone/users/batch",
        "POST /contact_center/users/batch",
    }
)
# What a retry may follow: a connection error, a throttle, a server error, an expired
# token (Zoom's code 124 as 401 or 400).
RETRYABLE = frozenset({429, 500, 502, 503, 504})


def read_journal(paths: Iterable[Path]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def api_path(path: str) -> str:
    return path[3:] if path.startswith("/v2/") else path


def endpoint(method: str, path: str) -> str:
    found = match(method, api_path(path))
    return f"{method} {found.template if found else api_path(path)}"


def _segments(path: str) -> list[str]:
    return api_path(path).strip("/").split("/")


@dataclass(frozen=True)
class Attempt:
    op: str | None
    method: str
    path: str
    body: Any
    outcome: str  # "ok", "retryable", "final", "error"
    status: int | None


def attempts(records: list[dict[str, Any]]) -> list[Attempt]:
    """The journal's API writes, each paired with its response record. Concurrent steps
    interleave records, but one step (one task) sends one request at a time, so a
    request's response is the next response record with the same op, method and path."""
    open_: dict[tuple[Any, str, str], list[dict[str, Any]]] = defaultdict(list)
    out: list[Attempt] = []
    pending: dict[int, dict[str, Any]] = {}
    order: list[int] = []
    for rec in records:
        if rec["event"] not in ("request", "response"):
            continue
        if rec["method"] not in WRITES or rec["path"].endswith("/oauth/token"):
            continue
        key = (rec.get("op"), rec["method"], rec["path"])
        if rec["event"] == "request":
            idx = len(order)
            order.append(idx)
            pending[idx] = rec
            open_[key].append({"idx": idx})
        elif open_[key]:
            slot = open_[key].pop(0)
            pending[slot["idx"]] = {**pending[slot["idx"]], "_response": rec}
    for idx in order:
        rec = pending[idx]
        resp = rec.get("_response")
        status = resp.get("status") if resp else None
        if resp is None:
            outcome = "error"  # killed before the answer came back
        elif resp.get("error"):
            outcome = "error"
        elif status is not None and (
            status in RETRYABLE or (status in (400, 401) and resp.get("code") == 124)
        ):
            outcome = "retryable"
        elif status is not None and status < 400:
            outcome = "ok"
        else:
            outcome = "final"
        out.append(
            # A batch DELETE names its users in the query.
            Attempt(
                rec.get("op"),
                rec["method"],
                rec["path"],
                rec.get("body") if rec.get("body") is not None else rec.get("query"),
                outcome,
                status,
            )
        )
    return out


def audit(
    plan_ops: Iterable[Operation],
    runs: list[list[dict[str, Any]]],
    logged: list[dict[str, Any]],
    ids: Mapping[str, Iterable[str]],
) -> list[str]:
    """Every problem found; empty when the runs did only what their plans asked.

    `plan_ops` are the operations of every plan that was applied; `runs` the journal
    records of each run; `logged` the sandbox's request log (`recent`); `ids` maps each
    user's e-mail to every Zoom id it had (live before, created during the run)."""
    problems: list[str] = []
    records = [r for run in runs for r in run]
    plan_ops = list(plan_ops)
    ops = {op.id: op for op in plan_ops}
    # 1. Every call the sandbox saw (token requests included) is a journal request.
    seen = Counter(
        (e["method"], api_path(e["path"])) for e in logged if not e["path"].startswith("/_sandbox")
    )
    journaled = Counter(
        (r["method"], api_path(r["path"])) for r in records if r["event"] == "request"
    )
    missing = seen - journaled
    if missing:
        problems.append(f"calls the sandbox saw that no journal records: {dict(missing)}")
    # 2. Every journaled write belongs to an operation of the plan, fits its kind, and
    #    targets its user.
    tries = [a for run in runs for a in attempts(run)]
    batches: dict[str, list[Operation]] = defaultdict(list)
    for op in plan_ops:
        # Every plan's batches: a batch id names other members in the next run's plan.
        if op.batch:
            batches[op.batch].append(op)
    for a in tries:
        op = ops.get(a.op or "")
        if op is None and a.op in batches:
            problems += _batch_problems(a, batches[a.op], ids)
            continue
        if op is None:
            problems.append(f"{a.method} {a.path}: no operation of the plan asked for it")
            continue
        ep = endpoint(a.method, a.path)
        if ep not in ALLOWED[op.kind]:
            problems.append(f"{op.id}: {ep} is not a write of a {op.kind} step")
        refs = {op.user, *ids.get(op.user, ())}
        segs = _segments(a.path)
        if ep.endswith("{userId}") or "{userId}/" in ep:
            ref = segs[2] if segs[0] == "phone" or segs[0] == "contact_center" else segs[1]
            if ref.lower() not in {r.lower() for r in refs} and ref != str(op.before):
                problems.append(f"{op.id}: {a.method} {a.path} targets another user")
    # 3. A create or assignment is sent again only after the journal recorded that the
    #    previous attempt did not succeed (a retry), and succeeds at most once.
    by_target: dict[tuple[str, str, str], list[Attempt]] = defaultdict(list)
    for a in tries:
        ep = endpoint(a.method, a.path)
        if ep in CLAIMS:
            by_target[(ep, a.path, json.dumps(a.body, sort_keys=True))].append(a)
    for (ep, path, body), group in by_target.items():
        for before in group[:-1]:
            if before.outcome == "ok":
                problems.append(f"{ep} {path} {body}: sent again after it succeeded")
        if sum(1 for a in group if a.outcome == "ok") > 1:
            problems.append(f"{ep} {path} {body}: succeeded more than once")
    # 4. What the sandbox carried out: on each path, no more successful claims than the
    #    journal sent different bodies, plus the retries that followed a lost answer (Zoom
    #    may have acted on the first; the sandbox answers a repeated assignment as a
    #    no-op). The log has no bodies, and a user may rightly get two numbers through
    #    the same path.
    done = Counter(
        (e["method"], api_path(e["path"]))
        for e in logged
        if e["endpoint"] in CLAIMS and 200 <= int(e["status"]) < 300
    )
    allowed: Counter[tuple[str, str]] = Counter()
    for (ep, path, _body), group in by_target.items():
        key = (ep.split(" ", 1)[0], api_path(path))
        allowed[key] += 1 + sum(1 for a in group[:-1] if a.outcome == "error")
    for key, count in done.items():
        if count > allowed[key]:
            problems.append(f"{key[0]} {key[1]}: carried out {count} times")
    return problems


def _batch_problems(
    a: Attempt, members: list[Operation], ids: Mapping[str, Iterable[str]]
) -> list[str]:
    """A batch call fits its members' kind and names only its members."""
    ep = endpoint(a.method, a.path)
    if ep not in ALLOWED[members[0].kind]:
        return [f"{a.op}: {ep} is not a write of a {members[0].kind} batch"]
    refs = {r.lower() for m in members for r in (m.user, *ids.get(m.user, ()))}
    body = a.body or {}
    items = body.get("users") or []
    named = {
        str(item.get("email") or item.get("user_email") or item.get("user_id")).lower()
        for item in items
    }
    for listed in (body.get("user_ids"), body.get("user_emails")):
        named |= {u.lower() for u in str(listed).split(",")} if listed else set()
    return [f"{a.op}: {a.method} {a.path} names {u}, not a member" for u in sorted(named - refs)]


def zoom_ids(*lives: LiveState) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for live in lives:
        for u in live.users:
            if u.zoom_id:
                out[u.key].add(u.zoom_id)
    return out


def write_state(desired: DesiredState, directory: Path) -> Path:
    """The desired state as one YAML file that `zoomstate validate` accepts."""
    directory.mkdir(parents=True, exist_ok=True)
    doc = {
        "account": desired.account.model_dump(mode="json", exclude_none=True),
        "users": [
            u.model_dump(mode="json", exclude_none=True, exclude={"profile", "id"})
            for u in desired.users
        ],
    }
    path = directory / "state.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return directory
