"""Zoom's rate limits as pure, thread-safe accounting on an injected clock.

What is metered (REFERENCE.md §5; docs/rate-limits.md; U `POST /users` description):

* One per-second budget per API family x rate-limit label x account tier, shared by every
  caller of the account (`QPS_LIMITS`).
* Daily caps, counted per UTC day and reset at 00:00 UTC: Heavy requests per family
  (`HEAVY_DAILY_CAPS`; Zoom shares that cap with resource-intensive APIs, which the sandbox
  does not emulate), and `POST /users` with `action=create` (`USER_CREATE_DAILY_CAPS`; the
  spec counts *requests*, so refused ones count too once admitted past the other limits).
* Concurrent writes to one resource: while a non-GET request holds a resource (a user),
  a second non-GET request for it gets 429 "Too many concurrent requests".

How the app uses it, per request (see `RateLimiter.admit`)::

    decision = limiter.admit(method, path, resource=user_id, creates_user=is_action_create)
    if not decision.allowed:
        return JSONResponse(decision.body, decision.status, headers=decision.headers)
    try:
        response = await call_next(request)
    finally:
        decision.release()          # frees the resource for the next write
    response.headers.update(decision.headers)

`resource` must be canonical (the user's id, not sometimes the e-mail): the limiter cannot
tell that `/users/a@b.com` and `/users/KDcuGIm1QgePTO8WbOqwIQ` are the same user.

Headers. A 429 carries `X-RateLimit-Category` (Light|Medium|Heavy) and `X-RateLimit-Type`
(QPS|Daily-limit) as in Zoom's documented examples; a daily 429 adds `X-RateLimit-Limit`,
`X-RateLimit-Remaining: 0` and `Retry-After` as an absolute UTC time (next 00:00 UTC).
Zoom does not always send them (REFERENCE §7.13), so `headers` can be "full", "partial"
(only Category/Limit/Remaining, as one field report shows for a daily 429) or "none".
Concurrency 429s carry no rate-limit headers: Zoom documents none for them.
Admitted requests carry `X-RateLimit-Category`, `X-RateLimit-Limit` (the per-second
budget) and `X-RateLimit-Remaining` (what is left in the current 1-second window), because
an older field report saw `X-RateLimit-Remaining` on successful responses only; clients must
not rely on them. With `headers="none"` admitted requests carry none either.

The clock is a callable returning POSIX seconds (UTC); daily windows are aligned to UTC
midnight of that clock, so the sandbox's controllable clock moves them too.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from zoomstate.ratelimits import (
    HEAVY_DAILY_CAPS,
    QPS_LIMITS,
    USER_CREATE_DAILY_CAPS,
    Family,
    Label,
    Tier,
    match,
)

__all__ = [
    "DAILY_MESSAGE",
    "HEAVY_DAILY_CAPS",
    "QPS_LIMITS",
    "QPS_MESSAGE",
    "USER_CREATE_DAILY_CAPS",
    "Clock",
    "Decision",
    "HeaderMode",
    "RateLimiter",
    "Reason",
    "Tier",
]

HeaderMode = Literal["full", "partial", "none"]
Reason = Literal["allowed", "qps", "daily", "concurrent"]
Clock = Callable[[], float]


QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = (
    "You have reached the maximum daily rate limit for this API. "
    "Refer to the response header for details on when you can make another request."
)
_CONCURRENT_MESSAGE = (
    "Too many concurrent requests. A request to {verb} this user has already been made."
)
# The verb names the request already in flight, as in Zoom's documented example
# ("A request to disassociate this user has already been made"): DELETE /users/{id}
# disassociates by default.
_VERBS = {"DELETE": "disassociate", "PATCH": "update", "PUT": "update", "POST": "update"}

_DAY = 86_400
_WINDOW = 1.0


def _category(label: Label) -> str:
    return label.capitalize()


def _next_utc_midnight(now: float) -> str:
    midnight = (int(now // _DAY) + 1) * _DAY
    return datetime.fromtimestamp(midnight, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Decision:
    """The verdict on one request: admitted (call `release()` when done) or a 429 to send.

    `status`, `body` and `headers` are what to answer with when `allowed` is False; when it
    is True, `headers` are the ones to add to the successful response. `release()` is
    idempotent and also runs on leaving a `with decision:` block.
    """

    __slots__ = ("_release", "allowed", "body", "headers", "reason", "status")

    def __init__(
        self,
        reason: Reason,
        headers: dict[str, str],
        body: dict[str, object] | None = None,
        release: Callable[[], None] | None = None,
    ) -> None:
        self.reason: Reason = reason
        self.allowed = reason == "allowed"
        self.status = 200 if self.allowed else 429
        self.body = body
        self.headers = headers
        self._release = release

    def release(self) -> None:
        callback, self._release = self._release, None
        if callback is not None:
            callback()

    def __enter__(self) -> Decision:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Decision({self.reason!r}, status={self.status}, headers={self.headers!r})"


@dataclass(slots=True)
class _Holder:
    token: int
    verb: str


class RateLimiter:
    """Account-wide rate-limit state of one sandbox account.

    Per-second budgets use a sliding log: a request is admitted when fewer than N requests
    were admitted in the last second (the half-open interval (now - 1, now]). The sliding
    window is the stricter reading of "N per second": it holds for *every* 1-second
    interval, so a client that passes here passes whatever window alignment Zoom uses,
    while a fixed window would let a burst of 2N straddling a second boundary through.
    A client evenly paced at 80% of the budget (one request every 1/(0.8 N) s) has at most
    floor(0.8 N) + 1 <= N requests in any such interval for every N >= 5 (all of Zoom's
    budgets), so it never sees a 429; a client that bursts its whole second's share at
    once still passes as long as the bursts are a full second apart.
    Refused requests do not consume the per-second budget, so a client that backs off is
    not kept out by its own retries.
    """

    def __init__(
        self,
        tier: Tier = "pro",
        *,
        clock: Clock = time.time,
        enabled: bool = True,
        concurrency: bool = True,
        headers: HeaderMode = "full",
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._tier: Tier = tier
        self._enabled = enabled
        self._concurrency = concurrency
        self._headers: HeaderMode = headers
        self._windows: dict[tuple[Family, Label], deque[float]] = {}
        self._day = -1
        self._heavy_today: dict[Family, int] = {}
        self._creates_today = 0
        self._in_flight: dict[str, _Holder] = {}
        self._next_token = 0

    # -- configuration (the admin API may change any of it at runtime) ---------------

    @property
    def tier(self) -> Tier:
        return self._tier

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def concurrency(self) -> bool:
        return self._concurrency

    @property
    def headers(self) -> HeaderMode:
        return self._headers

    def configure(
        self,
        *,
        tier: Tier | None = None,
        enabled: bool | None = None,
        concurrency: bool | None = None,
        headers: HeaderMode | None = None,
    ) -> None:
        """Change settings in place; counts already made stay (Zoom does not forget them)."""
        with self._lock:
            if tier is not None:
                self._tier = tier
            if enabled is not None:
                self._enabled = enabled
            if concurrency is not None:
                self._concurrency = concurrency
            if headers is not None:
                self._headers = headers

    def reset(self) -> None:
        """Forget all counts and in-flight holders (sandbox reset, or a clock set backwards)."""
        with self._lock:
            self._windows.clear()
            self._day = -1
            self._heavy_today.clear()
            self._creates_today = 0
            self._in_flight.clear()

    def in_flight(self) -> frozenset[str]:
        """Resources currently held by an admitted write (for tests and the admin API)."""
        with self._lock:
            return frozenset(self._in_flight)

    # -- the per-request entry points -----------------------------------------------

    def admit(
        self,
        method: str,
        path: str,
        *,
        resource: str | None = None,
        creates_user: bool = False,
    ) -> Decision:
        """Meter one request to `path` (with or without the `/v2` prefix).

        Paths that are not emulated endpoints (see `labels.match`) are not metered: they get
        Zoom's 404 from the app, and Zoom does not document a budget for them.
        `creates_user` must be True for `POST /users` whose body has `action=create`.
        """
        found = match(method, path)
        if found is None:
            return Decision("allowed", {})
        return self.admit_bucket(
            found.family,
            found.label,
            method=method,
            resource=resource,
            creates_user=creates_user,
        )

    def admit_bucket(
        self,
        family: Family,
        label: Label,
        *,
        method: str = "GET",
        resource: str | None = None,
        creates_user: bool = False,
    ) -> Decision:
        """Meter one request given its bucket directly (for endpoints outside `labels`)."""
        method = method.upper()
        with self._lock:
            if not self._enabled:
                return Decision("allowed", {})
            now = self._clock()
            self._roll_day(now)
            category = _category(label)

            # Daily caps first: once one is exhausted Zoom answers with the daily 429 (and
            # its Retry-After) whatever the per-second budget says.
            if creates_user:
                cap = USER_CREATE_DAILY_CAPS[self._tier]
                if self._creates_today >= cap:
                    return self._daily_refusal(category, cap, now)
            if label == "heavy":
                cap = HEAVY_DAILY_CAPS[family][self._tier]
                if self._heavy_today.get(family, 0) >= cap:
                    return self._daily_refusal(category, cap, now)

            limit = QPS_LIMITS[family][label][self._tier]
            window = self._windows.setdefault((family, label), deque())
            while window and (window[0] <= now - _WINDOW or window[0] > now):
                # Entries "in the future" only exist if the clock was set backwards; they
                # would otherwise block the bucket until the clock catches up again.
                window.popleft()
            if len(window) >= limit:
                return Decision("qps", self._qps_headers(category), self._body(QPS_MESSAGE))

            release: Callable[[], None] | None = None
            if resource is not None and self._concurrency and method != "GET":
                current = self._in_flight.get(resource)
                if current is not None:
                    body = self._body(_CONCURRENT_MESSAGE.format(verb=current.verb))
                    return Decision("concurrent", {}, body)
                self._next_token += 1
                holder = _Holder(self._next_token, _VERBS.get(method, "update"))
                self._in_flight[resource] = holder
                release = self._releaser(resource, holder)

            window.append(now)
            if creates_user:
                self._creates_today += 1
            if label == "heavy":
                self._heavy_today[family] = self._heavy_today.get(family, 0) + 1

            headers: dict[str, str] = {}
            if self._headers != "none":
                headers = {
                    "X-RateLimit-Category": category,
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": str(limit - len(window)),
                }
            return Decision("allowed", headers, release=release)

    # -- internals (called with the lock held) --------------------------------------

    def _releaser(self, resource: str, holder: _Holder) -> Callable[[], None]:
        def release() -> None:
            with self._lock:
                # A reset() in between may have handed the resource to someone else.
                current = self._in_flight.get(resource)
                if current is not None and current.token == holder.token:
                    del self._in_flight[resource]

        return release

    def _roll_day(self, now: float) -> None:
        day = int(now // _DAY)
        if day != self._day:
            self._day = day
            self._heavy_today.clear()
            self._creates_today = 0

    @staticmethod
    def _body(message: str) -> dict[str, object]:
        return {"code": 429, "message": message}

    def _qps_headers(self, category: str) -> dict[str, str]:
        if self._headers == "none":
            return {}
        if self._headers == "partial":
            return {"X-RateLimit-Category": category}
        return {"X-RateLimit-Category": category, "X-RateLimit-Type": "QPS"}

    def _daily_refusal(self, category: str, cap: int, now: float) -> Decision:
        headers: dict[str, str] = {}
        if self._headers != "none":
            headers = {
                "X-RateLimit-Category": category,
                "X-RateLimit-Limit": str(cap),
                "X-RateLimit-Remaining": "0",
            }
        if self._headers == "full":
            headers["X-RateLimit-Type"] = "Daily-limit"
            headers["Retry-After"] = _next_utc_midnight(now)
        return Decision("daily", headers, self._body(DAILY_MESSAGE))
