"""Where the apply job's plan comes from (issue 12): the plan run of exactly the reviewed
commit, never an artifact found by name across runs; and nothing applied when there is
no such run or artifact.

The scenarios run the recipes' steps verbatim on both platforms (tests/ci/conftest.py);
the static checks read the recipe files, so a recipe that goes back to a look-up by name
fails here even before it runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.ci.runner import JobResult, load_yaml, workflow_on
from tests.ci.world import GITHUB, GITLAB, PullRequest, World, edit_user, ok

# Look-ups of a plan artifact by its name, not by the run that made it.
BY_NAME = ("actions/artifacts", "jobs/artifacts/", "gh run list --name", "--name zoomstate-plan")


def applies(world: World) -> list[list[str]]:
    """Every `zoomstate apply` a recipe ran (the recording zoomstate on PATH)."""
    calls = world.ci.store.calls()
    return [c["args"] for c in calls if c["tool"] == "zoomstate" and "apply" in c["args"]]


def doctored(artifact: Path, into: Path, old: str, new: str) -> Path:
    """A copy of a plan artifact whose plan.json says `new` where the reviewed one said
    `old` (what a pull request's own job could upload)."""
    shutil.copytree(artifact, into)
    plan = into / "plan.json"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new), encoding="utf-8")
    return into


def refused_closed(world: World, result: JobResult, before: int, why: str) -> None:
    assert result.returncode != 0, result.describe()
    assert len(applies(world)) == before, "apply ran without a reviewed plan"
    report = world.ci.report(result)
    assert "NOT applied" in report and why in report, result.describe()
    assert "There is no reviewed plan for this commit: NOTHING applied" in report


def test_apply_uses_the_plan_run_of_the_reviewed_commit(world: World, tmp_path: Path) -> None:
    ci = world.ci
    (user,) = world.pick(1)
    pr = PullRequest(21, edit_user(user, department="Reviewed Dept"))
    ok(ci.plan(pr))
    honest = ci.plan_source(pr)
    # Newer artifacts of the same name, from runs that are not the plan run of this commit.
    ci.add_decoy(pr, doctored(ci.plan_artifact(pr), tmp_path / "decoy", "Reviewed", "Doctored"))

    ok(result := ci.merge_and_apply(pr))
    assert "NOT applied" not in ci.report(result), result.describe()
    assert ci.downloads() == [honest], ci.store.calls()
    assert ci.by_name_lookups() == []
    assert len(applies(world)) == 1
    assert world.converged().returncode == 0  # the account has "Reviewed Dept", not the decoy's


def test_no_plan_for_the_reviewed_commit_applies_nothing(world: World) -> None:
    ci = world.ci
    # A push after the last plan: the merged head commit has no plan run at all.
    (first,) = world.pick(1)
    pr = PullRequest(31, edit_user(first, department="Unplanned Push"))
    ok(ci.plan(pr))
    pr.pushes += 1
    result = ci.merge_and_apply(pr)
    refused_closed(world, result, 0, pr.head_sha)
    assert any("NOTHING applied" in c for c in ci.comments(pr)), "the pull request was not told"

    # A plan run, but its artifact is gone (expired, deleted).
    (second,) = world.pick(1)
    pr = PullRequest(32, edit_user(second, job_title="Artifact Gone"))
    ok(ci.plan(pr))
    ci.expire_plan_artifact(pr)
    refused_closed(world, ci.merge_and_apply(pr), 0, pr.head_sha)

    # A push to main without any review.
    (third,) = world.pick(1)
    result = ci.push_unreviewed(edit_user(third, department="Never Reviewed"))
    refused_closed(world, result, 0, "without a")

    pending = world.converged()
    assert pending.returncode == 2 and first in pending.stdout and third in pending.stdout
    assert ci.by_name_lookups() == []

    # The way out: someone who read the fresh plan runs the apply by hand.
    ok(ci.apply_by_hand(allow_data_loss=False))
    assert world.converged().returncode == 0


# --- static checks: the recipes as written -------------------------------------------------


def _apply_scripts() -> dict[str, str]:
    github = load_yaml(GITHUB / "zoomstate-apply.yml")
    (job,) = github["jobs"].values()
    gitlab = load_yaml(GITLAB)["zoomstate-apply"]
    return {
        "github": "\n".join(str(s.get("run", "")) for s in job["steps"]),
        "gitlab": "\n".join(gitlab["script"]),
    }


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_apply_recipes_pin_the_plan_to_the_reviewed_commit(platform: str) -> None:
    script = _apply_scripts()[platform]
    for pattern in BY_NAME:
        assert pattern not in script, f"{platform}: looks the plan artifact up by name"
    if platform == "github":
        # The runs of the plan workflow for the pull request's head commit, then that
        # run's artifact by run id.
        assert "actions/workflows/$PLAN_WORKFLOW/runs?head_sha=$head&" in script
        assert '.conclusion == "success"' in script
        assert 'gh run download "$run_id" --name "$name"' in script
    else:
        # The merge request's head pipeline (of its last commit), its plan job, by job id.
        assert '"$project/merge_requests/$iid"' in script and "head_pipeline" in script
        assert '"$project/pipelines/$pipeline/jobs?' in script
        assert '"$project/jobs/$job_id/artifacts"' in script
    # Fail closed: a missing plan is refused first, whatever the fresh plan holds.
    missing = '"$MISSING" = true' if platform == "github" else '"$missing" = true'
    decide = script.index(f"if [ {missing} ]; then")
    assert decide < script.index("outcome=refused") < script.index('elif [ "$ops" -eq 0 ]')


def _env_of(job: dict[str, Any]) -> str:
    return json.dumps(job.get("env", {})) + json.dumps(
        [s.get("env", {}) for s in job.get("steps", [])]
    )


def test_write_credentials_only_in_the_apply_job_on_main() -> None:
    plan_doc = load_yaml(GITHUB / "zoomstate-plan.yml")
    apply_doc = load_yaml(GITHUB / "zoomstate-apply.yml")
    (plan_job,) = plan_doc["jobs"].values()
    (apply_job,) = apply_doc["jobs"].values()
    # Pull requests run with the repository secrets (the read-only app), never an
    # environment; the write app is in zoom-production, which only main may deploy to.
    assert "environment" not in plan_job
    assert "pull_request_target" not in workflow_on(plan_doc)
    assert apply_job["environment"] == "zoom-production"
    # A schedule runs on the default branch only: the write app stays with main.
    assert set(workflow_on(apply_doc)) == {"push", "workflow_dispatch", "schedule"}
    assert "ZOOM_CLIENT_SECRET" in _env_of(apply_job)
    # The apply job checks out the pushed commit of main, nothing of the pull request.
    (checkout,) = [s for s in apply_job["steps"] if "checkout" in str(s.get("uses"))]
    assert checkout["with"]["ref"] == "${{ github.sha }}"

    gitlab = load_yaml(GITLAB)
    assert "environment" not in gitlab["zoomstate-plan"]
    assert gitlab["zoomstate-apply"]["environment"]["name"] == "zoom-production"
    for rule in gitlab["zoomstate-apply"]["rules"]:
        assert "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in rule["if"]
