"""The sandbox in its own process for benchmarks: `zoomstate sandbox serve` on a free
port, so the measured process holds only zoomstate and the network path is real HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# serve prints the base URL, then the KEY=VALUE lines that point zoomstate at it (and the
# admin API's secret).
_SETTINGS = 6
ADMIN_SECRET = "ZOOMSTATE_SANDBOX_ADMIN_SECRET"


def admin_headers(env: dict[str, str]) -> dict[str, str]:
    """What the sandbox's admin API (`/_sandbox/`) requires, from `serve`'s settings."""
    return {"Authorization": f"Bearer {env[ADMIN_SECRET]}"}


def serve(data: Path, *options: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start the sandbox over `data` with extra `options` (`--tier`, `--rate-limits` ...);
    returns the process and the environment that points zoomstate at it (with the admin
    secret: see `admin_headers`)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zoomstate.cli",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--data",
            str(data),
            *options,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    env: dict[str, str] = {}
    while len(env) < _SETTINGS:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the sandbox did not start")
        if "=" in line and not line.startswith("#"):
            key, _, value = line.strip().partition("=")
            env[key] = value
    return proc, env
