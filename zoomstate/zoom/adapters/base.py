"""What every Zoom adapter declares (the lists it reads, the write handlers of its kinds,
the reads a snapshot takes before data is lost), what its handlers may use of the
executor running them, and small mapping helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from zoomstate.core.ops import Operation, OpKind
from zoomstate.errors import BackendError
from zoomstate.live import LiveUser

JsonObject = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One list call of the whole-account read.

    `name` is where the items land (a field of `RawAccount`); `key` is the JSON array in
    Zoom's answer. An `optional` list is one the account may not have (no Zoom Phone, no
    Contact Center): the read goes on without it, with a warning. `item` turns each item
    into what the read keeps of it as its page arrives (None drops it); without one, the
    item is kept as Zoom sent it (the small lists: sites, plans, roles)."""

    name: str
    path: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)
    optional: bool = True
    item: Callable[[JsonObject], Any] | None = None


# "Invalid access token, does not contain scopes" (D:errors says 4700, the field 4711).
SCOPE_ERROR_CODES = frozenset({4700, 4711})


def not_available(exc: BackendError) -> bool:
    """Whether Zoom's answer says the account lacks the feature (400, 403, 404), as
    opposed to a missing scope (400 / 4700 or 4711): a mistake in the app's setup, which
    read as "none" would make a plan that gives everyone the feature again."""
    return exc.status in (400, 403, 404) and exc.code not in SCOPE_ERROR_CODES


def text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def e164(number: object) -> str:
    """Zoom writes numbers with and without '+' depending on the endpoint."""
    digits = str(number).strip().replace(" ", "").replace("-", "")
    return digits if digits.startswith("+") else f"+{digits}"


class StepContext(Protocol):
    """What a write handler may use of the executor running its step
    (zoomstate/apply/executor.py): the API, the ids Zoom gave, the live account as the
    plan saw it, the plan's step ids, and the pacing of the wait for a new phone user
    (waits that hold no concurrency slot: `idle`)."""

    @property
    def ids(self) -> dict[str, str]:
        """User key -> Zoom id; a handler that creates a user records its id here (and
        create_group a new group's, under `group:<name>`, which no e-mail can be)."""
        ...

    @property
    def planned(self) -> frozenset[str]:
        """The ids of the plan's steps."""
        ...

    @property
    def sleep(self) -> Sleep: ...

    @property
    def phone_user_timeout_s(self) -> float: ...

    def user_ref(self, key: str) -> str:
        """The user as a percent-encoded path segment: its Zoom id when known."""
        ...

    def live_user(self, key: str) -> LiveUser | None:
        """The user as the live account had it when the run started."""
        ...

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        """One API call through the run's client (journaled, paced, retried)."""
        ...

    async def idle(self, seconds: float) -> None:
        """Wait (through `sleep`) without holding one of the run's concurrency slots,
        for a handler that polls for what Zoom does in its own time."""
        ...


# A write handler: carries out one step, returns the detail the report shows ("" or a
# note such as "already gone"), raises BackendError when the step failed.
Handler = Callable[[StepContext, Operation], Awaitable[str]]


class Adapter(Protocol):
    """A Zoom adapter module, as the read and the executor use it."""

    @property
    def LISTS(self) -> tuple[ListSpec, ...]: ...

    @property
    def HANDLERS(self) -> Mapping[OpKind, Handler]: ...

    def snapshot_reads(self, user: LiveUser | None, ref: str) -> tuple[tuple[str, str], ...]:
        """(name, path) of each GET a data-losing step journals first; `user` is None
        when the live account does not have it (read everything then)."""
        ...
