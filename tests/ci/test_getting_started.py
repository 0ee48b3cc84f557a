"""docs/getting-started.md: its sandbox walkthrough runs verbatim, and exits as it says.

The commands are the `$ ` lines of the ```console blocks between the
`getting-started:sandbox:begin` and `:end` markers (`> ` lines continue a command, as a
shell shows them; other lines are output). A command's expected exit status is 0 unless its
comment says `# exits N`. They run in order in one bash session (so `export` and here-docs
work as in a terminal), in an empty folder, with nothing of the developer's environment.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "getting-started.md"
BIN = Path(sys.executable).parent


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
        script += [f"echo '>>> command {index}' >&2", command, f"echo $? > .exit-{index}"]
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input="\n".join(script) + "\n",
        cwd=work,
        env={"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = done.stdout + done.stderr
    for index, (command, expected) in enumerate(commands):
        status = work / f".exit-{index}"
        assert status.exists(), f"never ran: {command}\n{log}"
        code = int(status.read_text())
        assert code == expected, f"`{command}` exited {code}, the guide says {expected}\n{log}"
    assert list((work / ".zoomstate" / "runs").glob("*.jsonl")), "apply left no journal"
