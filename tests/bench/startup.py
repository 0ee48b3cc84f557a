"""Start-up benchmark: `zoomstate --help` and `zoomstate validate state/` (the example
state, 31 users), each a fresh interpreter, as a shell-completion TAB and the pre-commit
hook start one. Target (issue 15): under 0.2 s each.

Next to them, in the same runs, what their dependencies cost before zoomstate runs a
line: an empty interpreter, and an interpreter that imports click and PyYAML and builds
one pydantic model (which imports pydantic and the schema machinery every model needs):
the floor `validate` cannot go under while its state models are pydantic's.

Each program runs `--runs` times, the programs interleaved so that a slow spell of the
shared machine falls on all of them (after one run each that fills the bytecode cache:
an installed package has its .pyc files, so a run that compiles every module would
measure something no user sees); the minimum and the median wall time are reported,
with the machine's load average.

    python -m tests.bench startup [--runs 15]
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

from tests.bench.plan import load_average
from tests.bench.report import table, write_section

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> str:
    return f"import sys\nfrom zoomstate.cli import main\nsys.exit(main({list(args)!r}))\n"


PROGRAMS = {
    "python (empty)": "pass\n",
    "click + PyYAML + one pydantic model": (
        "import click, yaml\nfrom pydantic import BaseModel\n\n"
        "class One(BaseModel):\n    x: int\n\nOne(x=1)\n"
    ),
    "zoomstate --help": _cli("--help"),
    "zoomstate validate state/": _cli("validate", str(REPO / "state")),
}


def timed(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench startup")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache  # the cache out of the source tree
        for code in PROGRAMS.values():
            timed(code, env)
        load = load_average()
        for _ in range(args.runs):
            for name, code in PROGRAMS.items():
                times[name].append(timed(code, env))
    rows = [
        [name, f"{min(t):.3f} s", f"{statistics.median(t):.3f} s", str(args.runs), load]
        for name, t in times.items()
    ]
    for row in rows:
        print("startup:", " | ".join(row), flush=True)
    write_section(
        "startup",
        "Start-up: `zoomstate --help` and `zoomstate validate`",
        "A fresh interpreter per run, bytecode cached (as installed), the four programs "
        "interleaved; target under 0.2 s. `--help` loads no pydantic, YAML or event loop; "
        "`validate` no planner, client, event loop, CSV import or process pool "
        "(tests/test_lazy_imports.py). The second row is the floor of `validate`'s "
        "dependencies: click, PyYAML, and pydantic with the first model it builds (its "
        "import, its schema machinery and the `importlib.metadata` its plugin loader "
        "imports); what `validate` takes above it is zoomstate's (its modules, the state "
        "models' schemas, reading and checking the 31 users).\n\n"
        + table(["program", "fastest", "median", "runs", "machine load"], rows),
    )
