"""Client-side pacing: stay under Zoom's rate limits instead of bouncing off them.

Zoom meters every account in buckets of API family x rate-limit label, shared by every
app on the account. The pacer spaces requests of one bucket evenly at `share` (80% by
default) of Zoom's per-second ceiling for the account's tier, leaving room for the
account's other apps. Even spacing (one request every 1/rate seconds, no burst) never
puts more than `rate` requests in any one-second window, however Zoom aligns its windows.

A 429 all the same means the budget is shared with more than the pacer knows (another app,
a SCIM sync, network jitter at 100%): besides the pause Zoom asks for, the bucket slows
down (its spacing grows by SLOWDOWN, up to MAX_SLOW times) and speeds up again request by
request (RECOVERY), so a run makes room for the account's other apps instead of meeting
their traffic every second.

Daily caps (users created per day, Heavy requests per day) are counted here too: the
pacer stops a run with `RateLimited` before it would cross one, rather than letting Zoom
answer with a daily-limit 429 halfway through.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from zoomstate.errors import RateLimited
from zoomstate.ratelimits import (
    HEAVY_DAILY_CAPS,
    QPS_LIMITS,
    USER_CREATE_DAILY_CAPS,
    Family,
    Label,
    Tier,
)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
DEFAULT_SHARE = 0.8
# After a 429 the bucket's spacing grows by this factor (at most MAX_SLOW times the
# normal spacing), and shrinks back by RECOVERY of the normal spacing per request.
SLOWDOWN = 1.25
MAX_SLOW = 4.0
RECOVERY = 0.005


@dataclass(slots=True)
class _Bucket:
    interval: float
    next_at: float = 0.0
    waited: float = 0.0
    requests: int = 0
    # How many times the normal spacing, after 429s (1.0: none lately).
    slow: float = 1.0
    paused_until: float = 0.0


@dataclass(slots=True)
class Pacer:
    tier: Tier = "pro"
    share: float = DEFAULT_SHARE
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    enabled: bool = True
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)
    _creates: int = 0
    _heavy: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError("the share of Zoom's rate limit must be in (0, 1]")
        if self.tier not in ("pro", "business"):
            raise ValueError(f"unknown rate-limit tier {self.tier!r}: pro or business")

    def rate(self, family: Family, label: Label) -> float:
        """Requests per second this pacer allows for one bucket."""
        return QPS_LIMITS[family][label][self.tier] * self.share

    def _bucket(self, family: Family, label: Label) -> _Bucket:
        key = (family, label)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(interval=1.0 / self.rate(family, label))
        return bucket

    def count_daily(self, family: Family, label: Label, *, creates_user: bool) -> None:
        """Count a request against Zoom's daily caps; refuse one that would cross a cap."""
        if creates_user:
            cap = USER_CREATE_DAILY_CAPS[self.tier]
            if self._creates >= cap:
                raise RateLimited(
                    f"this run has created {self._creates} users, Zoom's daily cap for the "
                    f"{self.tier} tier; run again after midnight UTC to carry on"
                )
            self._creates += 1
        if label == "heavy":
            used = self._heavy.get(family, 0)
            cap = HEAVY_DAILY_CAPS[family][self.tier]
            if used >= cap:
                raise RateLimited(
                    f"this run has made {used} Heavy {family} requests, Zoom's daily cap; "
                    "run again after midnight UTC to carry on"
                )
            self._heavy[family] = used + 1

    async def acquire(self, family: Family, label: Label) -> None:
        """Wait for this bucket's next free slot."""
        if not self.enabled:
            return
        bucket = self._bucket(family, label)
        now = self.clock()
        slot = max(now, bucket.next_at)
        bucket.next_at = slot + bucket.interval * bucket.slow
        bucket.slow = max(1.0, bucket.slow - RECOVERY)
        bucket.requests += 1
        wait = slot - now
        if wait > 0:
            bucket.waited += wait
            await self.sleep(wait)

    def backoff(self, family: Family, label: Label, seconds: float) -> None:
        """Zoom said 429 anyway (another app used the budget): push the bucket back, and
        slow it down for a while."""
        bucket = self._bucket(family, label)
        now = self.clock()
        if now >= bucket.paused_until:
            # Once per pause: the requests in flight when Zoom said no all come back 429,
            # and they are one signal, not several.
            bucket.slow = min(MAX_SLOW, bucket.slow * SLOWDOWN)
        bucket.paused_until = max(bucket.paused_until, now + seconds)
        bucket.next_at = max(bucket.next_at, now + seconds)

    def stats(self) -> dict[str, dict[str, float]]:
        return {
            f"{f}/{lab}": {
                "requests": b.requests,
                "waited_s": round(b.waited, 3),
                "slow": round(b.slow, 3),
            }
            for (f, lab), b in sorted(self._buckets.items())
        }


__all__ = ["DEFAULT_SHARE", "MAX_SLOW", "RECOVERY", "SLOWDOWN", "Pacer"]
