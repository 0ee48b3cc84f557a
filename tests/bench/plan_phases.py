"""The plan command's phases, timed, in this process: `python -m tests.bench.plan_phases
STATE_DIR [--gc MODE]` against the account named by the ZOOMSTATE_*/ZOOM_* environment (a
sandbox served by another process). Prints the plan's size on stdout like the CLI would
(the rendered plan is measured, not printed) and one `MEASURE {json}` line on stderr.

It runs the same functions as `zoomstate plan` (load_state, read_live through run_async,
make_plan, render_plan_text), in the same order, so the split is the CLI's own. `--gc`
chooses what the collector does meanwhile:

- `tamed`: what `zoomstate plan` does (`usecases.runtime.tamed_gc`: thresholds raised);
- `as-is`: Python's defaults, the collector left as it is;
- `freeze`: `gc.freeze()` after the load and after the read (the alternative measured);
- `off`: `gc.disable()` throughout (what the collector costs at most).

The time the collector took is measured through `gc.callbacks`. Peak memory is this
process's own and the largest of its children's (the loader's parse workers), each on
its own: the largest process's peak, never a sum.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from zoomstate.loader import load_state
from zoomstate.plan import PlanOptions, make_plan
from zoomstate.render import render_plan_json, render_plan_text
from zoomstate.session import Connection
from zoomstate.usecases.reading import read_live
from zoomstate.usecases.runtime import run_async, tamed_gc

GC_MODES = ("tamed", "as-is", "freeze", "off")


class GcClock:
    """Seconds spent in the collector, and collections per generation."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1


@contextlib.contextmanager
def collector(mode: str) -> Iterator[Callable[[], None]]:
    """The collector as `mode` wants it for the block; yields what to call after a
    phase (freeze freezes what is there then)."""
    if mode == "tamed":
        with tamed_gc():
            yield lambda: None
    elif mode == "freeze":
        try:
            yield gc.freeze
        finally:
            gc.unfreeze()
    elif mode == "off":
        gc.disable()
        try:
            yield lambda: None
        finally:
            gc.enable()
    else:
        yield lambda: None


def peaks() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # ru_maxrss of RUSAGE_CHILDREN is the largest peak of any one waited-for child.
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"own_peak_mib": own, "child_peak_mib": child, "peak_rss_mib": max(own, child)}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.plan_phases")
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("--gc", choices=GC_MODES, default="tamed")
    parser.add_argument("--no-batch", action="store_true", help="plan as `plan --no-batch`")
    args = parser.parse_args(argv)
    clock = GcClock()
    gc.callbacks.append(clock)
    figures: dict[str, Any] = {"gc_mode": args.gc}

    def phase(name: str, started: float, cpu: float, gc_before: float) -> None:
        figures[f"{name}_s"] = time.perf_counter() - started
        figures[f"{name}_cpu_s"] = time.process_time() - cpu
        figures[f"{name}_gc_s"] = clock.seconds - gc_before

    wall0, cpu0 = time.perf_counter(), time.process_time()
    with collector(args.gc) as after_phase:
        t, c, g = time.perf_counter(), time.process_time(), clock.seconds
        desired = load_state(args.state_dir)
        after_phase()
        phase("load", t, c, g)

        t, c, g = time.perf_counter(), time.process_time(), clock.seconds
        conn = Connection(tier="business", pacing=False)
        live, calls = run_async(read_live(conn, desired=desired))
        after_phase()
        phase("read", t, c, g)
        figures["calls"] = calls

        t, c, g = time.perf_counter(), time.process_time(), clock.seconds
        plan = make_plan(desired, live, PlanOptions(batch=not args.no_batch))
        phase("plan", t, c, g)

        t, c, g = time.perf_counter(), time.process_time(), clock.seconds
        text = render_plan_text(plan)
        data = render_plan_json(plan)
        phase("render", t, c, g)

    figures["wall_s"] = time.perf_counter() - wall0
    figures["cpu_s"] = time.process_time() - cpu0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["workers_cpu_s"] = kids.ru_utime + kids.ru_stime
    figures["gc_s"] = clock.seconds
    figures["gc_collections"] = clock.collections
    figures.update(peaks())
    figures["operations"] = len(plan.operations)
    figures["edges"] = sum(len(op.depends_on) for op in plan.operations)
    figures["plan_json_bytes"] = len(data)
    figures["users"] = len(live.users)
    print(f"{len(plan.operations)} operations, {len(text)} + {len(data)} bytes rendered")
    print("MEASURE " + json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
