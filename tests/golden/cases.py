"""What each golden plan file holds, computed afresh: one per plan scenario of
`tests/scenarios/cases.py`, one for the demo (`state/` against the demo seed, the first
plan of `make demo`) and one for a mixed generated account (the apply tests' desired
state, small).

A plan that is made is `Plan.to_json()`, byte for byte what `zoomstate plan --out`
saves. A plan that is refused (a plan-time problem, an unsafe plan) has no plan file: its
golden is the refusal, `{"refused": <exception>, "problems": [...]}`, the problems as
`make_plan` raised them (state paths relative to the state directory), so that a
refusal that changes, or a refusal that turns into a plan, is seen too.

The live account is read as the CLI reads it (the Zoom client over the sandbox,
in-process), on the sandbox's frozen clock: the seeds fix every Zoom id, and no time
reaches the plan.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from tests.apply.support import Changes, desired_state, make_client, sandbox_app
from tests.sandbox.conftest import frozen_clock
from tests.scenarios.cases import SCENARIOS, Scenario, materialise
from zoomstate.errors import UnsafePlan, ValidationFailed
from zoomstate.live import LiveState
from zoomstate.loader import load_state
from zoomstate.model import DesiredState
from zoomstate.plan import PlanOptions, make_plan
from zoomstate.resources.reads import read_needs
from zoomstate.sandbox.app import SandboxApp, create_app
from zoomstate.zoom.read import read_account

REPO = Path(__file__).resolve().parents[2]
PLANS_DIR = Path(__file__).resolve().parent / "plans"
DEMO = "demo"
MIXED = "mixed_generated_account"

# The mixed account: 60 generated users (seed 3) and a few changes of every kind the
# apply tests' desired state makes (an extension swap, calling-plan switches, Contact
# Center adds, changes and removals, leavers, new hires with and without phone).
MIXED_USERS, MIXED_SEED = 60, 3
MIXED_CHANGES = Changes(
    leavers=3,
    new_users=6,
    disable_phone=2,
    enable_phone=3,
    extension_moves=3,
    extension_swaps=2,
    number_moves=3,
    number_drops=2,
    plan_switches=2,
    cc_changes=3,
    cc_adds=2,
    cc_removals=1,
    profile_changes=4,
    role_changes=1,
)


def read_live(app: SandboxApp, desired: DesiredState | None = None) -> LiveState:
    """The account as the CLI reads it for `desired` (the primary groups it names too)."""
    needs = read_needs(desired)

    async def read() -> LiveState:
        async with make_client(httpx.ASGITransport(app=app)) as client:
            return await read_account(client, **needs)

    return asyncio.run(read())


def plan_options(args: Sequence[str]) -> PlanOptions:
    """The PlanOptions `zoomstate plan` makes of a scenario's arguments."""
    targets: list[str] = []
    skip_removals = force = False
    rest = iter(args)
    for arg in rest:
        if arg == "--target":
            targets.append(next(rest).lower())
        elif arg == "--skip-removals":
            skip_removals = True
        elif arg == "--force":
            force = True
        else:
            raise ValueError(f"a scenario argument the golden harness does not know: {arg}")
    return PlanOptions(
        targets=frozenset(targets) if targets else None,
        skip_removals=skip_removals,
        force=force,
    )


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan_text(
    desired: DesiredState,
    live: LiveState,
    options: PlanOptions | None = None,
    state_dir: Path | None = None,
) -> str:
    """The golden text: the plan file, or the refusal."""
    try:
        return make_plan(desired, live, options).to_json()
    except ValidationFailed as exc:
        prefix = f"{state_dir}/" if state_dir is not None else None
        problems = [
            str(issue).removeprefix(prefix) if prefix else str(issue) for issue in exc.issues
        ]
        return _dumps({"refused": "ValidationFailed", "problems": problems})
    except UnsafePlan as exc:
        return _dumps({"refused": "UnsafePlan", "problems": [str(exc)]})


def scenario_text(scenario: Scenario, root: Path) -> str:
    sandbox_file, state = materialise(scenario, root)
    app = create_app(data=sandbox_file, clock=frozen_clock(), save_interval=0)
    desired = load_state(state)
    return plan_text(desired, read_live(app, desired), plan_options(scenario.args), state)


def demo_text(_root: Path) -> str:
    """`state/` against a fresh demo account, as `make demo` plans it first."""
    desired = load_state(REPO / "state")
    live = read_live(create_app(seed="demo", clock=frozen_clock()), desired)
    return plan_text(desired, live, state_dir=REPO / "state")


def mixed_text(_root: Path) -> str:
    live = read_live(sandbox_app(MIXED_USERS, MIXED_SEED))
    return plan_text(desired_state(live, MIXED_SEED, MIXED_CHANGES), live)


def _scenario_maker(scenario: Scenario) -> Callable[[Path], str]:
    return lambda root: scenario_text(scenario, root)


GOLDENS: Mapping[str, Callable[[Path], str]] = {
    **{s.name: _scenario_maker(s) for s in SCENARIOS},
    DEMO: demo_text,
    MIXED: mixed_text,
}


def golden_path(name: str) -> Path:
    return PLANS_DIR / f"{name}.json"


__all__ = ["DEMO", "GOLDENS", "MIXED", "PLANS_DIR", "golden_path", "plan_options", "plan_text"]
