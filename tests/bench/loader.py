"""Loader benchmark: validate a generated state of N users split over 50 files.

The record shape is fixed here (so figures stay comparable across runs): every user has
names, a department and a profile; 60% have Zoom Phone with an extension and half of
those a direct number; 10% have Contact Center. Validation runs in a child process
(`zoomstate validate`) so its peak RSS is measured alone.

    python -m tests.bench loader [--users 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.report import table, write_section

FILES = 50
DEPARTMENTS = ("Sales", "Support", "Engineering", "Finance", "Operations")


def generate(root: Path, users: int) -> int:
    """Write the state; returns its size in bytes."""
    (root / "users").mkdir(parents=True)
    (root / "account.yaml").write_text(
        "account:\n  domains: [example.com]\n  on_missing_user: report\n  rate_limits: business\n",
        encoding="utf-8",
    )
    (root / "profiles.yaml").write_text(
        "profiles:\n"
        "  phone-user:\n    type: licensed\n    phone:\n      site: Main\n"
        "      calling_plans: [US/CA Unlimited]\n"
        "  agent:\n    type: licensed\n    contact_center: {package: premium, role: Agent}\n",
        encoding="utf-8",
    )
    size = 0
    per_file = -(-users // FILES)
    for f in range(FILES):
        lines = ["users:"]
        for i in range(f * per_file, min(users, (f + 1) * per_file)):
            lines += [
                f"  - email: user{i:06d}@example.com",
                f"    first_name: First{i}",
                f"    last_name: Last{i}",
                f"    department: {DEPARTMENTS[i % len(DEPARTMENTS)]}",
            ]
            if i % 10 < 6:
                lines += ["    profile: phone-user", "    phone:", f"      extension: {100000 + i}"]
                if i % 2 == 0:
                    # +1 650 2xx xxxx: unique per user, valid E.164.
                    lines.append(f'      numbers: ["+1650{2000000 + i:07d}"]')
            elif i % 10 == 6:
                lines.append("    profile: agent")
            else:
                lines.append("    type: basic")
        text = "\n".join(lines) + "\n"
        size += len(text)
        (root / "users" / f"part{f:02d}.yaml").write_text(text, encoding="utf-8")
    return size


def measured(stderr: str) -> dict[str, float]:
    for line in stderr.splitlines():
        if line.startswith("MEASURE "):
            figures: dict[str, float] = json.loads(line.removeprefix("MEASURE "))
            return figures
    raise SystemExit(f"no measurement in output:\n{stderr[:2000]}")


def run(users: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "state"
        size = generate(root, users)
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.measure", "validate", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"validate failed:\n{proc.stderr[:2000]}")
        figures = measured(proc.stderr)
        wall = figures["wall_s"]
        peak_mib = figures["peak_rss_mib"]
    return [
        f"{users:,}",
        f"{size / 1e6:.1f} MB",
        f"{wall:.1f} s",
        f"{users / wall:,.0f}",
        f"{peak_mib:,.0f} MiB",
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench loader")
    parser.add_argument("--users", type=int, action="append")
    args = parser.parse_args(argv)
    sizes = args.users or [100_000]
    rows = []
    for n in sizes:
        row = run(n)
        print("loader:", " | ".join(row), flush=True)
        rows.append(row)
    write_section(
        "loader",
        "Loader: `zoomstate validate` on a generated state (50 files)",
        "Target: at most 60 s and 1 GB at 100,000 users on this 2-core machine.\n\n"
        + table(["users", "YAML", "wall time", "users/s", "peak RSS"], rows),
    )
