"""Start-up benchmark: `zoomstate --help` and `zoomstate validate state/` (the example
state, 31 users), each a fresh interpreter, as a shell-completion TAB and the pre-commit
hook start one. Target (issue 15): under 0.2 s each.

Each command runs `--runs` times (after one run that fills the bytecode cache: an
installed package has its .pyc files, so a run that compiles every module would measure
something no user sees); the minimum and the median wall time are reported, with the
machine's load average, since the machine is shared.

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
COMMANDS = {
    "zoomstate --help": ["--help"],
    "zoomstate validate state/": ["validate", str(REPO / "state")],
}


def timed(args: list[str], env: dict[str, str]) -> float:
    code = f"import sys\nfrom zoomstate.cli import main\nsys.exit(main({args!r}))\n"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench startup")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache  # the cache out of the source tree
        for name, cli_args in COMMANDS.items():
            timed(cli_args, env)
            times = [timed(cli_args, env) for _ in range(args.runs)]
            row = [
                name,
                f"{min(times):.3f} s",
                f"{statistics.median(times):.3f} s",
                str(args.runs),
                load_average(),
            ]
            print("startup:", " | ".join(row), flush=True)
            rows.append(row)
    write_section(
        "startup",
        "Start-up: `zoomstate --help` and `zoomstate validate`",
        "A fresh interpreter per run, bytecode cached (as installed); target under 0.2 s. "
        "`--help` loads no pydantic, YAML or event loop; `validate` no planner, client, "
        "event loop, CSV import or process pool (tests/test_lazy_imports.py). Most of "
        "`validate`'s start is pydantic's own import and the state models' schemas.\n\n"
        + table(["command", "fastest", "median", "runs", "machine load"], rows),
    )
