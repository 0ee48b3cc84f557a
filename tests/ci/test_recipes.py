"""The CI recipes of docs/ci/ run for real: their shell steps, verbatim and in order.

The sandbox (`zoomstate sandbox serve --port 0`, a subprocess) stands in for Zoom, and the
fake `gh`, `curl` and `pip` of tests/ci/fakes.py stand in for GitHub's and GitLab's APIs
and for the package index (zoomstate is installed already). tests/ci/runner.py runs the
steps the way the CI runners would; each scenario runs on both platforms and checks what
the steps produced: the one plan comment, the plan artifact, the apply of the reviewed
plan, the overtaken plan, the drift issue.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
import yaml

from tests.ci import fakes
from tests.ci.fakes import Store
from tests.ci.runner import GitHubRunner, GitLabRunner, JobResult, load_yaml, workflow_on
from zoomstate.loader import load_state
from zoomstate.plan import Plan, state_hash

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "docs" / "ci" / "github"
GITLAB = REPO / "docs" / "ci" / "gitlab" / ".gitlab-ci.yml"
ZOOMSTATE = Path(sys.executable).parent / "zoomstate"
MARKER = "<!-- zoomstate-plan -->"

Edit = Callable[[Path], None]


# --- the sandbox, served once for the module and reset for each test --------------------


@dataclass
class Sandbox:
    env: dict[str, str]
    admin: httpx.Client

    def reset(self) -> None:
        resp = self.admin.post("/_sandbox/reset", json={"seed": "demo"})
        assert resp.status_code == 200, resp.text

    @property
    def credentials(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("ZOOM_")}

    @property
    def urls(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("ZOOMSTATE_")}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    proc = subprocess.Popen(
        [str(ZOOMSTATE), "sandbox", "serve", "--port", "0", "--no-rate-limits"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # `sandbox serve` does not flush its settings before it starts serving: without
        # this they would sit in a pipe buffer.
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
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


# --- a repository: main, pull requests, merges -------------------------------------------


@dataclass
class PullRequest:
    number: int
    edit: Edit
    pushes: int = 1

    @property
    def head_sha(self) -> str:
        return f"{self.number:04d}{self.pushes:04d}".ljust(40, "a")


@dataclass
class Repo:
    root: Path
    merges: int = 0
    checkouts: int = 0

    @property
    def main(self) -> Path:
        return self.root / "main"

    @property
    def main_sha(self) -> str:
        return f"{self.merges:08d}".ljust(40, "f")

    def checkout(self, edit: Edit | None = None) -> Path:
        """A fresh working copy of main, with a pull request's change merged in (what
        GitHub checks out for a pull request, and what GitLab merges)."""
        self.checkouts += 1
        path = self.root / f"checkout-{self.checkouts}"
        shutil.copytree(self.main, path)
        if edit is not None:
            edit(path / "state")
        return path

    def merge(self, pr: PullRequest) -> str:
        pr.edit(self.main / "state")
        self.merges += 1
        return self.main_sha


def users_in(state: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(state.rglob("*.yaml")):
        for user in yaml.safe_load(path.read_text(encoding="utf-8")).get("users") or []:
            found[user["email"]] = user
    return found


def edit_user(email: str, **changes: Any) -> Edit:
    """A change to one user of the state (a value of None removes the field)."""

    def apply(state: Path) -> None:
        for path in sorted(state.rglob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            for user in doc.get("users") or []:
                if user["email"] == email:
                    for key, value in changes.items():
                        if value is None:
                            user.pop(key, None)
                        else:
                            user[key] = value
                    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
                    return
        raise AssertionError(f"{email} is not in the state")

    return apply


def chain(*edits: Edit) -> Edit:
    def apply(state: Path) -> None:
        for edit in edits:
            edit(state)

    return apply


# --- the two CI platforms behind one interface ------------------------------------------


@dataclass
class Issue:
    open: bool
    body: str
    labels: list[str]
    comments: list[str]


class CI(Protocol):
    store: Store

    def plan(self, pr: PullRequest) -> JobResult: ...
    def merge_and_apply(self, pr: PullRequest) -> JobResult: ...
    def apply_by_hand(self, *, allow_data_loss: bool) -> JobResult: ...
    def drift(self) -> JobResult: ...
    def comments(self, pr: PullRequest) -> list[str]: ...
    def plan_artifact(self, pr: PullRequest) -> Path: ...
    def journal_artifacts(self) -> list[Path]: ...
    def issues(self) -> list[Issue]: ...
    def report(self, result: JobResult) -> str: ...


@dataclass
class GitHubCI:
    repo: Repo
    store: Store
    runner: GitHubRunner
    secrets: dict[str, str]

    def _run(self, name: str, checkout: Path, event_name: str, sha: str, **kw: Any) -> JobResult:
        return self.runner.run(
            GITHUB / name, checkout, event_name=event_name, sha=sha, secrets=self.secrets, **kw
        )

    def plan(self, pr: PullRequest) -> JobResult:
        event = {"pull_request": {"number": pr.number, "head": {"sha": pr.head_sha}}}
        checkout = self.repo.checkout(pr.edit)
        return self._run("zoomstate-plan.yml", checkout, "pull_request", "0" * 40, event=event)

    def merge_and_apply(self, pr: PullRequest) -> JobResult:
        sha = self.repo.merge(pr)
        self.store.reload()
        self.store.data["github"]["pulls"].append(
            {
                "number": pr.number,
                "head": {"sha": pr.head_sha},
                "merged_at": "2026-01-01T00:00:00Z",
                "merge_commit_sha": sha,
            }
        )
        self.store.save()
        return self._run("zoomstate-apply.yml", self.repo.checkout(), "push", sha)

    def apply_by_hand(self, *, allow_data_loss: bool) -> JobResult:
        inputs = {"allow_data_loss": allow_data_loss}
        checkout = self.repo.checkout()
        return self._run(
            "zoomstate-apply.yml", checkout, "workflow_dispatch", self.repo.main_sha, inputs=inputs
        )

    def drift(self) -> JobResult:
        return self._run(
            "zoomstate-drift.yml", self.repo.checkout(), "schedule", self.repo.main_sha
        )

    def comments(self, pr: PullRequest) -> list[str]:
        self.store.reload()
        return [c["body"] for c in self.store.data["github"]["comments"] if c["issue"] == pr.number]

    def plan_artifact(self, pr: PullRequest) -> Path:
        self.store.reload()
        name = f"zoomstate-plan-{pr.head_sha}"
        (art,) = [a for a in self.store.data["github"]["artifacts"] if a["name"] == name]
        return self.store.artifact_dir(art["id"])

    def journal_artifacts(self) -> list[Path]:
        self.store.reload()
        return [
            self.store.artifact_dir(a["id"])
            for a in self.store.data["github"]["artifacts"]
            if a["name"].startswith("zoomstate-journal-")
        ]

    def issues(self) -> list[Issue]:
        self.store.reload()
        gh = self.store.data["github"]
        return [
            Issue(
                i["state"] == "open",
                i["body"],
                i["labels"],
                [c["body"] for c in gh["comments"] if c["issue"] == i["number"]],
            )
            for i in gh["issues"]
        ]

    def report(self, result: JobResult) -> str:
        return result.summary + result.stdout


@dataclass
class GitLabCI:
    repo: Repo
    store: Store
    runner: GitLabRunner
    variables: dict[str, str]  # the project's CI/CD variables (secrets)

    def _ci(self, **extra: str) -> dict[str, str]:
        return {
            **self.variables,
            "CI_API_V4_URL": fakes.GITLAB_API,
            "CI_PROJECT_ID": fakes.GITLAB_PROJECT,
            "CI_JOB_URL": "https://gitlab.invalid/acme/zoom-config/-/jobs/1",
            "CI_DEFAULT_BRANCH": "main",
            **extra,
        }

    def plan(self, pr: PullRequest) -> JobResult:
        ci = self._ci(
            CI_PIPELINE_SOURCE="merge_request_event",
            CI_MERGE_REQUEST_IID=str(pr.number),
            CI_COMMIT_SHA=pr.head_sha,
        )
        ref = f"refs/merge-requests/{pr.number}/head"
        return self.runner.run("zoomstate-plan", self.repo.checkout(pr.edit), ci=ci, ref=ref)

    def merge_and_apply(self, pr: PullRequest) -> JobResult:
        sha = self.repo.merge(pr)
        self.store.reload()
        self.store.data["gitlab"]["mrs"].append(
            {"iid": pr.number, "sha": pr.head_sha, "state": "merged", "merge_commit_sha": sha}
        )
        self.store.save()
        ci = self._ci(CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_COMMIT_SHA=sha)
        return self.runner.run("zoomstate-apply", self.repo.checkout(), ci=ci, ref="main")

    def apply_by_hand(self, *, allow_data_loss: bool) -> JobResult:
        ci = self._ci(
            CI_PIPELINE_SOURCE="web",
            CI_COMMIT_BRANCH="main",
            CI_COMMIT_SHA=self.repo.main_sha,
            ZOOMSTATE_ALLOW_DATA_LOSS="true" if allow_data_loss else "false",
        )
        return self.runner.run("zoomstate-apply", self.repo.checkout(), ci=ci, ref="main")

    def drift(self) -> JobResult:
        ci = self._ci(
            CI_PIPELINE_SOURCE="schedule",
            CI_COMMIT_BRANCH="main",
            CI_COMMIT_SHA=self.repo.main_sha,
            ZOOMSTATE_DRIFT="true",
        )
        return self.runner.run("zoomstate-drift", self.repo.checkout(), ci=ci, ref="main")

    def comments(self, pr: PullRequest) -> list[str]:
        self.store.reload()
        notes = self.store.data["gitlab"]["notes"]
        return [n["body"] for n in notes if n["noteable"] == f"mr/{pr.number}"]

    def plan_artifact(self, pr: PullRequest) -> Path:
        self.store.reload()
        ref = f"refs/merge-requests/{pr.number}/head"
        found = [
            a
            for a in self.store.data["gitlab"]["artifacts"]
            if a["ref"] == ref and a["job"] == "zoomstate-plan"
        ]
        return self.store.artifact_dir(found[0]["id"]) / "zoomstate-plan"

    def journal_artifacts(self) -> list[Path]:
        self.store.reload()
        return [
            self.store.artifact_dir(a["id"]) / "zoomstate-run"
            for a in self.store.data["gitlab"]["artifacts"]
            if a["job"] == "zoomstate-apply"
        ]

    def issues(self) -> list[Issue]:
        self.store.reload()
        return [
            Issue(i["state"] == "opened", i["description"], i["labels"], i["notes"])
            for i in self.store.data["gitlab"]["issues"]
        ]

    def report(self, result: JobResult) -> str:
        return result.stdout


@dataclass
class World:
    ci: CI
    repo: Repo
    env: dict[str, str]  # runner environment plus credentials, for the test's own checks
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def zoomstate(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ZOOMSTATE), *args],
            cwd=cwd or self.repo.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def converged(self) -> subprocess.CompletedProcess[str]:
        """Plan main against the account: exit 0 when nothing is left but waiting."""
        return self.zoomstate("plan", str(self.repo.main / "state"), "--detailed-exitcode")

    def pick(self, count: int, *, phone: bool = False) -> list[str]:
        """Active users of the account (with Zoom Phone if asked), a different one each time."""
        chosen = [
            email
            for email, user in sorted(self.users.items())
            if user.get("status") == "active"
            and user.get("role") not in ("Owner", "Admin")
            and (not phone or user.get("phone"))
        ][:count]
        assert len(chosen) == count, "the demo account has too few suitable users"
        for email in chosen:
            del self.users[email]
        return chosen


@pytest.fixture(params=["github", "gitlab"])
def world(request: pytest.FixtureRequest, sandbox: Sandbox, tmp_path: Path) -> World:
    sandbox.reset()
    bin_dir = tmp_path / "bin"
    fakes.install_fakes(bin_dir, REPO)
    store = Store.create(tmp_path / "api")
    (tmp_path / "home").mkdir()
    base_env = {
        "PATH": f"{bin_dir}:{ZOOMSTATE.parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "FAKE_API_DIR": str(store.root),
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


def _ok(result: JobResult) -> None:
    assert result.returncode == 0, result.describe()


# --- the scenarios ---------------------------------------------------------------------


def test_plan_comment_artifact_and_reviewed_apply(world: World) -> None:
    ci = world.ci
    first, second = world.pick(2)
    pr = PullRequest(
        7, chain(edit_user(first, department="Field Sales"), edit_user(second, job_title="Lead"))
    )

    _ok(result := ci.plan(pr))
    assert len(ci.comments(pr)) == 1, result.describe()
    (comment,) = ci.comments(pr)
    assert comment.startswith(MARKER)
    assert "### zoomstate plan" in comment and first in comment and "Field Sales" in comment
    assert pr.head_sha[:12] in comment
    installs = [c for c in ci.store.calls() if c["tool"] == "pip"]
    assert installs and installs[0]["args"][0] == "install"
    assert installs[0]["args"][1].startswith("zoomstate==")

    # The artifact is a plan file of this pull request's state that apply can load.
    artifact = ci.plan_artifact(pr)
    plan = Plan.from_dict(json.loads((artifact / "plan.json").read_text(encoding="utf-8")))
    merged = world.repo.checkout(pr.edit)
    assert plan.state_hash == state_hash(load_state(merged / "state"))
    assert {op.user for op in plan.operations} >= {first}

    # A second push: the same comment is updated, not a second one posted.
    pr.pushes += 1
    _ok(ci.plan(pr))
    (comment,) = ci.comments(pr)
    assert pr.head_sha[:12] in comment
    updates = [c for c in ci.store.calls() if c.get("method") in ("PATCH", "PUT")]
    assert len(updates) == 1, updates

    # Merged: exactly the reviewed plan is applied, and the account converges.
    _ok(result := ci.merge_and_apply(pr))
    report = ci.report(result)
    assert "NOT applied" not in report, result.describe()
    assert "Apply: " in result.stdout and " 0 failed" in result.stdout
    assert world.converged().returncode == 0, world.converged().stdout
    journals = [p for d in ci.journal_artifacts() for p in d.rglob("*.jsonl")]
    assert journals, "the journal was not kept"
    events = [json.loads(line)["event"] for line in journals[0].read_text().splitlines()]
    assert "run_start" in events and "run_end" in events


def test_overtaken_plans_are_planned_again(world: World) -> None:
    ci = world.ci
    (a_user,) = world.pick(1)
    (b_user,) = world.pick(1)
    (c_user,) = world.pick(1, phone=True)
    pr_a = PullRequest(11, edit_user(a_user, department="Renamed A"))
    pr_b = PullRequest(12, edit_user(b_user, job_title="Renamed B"))
    pr_c = PullRequest(13, edit_user(c_user, phone=None))  # loses voicemail: data loss
    for pr in (pr_a, pr_b, pr_c):
        _ok(ci.plan(pr))  # all three reviewed against the same main
    assert "lose data" in ci.comments(pr_c)[0]

    _ok(ci.merge_and_apply(pr_b))  # B first: its plan is current

    # A's plan was made before B was merged: refused as stale, planned again, applied.
    result = ci.merge_and_apply(pr_a)
    _ok(result)
    report = ci.report(result)
    assert "the reviewed plan was NOT applied" in report, result.describe()
    assert "the state changed since this plan was made" in report
    assert "neither loses data nor removes anything: applying it" in report
    assert any("NOT applied" in c for c in ci.comments(pr_a)), "the pull request was not told"
    assert world.converged().returncode == 0

    # C's fresh plan loses data and nobody reviewed that plan: refused, nothing applied.
    result = ci.merge_and_apply(pr_c)
    assert result.returncode != 0, result.describe()
    report = ci.report(result)
    assert "the reviewed plan was NOT applied" in report
    assert "loses data or removes something" in report
    pending = world.converged()
    assert pending.returncode == 2 and "disable_phone" in pending.stdout

    # An admin reviews it and consents by hand: applied, converged.
    _ok(ci.apply_by_hand(allow_data_loss=True))
    assert world.converged().returncode == 0


def test_drift_issue_opened_updated_closed(world: World) -> None:
    ci = world.ci
    _ok(ci.drift())
    assert ci.issues() == []

    # Someone changes the account outside git.
    (user,) = world.pick(1)
    elsewhere = world.repo.checkout(edit_user(user, department="Changed In Portal"))
    done = world.zoomstate("apply", str(elsewhere / "state"), "--auto-approve")
    assert done.returncode == 0, done.stderr

    _ok(ci.drift())
    (issue,) = ci.issues()
    assert issue.open and "zoomstate-drift" in issue.labels
    assert user in issue.body and "Changed In Portal" in issue.body
    _ok(ci.drift())
    (issue,) = ci.issues()  # the same issue, updated
    assert issue.open

    # Put back (an apply of main): the issue is closed with a note.
    done = world.zoomstate("apply", str(world.repo.main / "state"), "--auto-approve")
    assert done.returncode == 0, done.stderr
    _ok(ci.drift())
    (issue,) = ci.issues()
    assert not issue.open
    assert any("matches" in c for c in issue.comments)


# --- static checks of the recipe files ----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["zoomstate-plan.yml", "zoomstate-apply.yml", "zoomstate-drift.yml"]
)
def test_github_workflows_are_well_formed(name: str) -> None:
    doc = load_yaml(GITHUB / name)
    (job,) = doc["jobs"].values()
    for step in job["steps"]:
        if "uses" in step:
            assert "@v" in step["uses"] or len(step["uses"].partition("@")[2]) == 40
        else:
            assert "${{" not in step["run"], "expressions in run: invite shell injection"
    text = (GITHUB / name).read_text(encoding="utf-8")
    for secret in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
        assert f"${{{{ secrets.{secret} }}}}" in text
    on = workflow_on(doc)
    if name == "zoomstate-plan.yml":
        assert "state/**" in on["pull_request"]["paths"]
    if name == "zoomstate-apply.yml":
        assert on["push"]["branches"] == ["main"]
        assert doc["concurrency"] == {"group": "zoomstate-apply", "cancel-in-progress": False}
    if name == "zoomstate-drift.yml":
        assert "schedule" in on


def test_gitlab_pipeline_is_well_formed() -> None:
    doc = load_yaml(GITLAB)
    assert set(doc["stages"]) == {"plan", "apply", "drift"}
    assert doc["zoomstate-apply"]["resource_group"]
    assert doc["zoomstate-apply"]["artifacts"]["when"] == "always"
    rules = json.dumps(doc["zoomstate-plan"]["rules"])
    assert "merge_request_event" in rules and "state/**/*" in rules
    assert "schedule" in json.dumps(doc["zoomstate-drift"]["rules"])
