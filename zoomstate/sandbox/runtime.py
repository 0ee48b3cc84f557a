"""What one sandbox instance holds at runtime (`SandboxRuntime`): the service over the
account, the clock, credentials and tokens, rate limits, faults, the request log, page
tokens and persistence. The app, the admin API and every family's handlers take it.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoomstate.sandbox.admin import new_admin_secret
from zoomstate.sandbox.clock import Clock, iso
from zoomstate.sandbox.faults import FaultInjector
from zoomstate.sandbox.oauth import DEFAULT_CREDENTIALS, TOKEN_TTL, Credentials
from zoomstate.sandbox.persistence import Debouncer
from zoomstate.sandbox.ratelimit import RateLimiter
from zoomstate.sandbox.routing import DEFAULT_PAGE_CAPS, PageTokens
from zoomstate.sandbox.service import Service
from zoomstate.sandbox.store import Account

__all__ = ["RequestLog", "SandboxRuntime"]


class RequestLog:
    """Counts per endpoint (method + path template) and per status, plus recent requests.
    Benchmarks and tests read API-call counts from it through the admin API."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self.by_endpoint: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_endpoint_status: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def record(self, method: str, template: str, path: str, status: int, at: float) -> None:
        key = f"{method} {template}"
        with self._lock:
            self.by_endpoint[key] += 1
            self.by_status[str(status)] += 1
            self.by_endpoint_status[f"{key} {status}"] += 1
            self.recent.append(
                {"method": method, "path": path, "endpoint": key, "status": status, "at": iso(at)}
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.by_endpoint.values()),
                "by_endpoint": dict(sorted(self.by_endpoint.items())),
                "by_status": dict(sorted(self.by_status.items())),
                "by_endpoint_status": dict(sorted(self.by_endpoint_status.items())),
                "recent": list(self.recent),
            }

    def clear(self) -> None:
        with self._lock:
            self.by_endpoint.clear()
            self.by_status.clear()
            self.by_endpoint_status.clear()
            self.recent.clear()


@dataclass
class SandboxRuntime:
    """Everything one sandbox instance holds: the account (inside `service`), the clock,
    credentials, tokens, rate limits, faults, the request log and persistence. The admin API
    changes it at runtime."""

    service: Service
    clock: Clock
    credentials: Credentials = DEFAULT_CREDENTIALS
    rate_limits: RateLimiter = field(default_factory=lambda: RateLimiter(enabled=False))
    faults: FaultInjector = field(default_factory=FaultInjector)
    log: RequestLog = field(default_factory=RequestLog)
    pages: PageTokens = field(default_factory=PageTokens)
    page_caps: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PAGE_CAPS))
    seed_source: str | Path | dict[str, Any] = "demo"
    persist: Debouncer | None = None
    tokens: dict[str, tuple[float, int]] = field(default_factory=dict)
    token_lock: threading.Lock = field(default_factory=threading.Lock)
    # What the admin API (`/_sandbox/`) requires as `Authorization: Bearer ...`.
    admin_secret: str = field(default_factory=new_admin_secret, repr=False)

    @property
    def account(self) -> Account:
        return self.service.account

    def replace_account(self, account: Account) -> None:
        self.service.account = account
        self.pages.clear()
        self.rate_limits.reset()

    def mint_token(self) -> str:
        token = secrets.token_urlsafe(48)
        with self.token_lock:
            now = self.clock.now()
            if len(self.tokens) > 10_000:
                self.tokens = {k: v for k, v in self.tokens.items() if v[0] > now}
            self.tokens[token] = (now + TOKEN_TTL, self.faults.token_generation)
        return token

    def token_state(self, token: str) -> str:
        """ "ok", "expired" or "invalid"."""
        with self.token_lock:
            entry = self.tokens.get(token)
        if entry is None:
            return "invalid"
        expires, generation = entry
        if expires <= self.clock.now() or generation < self.faults.token_generation:
            return "expired"
        return "ok"

    def save(self) -> bool:
        if self.persist is None:
            return False
        return self.persist.flush()
