from __future__ import annotations

import json
import random
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.contract.plugin import contract_hooks
from tests.sandbox import thirdparty_check
from tests.sandbox.conftest import LiveServer, admin_auth, frozen_clock
from zoomstate.sandbox import create_app, generate_account, open_embedded
from zoomstate.sandbox.cli import is_loopback
from zoomstate.sandbox.errors import ZoomError
from zoomstate.sandbox.persistence import load, save
from zoomstate.sandbox.service import Service


def _client(base: str, **kw: object) -> httpx.Client:
    token = httpx.post(
        f"{base}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
        auth=("sandbox-client", "sandbox-secret"),
    ).json()["access_token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, **kw)  # type: ignore[arg-type]


def test_over_real_http(live: LiveServer) -> None:
    with _client(live.base_url, event_hooks=contract_hooks()) as z:
        assert z.get("/v2/users", params={"page_size": 2}).json()["total_records"] == 31
        resp = z.post(
            "/v2/users",
            json={"action": "create", "user_info": {"email": "h@example.com", "type": 1}},
        )
        assert resp.status_code == 201
        assert z.get("/v2/nope").status_code == 404
        resp = z.delete("/v2/users/alice.ng@example.com")
        assert resp.json()["code"] == 1107


def test_thirdparty_script(live: LiveServer) -> None:
    thirdparty_check.run(live.base_url)


def _mixed_write(
    svc: Service, rng: random.Random, k: int, i: int, targets: list[str]
) -> str | None:
    """One random write through the service (the layer that owns the lock); returns the
    e-mail of a user it created, if any. Zoom refusals (ZoomError) are expected outcomes."""
    who = rng.choice(targets)
    op = rng.randrange(6)
    try:
        if op == 0:
            svc.update_user(who, {"feature": {"zoom_phone": rng.random() < 0.7}})
        elif op == 1:
            svc.add_calling_plans(who, [{"type": 200}])
        elif op == 2:
            svc.assign_numbers(who, [{"number": f"+1415555{rng.randrange(130, 160):04d}"}])
        elif op == 3:
            svc.update_phone_user(who, {"extension_number": f"10{rng.randrange(3000, 3040)}"})
        elif op == 4:
            svc.remove_calling_plan(who, "200")
        else:
            email = f"w{k}-{i}@example.com"
            svc.create_user({"action": "custCreate", "user_info": {"email": email, "type": 4}})
            return email
    except ZoomError:
        pass
    return None


def test_concurrent_writes_lose_nothing() -> None:
    """16 threads x 1,000 mixed writes at once on one account: afterwards no number is owned
    twice, no extension is reused, counters match a recount, and every acknowledged create
    is there."""
    app = create_app(seed="demo", clock=frozen_clock())
    svc = app.runtime.service
    emails = [f"c{i}@example.com" for i in range(16)]
    for e in emails:
        svc.create_user({"action": "autoCreate", "user_info": {"email": e, "type": 1}})
    targets = [*emails, "alice.ng@example.com", "julia.rossi@example.com", "gus.larsen@example.com"]
    created: list[list[str]] = [[] for _ in range(16)]
    start = threading.Barrier(16)

    def worker(k: int) -> None:
        rng = random.Random(k)
        start.wait()
        for i in range(1000):
            made = _mixed_write(svc, rng, k, i, targets)
            if made:
                created[k].append(made)

    # Switch threads as often as possible so that the writes really interleave.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    account = app.runtime.account
    assert account.check_invariants() == []
    made = [e for c in created for e in c]
    assert made and all(account.user_by_email(e) is not None for e in made)
    assert len(account.users) == 32 + 16 + len(made)
    owners = [n.assignee for n in account.numbers.values() if n.assignee]
    assert len(owners) == sum(len(u.phone.numbers) for u in account.users.values() if u.phone)


def _http_write(
    z: httpx.Client, rng: random.Random, k: int, i: int, targets: list[str]
) -> tuple[int, str | None]:
    """The same mix as `_mixed_write`, through Zoom's HTTP API."""
    who = rng.choice(targets)
    op = rng.randrange(6)
    if op == 0:
        r = z.patch(f"/v2/users/{who}", json={"feature": {"zoom_phone": rng.random() < 0.7}})
    elif op == 1:
        r = z.post(f"/v2/phone/users/{who}/calling_plans", json={"calling_plans": [{"type": 200}]})
    elif op == 2:
        n = f"+1415555{rng.randrange(130, 160):04d}"
        r = z.post(f"/v2/phone/users/{who}/phone_numbers", json={"phone_numbers": [{"number": n}]})
    elif op == 3:
        ext = f"10{rng.randrange(3000, 3040)}"
        r = z.patch(f"/v2/phone/users/{who}", json={"extension_number": ext})
    elif op == 4:
        r = z.delete(f"/v2/phone/users/{who}/calling_plans/200")
    else:
        email = f"h{k}-{i}@example.com"
        r = z.post(
            "/v2/users",
            json={"action": "custCreate", "user_info": {"email": email, "type": 4}},
        )
        return r.status_code, email if r.status_code == 201 else None
    return r.status_code, None


def test_concurrent_clients_over_http(live: LiveServer) -> None:
    """16 clients x 1,000 mixed writes at once over real HTTP: no 5xx, every acknowledged
    create is there, no number is owned twice and no extension is reused."""
    targets = ["alice.ng@example.com", "julia.rossi@example.com", "gus.larsen@example.com"]
    statuses: list[int] = []
    created: list[str] = []
    start = threading.Barrier(16)

    def worker(k: int) -> None:
        rng = random.Random(100 + k)
        with _client(live.base_url) as z:
            start.wait()
            for i in range(1000):
                status, email = _http_write(z, rng, k, i, targets)
                statuses.append(status)
                if email:
                    created.append(email)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 16_000 and max(statuses) < 500
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
    account = live.app.runtime.account
    assert account.check_invariants() == []
    assert created and all(account.user_by_email(e) is not None for e in created)
    with _client(live.base_url) as z:
        assert z.get("/_sandbox/state", headers=admin_auth(live.app)).json()["problems"] == []


def test_persistence_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "account.json"
    app = create_app(data=data, clock=frozen_clock(), save_interval=0)
    assert data.exists()
    with LiveServer(app) as server, _client(server.base_url) as z:
        z.post(
            "/v2/users",
            json={"action": "autoCreate", "user_info": {"email": "kept@example.com", "type": 1}},
        )
        assert z.post("/_sandbox/save", headers=admin_auth(app)).json()["saved"] is True
    doc = json.loads(data.read_text())
    assert doc["format"] == "zoomstate-sandbox/1"
    again = create_app(data=data, clock=frozen_clock())
    assert again.runtime.account.user_by_email("kept@example.com") is not None
    assert again.runtime.account.check_invariants() == []


def test_embedded_creates_from_demo_and_saves_on_close(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "sb.json"

    async def scenario() -> None:
        with open_embedded(path) as sb:
            assert sb.env()["ZOOMSTATE_API_URL"] == "http://sandbox.invalid/v2"
            async with httpx.AsyncClient(transport=sb.transport) as c:
                tok = (
                    await c.post(
                        sb.oauth_url,
                        params={"grant_type": "account_credentials", "account_id": sb.account_id},
                        auth=(sb.client_id, sb.client_secret),
                    )
                ).json()["access_token"]
                r = await c.post(
                    f"{sb.api_url}/users",
                    json={
                        "action": "autoCreate",
                        "user_info": {"email": "emb@example.com", "type": 1},
                    },
                    headers={"Authorization": f"Bearer {tok}"},
                )
                assert r.status_code == 201

    asyncio.run(scenario())
    account, _ = load(path)
    assert account.user_by_email("emb@example.com") is not None
    assert account.user_by_email("owner@example.com") is not None


def test_generate_large_account_is_consistent(tmp_path: Path) -> None:
    account = generate_account(20_000, phone_share=0.6, cc_share=0.1, seed=3)
    assert len(account.users) == 20_000 and account.phone_used == 12_000
    assert account.check_invariants() == []
    save(account, tmp_path / "big.json")
    loaded, _ = load(tmp_path / "big.json")
    assert loaded.check_invariants() == [] and loaded.summary() == account.summary()
    again = generate_account(20_000, seed=3)
    assert [u.id for u in again.ordered_users()[:5]] == [u.id for u in account.ordered_users()[:5]]


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_serve_refuses_remote_hosts(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3"])
def test_serve_command_refuses_a_remote_host_before_binding(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from tests.cli_runner import run_cli

    bound: list[object] = []
    monkeypatch.setattr(socket.socket, "bind", lambda self, addr: bound.append(addr))
    result = run_cli(["sandbox", "serve", "--host", host, "--port", "0"])
    assert result.code == 64
    assert f"refusing to bind {host}" in result.stderr and "--allow-remote" in result.stderr
    assert bound == [] and result.stdout == ""
