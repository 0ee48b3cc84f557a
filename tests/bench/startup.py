"""Start-up benchmark: `zoomstate --help` and `zoomstate validate state/` (the example
state, 31 users), each a fresh interpreter, as a shell-completion TAB and the pre-commit
hook start one. Target (issue 15): under 0.2 s each.

Next to them, in the same runs, what their dependencies cost before zoomstate runs a
line: an empty interpreter, and an interpreter that imports click and PyYAML and builds
one pydantic model (which imports pydantic and the schema machinery every model needs),
with pydantic's plugin discovery skipped as the command line skips it
(`zoomstate.cli.pydantic_plugins`): the floor `validate` cannot go under while its state
models are pydantic's. And `validate` once more with pydantic looking for plugins as it
does by default (`PYDANTIC_DISABLE_PLUGINS` set empty), what the stand-in saves.

Each program runs `--runs` times, the programs interleaved so that a slow spell of the
shared machine falls on all of them (after one run each that fills the bytecode cache:
an installed package has its .pyc files, so a run that compiles every module would
measure something no user sees); the minimum and the median wall time are reported,
with the machine's load average.

And, in the same interleaved runs, both commands as they were at `--baseline` (default
65d49d0, the commit issue 15 measured 0.49 s at), its tree taken with `git archive` and
run first on the path with the same interpreter and dependencies: the machine's speed
varies from one spell to the next (an empty interpreter has taken from 0.009 s to 0.019
s, the dependencies' floor from 0.093 s to 0.168 s), so the ratio to the baseline in the
same run is the figure that carries over.
`--baseline ''` leaves it out (as it is left out where the commit is not in the clone).

    python -m tests.bench startup [--runs 15] [--baseline COMMIT]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from tests.bench.plan import load_average
from tests.bench.report import table, write_section

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> str:
    return f"import sys\nfrom zoomstate.cli import main\nsys.exit(main({list(args)!r}))\n"


class Program(NamedTuple):
    code: str
    env: dict[str, str]  # what it adds to the environment
    cwd: Path = REPO


_VALIDATE = _cli("validate", str(REPO / "state"))
PROGRAMS: dict[str, Program] = {
    "python (empty)": Program("pass\n", {}),
    "click + PyYAML + one pydantic model, no plugin discovery": Program(
        # the CLI's stand-in, written out: importing it would load zoomstate.cli
        "import sys, types\nloader = types.ModuleType('pydantic.plugin._loader')\n"
        "loader.get_plugins = lambda: ()\nsys.modules[loader.__name__] = loader\n"
        "import click, yaml\nfrom pydantic import BaseModel\n\n"
        "class One(BaseModel):\n    x: int\n\nOne(x=1)\n",
        {},
    ),
    "zoomstate --help": Program(_cli("--help"), {}),
    "zoomstate validate state/": Program(_VALIDATE, {}),
    "zoomstate validate state/, pydantic's plugin discovery on": Program(
        _VALIDATE,
        {"PYDANTIC_DISABLE_PLUGINS": ""},
    ),
}


def baseline_programs(commit: str, tree: Path) -> dict[str, Program]:
    """`--help` and `validate` of `commit`'s tree, extracted into `tree`; none if the
    commit is not in this clone (a shallow one, say)."""
    if not commit:
        return {}
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "zoomstate", "state"],
        cwd=REPO,
        capture_output=True,
    )
    if archive.returncode != 0:
        print(f"startup: baseline {commit} not in this clone, left out", file=sys.stderr)
        return {}
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    # Run in the tree too: `python -c` puts the working directory ahead of PYTHONPATH.
    first_on_path = {"PYTHONPATH": str(tree)}
    return {
        f"zoomstate --help at {commit}": Program(_cli("--help"), first_on_path, tree),
        f"zoomstate validate state/ at {commit}": Program(
            _cli("validate", str(tree / "state")), first_on_path, tree
        ),
    }


def timed(program: Program, env: dict[str, str]) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-c", program.code]
    subprocess.run(
        command, env={**env, **program.env}, check=True, capture_output=True, cwd=program.cwd
    )
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench startup")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", default="65d49d0")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as tree:
        programs = PROGRAMS | baseline_programs(args.baseline, Path(tree))
        times: dict[str, list[float]] = {name: [] for name in programs}
        skip = ("PYTHONDONTWRITEBYTECODE", "PYDANTIC_DISABLE_PLUGINS")
        env = {k: v for k, v in os.environ.items() if k not in skip}
        env["PYTHONPYCACHEPREFIX"] = cache  # the cache out of the source tree
        for program in programs.values():
            timed(program, env)
        load = load_average()
        for _ in range(args.runs):
            for name, program in programs.items():
                times[name].append(timed(program, env))
    rows = [
        [name, f"{min(t):.3f} s", f"{statistics.median(t):.3f} s", str(args.runs), load]
        for name, t in times.items()
    ]
    for row in rows:
        print("startup:", " | ".join(row), flush=True)
    write_section(
        "startup",
        "Start-up: `zoomstate --help` and `zoomstate validate`",
        "A fresh interpreter per run, bytecode cached (as installed), the programs "
        "interleaved; target under 0.2 s. `--help` loads no pydantic, YAML or event loop; "
        "`validate` no planner, client, event loop, CSV import, process pool or "
        "`importlib.metadata` (tests/test_lazy_imports.py). The second row is the floor of "
        "`validate`'s dependencies: click, PyYAML, and pydantic with the first model it "
        "builds (its import and its schema machinery), pydantic's plugin discovery skipped "
        "as the command line skips it (`zoomstate.cli.pydantic_plugins`); what `validate` "
        "takes above it is zoomstate's (its modules, the state models' schemas, reading and "
        "checking the 31 users). The last row is `validate` with pydantic looking for "
        "plugins as it does by default (`importlib.metadata` imported, every installed "
        "distribution's entry points read): what the stand-in saves. The rows `at` a "
        "commit are the same two commands as they were there, run in the same rounds with "
        "the same interpreter and dependencies (65d49d0 is the commit issue 15 measured "
        "0.49 s for both at): the ratio is the figure that carries from one spell of the "
        "machine to another.\n\n"
        + table(["program", "fastest", "median", "runs", "machine load"], rows),
    )
