"""Fault injection for the sandbox: seeded, per-request decisions, changeable at runtime.

Syntax of `--faults SPEC` (and of the admin API's faults setting): comma-separated
`key=value` items, whitespace ignored, each key at most once; `""` or `none` means no faults.

=======================  =================================================================
`5xx=P`                  share P of requests answered 500, 502 or 503 (evenly spread)
`500=P` `502=P` `503=P`  share P answered with that one status
`429=P`                  share P answered with a per-second 429 carrying Zoom's headers
`429-noheaders=P`        share P answered with a per-second 429 carrying no headers
`drop=P`                 share P whose connection is closed before the request is handled
`drop-after=P`           share P handled (state changes!) whose response is then lost
`latency=MS`             MS milliseconds added to every request
`latency=MIN-MAX`        a delay drawn uniformly from MIN..MAX ms for every request
`burst429=N`             the next N requests are answered 429 with headers, then normal
`burst429-noheaders=N`   the same without headers
`expired=401|400|mixed`  how an expired token's code 124 arrives (default 401; Zoom sends
                         both, REFERENCE.md §7.15; `mixed` picks either at random)
`seed=N`                 seed of the random generator (default 0)
=======================  =================================================================

`phone-off-keeps-memberships=true` (default `false`): turning Zoom Phone off for a user
(`feature.zoom_phone` false, deactivation) keeps it in its call queues and shared line
groups, and as manager or operator. Zoom says only that numbers and phones become
unassigned; this lets a client test its check that memberships went. A deleted user always
leaves them.

`switch-drops-numbers=true` (default `false`): a calling-plan switch (`PUT /phone/users/
{userId}/calling_plans`) also drops every direct number of the user, even those the new plan
covers. Zoom does not document whether a switch keeps the number; without this fault the
sandbox keeps the numbers the new plan covers. It lets a client test its check after a switch.

P is a share between 0 and 1; the shares together must not exceed 1, because each request
draws one outcome. Example: `5xx=0.1,429=0.05,429-noheaders=0.05,drop=0.01,latency=50,
burst429=20,seed=7`. Given the seed and the order of requests, the outcomes are
reproducible: every request consumes the same number of random draws whatever its outcome.
Setting a spec (at start or at runtime) re-seeds the generator and re-arms the bursts.

Bodies follow Zoom's error shape `{"code": ..., "message": ...}`. For 429 the code and
message are Zoom's documented ones; Zoom documents no body for 5xx, so the sandbox uses the
HTTP status as `code` and the reason phrase as `message` (an assumption, not Zoom's word).

Behaviour faults (`switch-drops-numbers`, `phone-off-keeps-memberships`) change what a
handler does rather than whether it runs: the app serves each Zoom API request inside
`serving(spec)`, which sets a context variable for that request only, and the service reads
it back with `request_faults()` (the default spec, no faults, outside a request). It costs
no random draw.

Token expiry on demand: `FaultInjector.expire_tokens()` bumps `token_generation`. The app
stores the generation current when it mints a token and treats any token minted under an
older generation as expired: code 124 with the status from `expired_token_error()`.

How the app realises a decision (`FaultInjector.decide()`, once per Zoom API request,
after authentication-free routing but before the handler):

* `latency_ms > 0`: `await asyncio.sleep(latency_ms / 1000)` first (real time: latency is
  about wall-clock behaviour of clients, not the sandbox's account clock).
* `action == "respond"`: answer `status`, `body`, `headers` without calling the handler.
* `action == "drop"`: do not call the handler; `await abort_response(send)` at the raw
  ASGI layer. It starts a response that promises a body and raises `DroppedConnection`.
  Under uvicorn the client then sees the connection close mid-response; over
  `httpx.ASGITransport` (with its default `raise_app_exceptions=True`) the exception itself
  reaches the client. Either way an httpx client gets `httpx.RemoteProtocolError`
  (`DroppedConnection` subclasses it), never a response. Starlette's error middleware
  re-raises without answering once a response has started, so this works from inside the
  Starlette app as well as from an outer ASGI wrapper.
* `action == "drop_after"`: run the handler, discard its response, then `abort_response`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn

import httpx

from zoomstate.sandbox.ratelimit import QPS_MESSAGE

__all__ = [
    "DroppedConnection",
    "ExpiredStatus",
    "FaultAction",
    "FaultDecision",
    "FaultInjector",
    "FaultSpec",
    "FaultSpecError",
    "abort_response",
    "request_faults",
    "serving",
]

FaultAction = Literal["none", "respond", "drop", "drop_after"]
ExpiredStatus = Literal["401", "400", "mixed"]

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
_EXPIRED_MESSAGE = "Access token is expired."
_EXPIRED_MODES: dict[str, ExpiredStatus] = {"401": "401", "400": "400", "mixed": "mixed"}

# Outcome keys in the fixed order in which a request's single draw is mapped onto them.
_SHARE_KEYS = ("5xx", "500", "502", "503", "429", "429-noheaders", "drop", "drop-after")
_FLAGS = {"true": True, "false": False}


class FaultSpecError(ValueError):
    """A `--faults` specification that cannot be used; the message says which item and why."""


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by `abort_response`: the connection is closed without a complete response."""

    def __init__(self) -> None:
        super().__init__("sandbox fault injection dropped the connection")


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A parsed fault specification; `str(spec)` gives the canonical SPEC text back."""

    shares: tuple[tuple[str, float], ...] = ()
    latency_ms: tuple[float, float] = (0.0, 0.0)
    burst429: int = 0
    burst429_noheaders: int = 0
    expired: ExpiredStatus = "401"
    switch_drops_numbers: bool = False
    phone_off_keeps_memberships: bool = False
    seed: int = 0

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        text = text.strip()
        if text in ("", "none"):
            return cls()
        shares: dict[str, float] = {}
        seen: set[str] = set()
        spec = cls()
        for raw in text.split(","):
            item = raw.strip()
            key, sep, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key or not value:
                raise FaultSpecError(f"fault item {item!r}: expected key=value")
            if key in seen:
                raise FaultSpecError(f"fault item {item!r}: {key} given more than once")
            seen.add(key)
            if key in _SHARE_KEYS:
                shares[key] = _share(item, value)
            elif key == "latency":
                spec = replace(spec, latency_ms=_latency(item, value))
            elif key == "burst429":
                spec = replace(spec, burst429=_count(item, value))
            elif key == "burst429-noheaders":
                spec = replace(spec, burst429_noheaders=_count(item, value))
            elif key == "expired":
                if value not in _EXPIRED_MODES:
                    raise FaultSpecError(f"fault item {item!r}: expired is 401, 400 or mixed")
                spec = replace(spec, expired=_EXPIRED_MODES[value])
            elif key == "switch-drops-numbers":
                if value not in _FLAGS:
                    raise FaultSpecError(
                        f"fault item {item!r}: switch-drops-numbers is true or false"
                    )
                spec = replace(spec, switch_drops_numbers=_FLAGS[value])
            elif key == "phone-off-keeps-memberships":
                if value not in _FLAGS:
                    raise FaultSpecError(
                        f"fault item {item!r}: phone-off-keeps-memberships is true or false"
                    )
                spec = replace(spec, phone_off_keeps_memberships=_FLAGS[value])
            elif key == "seed":
                spec = replace(spec, seed=_integer(item, value))
            else:
                known = ", ".join(
                    (
                        *_SHARE_KEYS,
                        "latency",
                        "burst429",
                        "burst429-noheaders",
                        "expired",
                        "switch-drops-numbers",
                        "phone-off-keeps-memberships",
                        "seed",
                    )
                )
                raise FaultSpecError(f"fault item {item!r}: unknown key {key!r} (known: {known})")
        total = sum(shares.values())
        if total > 1.0 + 1e-9:
            raise FaultSpecError(
                f"faults {text!r}: the shares add up to {total:g}; they must not exceed 1"
            )
        ordered = tuple((k, shares[k]) for k in _SHARE_KEYS if shares.get(k, 0.0) > 0.0)
        return replace(spec, shares=ordered)

    def share(self, key: str) -> float:
        return dict(self.shares).get(key, 0.0)

    def __str__(self) -> str:
        items = [f"{k}={v!r}" for k, v in self.shares]
        low, high = self.latency_ms
        if high > 0:
            items.append(f"latency={low:g}" if low == high else f"latency={low:g}-{high:g}")
        if self.burst429:
            items.append(f"burst429={self.burst429}")
        if self.burst429_noheaders:
            items.append(f"burst429-noheaders={self.burst429_noheaders}")
        if self.expired != "401":
            items.append(f"expired={self.expired}")
        if self.switch_drops_numbers:
            items.append("switch-drops-numbers=true")
        if self.phone_off_keeps_memberships:
            items.append("phone-off-keeps-memberships=true")
        if items and self.seed:
            items.append(f"seed={self.seed}")
        return ",".join(items) or "none"


def _share(item: str, value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        raise FaultSpecError(f"fault item {item!r}: {value!r} is not a number") from None
    if not 0.0 <= share <= 1.0:
        raise FaultSpecError(f"fault item {item!r}: a share must be between 0 and 1")
    return share


def _integer(item: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise FaultSpecError(f"fault item {item!r}: {value!r} is not an integer") from None


def _count(item: str, value: str) -> int:
    count = _integer(item, value)
    if count < 0:
        raise FaultSpecError(f"fault item {item!r}: a count cannot be negative")
    return count


def _latency(item: str, value: str) -> tuple[float, float]:
    low_text, dash, high_text = value.partition("-")
    try:
        low = float(low_text)
        high = float(high_text) if dash else low
    except ValueError:
        raise FaultSpecError(f"fault item {item!r}: latency is MS or MIN-MAX in ms") from None
    if low < 0 or high < low:
        raise FaultSpecError(f"fault item {item!r}: latency needs 0 <= MIN <= MAX")
    return (low, high)


_NO_FAULTS = FaultSpec()
# The spec of the request being served (set by `serving()`, around one request only).
_REQUEST_SPEC: ContextVar[FaultSpec | None] = ContextVar("sandbox_request_faults", default=None)


@contextmanager
def serving(spec: FaultSpec) -> Iterator[None]:
    """Serve one request under `spec`; the previous value comes back after it, so nothing
    leaks to the next request or to code outside a request."""
    token = _REQUEST_SPEC.set(spec)
    try:
        yield
    finally:
        _REQUEST_SPEC.reset(token)


def request_faults() -> FaultSpec:
    """The fault spec of the Zoom API request being served: how the service learns of
    behaviour faults (`switch-drops-numbers`, `phone-off-keeps-memberships`). No faults
    outside a request."""
    return _REQUEST_SPEC.get() or _NO_FAULTS


@dataclass(frozen=True, slots=True)
class FaultDecision:
    """What to do with one request; see the module docstring for how the app realises it."""

    action: FaultAction = "none"
    latency_ms: float = 0.0
    status: int | None = None
    body: dict[str, object] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""


class FaultInjector:
    """Thread-safe holder of the current fault spec, its random generator and bursts."""

    def __init__(self, spec: FaultSpec | str | None = None) -> None:
        self._lock = threading.Lock()
        self._spec = FaultSpec()
        self._rng = random.Random(0)
        self._burst = 0
        self._burst_noheaders = 0
        self._token_generation = 0
        self.set_spec(spec if spec is not None else FaultSpec())

    @property
    def spec(self) -> FaultSpec:
        return self._spec

    @property
    def token_generation(self) -> int:
        return self._token_generation

    def set_spec(self, spec: FaultSpec | str) -> FaultSpec:
        """Replace the spec (parsing it if given as text), re-seed, re-arm the bursts."""
        parsed = FaultSpec.parse(spec) if isinstance(spec, str) else spec
        with self._lock:
            self._spec = parsed
            self._rng = random.Random(parsed.seed)
            self._burst = parsed.burst429
            self._burst_noheaders = parsed.burst429_noheaders
        return parsed

    def burst(self, count: int, *, headers: bool = True) -> None:
        """Answer the next `count` requests with 429 (on top of any burst still running)."""
        if count < 0:
            raise ValueError("a burst cannot be negative")
        with self._lock:
            if headers:
                self._burst += count
            else:
                self._burst_noheaders += count

    def expire_tokens(self) -> int:
        """Invalidate every token minted so far; returns the new generation."""
        with self._lock:
            self._token_generation += 1
            return self._token_generation

    def expired_token_error(self) -> tuple[int, dict[str, object]]:
        """Status and body for a request made with an expired token (code 124)."""
        with self._lock:
            mode = self._spec.expired
            status = self._rng.choice((401, 400)) if mode == "mixed" else int(mode)
        return status, {"code": 124, "message": _EXPIRED_MESSAGE}

    def decide(self, category: str | None = None) -> FaultDecision:
        """The fault for the next request. `category` is its Light/Medium/Heavy rate-limit
        label, used for the `X-RateLimit-Category` header of injected 429s."""
        with self._lock:
            spec = self._spec
            # Two draws per request, always, so one request's outcome never shifts the
            # random sequence of the ones after it.
            outcome_draw = self._rng.random()
            latency_draw = self._rng.random()
            low, high = spec.latency_ms
            latency = low + (high - low) * latency_draw
            if self._burst > 0:
                self._burst -= 1
                return _too_many(latency, category, headers=True, kind="burst429")
            if self._burst_noheaders > 0:
                self._burst_noheaders -= 1
                return _too_many(latency, category, headers=False, kind="burst429-noheaders")
            start = 0.0
            for key, share in spec.shares:
                if outcome_draw < start + share:
                    # Where the draw fell inside this share picks the status for "5xx", so
                    # that choice costs no extra draw.
                    position = (outcome_draw - start) / share
                    return _outcome(key, latency, category, position)
                start += share
            return FaultDecision(latency_ms=latency)


def _too_many(latency: float, category: str | None, *, headers: bool, kind: str) -> FaultDecision:
    sent: dict[str, str] = {}
    if headers:
        if category:
            sent["X-RateLimit-Category"] = category.capitalize()
        sent["X-RateLimit-Type"] = "QPS"
    body: dict[str, object] = {"code": 429, "message": QPS_MESSAGE}
    return FaultDecision("respond", latency, 429, body, sent, kind)


def _outcome(key: str, latency: float, category: str | None, position: float) -> FaultDecision:
    if key == "429":
        return _too_many(latency, category, headers=True, kind=key)
    if key == "429-noheaders":
        return _too_many(latency, category, headers=False, kind=key)
    if key == "drop":
        return FaultDecision("drop", latency, kind=key)
    if key == "drop-after":
        return FaultDecision("drop_after", latency, kind=key)
    status = (500, 502, 503)[min(int(position * 3), 2)] if key == "5xx" else int(key)
    body: dict[str, object] = {"code": status, "message": _REASONS[status]}
    return FaultDecision("respond", latency, status, body, {}, key)


ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def abort_response(send: ASGISend) -> NoReturn:
    """Start a response that promises one byte of body, then raise `DroppedConnection`.

    Under uvicorn the status line goes out and the connection is closed; the client's read
    of the missing body fails (`httpx.RemoteProtocolError`). Starting a response matters:
    an exception raised *before* any response makes uvicorn and Starlette answer 500.
    """
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-length", b"1"), (b"content-type", b"application/json")],
        }
    )
    raise DroppedConnection()
