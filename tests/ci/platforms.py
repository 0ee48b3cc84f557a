"""GitHub Actions and GitLab CI behind the `CI` interface of tests/ci/world.py: each runs
a recipe's jobs with tests/ci/runner.py and reads what they left in the fake APIs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.ci import fakes
from tests.ci.fakes import Store
from tests.ci.runner import GitHubRunner, GitLabRunner, JobResult
from tests.ci.world import GITHUB, Edit, Issue, PullRequest, Repo


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
        head = {"sha": pr.head_sha, "ref": pr.branch}
        event = {"pull_request": {"number": pr.number, "head": head}}
        checkout = self.repo.checkout(pr.edit)
        changed = self.repo.changed(checkout)
        self.store.reload()
        files = [{"filename": f} for f in changed]
        self.store.data["github"]["pull_files"][str(pr.number)] = files
        self.store.save()
        return self._run(
            "zoomstate-plan.yml", checkout, "pull_request", "0" * 40, event=event, changed=changed
        )

    def merge_and_apply(self, pr: PullRequest) -> JobResult:
        sha = self.repo.merge(pr)
        self.store.reload()
        self.store.data["github"]["pulls"].append(
            {
                "number": pr.number,
                "head": {"sha": pr.head_sha, "ref": pr.branch},
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

    def apply_waiting(self) -> JobResult:
        """The apply workflow's schedule: the steps that waited for invitations."""
        return self._run(
            "zoomstate-apply.yml", self.repo.checkout(), "schedule", self.repo.main_sha
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

    def push_unreviewed(self, edit: Edit) -> JobResult:
        sha = self.repo.push(edit)
        return self._run("zoomstate-apply.yml", self.repo.checkout(), "push", sha)

    def add_decoy(self, pr: PullRequest, files: Path) -> None:
        """Artifacts named like pr's plan, newer than it, from runs that are not its plan
        run: a run of another workflow for the same commit, and a failed plan run."""
        for path, conclusion in (
            (".github/workflows/zoomstate-plan.yml", "failure"),
            (".github/workflows/helper.yml", "success"),
        ):
            self.store.reload()
            run_id = self.store.new_id()
            self.store.save()
            run = {
                "id": run_id,
                "path": path,
                "event": "pull_request",
                "head_sha": pr.head_sha,
                "head_branch": pr.branch,
                "head_repository": {"full_name": fakes.GITHUB_REPO},
                "status": "completed",
                "conclusion": conclusion,
                "pull_requests": [],
            }
            self.store.record("github", "runs", run)
            meta = {
                "name": f"zoomstate-plan-{pr.head_sha}",
                "expired": False,
                "workflow_run": {"id": run_id, "head_sha": pr.head_sha},
            }
            self.store.add_artifact("github", meta, {"": files})

    def expire_plan_artifact(self, pr: PullRequest) -> None:
        self.store.reload()
        gh = self.store.data["github"]
        name = f"zoomstate-plan-{pr.head_sha}"
        gh["artifacts"] = [a for a in gh["artifacts"] if a["name"] != name]
        self.store.save()

    def plan_source(self, pr: PullRequest) -> str:
        self.store.reload()
        (run,) = [
            r
            for r in self.store.data["github"]["runs"]
            if r["path"] == ".github/workflows/zoomstate-plan.yml"
            and r["head_sha"] == pr.head_sha
            and r["conclusion"] == "success"
        ]
        return f"run {run['id']}"

    def downloads(self) -> list[str]:
        return [f"run {c['run_id']}" for c in self.store.calls() if c.get("method") == "DOWNLOAD"]

    def by_name_lookups(self) -> list[dict[str, Any]]:
        # The list of artifacts, by name, across every run of the repository.
        return [c for c in self.store.calls() if c.get("path", "").endswith("/actions/artifacts")]


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
        checkout = self.repo.checkout(pr.edit)
        changed = self.repo.changed(checkout)
        self.store.reload()
        diffs = [{"old_path": f, "new_path": f} for f in changed]
        self.store.data["gitlab"]["mr_diffs"][str(pr.number)] = diffs
        self.store.save()
        return self.runner.run("zoomstate-plan", checkout, ci=ci, ref=ref, changed=changed)

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

    def apply_waiting(self) -> JobResult:
        """A pipeline schedule with ZOOMSTATE_APPLY_WAITING=true: the apply job applies
        the steps that waited for invitations."""
        ci = self._ci(
            CI_PIPELINE_SOURCE="schedule",
            CI_COMMIT_BRANCH="main",
            CI_COMMIT_SHA=self.repo.main_sha,
            ZOOMSTATE_APPLY_WAITING="true",
        )
        return self.runner.run("zoomstate-apply", self.repo.checkout(), ci=ci, ref="main")

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

    def push_unreviewed(self, edit: Edit) -> JobResult:
        sha = self.repo.push(edit)
        ci = self._ci(CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main", CI_COMMIT_SHA=sha)
        return self.runner.run("zoomstate-apply", self.repo.checkout(), ci=ci, ref="main")

    def add_decoy(self, pr: PullRequest, files: Path) -> None:
        """A newer pipeline of the merge request's ref, for another commit, whose
        zoomstate-plan job succeeded with `files` as its artifact (what the latest
        artifact of the ref and job name would be)."""
        self.store.reload()
        pipeline_id, job_id = self.store.new_id(), self.store.new_id()
        self.store.save()
        ref = f"refs/merge-requests/{pr.number}/head"
        other = "d" * 40
        pipeline = {"id": pipeline_id, "ref": ref, "sha": other, "source_sha": other}
        self.store.record("gitlab", "pipelines", {**pipeline, "status": "success"})
        job = {"id": job_id, "name": "zoomstate-plan", "status": "success"}
        self.store.record("gitlab", "jobs", {**job, "pipeline": {"id": pipeline_id, "ref": ref}})
        meta = {"ref": ref, "job": "zoomstate-plan", "success": True, "job_id": job_id}
        self.store.add_artifact("gitlab", meta, {"zoomstate-plan": files})

    def expire_plan_artifact(self, pr: PullRequest) -> None:
        job = int(self.plan_source(pr).split()[1])
        self.store.reload()
        gl = self.store.data["gitlab"]
        gl["artifacts"] = [a for a in gl["artifacts"] if a.get("job_id") != job]
        self.store.save()

    def plan_source(self, pr: PullRequest) -> str:
        self.store.reload()
        gl = self.store.data["gitlab"]
        (job,) = [
            j
            for j in gl["jobs"]
            if j["name"] == "zoomstate-plan"
            and j["status"] == "success"
            and j["pipeline"].get("sha") == pr.head_sha
        ]
        return f"job {job['id']}"

    def downloads(self) -> list[str]:
        found = []
        for call in self.store.calls():
            parts = call.get("path", "").split("/")
            if parts[-1] == "artifacts" and parts[-3] == "jobs":
                found.append(f"job {parts[-2]}")
            elif parts[-1] == "download" and "artifacts" in parts:
                found.append(f"ref {parts[-2]}")
        return found

    def by_name_lookups(self) -> list[dict[str, Any]]:
        # The latest artifacts of a ref and a job name, from whichever pipeline made them.
        return [c for c in self.store.calls() if "/jobs/artifacts/" in c.get("path", "")]
