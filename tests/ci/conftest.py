"""Fixtures of the CI recipe tests: the sandbox (one `zoomstate sandbox serve` per test
module) and a world on each CI platform, reset for each test."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ci import fakes
from tests.ci.fakes import Store
from tests.ci.platforms import GitHubCI, GitLabCI
from tests.ci.runner import GitHubRunner, GitLabRunner
from tests.ci.world import GITLAB, REPO, ZOOMSTATE, Repo, Sandbox, World, users_in


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    proc = subprocess.Popen(
        [str(ZOOMSTATE), "sandbox", "serve", "--port", "0", "--no-rate-limits"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # `sandbox serve` does not flush its settings before it starts serving: without
        # this they would sit in a pipe buffer.
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)},
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout or ():
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    env: dict[str, str] = {}
    # Wait for the KEY=VALUE lines (the only wait in these tests), at most 30 s.
    while "ZOOM_CLIENT_SECRET" not in env:
        try:
            line = lines.get(timeout=30)
        except queue.Empty:
            proc.kill()
            pytest.fail(f"zoomstate sandbox serve printed no settings in 30 s ({proc.poll()})")
        if "=" in line and not line.startswith("#"):
            key, _, value = line.strip().partition("=")
            env[key] = value
    base = env["ZOOMSTATE_API_URL"].removesuffix("/v2")
    try:
        # The admin secret `serve` printed (it prints it before ZOOM_CLIENT_SECRET).
        admin_auth = {"Authorization": f"Bearer {env.pop('ZOOMSTATE_SANDBOX_ADMIN_SECRET')}"}
        with httpx.Client(base_url=base, headers=admin_auth) as admin:
            yield Sandbox(env, admin)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(params=["github", "gitlab"])
def world(request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path: Path) -> World:
    sandbox.reset()
    bin_dir = tmp_path / "bin"
    fakes.install_fakes(bin_dir, REPO)
    store = Store.create(tmp_path / "api")
    (tmp_path / "home").mkdir()
    base_env = {
        "PATH": f"{bin_dir}:{ZOOMSTATE.parent}:/usr/local/bin:/usr/bin:/bin",
        # The zoomstate of this checkout, not whichever one the venv was installed from.
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "FAKE_API_DIR": str(store.root),
        # The `zoomstate` on PATH records each command and runs this one.
        "FAKE_REAL_ZOOMSTATE": str(ZOOMSTATE),
        # Where Zoom is: the sandbox, which enforces no rate limit (so no pacing either).
        **sandbox.urls,
        "ZOOMSTATE_PACING": "off",
    }
    repo = Repo(tmp_path / "repo")
    repo.main.mkdir(parents=True)
    env = {**base_env, **sandbox.credentials}
    world = World(ci=None, repo=repo, env=env)  # type: ignore[arg-type]
    # main starts as the adopted account: exported, so in sync.
    done = world.zoomstate("export", "--out", str(repo.main / "state"))
    assert done.returncode == 0, done.stderr
    world.users = users_in(repo.main / "state")
    if request.param == "github":
        runner = GitHubRunner(store, {**base_env, "GITHUB_REPOSITORY": fakes.GITHUB_REPO}, tmp_path)
        world.ci = GitHubCI(repo, store, runner, sandbox.credentials)
    else:
        gl_runner = GitLabRunner(store, base_env, GITLAB)
        variables = {**sandbox.credentials, "ZOOMSTATE_GITLAB_TOKEN": fakes.GITLAB_TOKEN}
        world.ci = GitLabCI(repo, store, gl_runner, variables)
    return world
