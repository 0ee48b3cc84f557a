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

import pytest

from tests.ci.runner import load_yaml, workflow_on
from tests.ci.world import GITHUB, GITLAB, MARKER, PullRequest, World, chain, edit_user, ok
from zoomstate.loader import load_state
from zoomstate.plan import Plan, state_hash

# --- the scenarios ---------------------------------------------------------------------


def test_plan_comment_artifact_and_reviewed_apply(world: World) -> None:
    ci = world.ci
    first, second = world.pick(2)
    pr = PullRequest(
        7, chain(edit_user(first, department="Field Sales"), edit_user(second, job_title="Lead"))
    )

    ok(result := ci.plan(pr))
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
    ok(ci.plan(pr))
    (comment,) = ci.comments(pr)
    assert pr.head_sha[:12] in comment
    updates = [c for c in ci.store.calls() if c.get("method") in ("PATCH", "PUT")]
    assert len(updates) == 1, updates

    # Merged: exactly the reviewed plan is applied, and the account converges.
    ok(result := ci.merge_and_apply(pr))
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
        ok(ci.plan(pr))  # all three reviewed against the same main
    assert "lose data" in ci.comments(pr_c)[0]

    ok(ci.merge_and_apply(pr_b))  # B first: its plan is current

    # A's plan was made before B was merged: refused as stale, planned again, applied.
    result = ci.merge_and_apply(pr_a)
    ok(result)
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
    ok(ci.apply_by_hand(allow_data_loss=True))
    assert world.converged().returncode == 0


def test_drift_issue_opened_updated_closed(world: World) -> None:
    ci = world.ci
    ok(ci.drift())
    assert ci.issues() == []

    # Someone changes the account outside git.
    (user,) = world.pick(1)
    elsewhere = world.repo.checkout(edit_user(user, department="Changed In Portal"))
    done = world.zoomstate("apply", str(elsewhere / "state"), "--auto-approve")
    assert done.returncode == 0, done.stderr

    ok(ci.drift())
    (issue,) = ci.issues()
    assert issue.open and "zoomstate-drift" in issue.labels
    assert user in issue.body and "Changed In Portal" in issue.body
    ok(ci.drift())
    (issue,) = ci.issues()  # the same issue, updated
    assert issue.open

    # Put back (an apply of main): the issue is closed with a note.
    done = world.zoomstate("apply", str(world.repo.main / "state"), "--auto-approve")
    assert done.returncode == 0, done.stderr
    ok(ci.drift())
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
