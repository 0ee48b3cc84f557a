"""docs/getting-started.md: its sandbox walkthrough runs verbatim, exits and prints as it
says.

The commands are the `$ ` lines of the ```console blocks between the
`getting-started:sandbox:begin` and `:end` markers (`> ` lines continue a command, as a
shell shows them; other lines are output, and each must appear in what the command
printed). A command's expected exit status is 0 unless its comment says `# exits N`; words
quoted in such a comment must be in the output too. They run in order in one bash session
(so `export` and here-docs work as in a terminal), in an empty folder, with nothing of the
developer's environment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "getting-started.md"
BIN = Path(sys.executable).parent


def shown_output() -> list[list[str]]:
    """The output lines the guide shows under each command, in walkthrough order."""
    text = GUIDE.read_text(encoding="utf-8")
    section = re.search(
        r"<!-- getting-started:sandbox:begin -->(.*)<!-- getting-started:sandbox:end -->",
        text,
        re.S,
    )
    assert section is not None
    shown: list[list[str]] = []
    for block in re.findall(r"^```console\n(.*?)^```$", section.group(1), re.S | re.M):
        for line in block.splitlines():
            if line.startswith("$ "):
                shown.append([])
            elif not (line.startswith("> ") or line == ">") and line.strip():
                shown[-1].append(line.strip())
    return shown


def walkthrough() -> list[tuple[str, int]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = re.search(
        r"<!-- getting-started:sandbox:begin -->(.*)<!-- getting-started:sandbox:end -->",
        text,
        re.S,
    )
    assert section is not None, "the guide lost its sandbox walkthrough markers"
    commands: list[tuple[str, int]] = []
    for block in re.findall(r"^```console\n(.*?)^```$", section.group(1), re.S | re.M):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], 0))
            elif line.startswith("> ") or line == ">":
                assert commands, "a continuation line before any command"
                commands[-1] = (commands[-1][0] + "\n" + line[2:], 0)
    return [(cmd, _expected(cmd)) for cmd, _ in commands]


def _expected(command: str) -> int:
    found = re.search(r"#\s*exits (\d+)", command.splitlines()[0])
    return int(found.group(1)) if found else 0


def test_walkthrough_is_long_enough() -> None:
    commands = [cmd for cmd, _ in walkthrough()]
    assert any(c.startswith("zoomstate apply") for c in commands)
    assert any(c.startswith("zoomstate plan") for c in commands)
    assert any(code == 2 for _, code in walkthrough())


def test_sandbox_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    commands = walkthrough()
    script = ["set +e"]
    for index, (command, _) in enumerate(commands):
        # Braces, not a subshell: `export` must reach the next commands.
        script += [f"{{ {command}\n}} > .out-{index} 2>&1", f"echo $? > .exit-{index}"]
    # Never leave the guide's background sandbox running, whatever happened above (and
    # never signal another process that got its pid since).
    script += [
        'pid="${ZOOMSTATE_SANDBOX_PID:-}"',
        'if [ -n "$pid" ] && ps -p "$pid" -o args= | grep -q "sandbox serve"; then',
        '  kill "$pid"',
        "fi",
    ]
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input="\n".join(script) + "\n",
        cwd=work,
        env={
            "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            # The zoomstate of this checkout, not whichever one the venv was installed from.
            "PYTHONPATH": str(REPO),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = done.stdout + done.stderr
    shown = shown_output()
    assert len(shown) == len(commands)
    for index, (command, expected) in enumerate(commands):
        status = work / f".exit-{index}"
        assert status.exists(), f"never ran: {command}\n{log}"
        code = int(status.read_text())
        output = (work / f".out-{index}").read_text()
        assert code == expected, f"`{command}` exited {code}, the guide says {expected}\n{output}"
        for line in shown[index]:
            assert line in output, f"`{command}` did not print {line!r}:\n{output}"
        # A comment such as "# exits 1: unknown key 'typo'; did you mean 'type'?" quotes
        # what the reader will see: each quoted word must be in the output.
        said = re.search(r"#\s*exits \d+: (.*)$", command.splitlines()[0])
        for word in re.findall(r"'([^']+)'", said.group(1) if said else ""):
            assert f"'{word}'" in output, f"`{command}` did not mention {word!r}:\n{output}"
    assert list((work / ".zoomstate" / "runs").glob("*.jsonl")), "apply left no journal"
    # Journals hold user records: the guide keeps them out of git.
    assert ".zoomstate/" in (work / ".gitignore").read_text().splitlines()


def test_the_walkthrough_accepts_the_invitation_on_a_served_sandbox() -> None:
    """The hire's waiting steps only become real once she accepts: the guide does it with
    the served sandbox's admin API (the embedded one has none), in commands that run."""
    commands = [cmd for cmd, _ in walkthrough()]
    serve = next(i for i, c in enumerate(commands) if "sandbox serve" in c)
    assert "--print-env" in commands[serve] and commands[serve].startswith('eval "$(')
    activate = next(i for i, c in enumerate(commands) if "/_sandbox/users/" in c)
    assert serve < activate and "$ZOOMSTATE_SANDBOX_ADMIN_SECRET" in commands[activate]
    assert any(c.startswith("zoomstate apply") for c in commands[activate:])
    assert commands[-1] == 'kill "$ZOOMSTATE_SANDBOX_PID"'
    text = GUIDE.read_text(encoding="utf-8")
    assert "exists only on a **served** sandbox" in text
    assert "The sandbox is fast; Zoom is paced" in text
