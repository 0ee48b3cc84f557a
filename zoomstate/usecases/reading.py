"""Reading the account, and what is made of it: plan, drift and export."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from zoomstate import __version__
from zoomstate.drift import DriftReport, drift_report
from zoomstate.errors import ValidationFailed
from zoomstate.export import Split, export_files
from zoomstate.live import LiveState
from zoomstate.loader import pinpoint
from zoomstate.model import DesiredState
from zoomstate.plan import Plan, PlanOptions, make_plan
from zoomstate.resources.reads import read_needs
from zoomstate.session import Connection, open_client
from zoomstate.zoom.read import read_account

__all__ = ["Exported", "drift", "export", "located_plan", "plan", "read_live"]

# The CLI's logger (not this module's name): its records print as "WARNING zoomstate: ...".
log = logging.getLogger("zoomstate")


async def read_live(
    conn: Connection,
    progress: Callable[[str], None] | None = None,
    *,
    desired: DesiredState | None = None,
) -> tuple[LiveState, int]:
    """The live account and the API calls it took; `progress` is told the counts every
    quarter of a second while reading. With the state (`desired`), also what only some
    states need read (the primary groups it names)."""
    needs = read_needs(desired)
    async with open_client(conn) as client:

        async def tick(show: Callable[[str], None]) -> None:
            while True:
                stats = client.stats
                show(f"reading the account: {stats.items:,} records in {stats.calls:,} API calls")
                await asyncio.sleep(0.25)

        ticker = asyncio.create_task(tick(progress)) if progress else None
        try:
            live = await read_account(client, **needs)
        finally:
            if ticker:
                ticker.cancel()
        return live, client.stats.calls


def located_plan(desired: DesiredState, live: LiveState, options: PlanOptions) -> Plan:
    """`make_plan`, with plan-time issues moved to the state lines they are about."""
    try:
        return make_plan(desired, live, options)
    except ValidationFailed as exc:
        raise ValidationFailed(pinpoint(exc.issues, desired.profile_files)) from None


def plan(desired: DesiredState, live: LiveState, options: PlanOptions) -> Plan:
    """The plan command's plan: what reading the account warned about is logged first."""
    for warning in live.warnings:
        log.warning("%s", warning)
    return located_plan(desired, live, options)


def drift(desired: DesiredState, live: LiveState) -> DriftReport:
    """How far the account has moved from the state, as of now."""
    return drift_report(desired, live, datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Exported:
    files: dict[str, str]  # relative path -> text; one "state.yaml" when single
    users: int


def export(
    live: LiveState,
    *,
    domains: Sequence[str],
    split: Split,
    single: bool,
    tier: str | None = None,
) -> Exported:
    """The live account as state files (users of `domains` only, when given); `tier`, the
    plan the caller said the account is on, becomes `account.rate_limits`."""
    files = export_files(
        live,
        domains=domains,
        split="none" if single else split,
        version=__version__,
        single=single,
        tier=tier,
    )
    users = sum(1 for u in live.users if not domains or u.key.rsplit("@", 1)[-1] in domains)
    return Exported(files=files, users=users)
