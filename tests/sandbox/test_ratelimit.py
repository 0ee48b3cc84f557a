"""Rate-limit accounting on a fake clock: budgets, windows, daily caps, concurrency, headers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from zoomstate.sandbox.ratelimit import (
    DAILY_MESSAGE,
    HEAVY_DAILY_CAPS,
    QPS_LIMITS,
    QPS_MESSAGE,
    USER_CREATE_DAILY_CAPS,
    RateLimiter,
)

# 2025-08-22T12:00:00Z: daily windows end at 2025-08-23T00:00:00Z, Zoom's own example.
NOON = datetime(2025, 8, 22, 12, tzinfo=UTC).timestamp()


class FakeClock:
    def __init__(self, now: float = NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _fill(limiter: RateLimiter, n: int, method: str = "GET", path: str = "/v2/users/u1") -> None:
    for i in range(n):
        decision = limiter.admit(method, path)
        assert decision.allowed, (i, decision)


def test_tables_are_zooms() -> None:
    assert QPS_LIMITS["users"]["light"] == {"pro": 30, "business": 80}
    assert QPS_LIMITS["users"]["medium"] == {"pro": 20, "business": 60}
    assert QPS_LIMITS["users"]["heavy"] == {"pro": 10, "business": 40}
    for family in ("phone", "contact_center"):
        assert QPS_LIMITS[family]["light"] == {"pro": 20, "business": 40}  # type: ignore[index]
        assert QPS_LIMITS[family]["medium"] == {"pro": 10, "business": 20}  # type: ignore[index]
        assert QPS_LIMITS[family]["heavy"] == {"pro": 5, "business": 10}  # type: ignore[index]
    assert HEAVY_DAILY_CAPS["users"] == {"pro": 30_000, "business": 60_000}
    assert HEAVY_DAILY_CAPS["phone"] == {"pro": 15_000, "business": 30_000}
    assert USER_CREATE_DAILY_CAPS == {"pro": 1_500, "business": 10_000}


@pytest.mark.parametrize(
    ("tier", "method", "path", "budget"),
    [
        ("pro", "GET", "/users/u1", 30),
        ("business", "GET", "/users/u1", 80),
        ("pro", "GET", "/users", 20),
        ("pro", "GET", "/phone/users", 10),
        ("business", "GET", "/phone/users/u1", 40),
        ("pro", "GET", "/contact_center/users", 10),
        ("business", "POST", "/contact_center/users", 40),
    ],
)
def test_budget_per_family_label_tier(
    clock: FakeClock, tier: str, method: str, path: str, budget: int
) -> None:
    limiter = RateLimiter(tier, clock=clock)  # type: ignore[arg-type]
    _fill(limiter, budget, method, path)
    refused = limiter.admit(method, path)
    assert (refused.allowed, refused.reason, refused.status) == (False, "qps", 429)
    assert refused.body == {"code": 429, "message": QPS_MESSAGE}
    assert refused.headers["X-RateLimit-Type"] == "QPS"


def test_buckets_are_separate(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    _fill(limiter, 30, "GET", "/users/u1")  # users/light exhausted
    assert not limiter.admit("PATCH", "/users/u1").allowed  # same bucket
    assert limiter.admit("GET", "/users").allowed  # users/medium
    assert limiter.admit("GET", "/phone/users/u1").allowed  # phone/light
    assert limiter.admit("GET", "/contact_center/users/u1").allowed


def test_unknown_paths_are_not_metered(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    for _ in range(100):
        decision = limiter.admit("GET", "/v2/nothing")
        assert decision.allowed and decision.headers == {}


def test_window_slides_rather_than_resetting_on_the_second(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    clock.advance(0.9)
    _fill(limiter, 20, "GET", "/users")  # the whole budget late in one second...
    clock.advance(0.2)  # ...is still within the last second just after the boundary
    assert limiter.admit("GET", "/users").reason == "qps"
    clock.advance(0.8)  # exactly one second after the burst: it has left the window
    _fill(limiter, 20, "GET", "/users")


def test_a_client_paced_at_80_percent_never_sees_a_429(clock: FakeClock) -> None:
    for tier in ("pro", "business"):
        for family_path in ("/users", "/phone/users", "/contact_center/users"):
            limiter = RateLimiter(tier, clock=clock)  # type: ignore[arg-type]
            budget = int(limiter.admit("GET", family_path).headers["X-RateLimit-Limit"])
            interval = 1 / (0.8 * budget)
            for _ in range(budget * 5):
                clock.advance(interval)
                assert limiter.admit("GET", family_path).allowed


def test_a_client_at_the_full_rate_plus_one_is_refused(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    interval = 1 / 21  # 21 requests per second against a budget of 20
    refusals = 0
    for _ in range(21 * 3):
        clock.advance(interval)
        refusals += not limiter.admit("GET", "/users").allowed
    assert refusals > 0


def test_refused_requests_do_not_use_the_budget(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    _fill(limiter, 20, "GET", "/users")
    for _ in range(50):
        assert not limiter.admit("GET", "/users").allowed
    clock.advance(1.0)
    _fill(limiter, 20, "GET", "/users")


def test_success_headers_count_down(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    first = limiter.admit("GET", "/users")
    second = limiter.admit("GET", "/users")
    assert first.headers == {
        "X-RateLimit-Category": "Medium",
        "X-RateLimit-Limit": "20",
        "X-RateLimit-Remaining": "19",
    }
    assert second.headers["X-RateLimit-Remaining"] == "18"


def test_user_create_daily_cap_with_absolute_retry_after(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    for _ in range(USER_CREATE_DAILY_CAPS["pro"]):
        clock.advance(0.05)  # 20/s: well inside the Light budget
        assert limiter.admit("POST", "/users", creates_user=True).allowed
    refused = limiter.admit("POST", "/users", creates_user=True)
    assert refused.reason == "daily" and refused.status == 429
    assert refused.body == {"code": 429, "message": DAILY_MESSAGE}
    assert refused.headers == {
        "X-RateLimit-Category": "Light",
        "X-RateLimit-Type": "Daily-limit",
        "X-RateLimit-Limit": "1500",
        "X-RateLimit-Remaining": "0",
        "Retry-After": "2025-08-23T00:00:00Z",
    }
    # Other creations (autoCreate, ...) and other Light calls are not capped by it.
    assert limiter.admit("POST", "/users").allowed
    # The cap lifts at 00:00 UTC, not 24 hours after the first request.
    clock.now = datetime(2025, 8, 23, 0, 0, 0, tzinfo=UTC).timestamp()
    assert limiter.admit("POST", "/users", creates_user=True).allowed


def test_business_tier_creates_more_users_per_day(clock: FakeClock) -> None:
    limiter = RateLimiter("business", clock=clock)
    for _ in range(1_501):
        clock.advance(0.05)
        assert limiter.admit("POST", "/users", creates_user=True).allowed


def test_heavy_daily_cap_is_per_family(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    cap = HEAVY_DAILY_CAPS["phone"]["pro"]
    for i in range(cap):
        if i % 5 == 0:
            clock.advance(1.0)  # 5/s: the Phone Heavy budget
        assert limiter.admit_bucket("phone", "heavy").allowed, i
    clock.advance(1.0)
    refused = limiter.admit_bucket("phone", "heavy")
    assert refused.reason == "daily"
    assert refused.headers["X-RateLimit-Category"] == "Heavy"
    assert refused.headers["X-RateLimit-Limit"] == "15000"
    assert refused.headers["Retry-After"].endswith("T00:00:00Z")
    assert limiter.admit_bucket("users", "heavy").allowed
    assert limiter.admit_bucket("phone", "light").allowed


def test_concurrent_writes_to_one_user(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    first = limiter.admit("DELETE", "/users/u1", resource="u1")
    assert first.allowed and limiter.in_flight() == {"u1"}
    second = limiter.admit("PATCH", "/users/u1", resource="u1")
    assert (second.reason, second.status, second.headers) == ("concurrent", 429, {})
    assert second.body == {
        "code": 429,
        "message": "Too many concurrent requests. "
        "A request to disassociate this user has already been made.",
    }
    assert limiter.admit("GET", "/users/u1", resource="u1").allowed  # reads do not conflict
    assert limiter.admit("PATCH", "/users/u2", resource="u2").allowed  # nor other users' writes
    first.release()
    first.release()  # idempotent
    with limiter.admit("PATCH", "/users/u1", resource="u1") as third:
        assert third.allowed
    assert "u1" not in limiter.in_flight()


def test_concurrency_and_the_whole_limiter_can_be_switched_off(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock, concurrency=False)
    held = limiter.admit("PATCH", "/users/u1", resource="u1")
    assert limiter.admit("PATCH", "/users/u1", resource="u1").allowed
    held.release()
    limiter.configure(enabled=False)
    for _ in range(200):
        decision = limiter.admit("GET", "/users")
        assert decision.allowed and decision.headers == {}
    limiter.configure(enabled=True, concurrency=True)
    assert limiter.admit("GET", "/users").allowed


def test_tier_can_change_at_runtime(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    _fill(limiter, 20, "GET", "/users")
    assert not limiter.admit("GET", "/users").allowed
    limiter.configure(tier="business")
    _fill(limiter, 40, "GET", "/users")
    assert limiter.tier == "business"


@pytest.mark.parametrize(
    ("mode", "qps", "daily"),
    [
        ("none", set(), set()),
        (
            "partial",
            {"X-RateLimit-Category"},
            {"X-RateLimit-Category", "X-RateLimit-Limit", "X-RateLimit-Remaining"},
        ),
    ],
)
def test_headers_can_be_omitted(
    clock: FakeClock, mode: str, qps: set[str], daily: set[str]
) -> None:
    limiter = RateLimiter("pro", clock=clock, headers=mode)  # type: ignore[arg-type]
    _fill(limiter, 20, "GET", "/users")
    assert set(limiter.admit("GET", "/users").headers) == qps
    for _ in range(1_500):
        clock.advance(0.05)
        limiter.admit("POST", "/users", creates_user=True)
    assert set(limiter.admit("POST", "/users", creates_user=True).headers) == daily


def test_reset_and_a_clock_set_backwards(clock: FakeClock) -> None:
    limiter = RateLimiter("pro", clock=clock)
    _fill(limiter, 20, "GET", "/users")
    clock.advance(-3600)  # entries now lie in the future; they must not block
    _fill(limiter, 20, "GET", "/users")
    held = limiter.admit("PATCH", "/users/u1", resource="u1")
    limiter.reset()
    assert limiter.in_flight() == frozenset()
    again = limiter.admit("PATCH", "/users/u1", resource="u1")
    held.release()  # a stale holder must not free the new one
    assert limiter.in_flight() == {"u1"}
    again.release()


def test_thread_safety_no_budget_is_overspent(clock: FakeClock) -> None:
    limiter = RateLimiter("business", clock=clock)
    admitted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            ok = limiter.admit("GET", "/users/u1").allowed
            with lock:
                admitted.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 80 and len(admitted) == 400
