"""The one Zoom API client: every call of every command goes through `ZoomClient.request`.

- Pacing per API family x rate-limit label (`Pacer`), so a run stays under the account's
  budget instead of bouncing off it.
- Retries, bounded, with exponential backoff and full jitter, for what is transient: 429
  (honouring `Retry-After` in seconds or as an absolute date, and coping with 429s that
  carry no header at all), 5xx, connection errors, and attempts that miss the deadline
  (each attempt, whole body included, has `deadline_s`). A daily-limit 429 stops the run
  with `RateLimited` saying when it may resume.
- Any other 4xx is final: `BackendError` with method, path, HTTP status, Zoom code and
  message. Never a secret: the token lives in the auth flow and is never formatted, and
  what a server says is masked (`redact.shown`) before it is repeated.
- Pagination by `next_page_token` only: the page size asked for is a wish (Zoom caps it
  per endpoint), so nothing is computed from it.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from zoomstate import __version__
from zoomstate.errors import BackendError, RateLimited, Unreachable
from zoomstate.ratelimits import Family, Label, match
from zoomstate.redact import shown
from zoomstate.settings import DEFAULT_REQUEST_DEADLINE_S
from zoomstate.zoom.auth import TokenUnavailable, sent_credentials
from zoomstate.zoom.pacing import Pacer

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Zoom's codes for an expired or unknown next_page_token (Users: 300, Phone: 400).
PAGE_TOKEN_CODES = frozenset({300, 400})
# A Retry-After date further away than this is a daily limit in all but name.
MAX_RETRY_AFTER_S = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        # Full jitter (AWS architecture blog): spreads retrying clients apart.
        return rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass(slots=True)
class CallStats:
    """What a run asked of Zoom, counted on the wire (so a request the auth flow sends
    again after a code 124 counts twice, as it does in Zoom's rate limits): API requests by
    endpoint template, responses by status, token requests, retries and final errors."""

    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    token_requests: int = 0
    # Records received from list endpoints: for progress on large accounts.
    items: int = 0
    retries: int = 0
    errors: int = 0

    @property
    def calls(self) -> int:
        return sum(self.by_endpoint.values())


def _parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds, an HTTP date, or the
    ISO 8601 UTC timestamp Zoom sends on daily limits."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _next_utc_midnight(now: datetime) -> str:
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return f"{day.isoformat()}T00:00:00Z"


def _zoom_error(response: httpx.Response) -> tuple[int | None, str]:
    """Zoom's code and message, as shown to users: masked (a server may repeat the
    request's Authorization header) and cut to a few hundred characters."""
    known = sent_credentials(response.request)
    try:
        body = response.json()
    except ValueError:
        return None, shown(response.text, known) or response.reason_phrase
    if not isinstance(body, dict):
        return None, shown(str(body), known)
    code = body.get("code")
    message = str(body.get("message") or response.reason_phrase)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        details = "; ".join(
            f"{e.get('field')}: {e.get('message')}" for e in errors if isinstance(e, dict)
        )
        message = f"{message} ({details})"
    return (code if isinstance(code, int) else None), shown(message, known)


def _decoded(response: httpx.Response, method: str, path: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise BackendError(
            "the response is not JSON", method=method, path=path, status=response.status_code
        ) from exc


class ZoomClient:
    """An async client for Zoom's REST API (or the sandbox, which speaks the same)."""

    def __init__(
        self,
        *,
        api_url: str,
        auth: httpx.Auth,
        transport: httpx.AsyncBaseTransport | None = None,
        pacer: Pacer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        timeout_s: float = 30.0,
        deadline_s: float = DEFAULT_REQUEST_DEADLINE_S,
        max_connections: int = 32,
        account_id: str | None = None,
    ) -> None:
        self.auth = auth
        # Which account the credentials reach: plans and the apply prompt name it.
        self.account_id = account_id
        self.deadline_s = deadline_s
        self.pacer = pacer or Pacer()
        self.retry = retry or RetryPolicy()
        self.stats = CallStats()
        self._sleep = sleep
        self._now = wall_clock
        self._rng = rng or random.Random()
        base = httpx.URL(api_url.rstrip("/"))
        self._api_origin = (base.scheme, base.netloc)
        self._api_path = base.path.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=base,
            auth=auth,
            transport=transport,
            timeout=timeout_s,
            headers={"User-Agent": f"zoomstate/{__version__}", "Accept": "application/json"},
            limits=httpx.Limits(max_connections=max_connections),
            # Hooks see every request httpx sends, including the ones the auth flow sends
            # on its own (token mints, the repeat after a code 124), which `request` never
            # sees: the counts are then what Zoom counts.
            event_hooks={"request": [self._count_request], "response": [self._count_response]},
        )

    def _api_path_of(self, url: httpx.URL) -> str | None:
        """The path relative to the API base, or None for a request elsewhere (OAuth)."""
        if (url.scheme, url.netloc) != self._api_origin:
            return None
        if not url.path.startswith(self._api_path + "/"):
            return None
        return url.path[len(self._api_path) :]

    def _is_api(self, url: httpx.URL) -> bool:
        return self._api_path_of(url) is not None

    async def _count_request(self, request: httpx.Request) -> None:
        path = self._api_path_of(request.url)
        if path is None:
            self.stats.token_requests += 1
            return
        template = self.classify(request.method, path)[0]
        self.stats.by_endpoint[f"{request.method} {template}"] += 1

    async def _count_response(self, response: httpx.Response) -> None:
        if self._is_api(response.request.url):
            self.stats.by_status[response.status_code] += 1

    async def __aenter__(self) -> ZoomClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @staticmethod
    def classify(method: str, path: str) -> tuple[str, Family, Label]:
        found = match(method, path)
        if found is None:
            # Unknown endpoints are paced with the strictest common bucket.
            return path, "users", "light"
        return found.template, found.family, found.label

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Send one API call (with pacing and retries); return the decoded JSON body, or
        None for an empty one. Raises BackendError for a final failure (Unreachable when
        no attempt got a usable answer)."""
        template, family, label = self.classify(method, path)
        creates_user = method == "POST" and template == "/users"
        self.pacer.count_daily(family, label, creates_user=creates_user)
        attempt = 0
        while True:
            await self.pacer.acquire(family, label)
            try:
                response = await self._send(method, path, params=params, json=json)
            except (httpx.TransportError, TokenUnavailable, _DeadlinePassed) as exc:
                # The request may or may not have reached Zoom; callers that create
                # things read before they write, so a repeat is detected, not doubled.
                # A token endpoint that is down (5xx, 429) is as transient as a dropped
                # connection: one bad minute of zoom.us must not end a long run.
                if attempt + 1 >= self.retry.attempts:
                    self.stats.errors += 1
                    if isinstance(exc, TokenUnavailable):
                        raise
                    what = (
                        f"no complete answer within {self.deadline_s:g} s, {attempt + 1} attempts"
                        if isinstance(exc, _DeadlinePassed)
                        else f"connection failed after {attempt + 1} attempts: {type(exc).__name__}"
                    )
                    raise Unreachable(what, method=method, path=path) from exc
                delay = self.retry.delay(attempt, self._rng)
                log.info("request: retry method=%s path=%s error=%s", method, path, type(exc))
            else:
                if response.status_code < 400:
                    return _decoded(response, method, path)
                delay = self._after_refusal(response, attempt, family, label, method, path)
            attempt += 1
            self.stats.retries += 1
            await self._sleep(delay)

    async def _send(
        self, method: str, path: str, *, params: Mapping[str, Any] | None, json: Any
    ) -> httpx.Response:
        """One attempt, bounded as a whole (auth flow and the whole body included):
        httpx's timeout applies to each read, so a server that trickles a byte every few
        seconds would hold a request, and the run, forever without this deadline."""
        deadline = asyncio.timeout(self.deadline_s)
        try:
            async with deadline:
                return await self._http.request(method, path, params=params, json=json)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise _DeadlinePassed() from None

    def _after_refusal(
        self,
        response: httpx.Response,
        attempt: int,
        family: Family,
        label: Label,
        method: str,
        path: str,
    ) -> float:
        """The wait before repeating a request Zoom answered with an error, or the final
        BackendError."""
        status = response.status_code
        code, message = _zoom_error(response)
        if status not in RETRY_STATUSES:
            self.stats.errors += 1
            raise BackendError(message, method=method, path=path, status=status, code=code)
        delay = self._retry_delay(response, attempt, family, label, method, path)
        if attempt + 1 >= self.retry.attempts:
            self.stats.errors += 1
            # A 429 is an answer (slow down); a 5xx on every attempt is an API that is
            # not answering.
            error = BackendError if status == 429 else Unreachable
            raise error(
                f"{message} (gave up after {attempt + 1} attempts)",
                method=method,
                path=path,
                status=status,
                code=code,
            )
        log.info(
            "request: retry method=%s path=%s status=%s delay_s=%.2f",
            method,
            path,
            status,
            delay,
        )
        return delay

    def _retry_delay(
        self,
        response: httpx.Response,
        attempt: int,
        family: Family,
        label: Label,
        method: str,
        path: str,
    ) -> float:
        backoff = self.retry.delay(attempt, self._rng)
        if response.status_code != 429:
            return backoff
        headers = response.headers
        kind = headers.get("X-RateLimit-Type", "")
        after = _parse_retry_after(headers.get("Retry-After"), self._now())
        message = _zoom_error(response)[1]
        daily = kind.lower() == "daily-limit" or "daily" in message.lower()
        if daily or (after is not None and after > MAX_RETRY_AFTER_S):
            # Zoom's daily limits reset at 00:00 UTC (docs/rate-limits.md); a daily 429
            # without Retry-After (REFERENCE.md §7.13) still gets a resume time.
            resume = headers.get("Retry-After") or _next_utc_midnight(self._now())
            what = (
                f"Zoom's daily rate limit for {family} {label} requests is reached"
                if daily
                # Not a daily limit, but a wait too long to sit out inside a run.
                else f"Zoom asked zoomstate to wait {after:.0f} s before more {family} "
                f"{label} requests (Retry-After)"
            )
            raise RateLimited(
                f"{what}; nothing more can be done before {resume}. Run the same command "
                "again then: it carries on from the live state",
                resume_at=resume,
                method=method,
                path=path,
                status=429,
                code=429,
            )
        # Another app on the account may have spent the budget: slow this bucket down.
        wait = after if after is not None else max(backoff, 1.0)
        self.pacer.backoff(family, label, wait)
        return wait

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return await self.request("GET", path, params=params)

    async def list_all(
        self,
        path: str,
        key: str,
        *,
        page_size: int,
        params: Mapping[str, Any] | None = None,
        restarts: int = 2,
    ) -> list[JsonObject]:
        """Every item of a paginated list, as Zoom returned it (`list_each`)."""
        items, _ = await self.list_each(
            path, key, _as_is, page_size=page_size, params=params, restarts=restarts
        )
        return items

    async def list_each(
        self,
        path: str,
        key: str,
        item: Callable[[JsonObject], T | None],
        *,
        page_size: int,
        params: Mapping[str, Any] | None = None,
        restarts: int = 2,
    ) -> tuple[list[T], int]:
        """Every item of a paginated list, each turned by `item` into what the caller
        keeps as its page arrives (None: dropped), so that no page outlives its own
        mapping: on 100,000 users, holding every page until the end cost 272 MiB. Also
        how many items the server listed (for the call-count lower bound).

        A page token that expires mid-way (Zoom keeps them 15 minutes) restarts the
        listing from the first page, up to `restarts` times: a half-read list must never
        pass for the whole account."""
        for attempt in range(restarts + 1):
            try:
                return await self._list_once(path, key, item, page_size=page_size, params=params)
            except _PageTokenExpired:
                log.warning("list: page token expired path=%s restart=%s", path, attempt + 1)
        raise BackendError(
            f"page tokens kept expiring while listing {path}", method="GET", path=path
        )

    async def _list_once(
        self,
        path: str,
        key: str,
        item: Callable[[JsonObject], T | None],
        *,
        page_size: int,
        params: Mapping[str, Any] | None,
    ) -> tuple[list[T], int]:
        items: list[T] = []
        listed = 0
        token = ""
        seen: set[str] = set()
        while True:
            query = {**(params or {}), "page_size": page_size}
            if token:
                query["next_page_token"] = token
            try:
                data = await self.get(path, query)
            except BackendError as exc:
                if token and exc.status in (400, 404) and exc.code in PAGE_TOKEN_CODES:
                    raise _PageTokenExpired from exc
                raise
            if not isinstance(data, dict):
                raise BackendError("a list response is not a JSON object", method="GET", path=path)
            page = data.get(key) or []
            if not isinstance(page, list):
                raise BackendError(f"{key!r} is not a list", method="GET", path=path)
            for raw in page:
                if isinstance(raw, dict):
                    listed += 1
                    kept = item(raw)
                    if kept is not None:
                        items.append(kept)
            self.stats.items += len(page)
            token = str(data.get("next_page_token") or "")
            del data, page
            if not token:
                return items, listed
            if token in seen:
                raise BackendError("the server repeated a next_page_token", method="GET", path=path)
            seen.add(token)


def _as_is(item: JsonObject) -> JsonObject:
    return item


class _PageTokenExpired(Exception):
    pass


class _DeadlinePassed(Exception):
    """An attempt did not finish within the client's deadline."""


__all__ = ["CallStats", "RetryPolicy", "ZoomClient"]
