"""Read benchmark: zoomstate's whole-account read on generated accounts of 1,000 to
100,000 users (60% Zoom Phone, 10% Contact Center), against a sandbox served by
`zoomstate sandbox serve` in its own process over loopback HTTP.

Per size, three runs of a reader child process (`tests.bench.read_client`, so the peak
RSS is the reader's alone):

1. zoomstate's read, rate limits off: API calls against the pagination lower bound
   (computed with the page sizes the sandbox serves, `SERVED_PAGE_SIZES`), wall time,
   peak RSS. The sandbox's request log must count the same calls as the client.
2. A naive per-user reader (list the users, then GET every user and every phone user,
   10 at a time, as per-resource tools do), rate limits off, at the sizes up to
   `--naive-max` (10,000); larger sizes are extrapolated linearly from the largest run.
3. zoomstate's read with Business-tier rate limits on in the sandbox and the client's
   pacer on, against the rate-limit floor: calls / Zoom's per-second budget, for the
   bucket (API family x label) that needs the longest.

    python -m tests.bench read [--users 1000 --users 10000 --users 100000] [--naive-max N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.bench.loader import measured
from tests.bench.report import table, write_section
from tests.bench.server import admin_headers, serve
from zoomstate.ratelimits import QPS_LIMITS, Tier, match
from zoomstate.sandbox.app import SERVED_PAGE_SIZES
from zoomstate.sandbox.persistence import save
from zoomstate.sandbox.seeding import generate_account
from zoomstate.zoom.pacing import DEFAULT_SHARE

TIER: Tier = "business"


def prepare(root: Path, users: int) -> tuple[Path, Path]:
    """The sandbox's data file and the list of phone users' ids (the naive reader's
    'state')."""
    account = generate_account(users)
    data = root / "account.json"
    save(account, data)
    ids = [u.id for u in account.ordered_users() if u.phone is not None]
    phone_ids = root / "phone_ids.json"
    phone_ids.write_text(json.dumps(ids), encoding="utf-8")
    return data, phone_ids


def reader(env: dict[str, str], *args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.read_client", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    if proc.returncode != 0:
        raise SystemExit(f"read_client {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return measured(proc.stderr)  # type: ignore[return-value]


def api_calls(log: dict[str, Any]) -> int:
    return sum(
        n
        for key, n in log["by_endpoint"].items()
        if key.split()[1] not in ("/oauth/token", "/_sandbox")
    )


def floor(by_endpoint: dict[str, int], share: float = 1.0) -> tuple[float, str]:
    """The shortest time Zoom's per-second budgets allow for these calls, and the bucket
    that sets it (buckets are metered separately, so they run side by side)."""
    per_bucket: Counter[tuple[str, str]] = Counter()
    for key, n in by_endpoint.items():
        method, template = key.split(maxsplit=1)
        found = match(method, template)
        assert found is not None, key
        per_bucket[(found.family, found.label)] += n
    seconds, bucket = max(
        (n / (QPS_LIMITS[f][lab][TIER] * share), f"{f.replace('_', ' ')} {lab}")  # type: ignore[index]
        for (f, lab), n in per_bucket.items()
    )
    return seconds, bucket


def fmt_s(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def run(users: int, naive_max: int) -> dict[str, Any]:
    out: dict[str, Any] = {"users": users}
    with tempfile.TemporaryDirectory() as tmp:
        data, phone_ids = prepare(Path(tmp), users)
        server, env = serve(data, "--tier", TIER, "--no-rate-limits")
        base = env["ZOOMSTATE_API_URL"].removesuffix("/v2")
        admin = httpx.Client(base_url=f"{base}/_sandbox", headers=admin_headers(env), timeout=60)
        try:
            admin.delete("/requests")
            sizes = json.dumps(dict(SERVED_PAGE_SIZES))
            out["list"] = reader(env, "list", "--page-sizes", sizes)
            logged = api_calls(admin.get("/requests").json())
            if logged != out["list"]["calls"]:
                raise SystemExit(
                    f"the sandbox logged {logged} calls, the client counted {out['list']['calls']}"
                )
            if users <= naive_max:
                admin.delete("/requests")
                out["naive"] = reader(env, "naive", "--phone-ids", str(phone_ids))
                logged = api_calls(admin.get("/requests").json())
                assert logged == out["naive"]["calls"], (logged, out["naive"]["calls"])
            admin.put("/rate-limits", json={"enabled": True, "tier": TIER})
            # Before and after the numbers users hold came from /phone/users, side by side.
            for key, numbers in (("paced_whole", "all"), ("paced", "others")):
                admin.delete("/requests")
                out[key] = reader(
                    env,
                    "list",
                    "--paced",
                    "--tier",
                    TIER,
                    "--page-sizes",
                    sizes,
                    "--numbers",
                    numbers,
                )
                log = admin.get("/requests").json()
                out[key]["throttled"] = sum(
                    n for k, n in log["by_endpoint_status"].items() if k.endswith(" 429")
                )
            out["load"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        finally:
            admin.close()
            server.terminate()
            server.wait()
    return out


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench read")
    parser.add_argument("--users", type=int, action="append")
    parser.add_argument("--naive-max", type=int, default=10_000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for n in args.users or [1_000, 10_000, 100_000]:
        r = run(n, args.naive_max)
        lst, paced = r["list"], r["paced"]
        print(
            f"read: {n:,} users: {lst['calls']} calls (bound {lst['bound']}) "
            f"{lst['wall_s']:.1f} s {lst['peak_rss_mib']:.0f} MiB; paced {paced['wall_s']:.1f} s "
            f"({paced['throttled']} x 429)"
            + (
                f"; naive {r['naive']['calls']} calls {r['naive']['wall_s']:.1f} s"
                if "naive" in r
                else ""
            ),
            flush=True,
        )
        results.append(r)
    if not args.no_write:
        write_section(
            "read", "Read: the whole account from a sandbox in another process", report(results)
        )


def report(results: list[dict[str, Any]]) -> str:
    main_rows, naive_rows, paced_rows = [], [], []
    measured_naive = [r for r in results if "naive" in r]
    for r in results:
        n, lst, paced = r["users"], r["list"], r["paced"]
        main_rows.append(
            [
                f"{n:,}",
                f"{lst['calls']:,}",
                f"{lst['bound']:,}",
                f"+{lst['calls'] - lst['bound']}",
                fmt_s(lst["wall_s"]),
                f"{lst['cpu_s']:.1f} s",
                f"{lst['peak_rss_mib']:,.0f} MiB",
            ]
        )
        if "naive" in r:
            naive, how = r["naive"], "measured"
            naive_calls, naive_s = float(naive["calls"]), float(naive["wall_s"])
            naive_floor = floor(naive["by_endpoint"])
        elif measured_naive:
            # Linear in the users: one GET per user and per phone user, at the same pace.
            ref = max(measured_naive, key=lambda x: x["users"])
            scale = n / ref["users"]
            how = f"extrapolated from {ref['users']:,}"
            naive_calls = ref["naive"]["calls"] * scale
            naive_s = ref["naive"]["wall_s"] * scale
            naive_floor = (
                floor(ref["naive"]["by_endpoint"])[0] * scale,
                floor(ref["naive"]["by_endpoint"])[1],
            )
        else:
            how = ""
        if how:
            naive_rows.append(
                [
                    f"{n:,}",
                    how,
                    f"{naive_calls:,.0f}",
                    fmt_s(naive_s),
                    f"{naive_calls / lst['calls']:,.0f}x",
                    f"{naive_s / lst['wall_s']:,.0f}x",
                    f"{fmt_s(naive_floor[0])} ({naive_floor[1]})",
                ]
            )
        for label, run_ in (("whole (before)", r["paced_whole"]), ("others (now)", paced)):
            zoom_floor, bucket = floor(run_["by_endpoint"])
            paced_floor = floor(run_["by_endpoint"], DEFAULT_SHARE)[0]
            paced_rows.append(
                [
                    f"{n:,}",
                    label,
                    f"{run_['by_endpoint'].get('GET /phone/numbers', 0):,}",
                    f"{run_['calls']:,}",
                    fmt_s(run_["wall_s"]),
                    f"{fmt_s(zoom_floor)} ({bucket})",
                    fmt_s(paced_floor),
                    f"{run_['wall_s'] / paced_floor:.2f}",
                    str(run_["throttled"]),
                    r.get("load", ""),
                ]
            )
    return (
        "Generated accounts (60% Zoom Phone with half of them a direct number, 10% Contact "
        "Center) served by `zoomstate sandbox serve` in another process over loopback HTTP; "
        "each reader runs in its own process. Target: peak memory under 1 GB at 100,000 "
        "users; API calls at most the pagination lower bound + 10. The bound is the sum over "
        "every list, status pass and kind of number of max(1, ceil(items / page size)) with "
        "the page size "
        "the sandbox serves (users 300, phone users and numbers 100, the rest 300); the "
        "sandbox's request log counted the same calls as the client.\n\n"
        "Rate limits off:\n\n"
        + table(
            ["users", "API calls", "lower bound", "over", "wall time", "CPU", "peak RSS"], main_rows
        )
        + "\n\nA naive per-user reader (list the users, then GET every user and every phone "
        "user, 10 at a time), rate limits off, against zoomstate's read above. The floor is "
        "what Zoom's Business budgets would allow it at best.\n\n"
        + table(
            [
                "users",
                "naive run",
                "calls",
                "wall time",
                "calls ratio",
                "time ratio",
                "its floor (Business)",
            ],
            naive_rows,
        )
        + "\n\nBusiness-tier rate limits on in the sandbox, the client's pacer on (80% of "
        "each budget). The floor is calls / Zoom's per-second budget of the bottleneck "
        "bucket; at 80% the pacer's own floor is 1.25 times that. `whole (before)` reads "
        "GET /phone/numbers whole (`type=all`), as zoomstate did until the numbers users "
        "hold were taken from GET /phone/users; `others (now)` reads only the unassigned "
        "ones and one pass per kind of non-user assignee. Both in the same run; machine "
        "load is the load average (1, 5, 15 min) after them.\n\n"
        + table(
            [
                "users",
                "numbers read",
                "GET /phone/numbers",
                "API calls",
                "read time",
                "floor at Zoom's budget",
                "floor at 80%",
                "time / 80% floor",
                "429s",
                "machine load",
            ],
            paced_rows,
        )
    )
