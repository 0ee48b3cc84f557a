"""The executor: steps of different owners at once, each owner's steps in plan order (one
lane per owner address), at most `concurrency` in flight, a freed slot going to the step
that comes first in the plan; a run stops starting steps when the API stops answering.
A data-losing step first journals a snapshot of what it is about to remove."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from zoomstate.apply.journal import Journal, _current_op
from zoomstate.apply.report import StepResult, StepStatus
from zoomstate.core.address import Address
from zoomstate.errors import BackendError, RateLimited, Unreachable
from zoomstate.live import LiveState
from zoomstate.plan import Operation, OpKind, Plan
from zoomstate.planfile import check_dependencies
from zoomstate.zoom.client import ZoomClient
from zoomstate.zoom.paths import seg

# The name it had before the package split: log lines keep their logger name.
log = logging.getLogger("zoomstate.apply")

Sleep = Callable[[float], Awaitable[None]]
# How long a new phone user may take to appear after its licence is turned on. Zoom
# creates it asynchronously; folio-sec's provider waits up to 3 minutes.
PHONE_USER_TIMEOUT_S = 180.0
# After this many steps in a row got no answer from the API (connections refused or
# dropped, deadlines missed, 5xx: each after all its retries), no new step starts: a dead
# API would otherwise cost every remaining step its full round of retries.
STOP_AFTER_UNANSWERED = 5
NOT_STARTED = "not started: the API stopped answering"


class _Slots:
    """A semaphore that hands a freed slot to the waiting step that comes first in the
    plan, not to the one that asked first.

    With first-come order, every user's first step queues before any user's second step
    (each user's next step joins the queue only when its previous one is done), so the
    run works through the plan in waves: all the Users API steps, then all the Phone API
    steps. Each wave is held to one rate-limit bucket while the others stand idle. In plan
    order (by user, rule 1 of the planner), a user's next step goes before the next
    user's first: the few users in progress mix their steps across the buckets, and each
    bucket is kept busy at its own budget at the same time. Steps waiting for a
    dependency hold no slot, so the order cannot deadlock."""

    def __init__(self, size: int) -> None:
        self._free = max(1, size)
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = 0

    async def acquire(self, priority: int) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._waiting, (priority, self._seq, future))
        try:
            await future
        except asyncio.CancelledError:
            # Cancelled after the slot was handed over: pass it on, or it is lost.
            if future.done() and not future.cancelled():
                self.release()
            raise

    def release(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1


class _Skip(Exception):
    """A step that cannot run now; not an error of Zoom's."""

    def __init__(self, status: StepStatus, detail: str) -> None:
        self.status = status
        self.detail = detail
        super().__init__(detail)


@dataclass
class Executor:
    client: ZoomClient
    live: LiveState
    journal: Journal | None = None
    concurrency: int = 8
    sleep: Sleep = asyncio.sleep
    phone_user_timeout_s: float = PHONE_USER_TIMEOUT_S
    on_step: Callable[[StepResult], None] | None = None
    planned: frozenset[str] = frozenset()
    ids: dict[str, str] = field(default_factory=dict)
    results: dict[str, StepResult] = field(default_factory=dict)
    stop_after: int = STOP_AFTER_UNANSWERED
    stopped: str = ""
    _abort: BaseException | None = None
    _unanswered: int = 0
    # Each step's place in the plan: the order in which waiting steps get a slot.
    _order: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for user in self.live.users:
            if user.zoom_id:
                self.ids[user.key] = user.zoom_id
        self._live = self.live.by_key()

    def user_ref(self, key: str) -> str:
        """The user as a path segment, percent-encoded (`zoomstate.zoom.paths`). Zoom
        accepts the user id or the e-mail in most paths; the id survives an e-mail change,
        so it is preferred."""
        return seg(self.ids.get(key, key))

    async def run(self, plan: Plan) -> list[StepResult]:
        ops = list(plan.operations)
        # A step twice would run twice, and a cycle would wait forever: refuse both before
        # any call. A dependency on a step outside the plan is only waited for when there.
        check_dependencies(((op.id, op.depends_on) for op in ops), known=False)
        done_events = {op.id: asyncio.Event() for op in ops}
        # One lane per owner (a user today): its steps run in plan order.
        lanes: dict[Address, list[Operation]] = defaultdict(list)
        for op in ops:
            lanes[op.owner].append(op)
        slots = _Slots(self.concurrency)
        self._order = {op.id: index for index, op in enumerate(ops)}

        async def worker(user_ops: list[Operation]) -> None:
            for op in user_ops:
                try:
                    await self._run_one(op, done_events, slots)
                finally:
                    done_events[op.id].set()

        await asyncio.gather(*(worker(v) for _, v in sorted(lanes.items())))
        if self._abort is not None:
            raise self._abort
        results = [self.results[op.id] for op in ops]
        results += [
            StepResult(f"{w.user}/{w.kind}", w.kind, w.user, "waiting", w.reason)
            for w in plan.waiting
        ]
        return results

    def _finish(self, op: Operation, status: StepStatus, detail: str = "") -> None:
        result = StepResult(op.id, op.kind, op.user, status, detail)
        self.results[op.id] = result
        if self.journal:
            self.journal.write(f"step_{status}", op=op.id, kind=op.kind, detail=detail)
        if self.on_step:
            self.on_step(result)

    async def _run_one(
        self, op: Operation, events: Mapping[str, asyncio.Event], slots: _Slots
    ) -> None:
        # Wait for what this step depends on without holding a slot: a worker that holds
        # one while it waits could starve the step it waits for.
        for dep in op.depends_on:
            if dep in events:
                await events[dep].wait()
        if self._not_starting(op):
            return
        blocked = [
            d for d in op.depends_on if d in self.results and self.results[d].status != "done"
        ]
        if blocked:
            state = self.results[blocked[0]].status
            if state == "waiting":
                self._finish(op, "waiting", f"waits for {blocked[0]}")
            else:
                self._finish(op, "skipped", f"depends on {blocked[0]}, which {state}")
            return
        await slots.acquire(self._order[op.id])
        try:
            if self._not_starting(op):
                # The run stopped while this step waited for its slot.
                return
            marker = _current_op.set(op.id)
            try:
                if self.journal:
                    self.journal.write("step_start", op=op.id, kind=op.kind, user=op.user)
                    if op.destroys_data:
                        await self._snapshot(op)
                detail = await self._execute(op)
            except _Skip as skip:
                self._finish(op, skip.status, skip.detail)
            except RateLimited as exc:
                # A daily cap: nothing more can be done today, so the whole run stops.
                self._abort = exc
                self._finish(op, "failed", str(exc))
            except BackendError as exc:
                log.error("apply: step failed op=%s error=%s", op.id, exc)
                self._finish(op, "failed", str(exc))
                # Also when the step wrapped it (a snapshot that could not be read).
                gone = isinstance(exc, Unreachable) or isinstance(exc.__cause__, Unreachable)
                self._count_answer(answered=not gone)
            else:
                self._finish(op, "done", detail)
                self._count_answer(answered=True)
            finally:
                _current_op.reset(marker)
        finally:
            slots.release()

    def _not_starting(self, op: Operation) -> bool:
        """Finish `op` as skipped if the run has stopped (a daily cap, or an API that
        stopped answering)."""
        if self._abort is not None:
            self._finish(op, "skipped", "the run stopped")
        elif self.stopped:
            self._finish(op, "skipped", NOT_STARTED)
        else:
            return False
        return True

    def _count_answer(self, *, answered: bool) -> None:
        """Count steps in a row that got no answer; after `stop_after`, stop the run."""
        if answered:
            self._unanswered = 0
            return
        self._unanswered += 1
        if self._unanswered < self.stop_after or self.stopped:
            return
        self.stopped = (
            f"the API stopped answering ({self._unanswered} steps in a row got no answer, "
            "each after all its retries)"
        )
        log.error("apply: %s; no new step starts", self.stopped)
        if self.journal:
            self.journal.write("run_stopped", reason=self.stopped)

    async def _snapshot(self, op: Operation) -> None:
        """What is about to go, in full and as Zoom has it now, so an admin can put the
        configuration back: the plan's view of the user, and fresh reads of the Zoom user,
        the phone user, its phone settings and the Contact Center user. A step whose
        snapshot cannot be read does not run: nothing is removed unrecorded."""
        assert self.journal is not None
        user = self._live.get(op.user)
        config = user.spec.model_dump(mode="json") if user else None
        ref = self.user_ref(op.user)
        reads: dict[str, Any] = {"user": f"/users/{ref}"}
        if user is None or user.spec.phone is not None:
            reads["phone_user"] = f"/phone/users/{ref}"
            reads["phone_settings"] = f"/phone/users/{ref}/settings"
        if user is None or user.spec.contact_center is not None:
            reads["contact_center_user"] = f"/contact_center/users/{ref}"
        live: dict[str, Any] = {}
        for name, path in reads.items():
            try:
                live[name] = await self._call("GET", path)
            except RateLimited:
                raise
            except BackendError as exc:
                if exc.status != 404:
                    raise BackendError(
                        "could not read the configuration about to be removed "
                        f"({exc.zoom_message}); nothing was removed",
                        method=exc.method,
                        path=exc.path,
                        status=exc.status,
                        code=exc.code,
                    ) from exc
                live[name] = None
        self.journal.write(
            "snapshot",
            op=op.id,
            user=op.user,
            status=user.status if user else None,
            zoom_id=user.zoom_id if user else None,
            config=config,
            live=live,
        )

    # -- one step

    async def _execute(self, op: Operation) -> str:
        return await HANDLERS[op.kind](self, op)

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        return await self.client.request(method, path, **kw)

    async def _phone_user(self, op: Operation) -> dict[str, Any] | None:
        try:
            data = await self._call("GET", f"/phone/users/{self.user_ref(op.user)}")
        except BackendError as exc:
            if exc.status == 404:
                return None
            raise
        return data if isinstance(data, dict) else None

    async def _op_create_user(self, op: Operation) -> str:
        p = dict(op.params)
        # POST /users takes names and type only; department and job title go in a PATCH
        # once the user is active (Zoom ignores updates to a pending user).
        info: dict[str, Any] = {"email": p["email"], "type": p["type"]}
        for name in ("first_name", "last_name"):
            if p.get(name) is not None:
                info[name] = p[name]
        outcome = f"created with action {p['action']}"
        try:
            data = await self._call(
                "POST", "/users", json={"action": p["action"], "user_info": info}
            )
        except BackendError as exc:
            if exc.status != 409 or exc.code != 1005:
                raise
            # Already there: our own earlier request whose answer was lost (a dropped
            # connection, a killed run), or someone else's. Read it back rather than fail,
            # and still send the fields POST /users does not take: a run that stopped
            # between the two calls must not leave them out.
            data = await self._call("GET", f"/users/{seg(p['email'])}")
            outcome = "already existed"
        if isinstance(data, dict) and data.get("id"):
            self.ids[op.user] = str(data["id"])
        extra = {
            ("dept" if k == "department" else k): p[k]
            for k in ("department", "job_title")
            if p.get(k) is not None
        }
        if extra and p["action"] != "create":
            await self._call("PATCH", f"/users/{self.user_ref(op.user)}", json=extra)
        return outcome

    async def _op_update_user(self, op: Operation) -> str:
        raw = op.params.get("fields")
        fields = dict(raw) if isinstance(raw, dict) else {}
        type_code = fields.pop("type", None)
        body = {("dept" if k == "department" else k): v for k, v in fields.items()}
        ref = self.user_ref(op.user)
        if body:
            await self._call("PATCH", f"/users/{ref}", json=body)
        if type_code is not None:
            # Zoom refuses a type change together with other fields (code 300).
            await self._call("PATCH", f"/users/{ref}", json={"type": type_code})
        return ""

    async def _op_change_email(self, op: Operation) -> str:
        old = self.ids.get(op.user) or str(op.before)
        await self._call("PUT", f"/users/{seg(old)}/email", json={"email": op.params["email"]})
        return ""

    async def _op_activate_user(self, op: Operation) -> str:
        await self._call(
            "PUT", f"/users/{self.user_ref(op.user)}/status", json={"action": "activate"}
        )
        return ""

    async def _op_deactivate_user(self, op: Operation) -> str:
        await self._call(
            "PUT", f"/users/{self.user_ref(op.user)}/status", json={"action": "deactivate"}
        )
        return ""

    async def _op_delete_user(self, op: Operation) -> str:
        params = {k: v for k, v in op.params.items() if v is not None}
        if params.get("action") == "delete" and "transfer_email" in params:
            params.update(
                transfer_meeting="true", transfer_webinar="true", transfer_recording="true"
            )
        # A pending user is deleted by e-mail with a bare DELETE (Zoom 404s an `action`).
        ref = seg(op.user) if not params else self.user_ref(op.user)
        try:
            await self._call("DELETE", f"/users/{ref}", params=params or None)
        except BackendError as exc:
            if exc.status == 404 and exc.code == 1001:
                return "already gone"
            raise
        return ""

    async def _op_assign_role(self, op: Operation) -> str:
        role_id = str(op.params["role_id"])
        member = {"id": self.ids[op.user]} if op.user in self.ids else {"email": op.user}
        try:
            await self._call("POST", f"/roles/{seg(role_id)}/members", json={"members": [member]})
        except BackendError as exc:
            # Zoom does not document its answer for a user already in the role (our own
            # earlier request whose answer was lost, retried): read the user's role
            # rather than fail a step that is already done.
            if exc.status is None or exc.status >= 500 or isinstance(exc, RateLimited):
                raise
            user = await self._call("GET", f"/users/{self.user_ref(op.user)}")
            if isinstance(user, dict) and str(user.get("role_id")) == role_id:
                return "already in the role"
            raise
        return ""

    async def _op_enable_phone(self, op: Operation) -> str:
        await self._call(
            "PATCH", f"/users/{self.user_ref(op.user)}", json={"feature": {"zoom_phone": True}}
        )
        # The phone user appears asynchronously: wait for it, with a backoff, at most
        # phone_user_timeout_s in all (the last sleep is cut to what is left), then look
        # once more.
        waited, delay = 0.0, 0.5
        while True:
            if await self._phone_user(op) is not None:
                return f"phone user ready after {waited:.1f} s" if waited else ""
            left = self.phone_user_timeout_s - waited
            if left <= 0:
                raise BackendError(
                    f"the phone user did not appear within {self.phone_user_timeout_s:g} s "
                    "after Zoom Phone was turned on; run apply again later",
                    method="GET",
                    path=f"/phone/users/{seg(op.user)}",
                )
            step = min(delay, left)
            await self.sleep(step)
            waited += step
            delay = min(delay * 2, 10.0)

    async def _op_update_phone(self, op: Operation) -> str:
        body: dict[str, Any] = {}
        if op.params.get("extension") is not None:
            # PATCH takes the full extension (site code + short extension) as text.
            body["extension_number"] = str(op.params["extension"])
        if op.params.get("site_id"):
            body["site_id"] = op.params["site_id"]
        if op.params.get("template_id"):
            body["template_id"] = op.params["template_id"]
        await self._call("PATCH", f"/phone/users/{self.user_ref(op.user)}", json=body)
        return ""

    async def _has(self, op: Operation, kind: str, value: Any) -> bool:
        user = await self._phone_user(op)
        if user is None:
            return False
        if kind == "plan":
            return any(p.get("type") == value for p in user.get("calling_plans") or [])
        digits = str(value).lstrip("+")
        return any(
            str(n.get("number", "")).lstrip("+") == digits for n in user.get("phone_numbers") or []
        )

    async def _op_assign_calling_plan(self, op: Operation) -> str:
        code = op.params["type"]
        try:
            await self._call(
                "POST",
                f"/phone/users/{self.user_ref(op.user)}/calling_plans",
                json={"calling_plans": [{"type": code}]},
            )
        except BackendError as exc:
            if exc.status is not None and exc.status < 500 and await self._has(op, "plan", code):
                return "already assigned"
            raise
        return ""

    async def _op_switch_calling_plan(self, op: Operation) -> str:
        source, target = op.params["source_type"], op.params["target_type"]
        outcome = ""
        try:
            await self._call(
                "PUT",
                f"/phone/users/{self.user_ref(op.user)}/calling_plans",
                json={"source_type": source, "target_type": target},
            )
        except BackendError as exc:
            if exc.status is None or exc.status >= 500 or not await self._has(op, "plan", target):
                raise
            # Switched by an earlier attempt whose answer was lost: the numbers it may
            # have dropped are still to be checked below.
            outcome = "already switched"
        # Zoom does not document whether a switch keeps the direct number: check, and give
        # back any number the user was to keep.
        live = self._live.get(op.user)
        keep = set(live.spec.phone.numbers) if live and live.spec.phone else set()
        user = await self._phone_user(op)
        have = {
            "+" + str(n.get("number", "")).lstrip("+")
            for n in (user or {}).get("phone_numbers") or []
        }
        lost = sorted(n for n in keep - have if not self._unassigned_by_plan(op.user, n))
        for number in lost:
            await self._call(
                "POST",
                f"/phone/users/{self.user_ref(op.user)}/phone_numbers",
                json={"phone_numbers": [{"number": number}]},
            )
        if lost:
            outcome = "; ".join(
                x for x in (outcome, f"re-assigned {', '.join(lost)} dropped by the switch") if x
            )
        return outcome

    def _unassigned_by_plan(self, user: str, number: str) -> bool:
        return f"{user}/unassign_number/{number}" in self.planned

    async def _op_unassign_calling_plan(self, op: Operation) -> str:
        try:
            await self._call(
                "DELETE",
                f"/phone/users/{self.user_ref(op.user)}/calling_plans/{seg(op.params['type'])}",
            )
        except BackendError as exc:
            if exc.status == 404 or (
                exc.status == 400 and not await self._has(op, "plan", op.params["type"])
            ):
                return "already unassigned"
            raise
        return ""

    async def _op_assign_number(self, op: Operation) -> str:
        number = op.params["number"]
        try:
            await self._call(
                "POST",
                f"/phone/users/{self.user_ref(op.user)}/phone_numbers",
                json={"phone_numbers": [{"number": number}]},
            )
        except BackendError as exc:
            if (
                exc.status is not None
                and exc.status < 500
                and await self._has(op, "number", number)
            ):
                return "already assigned"
            raise
        return ""

    async def _op_unassign_number(self, op: Operation) -> str:
        number = str(op.params["number"])
        try:
            await self._call(
                "DELETE", f"/phone/users/{self.user_ref(op.user)}/phone_numbers/{seg(number)}"
            )
        except BackendError as exc:
            if exc.status == 404 and not await self._has(op, "number", number):
                return "already unassigned"
            raise
        return ""

    async def _op_disable_phone(self, op: Operation) -> str:
        await self._call(
            "PATCH", f"/users/{self.user_ref(op.user)}", json={"feature": {"zoom_phone": False}}
        )
        return ""

    async def _op_create_contact_center_user(self, op: Operation) -> str:
        body: dict[str, Any] = {"user_email": op.user, "role_id": op.params["role_id"]}
        if op.params.get("package"):
            body["package_name"] = op.params["package"]
        if op.params.get("access"):
            body["user_access"] = op.params["access"]
        try:
            await self._call("POST", "/contact_center/users", json=body)
        except BackendError as exc:
            if exc.status == 400 and exc.code == 1007:
                return "already existed"
            raise
        return ""

    async def _op_update_contact_center_user(self, op: Operation) -> str:
        body: dict[str, Any] = {}
        if "package" in op.params:
            body["package_name"] = op.params["package"]
        if "role_id" in op.params:
            body["role_id"] = op.params["role_id"]
        if "access" in op.params:
            body["user_access"] = op.params["access"]
        await self._call("PATCH", f"/contact_center/users/{self.user_ref(op.user)}", json=body)
        return ""

    async def _op_delete_contact_center_user(self, op: Operation) -> str:
        try:
            await self._call("DELETE", f"/contact_center/users/{self.user_ref(op.user)}")
        except BackendError as exc:
            if exc.status == 404:
                return "already gone"
            raise
        return ""


# One handler per operation kind (zoomstate/core/ops.py); tests/test_op_registry.py checks
# that every kind has one.
Handler = Callable[[Executor, Operation], Awaitable[str]]
HANDLERS: Mapping[OpKind, Handler] = {
    "create_user": Executor._op_create_user,
    "update_user": Executor._op_update_user,
    "change_email": Executor._op_change_email,
    "activate_user": Executor._op_activate_user,
    "deactivate_user": Executor._op_deactivate_user,
    "delete_user": Executor._op_delete_user,
    "assign_role": Executor._op_assign_role,
    "enable_phone": Executor._op_enable_phone,
    "update_phone": Executor._op_update_phone,
    "assign_calling_plan": Executor._op_assign_calling_plan,
    "switch_calling_plan": Executor._op_switch_calling_plan,
    "unassign_calling_plan": Executor._op_unassign_calling_plan,
    "assign_number": Executor._op_assign_number,
    "unassign_number": Executor._op_unassign_number,
    "disable_phone": Executor._op_disable_phone,
    "create_contact_center_user": Executor._op_create_contact_center_user,
    "update_contact_center_user": Executor._op_update_contact_center_user,
    "delete_contact_center_user": Executor._op_delete_contact_center_user,
}


__all__ = [
    "HANDLERS",
    "NOT_STARTED",
    "PHONE_USER_TIMEOUT_S",
    "STOP_AFTER_UNANSWERED",
    "Executor",
    "Handler",
    "Sleep",
]
