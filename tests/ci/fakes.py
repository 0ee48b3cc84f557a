"""Fake `gh` and `curl` for the CI recipe tests: local files stand in for GitHub's and
GitLab's comment, issue, pull-request and artifact APIs.

Each fake is a tiny executable (written by `install_fakes`) that runs `main()` here. They
share one store, a directory named by $FAKE_API_DIR:

- `api.json`: the objects (comments, issues, labels, merged pull requests, workflow runs,
  GitLab pipelines and jobs, artifacts);
- `calls.jsonl`: one line per call, with its arguments, for the tests to check;
- `artifacts/<id>/`: the files of each stored artifact.

Only what the recipes use is implemented; anything else exits 2 with "unsupported", so a
recipe that starts using another command fails its test instead of passing by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GITHUB_REPO = "acme/zoom-config"
GITLAB_API = "https://gitlab.invalid/api/v4"
GITLAB_PROJECT = "42"
GITLAB_TOKEN = "glpat-fake-token"


def empty_store() -> dict[str, Any]:
    return {
        "next_id": 1000,
        "github": {
            "comments": [],
            "issues": [],
            "labels": [],
            "pulls": [],
            "runs": [],
            "artifacts": [],
            "pull_files": {},
        },
        "gitlab": {
            "notes": [],
            "issues": [],
            "mrs": [],
            "pipelines": [],
            "jobs": [],
            "artifacts": [],
            "mr_diffs": {},
        },
    }


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data: dict[str, Any] = json.loads((root / "api.json").read_text(encoding="utf-8"))

    @classmethod
    def create(cls, root: Path) -> Store:
        root.mkdir(parents=True, exist_ok=True)
        (root / "artifacts").mkdir(exist_ok=True)
        (root / "api.json").write_text(json.dumps(empty_store()), encoding="utf-8")
        (root / "calls.jsonl").write_text("", encoding="utf-8")
        return cls(root)

    def reload(self) -> None:
        """Read what the fakes wrote since (each runs in a process of its own)."""
        self.data = json.loads((self.root / "api.json").read_text(encoding="utf-8"))

    def save(self) -> None:
        (self.root / "api.json").write_text(json.dumps(self.data, indent=1), encoding="utf-8")

    def new_id(self) -> int:
        self.data["next_id"] += 1
        return int(self.data["next_id"])

    def log(self, entry: dict[str, Any]) -> None:
        with (self.root / "calls.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def calls(self) -> list[dict[str, Any]]:
        text = (self.root / "calls.jsonl").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line]

    # What the CI runners do (not the recipes): keep an artifact, record a merge.
    def add_artifact(self, platform: str, meta: dict[str, Any], files: dict[str, Path]) -> int:
        """Keep `files` (name in the artifact -> file or folder) as a new artifact."""
        self.reload()
        art_id = self.new_id()
        dest = self.root / "artifacts" / str(art_id)
        dest.mkdir(parents=True)
        for name, src in files.items():
            if src.is_dir():
                shutil.copytree(src, dest / name, dirs_exist_ok=True)
            else:
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        # Newest first, as both APIs list them.
        self.data[platform]["artifacts"].insert(0, {"id": art_id, **meta})
        self.save()
        return art_id

    def record(self, platform: str, kind: str, obj: dict[str, Any]) -> None:
        """Keep what a runner made (a workflow run, a pipeline, a job)."""
        self.reload()
        self.data[platform][kind].append(obj)
        self.save()

    def artifact_dir(self, art_id: int) -> Path:
        return self.root / "artifacts" / str(art_id)


@dataclass
class Response:
    status: int
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body).encode()


def not_found() -> Response:
    return Response(404, {"message": "Not Found"})


# --- GitHub (gh) ---------------------------------------------------------------------


def _typed(value: str) -> Any:
    """gh api -F: true, false, null and integers are typed; @file is the file's text."""
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    if value.lstrip("-").isdigit():
        return int(value)
    if value.startswith("@"):
        return Path(value[1:]).read_text(encoding="utf-8")
    return value


def _github(
    store: Store, method: str, path: str, query: dict[str, str], fields: dict[str, Any]
) -> Response:
    gh = store.data["github"]
    prefix = f"repos/{GITHUB_REPO}/"
    if not path.startswith(prefix):
        return not_found()
    parts = path[len(prefix) :].split("/")
    match (method, parts):
        case ("GET", ["issues", number, "comments"]):
            return Response(200, [c for c in gh["comments"] if c["issue"] == int(number)])
        case ("POST", ["issues", number, "comments"]):
            comment = {"id": store.new_id(), "issue": int(number), "body": fields["body"]}
            gh["comments"].append(comment)
            return Response(201, comment)
        case ("PATCH", ["issues", "comments", comment_id]):
            for comment in gh["comments"]:
                if comment["id"] == int(comment_id):
                    comment["body"] = fields["body"]
                    return Response(200, comment)
            return not_found()
        case ("GET", ["pulls", number, "files"]):
            return Response(200, gh["pull_files"].get(number, []))
        case ("GET", ["commits", sha, "pulls"]):
            return Response(200, [p for p in gh["pulls"] if p["merge_commit_sha"] == sha])
        case ("GET", ["actions", "workflows", workflow, "runs"]):
            return Response(200, _workflow_runs(gh["runs"], workflow, query))
        case ("GET", ["actions", "artifacts"]):
            found = [a for a in gh["artifacts"] if a["name"] == query.get("name", a["name"])]
            shown = found[: int(query.get("per_page", "30"))]
            return Response(200, {"total_count": len(found), "artifacts": shown})
        case ("GET", ["issues"]):
            state = query.get("state", "open")
            label = query.get("labels")
            issues = [
                i
                for i in gh["issues"]
                if (state == "all" or i["state"] == state)
                and (label is None or label in i["labels"])
            ]
            return Response(200, sorted(issues, key=lambda i: -int(i["number"])))
        case ("POST", ["issues"]):
            issue = {
                "number": store.new_id(),
                "title": fields["title"],
                "body": fields.get("body", ""),
                "labels": list(fields.get("labels", [])),
                "state": "open",
                "state_reason": None,
            }
            gh["issues"].append(issue)
            return Response(201, issue)
        case ("PATCH", ["issues", number]):
            for issue in gh["issues"]:
                if issue["number"] == int(number):
                    issue.update(
                        {
                            k: fields[k]
                            for k in ("body", "state", "state_reason", "title")
                            if k in fields
                        }
                    )
                    return Response(200, issue)
            return not_found()
        case ("POST", ["labels"]):
            if fields["name"] in gh["labels"]:
                return Response(422, {"message": "Validation Failed"})
            gh["labels"].append(fields["name"])
            return Response(201, {"name": fields["name"]})
    return not_found()


def _workflow_runs(runs: list[dict[str, Any]], workflow: str, query: dict[str, str]) -> Any:
    """GET .../actions/workflows/{file}/runs: that workflow's runs, newest first, filtered
    by the query's head_sha, event, branch and status (a status or a conclusion)."""
    found = [
        r
        for r in sorted(runs, key=lambda r: -int(r["id"]))
        if r["path"] == f".github/workflows/{workflow}"
        and query.get("head_sha", r["head_sha"]) == r["head_sha"]
        and query.get("event", r["event"]) == r["event"]
        and query.get("branch", r["head_branch"]) == r["head_branch"]
        and query.get("status", r["conclusion"]) in (r["status"], r["conclusion"])
    ]
    shown = found[: int(query.get("per_page", "30"))]
    return {"total_count": len(found), "workflow_runs": shown}


def gh_main(argv: list[str], store: Store) -> int:
    if argv[:2] == ["run", "download"]:
        return _gh_run_download(argv[2:], store)
    if not argv or argv[0] != "api":
        print(f"fake gh: unsupported command {argv!r}", file=sys.stderr)
        return 2
    method = None
    jq = None
    silent = False
    fields: dict[str, Any] = {}
    endpoint = None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--method", "-X"):
            method = next(args)
        elif arg in ("--jq", "-q"):
            jq = next(args)
        elif arg == "--paginate":
            pass  # one page is all the fake ever has
        elif arg == "--silent":
            silent = True
        elif arg in ("-F", "--field", "-f", "--raw-field"):
            key, _, value = next(args).partition("=")
            typed = _typed(value) if arg in ("-F", "--field") else value
            if key.endswith("[]"):
                fields.setdefault(key[:-2], []).append(typed)
            else:
                fields[key] = typed
        elif arg.startswith("-"):
            print(f"fake gh: unsupported flag {arg}", file=sys.stderr)
            return 2
        else:
            endpoint = arg
    if endpoint is None:
        print("fake gh: no endpoint", file=sys.stderr)
        return 2
    method = method or ("POST" if fields else "GET")
    url = urllib.parse.urlsplit(endpoint.lstrip("/"))
    query = dict(urllib.parse.parse_qsl(url.query))
    store.log({"tool": "gh", "method": method, "path": url.path, "query": query, "fields": fields})
    resp = _github(store, method, url.path, query, fields)
    store.save()
    if resp.status >= 400:
        print(json.dumps(resp.body))
        print(f"gh: {resp.body.get('message')} (HTTP {resp.status})", file=sys.stderr)
        return 1
    if silent:
        return 0
    text = json.dumps(resp.body)
    if jq is not None:
        # gh evaluates --jq itself; the fake borrows the jq program for the same language.
        jq_bin = shutil.which("jq")
        if jq_bin is None:
            print("fake gh: --jq needs the jq program on PATH", file=sys.stderr)
            return 2
        done = subprocess.run(
            [jq_bin, "-r", "-c", jq], input=text, capture_output=True, text=True, check=False
        )
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        return done.returncode
    print(text)
    return 0


def _gh_run_download(argv: list[str], store: Store) -> int:
    run_id = name = None
    dest = Path(".")
    args = iter(argv)
    for arg in args:
        if arg in ("--name", "-n"):
            name = next(args)
        elif arg in ("--dir", "-D"):
            dest = Path(next(args))
        elif not arg.startswith("-"):
            run_id = arg
        else:
            print(f"fake gh: unsupported flag {arg}", file=sys.stderr)
            return 2
    store.log({"tool": "gh", "method": "DOWNLOAD", "run_id": run_id, "name": name})
    for art in store.data["github"]["artifacts"]:
        if str(art["workflow_run"]["id"]) == run_id and art["name"] == name:
            # One named artifact: its files go straight into --dir.
            shutil.copytree(store.artifact_dir(art["id"]), dest, dirs_exist_ok=True)
            return 0
    print(f"no artifact matches {name!r} in run {run_id}", file=sys.stderr)
    return 1


def main() -> int:
    tool = Path(sys.argv[0]).name
    store = Store(Path(os.environ["FAKE_API_DIR"]))
    if tool == "gh":
        return gh_main(sys.argv[1:], store)
    if tool == "curl":
        from tests.ci.fake_gitlab import curl_main

        return curl_main(sys.argv[1:], store)
    if tool == "zoomstate":
        # Not a fake: the real zoomstate, with each command a recipe runs recorded (so a
        # test can tell that no `apply` ran).
        store.log({"tool": "zoomstate", "args": sys.argv[1:]})
        real = os.environ["FAKE_REAL_ZOOMSTATE"]
        os.execv(real, [real, *sys.argv[1:]])
    if tool == "pip":
        # The runner's pip: the test has zoomstate installed already; record what the
        # recipe asked for.
        store.log({"tool": "pip", "args": sys.argv[1:]})
        return 0
    print(f"fake: unknown tool {tool}", file=sys.stderr)
    return 2


def install_fakes(bin_dir: Path, repo_root: Path) -> None:
    """Write `gh`, `curl`, `pip` and a recording `zoomstate` (which runs the one named by
    $FAKE_REAL_ZOOMSTATE) into bin_dir, each running main()."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in ("gh", "curl", "pip", "zoomstate"):
        path = bin_dir / tool
        path.write_text(
            f"#!{sys.executable}\n"
            "import sys\n"
            f"sys.path.insert(0, {str(repo_root)!r})\n"
            "from tests.ci.fakes import main\n"
            "sys.exit(main())\n",
            encoding="utf-8",
        )
        path.chmod(0o755)
