"""The plan as JSON: stable and versioned (`format_version`)."""

from __future__ import annotations

from zoomstate.plan import Plan


def render_plan_json(plan: Plan) -> str:
    return plan.to_json()
