"""A local emulator of Zoom's REST API (users, Zoom Phone, Contact Center).

Public entry points: `create_app` (the ASGI app), `open_embedded` (in-process over httpx),
`generate_account` (large accounts for benchmarks) and the `serve` click command in
`zoomstate.sandbox.cli`. The sandbox never imports zoomstate's core or client.
"""

from __future__ import annotations

from zoomstate.sandbox.app import DEFAULT_CREDENTIALS, Credentials, SandboxApp, create_app
from zoomstate.sandbox.clock import Clock
from zoomstate.sandbox.embedded import EmbeddedSandbox, open_embedded
from zoomstate.sandbox.seeding import generate_account

__all__ = [
    "DEFAULT_CREDENTIALS",
    "Clock",
    "Credentials",
    "EmbeddedSandbox",
    "SandboxApp",
    "create_app",
    "generate_account",
    "open_embedded",
]
