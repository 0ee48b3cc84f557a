"""End-to-end fixtures: the sandbox served over loopback HTTP, the CLI pointed at it
through the same environment variables a user sets for Zoom, and a working directory of
its own (journals land in it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.sandbox.conftest import LiveServer, frozen_clock
from zoomstate.cli import main
from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, SandboxApp, create_app

REPO = Path(__file__).resolve().parents[2]
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def account_yaml(*manage: str) -> str:
    """An `account.yaml` for the demo account's domain that manages `manage`, reports users
    it does not list, and creates new ones outright."""
    return (
        "account:\n  domains: [example.com]\n"
        f"  manage: [{', '.join(manage)}]\n"
        "  on_missing_user: report\n  create_action: autoCreate\n"
        "  protected: [owner@example.com]\n"
    )


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Served:
    app: SandboxApp
    base_url: str
    admin: httpx.Client
    workdir: Path

    def requests(self) -> dict[str, Any]:
        body: dict[str, Any] = self.admin.get("/_sandbox/requests").json()
        return body

    def writes(self) -> dict[str, int]:
        counts: dict[str, int] = self.requests()["by_endpoint"]
        return {
            k: v
            for k, v in counts.items()
            if k.split(" ", 1)[0] in WRITES and not k.endswith("/oauth/token")
        }

    def api_calls(self) -> int:
        counts: dict[str, int] = self.requests()["by_endpoint"]
        return sum(v for k, v in counts.items() if not k.endswith("/oauth/token"))

    def zoom_calls(self) -> int:
        """Requests to the Zoom API (the token and the admin API's own reads left out)."""
        counts: dict[str, int] = self.requests()["by_endpoint"]
        return sum(
            n
            for endpoint, n in counts.items()
            if "/_sandbox" not in endpoint and not endpoint.endswith("/oauth/token")
        )

    def zoom_response(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """A call through Zoom's own API, as another admin or app would make it (a change
        made in the portal, say), with a token of its own."""
        token = self.admin.post(
            "/oauth/token",
            params={"grant_type": "account_credentials", "account_id": "sandbox-account"},
            auth=(DEFAULT_CREDENTIALS.client_id, DEFAULT_CREDENTIALS.client_secret),
        ).json()["access_token"]
        return self.admin.request(
            method, f"/v2{path}", headers={"Authorization": f"Bearer {token}"}, **kw
        )

    def zoom(self, method: str, path: str, **kw: Any) -> Any:
        """`zoom_response`, which must succeed; its JSON body, if any."""
        resp = self.zoom_response(method, path, **kw)
        assert resp.status_code < 300, resp.text
        return resp.json() if resp.content else None

    def write_state(self, name: str, account: str, users: str) -> str:
        """A state directory NAME in the work directory (its `account.yaml` and a
        `users.yaml` listing `users`), as the CLI takes it: relative to the workdir."""
        root = self.workdir / name
        root.mkdir()
        (root / "account.yaml").write_text(account)
        (root / "users.yaml").write_text("users:\n" + users)
        return str(root.relative_to(self.workdir))

    def seed_roomy_demo(
        self,
        *,
        licensed: int,
        zoom_phone: int,
        us_ca_unlimited: int | None = None,
        per_cc_package: int | None = None,
    ) -> None:
        """The sandbox reseeded with the demo account and more room: `licensed` and
        `zoom_phone` licences and, where given, US/CA Unlimited calling plans (type 200)
        and seats in each Contact Center package."""
        seed = yaml.safe_load(files("zoomstate.sandbox.seeds").joinpath("demo.yaml").read_text())
        seed["seats"].update(licensed=licensed, zoom_phone=zoom_phone)
        if us_ca_unlimited is not None:
            for plan in seed["calling_plans"]:
                if plan["type"] == 200:
                    plan["subscribed"] = us_ca_unlimited
        if per_cc_package is not None:
            for package in seed["cc_packages"]:
                package["seats"] = per_cc_package
        resp = self.admin.post("/_sandbox/seed", json={"seed": seed})
        assert resp.status_code == 200, resp.text

    def activate(self, email: str) -> None:
        resp = self.admin.post(f"/_sandbox/users/{email}/activate")
        assert resp.status_code == 200, resp.text


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    app = create_app(seed="demo", clock=frozen_clock())
    admin_auth = {"Authorization": f"Bearer {app.runtime.admin_secret}"}
    with (
        LiveServer(app) as server,
        httpx.Client(base_url=server.base_url, headers=admin_auth) as admin,
    ):
        monkeypatch.setenv("ZOOMSTATE_API_URL", f"{server.base_url}/v2")
        monkeypatch.setenv("ZOOMSTATE_OAUTH_URL", f"{server.base_url}/oauth/token")
        monkeypatch.setenv("ZOOM_ACCOUNT_ID", DEFAULT_CREDENTIALS.account_id)
        monkeypatch.setenv("ZOOM_CLIENT_ID", DEFAULT_CREDENTIALS.client_id)
        monkeypatch.setenv("ZOOM_CLIENT_SECRET", DEFAULT_CREDENTIALS.client_secret)
        # The test sandbox enforces no rate limit; pacing would only make the tests wait.
        monkeypatch.setenv("ZOOMSTATE_PACING", "off")
        monkeypatch.chdir(tmp_path)
        shutil.copytree(REPO / "state", tmp_path / "state")
        yield Served(app, server.base_url, admin, tmp_path)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Any:
    def invoke(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
