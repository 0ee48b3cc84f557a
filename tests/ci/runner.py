"""Just enough of the GitHub Actions and GitLab CI runners to run the recipes in docs/ci/.

The recipes keep their logic in `run:` / `script:` shell; this module runs those scripts
verbatim with bash, in order, in a checkout, with the environment the runner would give
them. What the runners do themselves is emulated here, explicitly and minimally:

- GitHub: `${{ ... }}` expressions are dotted look-ups into the contexts a test passes
  (`secrets`, `github`, `inputs`, `steps`), nothing else; `run:` must hold none (they
  belong in `env:`, where a runner substitutes them without shell injection). A step's
  `if:` may only be `always()` or `!cancelled()`. A workflow whose event has a `paths:`
  filter that none of the changed files a test passes matches is not run at all
  (`triggered` is false), as GitHub does: a required check of it then never reports.
  Steps run under `bash --noprofile --norc -eo pipefail`
  (the `shell: bash` of the recipes); `$GITHUB_OUTPUT` becomes `steps.<id>.outputs` and
  `$GITHUB_STEP_SUMMARY` the job summary. Three actions are understood: checkout (the
  checkout is already there), setup-python (python is on PATH) and upload-artifact (the
  files go to the fake artifact store). Each run is recorded as the API lists workflow
  runs (workflow file, event, head commit and branch, conclusion).
- GitLab: `default.before_script` and the job's `script` run in one `bash -eo pipefail`
  session with the pipeline's and job's `variables` and the predefined `CI_*` variables a
  test passes; given the changed files, a job whose every rule has a `changes:` list that
  none of them matches is not created (`rules: if:` conditions are taken as true); each
  job run is a pipeline of its own (ref, sha, status) with one job, as the API lists them;
  `artifacts.paths` go to the fake store, tagged with the ref, the job name and the job id.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.ci.fakes import Store

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
DOTTED = re.compile(r"[A-Za-z_][\w-]*(\.[\w-]+)*")
# Contexts whose missing properties are '' on GitHub (an input not given, an output a
# step did not set); anything else missing is a mistake in the recipe or the test.
LENIENT = ("inputs", "steps")
STEP_TIMEOUT = 60


@dataclass
class StepResult:
    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class JobResult:
    returncode: int
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # False when the platform would not run the job at all (a paths or changes filter).
    triggered: bool = True

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)

    @property
    def stderr(self) -> str:
        return "".join(s.stderr for s in self.steps)

    def describe(self) -> str:
        """For assertion messages: every step's output."""
        return "\n".join(
            f"--- {s.name} (exit {s.returncode})\n{s.stdout}\n[stderr]\n{s.stderr}"
            for s in self.steps
        )


def glob_matches(pattern: str, path: str) -> bool:
    """GitHub's and GitLab's path globs: `**` any depth, `*` and `?` within one name."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.fullmatch(out, path) is not None


def load_yaml(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{path}: not a mapping"
    return doc


def workflow_on(doc: dict[Any, Any]) -> dict[str, Any]:
    """`on:` (YAML 1.1 reads the bare key as True)."""
    on = doc.get("on", doc.get(True))
    assert isinstance(on, dict)
    return on


def evaluate(expr: str, contexts: dict[str, Any]) -> str:
    if not DOTTED.fullmatch(expr):
        raise AssertionError(f"unsupported expression ${{{{ {expr} }}}}: keep recipes to look-ups")
    value: Any = contexts
    for part in expr.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif expr.split(".")[0] in LENIENT:
            return ""
        else:
            raise AssertionError(f"${{{{ {expr} }}}}: the test provides no {part!r}")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def substitute(text: str, contexts: dict[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m.group(1), contexts), text)


def _env(block: dict[str, Any] | None, contexts: dict[str, Any]) -> dict[str, str]:
    return {str(k): substitute(str(v), contexts) for k, v in (block or {}).items()}


def _run_bash(argv: list[str], script: str, cwd: Path, env: dict[str, str]) -> StepResult:
    path = cwd.parent / f".step-{os.getpid()}-{abs(hash(script))}.sh"
    path.write_text(script, encoding="utf-8")
    try:
        done = subprocess.run(
            [*argv, str(path)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
    finally:
        path.unlink()
    return StepResult("", done.returncode, done.stdout, done.stderr)


def _parse_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT: `key=value` lines and `key<<DELIM` ... `DELIM` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delim:
                    break
                body.append(inner)
            outputs[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


@dataclass
class GitHubRunner:
    """Runs the one job of a workflow. `base_env` is the runner machine's environment."""

    store: Store
    base_env: dict[str, str]
    work: Path
    run_counter: int = 9000

    def run(
        self,
        workflow: Path,
        checkout: Path,
        *,
        event_name: str,
        sha: str,
        secrets: dict[str, str],
        event: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        changed: list[str] | None = None,
    ) -> JobResult:
        doc = load_yaml(workflow)
        assert event_name in workflow_on(doc), f"{workflow.name} does not run on {event_name}"
        filters = workflow_on(doc)[event_name]
        paths = filters.get("paths") if isinstance(filters, dict) else None
        matched = changed is None or any(glob_matches(p, f) for p in paths or () for f in changed)
        if paths and not matched:
            return JobResult(0, triggered=False)
        assert doc.get("defaults", {}).get("run", {}).get("shell") == "bash"
        (job,) = doc["jobs"].values()
        self.run_counter += 1
        run_id = str(self.run_counter)
        contexts: dict[str, Any] = {
            "secrets": secrets,
            "github": {
                "token": "ghs_fake_token",
                "repository": self.base_env["GITHUB_REPOSITORY"],
                "server_url": "https://github.invalid",
                "run_id": run_id,
                "event_name": event_name,
                "sha": sha,
                "event": event or {},
            },
            "inputs": inputs or {},
            "steps": {},
        }
        files = self.work / f"run-{run_id}"
        files.mkdir(parents=True)
        summary = files / "summary.md"
        summary.touch()
        env = {
            **self.base_env,
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_SHA": sha,
            "GITHUB_RUN_ID": run_id,
            "GITHUB_WORKSPACE": str(checkout),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(files),
            **_env(doc.get("env"), contexts),
            **_env(job.get("env"), contexts),
        }
        result = JobResult(0)
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or f"step {index}"
            condition = step.get("if")
            # The runner never cancels, so `!cancelled()` is `always()` here.
            assert condition in (None, "always()", "${{ always() }}", "!cancelled()"), (
                f"{name}: if {condition}"
            )
            if result.returncode != 0 and condition is None:
                continue
            if "uses" in step:
                outcome = self._action(step, checkout, contexts)
            else:
                assert "${{" not in step["run"], f"{name}: expressions belong in env:"
                output = files / f"output-{index}"
                output.touch()
                step_env = {**env, **_env(step.get("env"), contexts), "GITHUB_OUTPUT": str(output)}
                outcome = _run_bash(
                    ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
                    step["run"],
                    checkout,
                    step_env,
                )
                outputs = _parse_outputs(output.read_text(encoding="utf-8"))
                if "id" in step:
                    contexts["steps"][step["id"]] = {"outputs": outputs}
                    result.outputs[step["id"]] = outputs
            outcome.name = name
            result.steps.append(outcome)
            if outcome.returncode != 0:
                result.returncode = 1
        result.summary = summary.read_text(encoding="utf-8")
        self._record_run(workflow, contexts["github"], result)
        return result

    def _record_run(self, workflow: Path, github: dict[str, Any], result: JobResult) -> None:
        """The run as GitHub's API lists it (for the apply job to find a plan run by)."""
        head = github["event"].get("pull_request", {}).get("head", {})
        run = {
            "id": int(github["run_id"]),
            "path": f".github/workflows/{workflow.name}",
            "event": github["event_name"],
            "head_sha": head.get("sha", github["sha"]),
            "head_branch": head.get("ref", "main"),
            "head_repository": {"full_name": github["repository"]},
            "status": "completed",
            "conclusion": "success" if result.returncode == 0 else "failure",
            # GitHub empties this once the pull request is merged: never rely on it.
            "pull_requests": [],
        }
        self.store.record("github", "runs", run)

    def _action(self, step: dict[str, Any], checkout: Path, contexts: dict[str, Any]) -> StepResult:
        action, _, version = str(step["uses"]).partition("@")
        assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}", version), f"unpinned {step['uses']}"
        with_ = {k: substitute(str(v), contexts) for k, v in (step.get("with") or {}).items()}
        if action in ("actions/checkout", "actions/setup-python"):
            return StepResult("", 0, "", "")
        if action == "actions/upload-artifact":
            paths = [p for p in with_["path"].splitlines() if p.strip()]
            (path,) = paths  # the recipes upload one folder
            src = checkout / path
            if not src.exists():
                code = 1 if with_.get("if-no-files-found", "warn") == "error" else 0
                return StepResult("", code, "", f"no files at {path}\n")
            event = contexts["github"]["event"]
            head = (
                event.get("pull_request", {}).get("head", {}).get("sha", contexts["github"]["sha"])
            )
            meta = {
                "name": with_["name"],
                "expired": False,
                "workflow_run": {"id": int(contexts["github"]["run_id"]), "head_sha": head},
            }
            self.store.add_artifact("github", meta, {"": src})
            return StepResult("", 0, f"uploaded {with_['name']}\n", "")
        raise AssertionError(f"the test runner does not know {action}")


@dataclass
class GitLabRunner:
    """Runs one job of a .gitlab-ci.yml."""

    store: Store
    base_env: dict[str, str]
    pipeline: Path

    def run(
        self,
        job_name: str,
        checkout: Path,
        *,
        ci: dict[str, str],
        ref: str,
        changed: list[str] | None = None,
    ) -> JobResult:
        doc = load_yaml(self.pipeline)
        job = doc[job_name]
        assert job["stage"] in doc["stages"]
        rules = job.get("rules") or []
        filtered = changed is not None and rules and all("changes" in r for r in rules)
        if filtered and not any(
            glob_matches(p, f) for r in rules for p in r["changes"] for f in changed or ()
        ):
            return JobResult(0, triggered=False)
        default = doc.get("default", {})

        def plain(variables: dict[str, Any] | None) -> dict[str, str]:
            return {
                str(k): str(v["value"] if isinstance(v, dict) else v)
                for k, v in (variables or {}).items()
            }

        env = {
            **self.base_env,
            **plain(doc.get("variables")),
            **plain(job.get("variables")),
            "CI_PROJECT_DIR": str(checkout),
            "CI_JOB_NAME": job_name,
            **ci,
        }
        lines = [*job.get("before_script", default.get("before_script", [])), *job["script"]]
        outcome = _run_bash(["bash", "-eo", "pipefail"], "\n".join(lines) + "\n", checkout, env)
        outcome.name = job_name
        ok = outcome.returncode == 0
        job_id = self._record(job_name, ci, ref, ok)
        artifacts = job.get("artifacts") or {}
        if artifacts and (ok or artifacts.get("when") == "always"):
            files = {
                p.rstrip("/"): checkout / p.rstrip("/")
                for p in artifacts["paths"]
                if (checkout / p.rstrip("/")).exists()
            }
            if files:
                meta = {"ref": ref, "job": job_name, "success": ok, "job_id": job_id}
                self.store.add_artifact("gitlab", meta, files)
        return JobResult(0 if ok else 1, [outcome])

    def _record(self, job_name: str, ci: dict[str, str], ref: str, ok: bool) -> int:
        """A pipeline of this one job, as GitLab's API lists them; the job's id."""
        self.store.reload()
        pipeline_id, job_id = self.store.new_id(), self.store.new_id()
        sha = ci.get("CI_COMMIT_SHA", "")
        status = "success" if ok else "failed"
        gl = self.store.data["gitlab"]
        gl["pipelines"].append(
            {
                "id": pipeline_id,
                "ref": ref,
                "sha": sha,
                "source_sha": ci.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", sha),
                "status": status,
            }
        )
        pipeline = {"id": pipeline_id, "ref": ref, "sha": sha}
        gl["jobs"].append(
            {"id": job_id, "name": job_name, "status": status, "ref": ref, "pipeline": pipeline}
        )
        self.store.save()
        return job_id
