"""The CLI contract: exit codes, streams, --version/--quiet, JSON output, schema, env vars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from tests.cli_runner import run_cli
from zoomstate import __version__
from zoomstate.cli import ExitCode, cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "state"
INVALID = REPO / "tests" / "corpus" / "invalid" / "many-issues-sorted" / "state"


def test_exit_codes_are_a_stable_contract() -> None:
    # Scripts and CI depend on these numbers: changing one is a breaking change.
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "CHANGES": 2,
        "USAGE": 64,
        "INTERRUPTED": 130,
    }


def test_version_goes_to_stdout() -> None:
    result = run_cli(["--version"])
    assert (result.code, result.stdout, result.stderr) == (
        0,
        f"zoomstate, version {__version__}\n",
        "",
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-flag"],
        ["no-such-command"],
        ["validate", "--format", "xml", str(EXAMPLE)],
        ["validate", "--no-such-flag"],
        ["validate", str(EXAMPLE), "extra-argument"],
    ],
)
def test_usage_errors_exit_64_not_2(args: list[str]) -> None:
    # 2 means "changes present" (Terraform's convention): a typo must not look like drift.
    result = run_cli(args)
    assert result.code == ExitCode.USAGE == 64
    assert result.stdout == ""
    assert "Error" in result.stderr or "Usage" in result.stderr


@pytest.mark.parametrize(
    ("args", "fixed"),
    [
        (
            ["plan", "state/", "--sandbox", "x.json"],
            "--sandbox is a global option: put it before the command: "
            "zoomstate --sandbox x.json plan state/",
        ),
        (
            ["plan", "--sandbox=x.json", "state/"],
            "zoomstate --sandbox=x.json plan state/",
        ),
        (["validate", "state/", "-q"], "-q is a global option: put it before the command: "),
        (["-v", "drift", "-vv"], "zoomstate -vv -v drift"),
        (["apply", "--no-pacing"], "zoomstate --no-pacing apply"),
        (
            ["sandbox", "serve", "--sandbox", "a b.json"],
            "zoomstate --sandbox 'a b.json' sandbox serve",
        ),
    ],
)
def test_a_global_option_after_the_command_says_where_it_belongs(
    args: list[str], fixed: str
) -> None:
    # click alone says "No such option '--sandbox'", as if zoomstate had none.
    result = run_cli(args)
    assert result.code == ExitCode.USAGE
    assert result.stdout == ""
    assert fixed in result.stderr
    assert "No such option" not in result.stderr


def test_an_unknown_option_is_still_an_unknown_option() -> None:
    result = run_cli(["plan", "--sandbx", "x.json"])
    assert result.code == ExitCode.USAGE
    assert "No such option '--sandbx'" in result.stderr


def test_valid_state_exit_0_summary_on_stderr_only() -> None:
    result = run_cli(["validate", str(EXAMPLE)])
    assert result.code == 0
    assert result.stdout == ""
    assert result.stderr.startswith(f"{EXAMPLE}: valid (")


def test_quiet_silences_the_summary() -> None:
    result = run_cli(["--quiet", "validate", str(EXAMPLE)])
    assert (result.code, result.stdout, result.stderr) == (0, "", "")


def test_quiet_never_hides_the_issues() -> None:
    loud = run_cli(["validate", str(INVALID)])
    quiet = run_cli(["-q", "validate", str(INVALID)])
    assert quiet.code == loud.code == 1
    assert quiet.stderr == loud.stderr != ""
    assert quiet.stdout == loud.stdout == ""


def test_invalid_state_issues_on_stderr_nothing_on_stdout() -> None:
    result = run_cli(["validate", str(INVALID)])
    assert result.code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 4
    assert all(line.startswith(str(INVALID)) for line in lines)


def test_validate_json_report_on_stdout() -> None:
    result = run_cli(["validate", "--format", "json", str(INVALID)])
    assert result.code == 1
    report = json.loads(result.stdout)
    assert report["format_version"] == 1
    assert report["valid"] is False
    assert len(report["issues"]) == 4
    first = report["issues"][0]
    assert set(first) == {"file", "line", "col", "path", "message"}
    assert (Path(first["file"]).name, first["line"], first["col"], first["path"]) == (
        "account.yaml",
        9,
        5,
        "account.seats.licenced",
    )
    # The payload is on stdout; the text issues are not repeated on stderr.
    assert "licenced" not in result.stderr


def test_validate_json_report_when_valid() -> None:
    result = run_cli(["validate", "--format", "json", str(EXAMPLE)])
    assert result.code == 0
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["issues"] == []
    assert report["users"] > 0


def test_state_dir_from_its_environment_variable() -> None:
    result = run_cli(["validate", "--format", "json"], env={"ZOOMSTATE_STATE_DIR": str(INVALID)})
    assert result.code == 1
    assert json.loads(result.stdout)["issues"]


def _schema() -> dict[str, Any]:
    result = run_cli(["schema"])
    assert result.code == 0
    assert result.stderr == ""
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_schema_is_a_valid_json_schema_that_accepts_the_example_state() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(EXAMPLE.rglob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert errors == [], f"{path}: {errors[0].message}"


def test_schema_accepts_a_user_block_completed_by_its_profile() -> None:
    # In a file, a user's contact_center may leave the role to its profile.
    validator = jsonschema.Draft202012Validator(_schema())
    entry = {
        "email": "a@example.com",
        "profile": "support",
        "contact_center": {"access": "inactive"},
    }
    assert list(validator.iter_errors({"users": [entry]})) == []


@pytest.mark.parametrize(
    "document",
    [
        {"users": [{"email": "a@example.com", "frist_name": "A"}]},
        {"users": [{"email": "a@example.com", "type": "pro"}]},
        {"account": {"domains": ["example.com"], "rate_limits": "enterprise"}},
        {"user": []},
        {"users": [{"email": "a@example.com", "phone": {"numbers": "+14155550100"}}]},
        {"profiles": {"agent": {"contact_center": {"package": "elite"}}}},
    ],
)
def test_schema_rejects_a_bad_state_file(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(_schema())
    assert list(validator.iter_errors(document)) != []


def _commands(group: click.Command, prefix: str = "zoomstate") -> list[tuple[str, click.Command]]:
    found = [(prefix, group)]
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            found += _commands(sub, f"{prefix} {name}")
    return found


def _envvars(param: click.Parameter) -> list[str]:
    envvar = param.envvar
    if envvar is None:
        return []
    return [envvar] if isinstance(envvar, str) else list(envvar)


def test_every_environment_variable_is_named_in_the_help() -> None:
    missing: list[str] = []
    checked = 0
    for name, command in _commands(cli):
        for param in command.params:
            for var in _envvars(param):
                checked += 1
                # Options name it in their own help; arguments have none, so the command's.
                text = param.help if isinstance(param, click.Option) else command.help
                if var not in (text or ""):
                    missing.append(f"{name}: {param.name} does not name {var}")
    assert missing == []
    assert checked >= 2


@pytest.mark.parametrize(
    ("rate_limits", "args", "env", "expected"),
    [
        # The state's account.rate_limits is the default ...
        ("business", [], {}, ("business", 0.8)),
        ("pro", [], {}, ("pro", 0.8)),
        # ... --tier and ZOOMSTATE_TIER win over it, and the share is the user's.
        ("business", ["--tier", "pro", "--budget-share", "0.5"], {}, ("pro", 0.5)),
        (
            "pro",
            [],
            {"ZOOMSTATE_TIER": "business", "ZOOMSTATE_BUDGET_SHARE": "0.3"},
            ("business", 0.3),
        ),
    ],
)
def test_tier_and_budget_share_reach_the_pacer(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rate_limits: str,
    args: list[str],
    env: dict[str, str],
    expected: tuple[str, float],
) -> None:
    import zoomstate.session

    state = tmp_path / "state"
    state.mkdir()
    (state / "account.yaml").write_text(
        f"account:\n  domains: [example.com]\n  rate_limits: {rate_limits}\n", encoding="utf-8"
    )
    (state / "users.yaml").write_text(
        "users:\n  - {email: a.b@example.com, first_name: A, last_name: B}\n", encoding="utf-8"
    )
    made: list[tuple[str, float]] = []
    real = zoomstate.session.Pacer

    def recording(**kwargs: Any) -> Any:
        made.append((kwargs["tier"], kwargs["share"]))
        return real(**kwargs)

    monkeypatch.setattr(zoomstate.session, "Pacer", recording)
    sandbox = tmp_path / "sandbox.json"
    result = run_cli(["--sandbox", str(sandbox), "plan", str(state), *args], env=dict(env))
    assert result.code in (0, 2), result.stderr
    assert made == [expected]


@pytest.mark.parametrize(
    "option", [["--target", "a.b@example.com"], ["--skip-removals"], ["--force"]]
)
def test_planning_options_go_with_a_saved_plan(tmp_path: Path, option: list[str]) -> None:
    # They shape the plan that apply makes again to check the file against (a plan made
    # with them must be applied with them), so they are no usage error any more; the
    # file is still checked first, before any API call.
    plan = tmp_path / "plan.json"
    plan.write_text("{}", encoding="utf-8")
    result = run_cli(
        [
            "--sandbox",
            str(tmp_path / "sb.json"),
            "apply",
            str(EXAMPLE),
            "--plan",
            str(plan),
            *option,
        ]
    )
    assert result.code == ExitCode.ERROR, result.stderr
    assert "not a zoomstate plan file: format_version None is not 1" in result.stderr
    assert "not with --plan" not in result.stderr
    assert not (tmp_path / "sb.json").exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_drive_the_real_completion(shell: str) -> None:
    result = run_cli(["completion", shell])
    assert result.code == 0 and "_ZOOMSTATE_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout


def test_completion_answers_commands_and_options() -> None:
    import os
    import subprocess
    import sys

    def complete(words: str, cword: int) -> str:
        env = {
            **os.environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            "_ZOOMSTATE_COMPLETE": "bash_complete",
        }
        done = subprocess.run(
            [sys.executable, "-m", "zoomstate.cli"], env=env, capture_output=True, text=True
        )
        return done.stdout

    assert "plain,plan" in complete("zoomstate pl", 1).splitlines()
    assert "plain,--skip-removals" in complete("zoomstate apply --sk", 2).splitlines()


def test_colour_only_on_a_terminal_and_never_with_no_color(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zoomstate.cli import _color

    class Stream:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _color(Stream(True)) is True
    assert _color(Stream(False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _color(Stream(True)) is False


def test_export_progress_counts_records_and_calls(tmp_path: Path) -> None:
    import asyncio
    import re

    from zoomstate.cli import _read_live
    from zoomstate.session import Connection

    messages: list[str] = []
    live, calls = asyncio.run(_read_live(Connection(sandbox=tmp_path / "sb.json"), messages.append))
    assert messages, "no progress shown"
    pattern = re.compile(r"reading the account: [\d,]+ records in [\d,]+ API calls")
    assert all(pattern.fullmatch(m) for m in messages), messages
    assert calls > 0 and live.users


CREDENTIALS = {"ZOOM_ACCOUNT_ID": "a", "ZOOM_CLIENT_ID": "b", "ZOOM_CLIENT_SECRET": "c"}


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("ZOOMSTATE_API_URL", "notaurl", "not an https:// URL"),
        ("ZOOMSTATE_API_URL", "", "empty"),
        ("ZOOMSTATE_API_URL", "http://api.example.com/v2", "plain http is accepted only"),
        ("ZOOMSTATE_API_URL", "https://api.zoom.us:port/v2", "not a URL"),
        ("ZOOMSTATE_OAUTH_URL", "zoom.us/oauth/token", "not an https:// URL"),
        ("ZOOMSTATE_OAUTH_URL", "https:///oauth/token", "a URL without a host"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_an_unusable_url_is_a_one_line_error_before_any_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    variable: str,
    value: str,
    problem: str,
) -> None:
    # Not a network fault to retry six times: a setting to fix, said at once.
    from zoomstate.zoom.client import ZoomClient

    monkeypatch.chdir(tmp_path)  # apply's journal directory

    sent: list[str] = []

    async def send(self: Any, method: str, path: str, **kw: Any) -> Any:
        sent.append(f"{method} {path}")
        raise AssertionError("no request may leave with an unusable URL")

    monkeypatch.setattr(ZoomClient, "_send", send)
    args = [command, str(EXAMPLE)] + (["--auto-approve"] if command == "apply" else [])
    result = run_cli(args, env={**CREDENTIALS, variable: value})
    assert result.code == ExitCode.ERROR
    assert sent == [] and result.stdout == ""
    assert result.stderr.startswith(f"Error: {variable}={value!r}: {problem}")
    assert len(result.stderr.splitlines()) == 1


def test_a_url_with_a_password_is_refused_without_repeating_it() -> None:
    env = {**CREDENTIALS, "ZOOMSTATE_API_URL": "https://me:hunter2@api.zoom.us/v2"}
    result = run_cli(["plan", str(EXAMPLE)], env=env)
    assert result.code == ExitCode.ERROR
    assert result.stderr.startswith("Error: ZOOMSTATE_API_URL: a URL with a user name")
    assert "hunter2" not in result.stderr
