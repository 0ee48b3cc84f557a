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
import re
from pathlib import Path
from typing import Any

import pytest

from tests.ci.runner import load_yaml, workflow_on
from tests.ci.world import (
    GITHUB,
    GITLAB,
    MARKER,
    REPO,
    PullRequest,
    Sandbox,
    World,
    chain,
    edit_user,
    ok,
)
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
    assert installs and installs[0]["args"] == ["install", PIP_SPEC]

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


# The default of ZOOMSTATE_PIP_SPEC in every recipe: a git URL pinned to a release tag of
# the repository the admin names (a bare `zoomstate==0.1.0` could install someone else's
# package of that name: zoomstate is not on PyPI).
PIP_SPEC = "git+https://github.com/<your-org>/zoomstate@v0.1.0"


def main_plan(world: World) -> dict[str, Any]:
    done = world.zoomstate("plan", str(world.repo.main / "state"), "--format", "json")
    assert done.returncode == 0, done.stderr
    plan: dict[str, Any] = json.loads(done.stdout)
    return plan


def zoomstate_runs(world: World) -> list[list[str]]:
    return [c["args"] for c in world.ci.store.calls() if c["tool"] == "zoomstate"]


def test_the_required_check_reports_on_a_pull_request_that_changes_no_state(
    world: World,
) -> None:
    """The `zoomstate plan` check is required, so it must report on every pull request:
    a workflow that is not triggered (a `paths:` filter, GitLab's `changes:`) leaves the
    check pending and the pull request blocked forever."""
    ci = world.ci

    def docs_only(state: Path) -> None:
        (state.parent / "README.md").write_text("How we run the Zoom account.\n", "utf-8")

    result = ci.plan(PullRequest(41, docs_only))
    assert result.triggered, "the required check never reports on this pull request"
    ok(result)
    assert "nothing to plan" in ci.report(result)
    assert zoomstate_runs(world) == [] and ci.comments(PullRequest(41, docs_only)) == []
    # A pull request that does change the state is still planned.
    (user,) = world.pick(1)
    ok(ci.plan(pr := PullRequest(42, edit_user(user, department="Planned"))))
    assert len(ci.comments(pr)) == 1


def test_a_failed_plan_replaces_the_plan_comment(world: World) -> None:
    ci = world.ci
    (user,) = world.pick(1)
    pr = PullRequest(43, edit_user(user, department="Fine"))
    ok(ci.plan(pr))
    assert "Fine" in ci.comments(pr)[0]
    # The next push names a role the account does not have: a plan-time problem.
    pr.pushes += 1
    pr.edit = edit_user(user, department="Fine", role="Wizard")
    result = ci.plan(pr)
    assert result.returncode != 0, result.describe()
    (comment,) = ci.comments(pr)  # the same comment, replaced
    assert comment.startswith(MARKER)
    assert "zoomstate plan failed" in comment and "Wizard" in comment
    assert pr.head_sha[:12] in comment
    assert "Merging applies exactly this plan" not in comment and "| step |" not in comment
    # An invalid state (validate) replaces it the same way.
    pr.pushes += 1
    pr.edit = edit_user(user, department="Fine", typo_key=1)
    assert ci.plan(pr).returncode != 0
    (comment,) = ci.comments(pr)
    assert "zoomstate plan failed" in comment and "typo_key" in comment


def test_a_long_plan_comment_is_cut_between_rows(world: World) -> None:
    """1,500 hires make a plan far longer than a comment holds: it is cut between rows,
    its <details> closed, the rows left out counted, the full plan linked."""
    ci = world.ci

    def hires(state: Path) -> None:
        users = [
            {"email": f"hire{i:04d}@example.com", "first_name": "New", "last_name": f"Hire {i}"}
            for i in range(1500)
        ]
        (state / "users" / "hires.yaml").write_text(json.dumps({"users": users}), "utf-8")

    pr = PullRequest(44, hires)
    ok(ci.plan(pr))
    (comment,) = ci.comments(pr)
    assert len(comment) <= 65_536
    assert comment.count("<details") == comment.count("</details>")
    before_note = comment[: comment.index("more row(s) not shown")]
    last_row = [line for line in before_note.splitlines() if line.startswith("|")][-1]
    assert last_row.endswith("|")  # a whole row, not half of one
    assert "](http" in comment[comment.index("more row(s) not shown") :].splitlines()[0]
    assert comment.rstrip().endswith("the apply job plans again.</sub>")  # the footer survives
    # The artifact has the whole plan.
    plan = json.loads((ci.plan_artifact(pr) / "plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["operations"] == 1500


def test_the_schedule_applies_what_waited_and_nothing_else(world: World, sandbox: Sandbox) -> None:
    ci = world.ci

    def hire(state: Path) -> None:
        (state / "users" / "new-hires.yaml").write_text(
            "users:\n"
            "  - {email: new.hire@example.com, first_name: Nadia, last_name: Hire,\n"
            "     type: licensed, role: Admin,\n"
            "     phone: {site: San Francisco, calling_plans: [US/CA Metered]}}\n",
            encoding="utf-8",
        )

    pr = PullRequest(45, hire)
    ok(ci.plan(pr))
    ok(ci.merge_and_apply(pr))  # invited: her role and phone wait for her
    # Nothing accepted yet: the schedule applies nothing, and her steps still wait.
    ok(ci.apply_waiting())
    assert main_plan(world)["waiting"] and main_plan(world)["operations"] == []

    # She accepts; meanwhile someone changes another user in the portal.
    resp = sandbox.admin.post("/_sandbox/users/new.hire@example.com/activate")
    assert resp.status_code == 200, resp.text
    (other,) = world.pick(1)
    elsewhere = world.repo.checkout(edit_user(other, department="Changed In Portal"))
    portal = world.zoomstate("apply", str(elsewhere / "state"), "--auto-approve")
    assert portal.returncode == 0, portal.stderr

    ok(result := ci.apply_waiting())
    assert any(a[:1] == ["apply"] and "--only-waiting" in a for a in zoomstate_runs(world))
    body = main_plan(world)
    # Her steps are done; the portal change is not undone (it is the drift job's, and a
    # reviewed apply's); nothing waits any more.
    assert {op["user"] for op in body["operations"]} == {other}, ci.report(result)
    assert body["waiting"] == []
    # The next scheduled run finds nothing waiting and applies nothing.
    ok(ci.apply_waiting())
    assert {op["user"] for op in main_plan(world)["operations"]} == {other}


# --- static checks of the recipe files ----------------------------------------------------


def test_every_recipe_installs_zoomstate_from_a_pinned_git_tag() -> None:
    specs = {}
    for path in (*sorted(GITHUB.glob("*.yml")), GITLAB):
        doc = load_yaml(path)
        specs[path.name] = (doc.get("env") or doc.get("variables"))["ZOOMSTATE_PIP_SPEC"]
    assert set(specs.values()) == {PIP_SPEC}, specs
    assert re.fullmatch(r"git\+https://github\.com/[^/]+/zoomstate@v\d+\.\d+\.\d+", PIP_SPEC)
    guide = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert PIP_SPEC in guide and "<your-org>" in guide


def test_the_guide_says_applies_must_be_serialised_across_machines() -> None:
    guide = " ".join((REPO / "docs" / "ci.md").read_text(encoding="utf-8").split())
    assert "Zoom has no lock" in guide
    assert "concurrency: zoomstate-apply" in guide and "resource_group" in guide


def test_no_recipe_cuts_markdown_by_bytes() -> None:
    for path in (*sorted(GITHUB.glob("*.yml")), GITLAB):
        text = path.read_text(encoding="utf-8")
        assert "head -c" not in text, f"{path.name}: cut by bytes, mid-row"
        assert "--max-chars" in text, path.name


# --- static checks of the recipe files (continued) ------------------------------------------


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
        # Every pull request: a required check that is not run never reports.
        assert not (on["pull_request"] or {}).get("paths"), "a paths filter leaves it pending"
        assert job["name"] == "zoomstate plan"
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
    rules = doc["zoomstate-plan"]["rules"]
    assert "merge_request_event" in json.dumps(rules)
    # A merge request pipeline without a job cannot pass "Pipelines must succeed".
    assert not any("changes" in rule for rule in rules)
    assert "schedule" in json.dumps(doc["zoomstate-drift"]["rules"])
