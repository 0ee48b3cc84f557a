"""The world the CI recipe tests run in: the sandbox standing in for Zoom, a repository
with main and pull requests, and the two CI platforms behind one interface (their
implementations are in tests/ci/platforms.py, the fixtures in tests/ci/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import yaml

from tests.ci.fakes import Store
from tests.ci.runner import JobResult

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "docs" / "ci" / "github"
GITLAB = REPO / "docs" / "ci" / "gitlab" / ".gitlab-ci.yml"
ZOOMSTATE = Path(sys.executable).parent / "zoomstate"
MARKER = "<!-- zoomstate-plan -->"

Edit = Callable[[Path], None]


# --- the sandbox, served once for a test module and reset for each test -------------------


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


# --- a repository: main, pull requests, merges -------------------------------------------


@dataclass
class PullRequest:
    number: int
    edit: Edit
    pushes: int = 1

    @property
    def head_sha(self) -> str:
        return f"{self.number:04d}{self.pushes:04d}".ljust(40, "a")

    @property
    def branch(self) -> str:
        return f"change-{self.number}"


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

    def changed(self, checkout: Path) -> list[str]:
        """The files a pull request's checkout changes, adds or removes against main (what
        GitHub's and GitLab's APIs list as the pull request's files)."""

        def files(root: Path) -> dict[str, bytes]:
            return {
                p.relative_to(root).as_posix(): p.read_bytes()
                for p in root.rglob("*")
                if p.is_file()
            }

        mine, theirs = files(checkout), files(self.main)
        return sorted(k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k))

    def merge(self, pr: PullRequest) -> str:
        return self.push(pr.edit)

    def push(self, edit: Edit) -> str:
        """A commit on main (a merge, or a push without a pull request); its sha."""
        edit(self.main / "state")
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
    def apply_waiting(self) -> JobResult: ...
    def comments(self, pr: PullRequest) -> list[str]: ...
    def plan_artifact(self, pr: PullRequest) -> Path: ...
    def journal_artifacts(self) -> list[Path]: ...
    def issues(self) -> list[Issue]: ...
    def report(self, result: JobResult) -> str: ...
    # Where the reviewed plan comes from, and what can stand in its way.
    def push_unreviewed(self, edit: Edit) -> JobResult: ...
    def add_decoy(self, pr: PullRequest, files: Path) -> None: ...
    def expire_plan_artifact(self, pr: PullRequest) -> None: ...
    def plan_source(self, pr: PullRequest) -> str: ...
    def downloads(self) -> list[str]: ...
    def by_name_lookups(self) -> list[dict[str, Any]]: ...


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


def ok(result: JobResult) -> None:
    assert result.triggered, "the platform would not even run this job"
    assert result.returncode == 0, result.describe()
