"""`zoomstate sandbox serve --help`'s background example, run as written: `eval` of
`--print-env` returns (the server detaches from the shell's `$(...)` pipe), the exported
settings reach the sandbox, the admin call activates an invitation, `kill` stops it.

Before `--print-env`, the documented `eval "$(zoomstate sandbox serve ... | grep =)"`
waited forever for a server that never closes its stdout, and its lines had no
`export`, so the commands run after it did not see them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import click

from tests.cli_runner import run_cli

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def documented_example() -> tuple[str, str, str]:
    """The example's `eval`, `curl` (with its continuation line) and `kill` commands,
    verbatim from --help."""
    shown = run_cli(["sandbox", "serve", "--help"])
    assert shown.code == 0, shown.stderr
    lines = [line.strip() for line in shown.stdout.split("Examples:")[1].splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith('eval "$('))
    evaluate, curl, curl_more, kill = lines[start : start + 4]
    assert "--print-env" in evaluate and "| grep" not in evaluate
    assert curl.startswith("curl") and curl.endswith("\\") and kill.startswith("kill")
    return evaluate, f"{curl}\n{curl_more}", kill


HIRE = """\
users:
  - email: new.hire@example.com
    first_name: Nadia
    last_name: Hire
    type: licensed
"""


def test_the_print_env_example_of_serve_help_runs_as_written(tmp_path: Path) -> None:
    evaluate, curl, kill = documented_example()
    (tmp_path / "home").mkdir()
    script = textwrap.dedent(
        """\
        set -eu
        # The test's own safety net: never leave a server behind when a step fails.
        stop() {{ [ -n "${{ZOOMSTATE_SANDBOX_PID:-}}" ] && kill "$ZOOMSTATE_SANDBOX_PID"; true; }}
        trap stop EXIT
        {evaluate}
        echo "pid $ZOOMSTATE_SANDBOX_PID"
        # zoomstate finds the sandbox through the exported settings alone: invite a hire.
        zoomstate export --out state/ > /dev/null
        cat > state/users/new-hires.yaml <<'EOF'
        {hire}EOF
        zoomstate apply state/ --auto-approve > /dev/null
        {curl} > activated.json
        pid=$ZOOMSTATE_SANDBOX_PID
        {kill}
        # Gone: tail returns when the process has exited.
        timeout 20 tail --pid="$pid" -f /dev/null
        ZOOMSTATE_SANDBOX_PID=
        echo stopped
        """
    ).format(evaluate=evaluate, hire=HIRE, curl=curl, kill=kill)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        cwd=tmp_path,
        env={
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(REPO),
            "ZOOMSTATE_PACING": "off",
        },
        capture_output=True,
        text=True,
        # The bug was a hang: a bound, not a measurement.
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^pid \d+$", done.stdout, re.M), done.stdout
    assert done.stdout.rstrip().endswith("stopped"), done.stdout
    activated = json.loads((tmp_path / "activated.json").read_text(encoding="utf-8"))
    assert activated["email"] == "new.hire@example.com" and activated["status"] == "active"
    # What --print-env says on stderr: where it serves and how to stop it.
    assert "kill" in done.stderr


def test_print_env_lines_are_export_lines_quoted_for_the_shell() -> None:
    """Each line is `export KEY=VALUE` a shell reads back unchanged (secrets may hold
    characters a shell would expand)."""
    secret = "s3cr$t'x"
    done = subprocess.run(
        [
            str(BIN / "zoomstate"),
            "sandbox",
            "serve",
            "--port",
            "0",
            "--print-env",
            "--admin-secret",
            secret,
        ],
        env={"PATH": f"{BIN}:/usr/bin:/bin", "PYTHONPATH": str(REPO), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(line.startswith("export ") for line in lines), lines
    read_back = subprocess.run(
        [
            "bash",
            "--noprofile",
            "--norc",
            "-c",
            'eval "$1"; printf %s "$ZOOMSTATE_SANDBOX_ADMIN_SECRET"; kill "$ZOOMSTATE_SANDBOX_PID"',
            "-",
            done.stdout,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert read_back.returncode == 0, read_back.stderr
    assert read_back.stdout == secret


def test_every_serve_option_says_what_it_does() -> None:
    from zoomstate.sandbox.cli import serve

    bare = [p.opts[0] for p in serve.params if isinstance(p, click.Option) and not (p.help or "")]
    assert bare == [], f"options without help: {bare}"
