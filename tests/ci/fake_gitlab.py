"""The fake GitLab API behind the fake `curl` of tests/ci/fakes.py (same store): merge
request notes, merged merge requests and their head pipelines, pipeline jobs and their
artifacts, issues. Only what the recipe uses; anything else is 404, like an unknown
path on GitLab."""

from __future__ import annotations

import io
import json
import sys
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

from tests.ci.fakes import GITLAB_API, GITLAB_PROJECT, GITLAB_TOKEN, Response, Store, not_found


def _gitlab(
    store: Store, method: str, path: str, query: dict[str, str], body: dict[str, Any]
) -> Response:
    gl = store.data["gitlab"]
    prefix = f"projects/{GITLAB_PROJECT}/"
    if not path.startswith(prefix):
        return not_found()
    parts = [urllib.parse.unquote(p) for p in path[len(prefix) :].split("/")]
    lookup = _lookups(store, method, parts, query)
    if lookup is not None:
        return lookup
    match (method, parts):
        case ("GET", ["merge_requests", iid, "notes"]):
            if int(query.get("page", "1")) > 1:
                return Response(200, [])
            return Response(200, [n for n in gl["notes"] if n["noteable"] == f"mr/{iid}"])
        case ("POST", ["merge_requests", iid, "notes"]):
            note = {"id": store.new_id(), "noteable": f"mr/{iid}", "body": body["body"]}
            gl["notes"].append(note)
            return Response(201, note)
        case ("PUT", ["merge_requests", iid, "notes", note_id]):
            for note in gl["notes"]:
                if note["id"] == int(note_id) and note["noteable"] == f"mr/{iid}":
                    note["body"] = body["body"]
                    return Response(200, note)
            return not_found()
        case ("GET", ["repository", "commits", sha, "merge_requests"]):
            return Response(200, [m for m in gl["mrs"] if m["merge_commit_sha"] == sha])
        case ("GET", ["jobs", "artifacts", ref, "download"]):
            for art in gl["artifacts"]:
                if art["ref"] == ref and art["job"] == query.get("job") and art["success"]:
                    return Response(200, raw=_zip(store.artifact_dir(art["id"])))
            return Response(404, {"message": "404 Not found"})
        case ("GET", ["issues"]):
            state = query.get("state", "all")
            label = query.get("labels")
            issues = [
                i
                for i in gl["issues"]
                if (state == "all" or i["state"] == state)
                and (label is None or label in i["labels"])
            ]
            return Response(200, sorted(issues, key=lambda i: -int(i["iid"])))
        case ("POST", ["issues"]):
            issue = {
                "iid": store.new_id(),
                "title": body["title"],
                "description": body.get("description", ""),
                "labels": [x for x in str(body.get("labels", "")).split(",") if x],
                "state": "opened",
                "notes": [],
            }
            gl["issues"].append(issue)
            return Response(201, issue)
        case ("PUT", ["issues", iid]):
            for issue in gl["issues"]:
                if issue["iid"] == int(iid):
                    if "description" in body:
                        issue["description"] = body["description"]
                    if body.get("state_event") == "close":
                        issue["state"] = "closed"
                    return Response(200, issue)
            return not_found()
        case ("POST", ["issues", iid, "notes"]):
            for issue in gl["issues"]:
                if issue["iid"] == int(iid):
                    issue["notes"].append(body["body"])
                    return Response(201, {"id": store.new_id(), "body": body["body"]})
            return not_found()
    return not_found()


def _lookups(store: Store, method: str, parts: list[str], query: dict[str, str]) -> Response | None:
    """How the jobs find what they work from: a merge request (with its head pipeline)
    and its changed files, a pipeline's jobs, the project's jobs, a job's artifacts."""
    gl = store.data["gitlab"]
    match (method, parts):
        case ("GET", ["merge_requests", iid]):
            for mr in gl["mrs"]:
                if mr["iid"] == int(iid):
                    return Response(200, {**mr, "head_pipeline": _head_pipeline(gl, mr)})
            return not_found()
        case ("GET", ["pipelines", pipeline_id, "jobs"]):
            scope = query.get("scope[]")
            jobs = [
                j
                for j in gl["jobs"]
                if j["pipeline"]["id"] == int(pipeline_id) and scope in (None, j["status"])
            ]
            return Response(200, sorted(jobs, key=lambda j: -int(j["id"])))
        case ("GET", ["jobs"]):
            # The project's jobs, newest first (the scheduled apply's previous run).
            if int(query.get("page", "1")) > 1:
                return Response(200, [])
            scope = query.get("scope[]")
            jobs = [j for j in gl["jobs"] if scope in (None, j["status"])]
            return Response(200, sorted(jobs, key=lambda j: -int(j["id"])))
        case ("GET", ["merge_requests", iid, "diffs"]):
            if int(query.get("page", "1")) > 1:
                return Response(200, [])
            return Response(200, gl["mr_diffs"].get(iid, []))
        case ("GET", ["jobs", job_id, "artifacts"]):
            for art in gl["artifacts"]:
                if art.get("job_id") == int(job_id):
                    return Response(200, raw=_zip(store.artifact_dir(art["id"])))
            return Response(404, {"message": "404 Not found"})
    return None


def _head_pipeline(gl: dict[str, Any], mr: dict[str, Any]) -> dict[str, Any] | None:
    """GitLab's head pipeline of a merge request: its newest pipeline for the MR's last
    commit (for a merged results pipeline, the one whose source commit that is)."""
    mine = [
        p
        for p in gl["pipelines"]
        if str(p["ref"]).startswith(f"refs/merge-requests/{mr['iid']}/")
        and mr["sha"] in (p["sha"], p["source_sha"])
    ]
    if not mine:
        return None
    newest = max(mine, key=lambda p: int(p["id"]))
    return {k: newest[k] for k in ("id", "sha", "ref", "status")}


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return buf.getvalue()


_CURL_FLAGS = {"--fail-with-body", "--fail", "-f", "--silent", "-s", "--show-error", "-S",
               "--location", "-L"}  # fmt: skip


def curl_main(argv: list[str], store: Store) -> int:
    method = None
    headers: dict[str, str] = {}
    data: str | None = None
    output: str | None = None
    fail = False
    url = None
    args = iter(argv)
    for arg in args:
        if arg in _CURL_FLAGS:
            fail = fail or arg in ("--fail-with-body", "--fail", "-f")
        elif arg in ("--request", "-X"):
            method = next(args)
        elif arg in ("--header", "-H"):
            key, _, value = next(args).partition(":")
            headers[key.strip().lower()] = value.strip()
        elif arg in ("--data", "-d", "--data-binary"):
            value = next(args)
            data = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
        elif arg in ("--output", "-o"):
            output = next(args)
        elif arg.startswith("-"):
            print(f"fake curl: unsupported flag {arg}", file=sys.stderr)
            return 2
        else:
            url = arg
    if url is None or not url.startswith(GITLAB_API + "/"):
        print(f"fake curl: only the fake GitLab API is served, not {url}", file=sys.stderr)
        return 2
    method = method or ("POST" if data is not None else "GET")
    split = urllib.parse.urlsplit(url[len(GITLAB_API) + 1 :])
    query = dict(urllib.parse.parse_qsl(split.query))
    body: dict[str, Any] = {}
    if data is not None:
        if headers.get("content-type") == "application/json":
            body = json.loads(data)
        else:
            body = dict(urllib.parse.parse_qsl(data))
    store.log({"tool": "curl", "method": method, "path": split.path, "query": query,
               "body": body})  # fmt: skip
    if headers.get("private-token") != GITLAB_TOKEN:
        resp = Response(401, {"message": "401 Unauthorized"})
    else:
        resp = _gitlab(store, method, split.path, query, body)
    store.save()
    payload = resp.payload()
    if fail and resp.status >= 400 and output is None:
        sys.stdout.write(payload.decode())
    elif output is not None:
        Path(output).write_bytes(payload)
    else:
        sys.stdout.write(payload.decode())
    if fail and resp.status >= 400:
        print(f"curl: (22) The requested URL returned error: {resp.status}", file=sys.stderr)
        return 22
    return 0
