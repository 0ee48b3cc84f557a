"""The plan command's phases, timed, in this process: `python -m tests.bench.plan_phases
STATE_DIR` against the account named by the ZOOMSTATE_*/ZOOM_* environment (a sandbox
served by another process). Prints the plan's size on stdout like the CLI would (the
rendered plan is measured, not printed) and one `MEASURE {json}` line on stderr.

It runs the same functions as `zoomstate plan` (load_state, read_account, make_plan,
render_plan_text), in the same order, so the split is the CLI's own.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path

from zoomstate.live import LiveState
from zoomstate.loader import load_state
from zoomstate.plan import make_plan
from zoomstate.render import render_plan_json, render_plan_text
from zoomstate.session import Connection, open_client
from zoomstate.zoom.read import read_account


async def _read(conn: Connection) -> tuple[LiveState, int]:
    async with open_client(conn) as client:
        live = await read_account(client)
        return live, client.stats.calls


def _timed(started: float, cpu: float) -> tuple[float, float]:
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str]) -> None:
    state_dir = Path(argv[0])
    wall0, cpu0 = time.perf_counter(), time.process_time()
    figures: dict[str, float] = {}

    t, c = time.perf_counter(), time.process_time()
    desired = load_state(state_dir)
    figures["load_s"], figures["load_cpu_s"] = _timed(t, c)

    t, c = time.perf_counter(), time.process_time()
    live, calls = asyncio.run(_read(Connection(tier="business", pacing=False)))
    figures["read_s"], figures["read_cpu_s"] = _timed(t, c)
    figures["calls"] = calls

    t, c = time.perf_counter(), time.process_time()
    plan = make_plan(desired, live)
    figures["plan_s"], figures["plan_cpu_s"] = _timed(t, c)

    t, c = time.perf_counter(), time.process_time()
    text = render_plan_text(plan)
    data = render_plan_json(plan)
    figures["render_s"], figures["render_cpu_s"] = _timed(t, c)

    figures["wall_s"], figures["cpu_s"] = _timed(wall0, cpu0)
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["peak_rss_mib"] = (own.ru_maxrss + kids.ru_maxrss) / 1024
    figures["operations"] = len(plan.operations)
    figures["users"] = len(live.users)
    print(f"{len(plan.operations)} operations, {len(text)} + {len(data)} bytes rendered")
    print("MEASURE " + json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
