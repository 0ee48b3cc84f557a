"""Run the zoomstate CLI in this process and print its resource use as one JSON line on
stderr: `python -m tests.bench.measure validate state/`.

Peak memory is the largest process's peak RSS: this process's own, or the largest of its
worker processes' (the loader parses on both cores), whichever is higher. Adding them, as
this once did, counted memory that no process held (a worker's peak is over before the
parent's, and much of it is pages shared with the parent).
"""

from __future__ import annotations

import json
import resource
import sys
import time

from zoomstate.cli import main

if __name__ == "__main__":
    started = time.perf_counter()
    cpu_started = time.process_time()
    code = main(sys.argv[1:])
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        "MEASURE "
        + json.dumps(
            {
                "exit": code,
                "wall_s": time.perf_counter() - started,
                "cpu_s": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
                "peak_rss_mib": max(own.ru_maxrss, kids.ru_maxrss) / 1024,
                "own_peak_mib": own.ru_maxrss / 1024,
                "child_peak_mib": kids.ru_maxrss / 1024,
            }
        ),
        file=sys.stderr,
    )
    sys.exit(code)
