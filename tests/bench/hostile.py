"""Hostile-input benchmark: each hostile corpus case, its wall time and extra memory.

Target (issue 2): every hostile input ends in one clear error naming the file, exit 1,
no traceback, in under 2 s and under 100 MB of extra memory. Each case runs in its own
child process so its peak RSS is its own; "extra" is the peak minus the RSS the child had
after importing zoomstate.

    python -m tests.bench hostile [--no-write]

`measure()` is also what tests/test_hostile.py uses (with all cases in one child).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from tests.bench.report import table, write_section

REPO = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 2.0
TARGET_EXTRA_MIB = 100.0


def hostile_cases() -> list[str]:
    from tests.corpus.runtime import case_names

    return [n for n in case_names() if n.startswith("hostile-")]


def _rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS, where this bench is not run).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(names: list[str]) -> None:
    """Run in the child: one JSON line per case on stdout."""
    from tests.cli_runner import run_cli
    from tests.corpus.runtime import materialise

    baseline = _rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            case = materialise(name, Path(tmp) / name)
            os.chdir(case)
            start = time.perf_counter()
            try:
                result = run_cli(["validate", "state"])
                code, stderr = result.code, result.stderr
            except BaseException:
                # Anything escaping main() is the bug this benchmark looks for.
                code, stderr = -1, traceback.format_exc()
            wall = time.perf_counter() - start
            os.chdir(tmp)
            record = {
                "name": name,
                "code": code,
                "stderr": stderr,
                "wall_s": wall,
                # Peak since the child started: with several cases in one child, an
                # upper bound for each.
                "extra_mib": max(0.0, _rss_mib() - baseline),
            }
            print(json.dumps(record), flush=True)


def measure(names: list[str], timeout: float = 600) -> list[dict[str, Any]]:
    """Run `names` in one fresh child process; one record per case, in order."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.hostile", "--child", *names],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"hostile child failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench hostile")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="do not update docs/")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child)
        return
    rows: list[list[str]] = []
    failed = False
    for name in hostile_cases():
        (record,) = measure([name])
        ok = (
            record["code"] == 1
            and record["wall_s"] < TARGET_SECONDS
            and record["extra_mib"] < TARGET_EXTRA_MIB
            and "Traceback" not in record["stderr"]
        )
        failed |= not ok
        row = [
            name,
            str(record["code"]),
            f"{record['wall_s'] * 1000:.0f} ms",
            f"{record['extra_mib']:.1f} MiB",
            "ok" if ok else "FAIL",
        ]
        print("hostile:", " | ".join(row), flush=True)
        rows.append(row)
    if not args.no_write:
        write_section(
            "hostile",
            "Hostile input: `zoomstate validate` on each hostile corpus case",
            f"Target: exit 1 with one clear error, under {TARGET_SECONDS:g} s and "
            f"{TARGET_EXTRA_MIB:g} MB of extra memory each.\n\n"
            + table(["case", "exit", "wall time", "extra peak RSS", "target"], rows),
        )
    if failed:
        raise SystemExit("hostile: some cases missed the target")


if __name__ == "__main__":
    main(sys.argv[1:])
