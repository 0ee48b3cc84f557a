"""Every plan scenario of issue 5, applied through the CLI against the sandbox over
loopback HTTP: after apply, `plan --detailed-exitcode` exits 0. Pending users' steps stay
waiting until the sandbox activates them; then one more apply converges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import WRITES
from tests.sandbox.conftest import LiveServer
from tests.scenarios.cases import SCENARIOS, Scenario, materialise
from zoomstate.cli import main
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, create_app


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    def invoke(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    servers: list[LiveServer] = []

    def start(sandbox_file: Path) -> httpx.Client:
        app = create_app(data=sandbox_file, save_interval=0)
        server = LiveServer(app).__enter__()
        servers.append(server)
        monkeypatch.setenv("ZOOMSTATE_API_URL", f"{server.base_url}/v2")
        monkeypatch.setenv("ZOOMSTATE_OAUTH_URL", f"{server.base_url}/oauth/token")
        monkeypatch.setenv("ZOOM_ACCOUNT_ID", DEFAULT_CREDENTIALS.account_id)
        monkeypatch.setenv("ZOOM_CLIENT_ID", DEFAULT_CREDENTIALS.client_id)
        monkeypatch.setenv("ZOOM_CLIENT_SECRET", DEFAULT_CREDENTIALS.client_secret)
        monkeypatch.setenv("ZOOMSTATE_PACING", "off")
        monkeypatch.chdir(tmp_path)
        admin_auth = {"Authorization": f"Bearer {app.runtime.admin_secret}"}
        return httpx.Client(base_url=server.base_url, headers=admin_auth)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _writes(admin: httpx.Client) -> int:
    counts: dict[str, int] = admin.get("/_sandbox/requests").json()["by_endpoint"]
    return sum(
        v for k, v in counts.items() if k.split()[0] in WRITES and not k.endswith("oauth/token")
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_apply_then_plan_is_empty(scenario: Scenario, tmp_path: Path, serve: Any, cli: Any) -> None:
    sandbox_file, state = materialise(scenario, tmp_path)
    admin = serve(sandbox_file)
    apply_args = ["apply", str(state), "--auto-approve", "--allow-data-loss", *scenario.args]
    code, out, err = cli(*apply_args)
    if scenario.exit_code == 1:
        # Refused at plan time: apply refuses the same way and changes nothing.
        assert code == 1, err
        assert _writes(admin) == 0
        return
    assert code == 0, err + out
    plan_args = ["plan", str(state), "--format", "json", "--detailed-exitcode", *scenario.args]
    code, out, err = cli(*plan_args)
    assert code == 0, out
    plan = json.loads(out)
    assert plan["operations"] == []
    waiting_users = sorted({w["user"] for w in plan["waiting"]})
    assert waiting_users == sorted({user for user, _ in scenario.waiting})
    if not waiting_users:
        return
    for user in waiting_users:
        assert admin.post(f"/_sandbox/users/{user}/activate").status_code == 200
    code, out, err = cli(*apply_args)
    assert code == 0, err + out
    code, out, err = cli(*plan_args)
    assert code == 0, out
    assert json.loads(out)["waiting"] == []
