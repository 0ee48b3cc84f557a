"""Planning new phone users who name their extension (issue 15): `zoomstate plan` for N new
users with Zoom Phone, a site, an extension and a calling plan, on a generated account of
1,000 users served by `zoomstate sandbox serve` in another process (rate limits off).

Zoom picks an extension for each new phone user before the user moves to its own, so the
picks take turns. The turns were all pairs (each pick waited for every earlier turn's
claim: n^2/2 dependency edges, 8.0 million at 4,000 users, a 379 MB plan file, 2.2 GB and
10 s to plan); they are a chain now. The "all pairs" column is what the old rule adds,
computed from the plan (n(n-1)/2 instead of n-1), not measured.

    python -m tests.bench plan_new [--users 4000 --users 10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.loader import measured
from tests.bench.plan import load_average
from tests.bench.report import table, write_section
from tests.bench.server import serve
from zoomstate.sandbox.persistence import save
from zoomstate.sandbox.seeding import generate_account

EXISTING = 1_000
FIRST_EXTENSION = 1_050_000  # San Francisco's site code is 10: 105xxxx is free


def generate(root: Path, new: int) -> Path:
    """The sandbox file (with seats for everyone) and a state of `new` phone users."""
    account = generate_account(EXISTING)
    account.seats.licensed = account.seats.zoom_phone = None  # unlimited
    account.plans[200].subscribed += new
    data = root / "account.json"
    save(account, data)
    state = root / "state"
    state.mkdir()
    (state / "account.yaml").write_text(
        # Created active: an invited user's phone steps wait until it accepts.
        "account:\n  domains: [example.com]\n  on_missing_user: ignore\n"
        "  create_action: autoCreate\n  rate_limits: business\n",
        encoding="utf-8",
    )
    lines = ["users:"]
    for i in range(new):
        lines += [
            f"  - email: new{i:06d}@example.com",
            f"    first_name: New{i}",
            "    last_name: Hire",
            "    type: licensed",
            "    phone:",
            "      site: San Francisco",
            f"      extension: {FIRST_EXTENSION + i}",
            "      calling_plans: [200]",
        ]
    (state / "new.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def run(new: int, *, batch: bool = True) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp), new)
        server, env = serve(data, "--no-rate-limits")
        try:
            started = time.perf_counter()
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.plan_phases",
                    str(Path(tmp) / "state"),
                    *([] if batch else ["--no-batch"]),
                ],
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, **env, "ZOOMSTATE_PACING": "off"},
            )
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait()
    if proc.returncode != 0:
        raise SystemExit(f"plan failed:\n{proc.stderr[-3000:]}")
    f: dict[str, Any] = measured(proc.stderr)
    f["new"], f["process_wall_s"], f["load"] = new, wall, load_average()
    f["way"] = "batched" if batch else "--no-batch"
    return f


def row(f: dict[str, Any]) -> list[str]:
    n, edges = int(f["new"]), int(f["edges"])
    # The old rule's all pairs apply to the turns, which only the per-user way has.
    all_pairs = f"{edges - (n - 1) + n * (n - 1) // 2:,}" if f["way"] != "batched" else "(no turns)"
    return [
        f"{n:,}",
        f["way"],
        f"{int(f['operations']):,}",
        f"{edges:,} ({edges / n:.1f} per user)",
        all_pairs,
        f"{f['plan_json_bytes'] / 1e6:.1f} MB",
        f"{f['plan_s']:.2f} s",
        f"{f['wall_s']:.1f} s",
        f"{f['peak_rss_mib']:,.0f} MiB",
        f["load"],
    ]


HEADERS = [
    "new phone users",
    "way",
    "steps",
    "dependency edges",
    "all pairs (old rule)",
    "plan file",
    "diff+order",
    "plan total",
    "peak",
    "machine load",
]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench plan_new")
    parser.add_argument("--users", type=int, action="append")
    args = parser.parse_args(argv)
    rows = []
    for n in args.users or [4_000, 10_000]:
        for batch in (True, False):
            r = row(run(n, batch=batch))
            print("plan_new:", " | ".join(r), flush=True)
            rows.append(r)
    write_section(
        "plan_new",
        "Plan: new phone users who name their extension",
        "New users with Zoom Phone, a site, an extension and a calling plan, on a "
        "generated account of 1,000 users (`python -m tests.bench plan_new`). Zoom picks "
        "an extension for each before the user moves to its own, so the picks take turns "
        "(docs/plan.md, rule 3): a chain, each pick waiting for the previous turn's claim. "
        '"All pairs" is what the old rule gave (each pick waiting for every earlier '
        "claim), computed from the plan; measured at commit 65d49d0, 4,000 users gave 8.0 "
        "million edges, a 379 MB plan file, 2.2 GB and 10 s to plan. The plan file is "
        "`plan --out`'s JSON; peak is the largest process's. Batched (the default since "
        "issue 15's batches), a new phone user whose block the batch can express is one "
        "`add_phone_user` step that waits for its own creation only: no pick, no turn; "
        "`--no-batch` is the per-user way with its chain of turns (the all-pairs column "
        "applies to that row).\n\n" + table(HEADERS, rows),
    )
