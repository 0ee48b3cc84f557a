"""One read of an account, in this process, for `tests.bench.read`: `python -m
tests.bench.read_client MODE [options]` against the account named by the ZOOMSTATE_*/
ZOOM_* environment (a sandbox served by another process). Prints one `MEASURE {json}`
line on stderr: wall time, API calls by endpoint, retries and this process's peak RSS.

Modes:
- `list`: zoomstate's read (`read_account`: list endpoints only, concurrently), the way
  `zoomstate plan` opens its client (`session.open_client`); `--paced --tier T` turns
  the pacer on. `--page-sizes JSON` gives the server's page sizes for the lower bound.
  `--numbers all` reads GET /phone/numbers whole, as zoomstate did before it took the
  numbers users hold from the phone users (issue 15).
- `naive`: what a per-resource tool does: list the users, then GET every user and every
  phone user one by one (`--phone-ids FILE` lists the phone users, as such a tool's own
  state would), `--concurrency N` at a time (Terraform's default parallelism is 10).

Only what the read needs is imported, so the peak RSS is the reader's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from zoomstate.session import Connection, open_client
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.read import USER_STATUSES, fetch_raw, lower_bound, map_account


def read_numbers_whole() -> None:
    """Read GET /phone/numbers whole (`type=all`, the user-held numbers too), as zoomstate
    did before issue 15: the "before" of the read benchmark, in the same run."""
    from zoomstate.zoom import read
    from zoomstate.zoom.adapters.base import ListSpec
    from zoomstate.zoom.adapters.phone import map_number

    kept = [spec for spec in read.LISTS if not spec.name.startswith("numbers_")]
    whole = ListSpec(
        "numbers_all", "/phone/numbers", "phone_numbers", params={"type": "all"}, item=map_number
    )
    read.LISTS = (*kept, whole)


async def _list(conn: Connection, page_sizes: dict[str, int]) -> dict[str, Any]:
    async with open_client(conn) as client:
        raw = await fetch_raw(client)
        live = map_account(raw)
        return {
            "users": len(live.users),
            "phone_users": sum(1 for u in live.users if u.spec.phone is not None),
            "cc_users": sum(1 for u in live.users if u.spec.contact_center is not None),
            "bound": lower_bound(raw, page_sizes),
            **_stats(client),
        }


async def _naive(conn: Connection, phone_ids: list[str], concurrency: int) -> dict[str, Any]:
    async with open_client(conn) as client:
        users: list[dict[str, Any]] = []
        for status in USER_STATUSES:
            # 300 a page, as per-resource tools and Zoom's pagination guide have it.
            users += await client.list_all(
                "/users", "users", page_size=300, params={"status": status}
            )
        gate = asyncio.Semaphore(concurrency)
        details: list[Any] = []

        async def get(path: str) -> None:
            async with gate:
                details.append(await client.get(path))

        await asyncio.gather(
            *(get(f"/users/{u.get('id') or u['email']}") for u in users),
            *(get(f"/phone/users/{i}") for i in phone_ids),
        )
        return {"users": len(users), "phone_users": len(phone_ids), **_stats(client)}


def _stats(client: ZoomClient) -> dict[str, Any]:
    return {
        "calls": client.stats.calls,
        "by_endpoint": dict(client.stats.by_endpoint),
        "retries": client.stats.retries,
        "token_requests": client.stats.token_requests,
        "pacer": client.pacer.stats(),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.read_client")
    parser.add_argument("mode", choices=["list", "naive"])
    parser.add_argument("--paced", action="store_true")
    parser.add_argument("--tier", choices=["pro", "business"], default="business")
    parser.add_argument("--page-sizes", default="{}")
    parser.add_argument("--phone-ids", type=Path)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument(
        "--numbers",
        choices=["others", "all"],
        default="others",
        help="others: zoomstate's read; all: /phone/numbers read whole, as before issue 15",
    )
    args = parser.parse_args(argv)
    if args.numbers == "all":
        read_numbers_whole()
    conn = Connection(tier=args.tier, pacing=args.paced)
    started = time.perf_counter()
    if args.mode == "list":
        figures = asyncio.run(_list(conn, json.loads(args.page_sizes)))
    else:
        ids = json.loads(args.phone_ids.read_text()) if args.phone_ids else []
        figures = asyncio.run(_naive(conn, ids, args.concurrency))
    figures["wall_s"] = time.perf_counter() - started
    figures["cpu_s"] = time.process_time()
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("MEASURE " + json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
