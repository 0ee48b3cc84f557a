"""Whether a host is this machine: shared by the sandbox (which refuses to serve beyond it
unless told) and the settings (which allow plain http only to it). No dependencies, so the
sandbox can import it without pulling in the core or the client."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
